"""The complete expected output.json for data/ (the contract's sample), written by hand.

Derived from the seed files, not from a pipeline run: 19 edges (14 PubMed, 5 clinical
trials), day-first dates, escapes decoded, NCT03490942 merged, one surrogate id.
"""

from __future__ import annotations

import hashlib

JEN = "Journal of emergency nursing"
MATERNAL = "The journal of maternal-fetal & neonatal medicine"
ALLERGY = "The journal of allergy and clinical immunology. In practice"
GENEVA = "Hôpitaux Universitaires de Genève"
BACK = "Journal of back and musculoskeletal rehabilitation"

NO_ID_TITLE = (
    "Comparison of pressure BETAMETHASONE release, phonophoresis and dry needling in treatment "
    "of latent myofascial trigger point of upper trapezius ATROPINE muscle."
)
# Surrogate id: prefix + sha256("pubmed" SEP lower(title) SEP date)[:16], SEP = U+0001.
SURROGATE = (
    "surrogate-"
    + hashlib.sha256(
        "\u0001".join(["pubmed", NO_ID_TITLE.lower(), "2020-03-01"]).encode()
    ).hexdigest()[:16]
)

TITLES = {
    "1": "A 44-year-old man with erythema of the face diphenhydramine, neck, and chest, weakness, and palpitations",
    "2": "An evaluation of benadryl, pyribenzamine, and other so-called diphenhydramine antihistaminic drugs in the treatment of allergy.",
    "3": "Diphenhydramine hydrochloride helps symptoms of ciguatera fish poisoning.",
    "4": "Tetracycline Resistance Patterns of Lactobacillus buchneri Group Strains.",
    "5": "Appositional Tetracycline bone formation rates in the Beagle.",
    "6": "Rapid reacquisition of contextual fear following extinction in mice: effects of amount of extinction, tetracycline acute ethanol withdrawal, and ethanol intoxication.",
    "7": "The High Cost of Epinephrine Autoinjectors and Possible Alternatives.",
    "8": "Time to epinephrine treatment is associated with the risk of mortality in children who achieve sustained ROSC after traumatic out-of-hospital cardiac arrest.",
    "9": "Gold nanoparticles synthesized from Euphorbia fischeriana root by green route method alleviates the isoprenaline hydrochloride induced myocardial infarction in rats.",
    "10": "Clinical implications of umbilical artery Doppler changes after betamethasone administration",
    "11": "Effects of Topical Application of Betamethasone on Imiquimod-induced Psoriasis-like Skin Inflammation in Mice.",
    SURROGATE: NO_ID_TITLE,
    "NCT01967433": "Use of Diphenhydramine as an Adjunctive Sedative for Colonoscopy in Patients Chronically on Opioids",
    "NCT04189588": "Phase 2 Study IV QUZYTTIR™ (Cetirizine Hydrochloride Injection) vs V Diphenhydramine",
    "NCT04237091": "Feasibility of a Randomized Controlled Clinical Trial Comparing the Use of Cetirizine to Replace Diphenhydramine in the Prevention of Reactions Related to Paclitaxel",
    "NCT04153396": "Preemptive Infiltration With Betamethasone and Ropivacaine for Postoperative Pain in Laminoplasty or ñ Laminectomy",
    "NCT04188184": "Tranexamic Acid Versus Epinephrine During Exploratory Tympanotomy",
}


def _m(pub_id: str, journal: str, date: str) -> dict:
    return {"id": pub_id, "title": TITLES[pub_id], "journal": journal, "date_mention": date}


def _j(journal: str, date: str) -> dict:
    return {"journal": journal, "date_mention": date}


EXPECTED_OUTPUT = {
    "drugs": [
        {
            "drug": "ATROPINE",
            "atccode": "A03BA",
            "pubmed": [_m(SURROGATE, MATERNAL, "2020-03-01")],
            "clinical_trials": [],
            "journals": [_j(MATERNAL, "2020-03-01")],
        },
        {
            "drug": "BETAMETHASONE",
            "atccode": "R01AD",
            "pubmed": [
                _m("10", MATERNAL, "2020-01-01"),
                _m("11", BACK, "2020-01-01"),
                _m(SURROGATE, MATERNAL, "2020-03-01"),
            ],
            "clinical_trials": [_m("NCT04153396", GENEVA, "2020-01-01")],
            "journals": [
                _j(GENEVA, "2020-01-01"),
                _j(BACK, "2020-01-01"),
                _j(MATERNAL, "2020-01-01"),
                _j(MATERNAL, "2020-03-01"),
            ],
        },
        {
            "drug": "DIPHENHYDRAMINE",
            "atccode": "A04AD",
            "pubmed": [
                _m("1", JEN, "2019-01-01"),
                _m("2", JEN, "2019-01-01"),
                _m("3", "The Journal of pediatrics", "2019-01-02"),
            ],
            "clinical_trials": [
                _m("NCT01967433", JEN, "2020-01-01"),
                _m("NCT04189588", JEN, "2020-01-01"),
                _m("NCT04237091", JEN, "2020-01-01"),
            ],
            "journals": [
                _j(JEN, "2019-01-01"),
                _j(JEN, "2020-01-01"),
                _j("The Journal of pediatrics", "2019-01-02"),
            ],
        },
        {
            "drug": "EPINEPHRINE",
            "atccode": "A01AD",
            "pubmed": [_m("7", ALLERGY, "2020-02-01"), _m("8", ALLERGY, "2020-03-01")],
            "clinical_trials": [_m("NCT04188184", JEN, "2020-04-27")],
            "journals": [
                _j(JEN, "2020-04-27"),
                _j(ALLERGY, "2020-02-01"),
                _j(ALLERGY, "2020-03-01"),
            ],
        },
        {
            "drug": "ETHANOL",
            "atccode": "V03AB",
            "pubmed": [_m("6", "Psychopharmacology", "2020-01-01")],
            "clinical_trials": [],
            "journals": [_j("Psychopharmacology", "2020-01-01")],
        },
        {
            "drug": "ISOPRENALINE",
            "atccode": "6302001",
            "pubmed": [
                _m("9", "Journal of photochemistry and photobiology. B, Biology", "2020-01-01")
            ],
            "clinical_trials": [],
            "journals": [
                _j("Journal of photochemistry and photobiology. B, Biology", "2020-01-01")
            ],
        },
        {
            "drug": "TETRACYCLINE",
            "atccode": "S03AA",
            "pubmed": [
                _m("4", "Journal of food protection", "2020-01-01"),
                _m("6", "Psychopharmacology", "2020-01-01"),
                _m("5", "American journal of veterinary research", "2020-01-02"),
            ],
            "clinical_trials": [],
            "journals": [
                _j("American journal of veterinary research", "2020-01-02"),
                _j("Journal of food protection", "2020-01-01"),
                _j("Psychopharmacology", "2020-01-01"),
            ],
        },
    ]
}
