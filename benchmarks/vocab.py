"""Word lists of the synthetic generator: filler title words, journals, drug-name parts.

Filler words and drug words are disjoint by construction (drug names are made of syllables
that form no filler word; the generator also drops any drug whose words meet the filler
list), so the only drug mentions in a title are the ones the generator put there.
"""

from __future__ import annotations


def _words(text: str) -> list[str]:
    return text.split()


FILLER = _words(
    """
a an the of in on for with and or to by from versus after before during among without
randomized controlled trial study cohort analysis review meta systematic case report series
patients adults children infants elderly women men volunteers subjects population outcomes
effect effects efficacy safety tolerability treatment therapy management prevention risk
acute chronic severe mild moderate early late onset primary secondary adjuvant combined
oral intravenous topical dose doses dosing regimen high low single multiple daily weekly
evaluation assessment comparison association response resistance failure recovery survival
mortality morbidity incidence prevalence symptoms pain fever infection inflammation disease
heart kidney liver lung brain skin bone blood plasma serum tissue cells gene protein receptor
cancer tumor carcinoma lymphoma leukemia diabetes hypertension asthma arthritis migraine
depression anxiety schizophrenia epilepsy stroke sepsis pneumonia influenza obesity allergy
surgery anesthesia emergency intensive care hospital clinical outpatient community setting
model mouse rat rats mice vitro vivo human pilot phase open label blind double placebo
novel new potential role mechanism pathway expression levels activity function impact
versus long term short follow up years months weeks days retrospective prospective
multicenter national regional global trends patterns predictors markers biomarkers factors
quality life adherence cost costs utilization prescribing guidelines practice evidence
"""
)

JOURNAL_FIELDS = """emergency nursing|pediatrics|food protection|clinical oncology|internal medicine
|cardiology|neurology|infectious diseases|pharmacology|psychiatry|dermatology|nephrology
|gastroenterology|hepatology|rheumatology|endocrinology|anesthesiology|critical care
|respiratory medicine|clinical pharmacy|toxicology|public health|epidemiology|virology
|microbiology|hematology|urology|ophthalmology|geriatrics|sports medicine""".replace(
    "\n", ""
).split("|")

JOURNAL_FORMS = (
    "Journal of {}",
    "The Journal of {}",
    "Annals of {}",
    "Archives of {}",
    "International journal of {}",
    "American journal of {}",
    "European journal of {}",
    "Clinical {} reports",
)

DRUG_PREFIXES = _words(
    """amo ben cef cip clo dap dex dox ena eso fluo gaba hydro ibu keto lami levo
lora meto mira nap olan pan pro quin rami rosu sert sim tam tera vala war zol ator bupro
carba dulo esci feno glim halo itra lino mor nitro oxa pari rifa sota tiza trama vera zido
acy bisa cele dilti eto fexo"""
)

DRUG_MIDDLES = ["", "xi", "la", "ti", "ro", "me", "va", "no", "da", "fe", "zo", "bu", "ci", "pe"]

DRUG_SUFFIXES = _words(
    """cillin mycin pril olol sartan statin azole oxacin tidine mab vir pine zepam
done tropine prazole dronate floxacin lukast triptan setron profen cycline caine barbital
semide thiazide gliptin glitazone tinib parin vudine dipine lamide rone xetine pramine zosin
terol sone"""
)

# Second (and third) words of multi-word drug names; never the first word of a drug.
QUALIFIERS = (
    "HYDROCHLORIDE",
    "SODIUM",
    "ACID",
    "SULFATE",
    "CALCIUM",
    "POTASSIUM",
    "MESYLATE",
    "CITRATE",
    "MALEATE",
    "TARTRATE",
    "SODIUM SUCCINATE",
    "HYDROCHLORIDE MONOHYDRATE",
)

# Words glued to a drug name: a near miss that must NOT count (not a whole word).
GLUED_PREFIXES = ("oxy", "non", "pre", "des")

# Decorations around a mentioned drug: still a whole-word mention.
DECORATIONS = ("{}", "{}", "{}", "({})", "{}-resistant", "{}-induced", "{},", "{}-based")

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

# Dates the contract rejects (invalid_date): impossible, unsupported shape, empty.
BAD_DATES = (
    "31/02/2021",
    "2021-13-01",
    "2020/02/30",
    "32 January 2020",
    "01-01-2020",
    "sometime in 2019",
    "",
    "2019.05.04",
)
