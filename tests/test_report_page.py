"""report.html in a real browser: headless Chromium (the system's) opens the sample run's page.

One browser and one page per module; each test puts the page in the state it checks (the
overview, a search). Skipped, with a message, only where no Chromium is installed
(``.ci/install-chromium.sh`` installs Debian's, as root: ``make test`` runs it).
"""

from __future__ import annotations

import json
from functools import reduce
from types import SimpleNamespace

import pytest
from drug_mentions import contract, page_html, queries
from drug_mentions.page import Limits, collect
from pyspark.sql import functions as F

from tests import browser

pytestmark = pytest.mark.skipif(
    browser.chromium_path() is None, reason=f"no Chromium on the PATH: {browser.INSTALL_HINT}"
)

NODES = "els => els.map(e => [e.dataset.kind, e.dataset.name])"
TEXTS = "els => els.map(e => e.dataset.name || e.textContent)"


@pytest.fixture(scope="module")
def chromium():
    with browser.chromium() as opened:
        yield opened


def open_report(chromium, html):
    """The page, with what it requested and every error it logged."""
    tab = chromium.new_page(viewport=browser.VIEWPORT)
    seen = SimpleNamespace(page=tab, requests=[], errors=[])
    tab.on("request", lambda request: seen.requests.append(request.url))
    tab.on("pageerror", lambda error: seen.errors.append(str(error)))
    tab.on("console", lambda m: seen.errors.append(m.text) if m.type == "error" else None)
    tab.goto(html.resolve().as_uri())
    tab.wait_for_selector("body[data-ready='true']", timeout=15_000)
    return seen


@pytest.fixture(scope="module")
def sample(sample_main):
    graph = json.loads((sample_main / contract.OUTPUT_JSON).read_text(encoding="utf-8"))
    report = json.loads((sample_main / contract.RUN_REPORT).read_text(encoding="utf-8"))
    mentioned = {
        d["drug"]: d for d in graph["drugs"] if d[contract.PUBMED] or d[contract.CLINICAL_TRIALS]
    }
    pairs = {(name, j["journal"]) for name, d in mentioned.items() for j in d["journals"]}
    return SimpleNamespace(report=report, drugs=mentioned, pairs=pairs)


@pytest.fixture(scope="module")
def shown(chromium, sample_main):
    seen = open_report(chromium, sample_main / contract.REPORT_HTML)
    yield seen
    seen.page.close()


def overview(tab):
    tab.click("#overview")
    return sorted(tab.eval_on_selector_all("#graph g.node", NODES))


def search(tab, text):
    tab.fill("#search", text)
    tab.press("#search", "Enter")


def test_the_graph_shows_every_drug_mentioned_and_its_journals(shown, sample):
    nodes = overview(shown.page)

    journals = sorted({journal for _, journal in sample.pairs})
    assert nodes == sorted([["drug", d] for d in sample.drugs] + [["journal", j] for j in journals])
    assert len(nodes) == 7 + 10
    edges = shown.page.eval_on_selector_all(
        "#graph line.link", "els => els.map(e => [e.dataset.drug, e.dataset.journal])"
    )
    assert sorted(map(tuple, edges)) == sorted(sample.pairs)
    assert shown.page.text_content("#graph-caption").startswith(
        "Overview: the 7 drugs most mentioned and 10 journals they appear in"
    )


def test_the_numbers_on_the_page_are_the_run_reports(shown, sample):
    cells = shown.page.eval_on_selector_all(
        "[data-key]", "els => els.map(e => [e.dataset.key, e.textContent])"
    )

    def value(key):
        found = sample.report
        for part in key.split("."):
            found = found[int(part)] if isinstance(found, list) else found[part]
        return found

    shown_values = {key: float(text.replace(",", "")) for key, text in cells}
    assert shown_values == {key: value(key) for key, _ in cells}
    expected_keys = {
        *(
            f"sources.{source}.{n}"
            for source in contract.SOURCES
            for n in ("rows", "kept", "rejected", "merged_duplicates")
        ),
        "sources.clinical_trials.rejected_by_reason.missing_title",
        "edges.pubmed",
        "edges.clinical_trials",
        "edges.total",
        "drugs_mentioned",
        "rejects_total",
        "output_json.drugs",
        "duration_seconds",
        *(f"files.{i}.{n}" for i in range(4) for n in ("rows", "blank_lines_ignored", "bytes")),
    }
    assert set(shown_values) == expected_keys
    assert shown.page.text_content("#run-id") == f"run {sample.report['run_id']}"


def test_searching_epinephrine_shows_its_journals_and_publications(shown, sample):
    search(shown.page, "EPINEPHRINE")

    epinephrine = sample.drugs["EPINEPHRINE"]
    journals = sorted({j["journal"] for j in epinephrine["journals"]})
    assert journals == [
        "Journal of emergency nursing",
        "The journal of allergy and clinical immunology. In practice",
    ]
    nodes = sorted(shown.page.eval_on_selector_all("#graph g.node", NODES))
    assert nodes == [["drug", "EPINEPHRINE"], *(["journal", j] for j in journals)]
    assert shown.page.text_content("#details-name") == "EPINEPHRINE"
    listed = shown.page.eval_on_selector_all("#details-journals button", TEXTS)
    assert sorted(listed) == journals
    rows = shown.page.eval_on_selector_all(
        "#publications tr", "rows => rows.slice(1).map(r => [...r.cells].map(c => c.textContent))"
    )
    expected = [
        [m["id"], m["title"], m["date_mention"], m["journal"], source]
        for source in contract.PUBLICATION_SOURCES
        for m in epinephrine[source]
    ]
    # Latest first, then by source and id (a stable sort keeps that order among equal dates).
    by_source = sorted(expected, key=lambda r: (r[4], r[0]))
    assert rows == sorted(by_source, key=lambda r: r[2], reverse=True)
    assert len(rows) == 3


def test_related_drugs_are_the_adhoc_querys(spark, shown, sample, sample_main):
    mentions = spark.read.schema(contract.MENTIONS_SCHEMA).parquet(
        str(sample_main / contract.MENTIONS_DIR)
    )
    answers = [
        queries.related_drugs(mentions, drug).withColumn("of", F.lit(drug))
        for drug in sorted(sample.drugs)
    ]
    expected = {drug: [] for drug in sample.drugs}
    for row in reduce(lambda a, b: a.unionByName(b), answers).orderBy("of", "drug").collect():
        expected[row.of].append(row.drug)
    assert expected["TETRACYCLINE"] == ["ETHANOL"]  # the contract's example

    found = {}
    for drug in sorted(sample.drugs):
        search(shown.page, drug)
        shown.page.click("#related-button")
        found[drug] = shown.page.eval_on_selector_all("#related-list button", TEXTS)
        assert shown.page.get_attribute("#related-exact", "data-exact") == "true"
    assert found == expected


def test_clicking_a_journal_then_one_of_its_drugs(shown, sample):
    overview(shown.page)
    shown.page.click("#graph g.node.journal[data-name='Journal of emergency nursing']")
    assert shown.page.text_content("#details-name") == "Journal of emergency nursing"
    drugs = shown.page.eval_on_selector_all("#details-drugs button", TEXTS)
    assert sorted(drugs) == sorted(
        d for d, j in sample.pairs if j == "Journal of emergency nursing"
    )
    shown.page.click("#details-drugs button[data-name='DIPHENHYDRAMINE']")
    assert shown.page.text_content("#details-name") == "DIPHENHYDRAMINE"
    assert shown.page.text_content("#details-pubmed") == "3"
    assert shown.page.text_content("#details-clinical-trials") == "3"


def test_the_page_fetched_nothing_and_logged_no_error(shown, sample_main):
    assert shown.requests == [(sample_main / contract.REPORT_HTML).resolve().as_uri()]
    assert shown.errors == []


# --- At scale: more drugs, journals and links than the page holds ----------------------------


def synthetic_mentions(spark, edges: int, drugs: int, journals: int):
    """``edges`` mentions of ``drugs`` drugs (skewed: DRUG 0000 the most mentioned) in
    ``journals`` journals, with 300-character non-ASCII titles."""
    i = F.col("id")
    spread = (i * 0.6180339887) % 1  # golden-ratio sequence: evenly spread, no randomness
    drug = F.floor(F.pow(spread, 3) * drugs).cast("int")
    return spark.range(edges).select(
        F.format_string("DRUG %04d", drug).alias("drug"),
        F.format_string("ATC%04d", drug).alias("atccode"),
        i.cast("string").alias("id"),
        F.concat(F.lit("Étude "), i.cast("string"), F.repeat(F.lit(" títle"), 49)).alias("title"),
        F.format_string("Journal %04d", (i * 7 + drug * 13) % journals).alias("journal"),
        F.date_add(F.lit("2020-01-01").cast("date"), (i % 1000).cast("int")).alias("date_mention"),
        F.when(i % 5 == 0, contract.CLINICAL_TRIALS).otherwise(contract.PUBMED).alias("source"),
    )


@pytest.fixture(scope="module")
def big(spark, sample, tmp_path_factory):
    mentions = synthetic_mentions(spark, edges=30_000, drugs=1_500, journals=1_200)
    counted = mentions.agg(
        F.count_distinct("drug").alias("drugs"),
        F.count_distinct("journal").alias("journals"),
        F.count_distinct("drug", "journal").alias("links"),
    )
    truth = counted.first().asDict()
    data = collect(mentions, truth["drugs"], Limits())
    report = {**sample.report, "drugs_mentioned": truth["drugs"]}
    where = {name: f"big/{name}" for name in page_html.WHERE_ENTRIES}
    html = tmp_path_factory.mktemp("big") / contract.REPORT_HTML
    html.write_text(page_html.render(report, data, Limits(), where), encoding="utf-8")
    return SimpleNamespace(data=data, truth=truth, html=html)


def test_at_scale_the_page_holds_the_top_of_each_ranking(big):
    assert big.truth == {"drugs": 1_500, "journals": 1_200, "links": big.truth["links"]}
    assert big.truth["links"] > 20_000
    data = big.data
    assert (len(data["drugs"]), len(data["journals"])) == (1_000, 1_000)
    assert data["totals"] == {"links": big.truth["links"], "journals": 1_200}
    mentions = [row[2] + row[3] for row in data["drugs"]]
    assert mentions == sorted(mentions, reverse=True)
    assert data["drugs"][0][0] == "DRUG 0000"
    listed_drugs = {row[0] for row in data["drugs"]}
    listed_journals = {row[0] for row in data["journals"]}
    per_drug: dict[str, int] = {}
    for drug, journal, *_ in data["links"]:
        assert drug in listed_drugs and journal in listed_journals
        per_drug[drug] = per_drug.get(drug, 0) + 1
    assert max(per_drug.values()) == Limits().links_per_drug
    assert {len(row[3]) for row in data["publications"]} == {Limits().text_chars}  # clipped
    assert big.html.stat().st_size <= page_html.MAX_BYTES


def test_at_scale_the_browser_shows_the_overview_and_says_what_it_left_out(chromium, big):
    seen = open_report(chromium, big.html)
    tab = seen.page
    nodes = tab.eval_on_selector_all("#graph g.node", NODES)
    kinds = [kind for kind, _ in nodes]
    assert (kinds.count("drug"), kinds.count("journal")) == (40, 60)
    left_out = tab.text_content("#left-out-list")
    assert "Drugs: the 1,000 most mentioned of 1,500 drugs mentioned." in left_out
    assert "Journals: the 1,000 with the most drugs of 1,200 journals." in left_out
    assert f"of {big.truth['links']:,}" in left_out
    assert "big/mentions" in left_out

    search(tab, "DRUG 0999")
    on_page = sum(1 for row in big.data["links"] if row[0] == "DRUG 0999")
    assert len(tab.eval_on_selector_all("#graph g.node", NODES)) == 1 + on_page
    assert seen.errors == []
    print(
        f"big page: {big.html.stat().st_size} bytes, built in {tab.get_attribute('body', 'data-build-ms')} ms"
    )
    tab.close()
