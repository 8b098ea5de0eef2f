"""Unit tests of drug_mentions.page_html: one self-contained file, safe data, bounded size."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from drug_mentions import page_html
from drug_mentions.page import Limits

VENDOR = Path(page_html.__file__).parent / page_html.ASSETS / "vendor"
SUMMARY = {
    "run_id": "r1",
    "drugs_mentioned": 2,
    "files": [{"file": f"pubmed_{i:03}.csv", "rows": i} for i in range(150)],
    "sources": {},
}
DATA = {
    "drugs": [["B", "b1", 2, 0, 1, 1], ["A", "a1", 1, 1, 2, 1]],
    "journals": [["J1", 2, 2, 3], ["J2", 1, 0, 1]],
    "links": [["B", "J1", 2, 0], ["A", "J1", 1, 0], ["A", "J2", 0, 1]],
    "publications": [
        ["B", "pubmed", "2", "</script><script>alert(1)</script>", "2020-02-01", "J1"],
        ["A", "clinical_trials", "NCT1", "A & <!--DATA--> trial", "2020-03-01", "J2"],
    ],
    "totals": {"links": 3, "journals": 2},
}
WHERE = {"mentions": "out/mentions", "rejects": "out/rejects", "output.json": "out/output.json"}
_DATA_ELEMENT = re.compile(r'<script id="page-data" type="application/json">(.*?)</script>', re.S)


def payload(html: str) -> dict:
    [text] = _DATA_ELEMENT.findall(html)
    return json.loads(text)


def test_the_page_is_one_file_with_its_scripts_styles_and_data_inline():
    html = page_html.render(SUMMARY, DATA, Limits(), WHERE)

    assert not re.search(r"\b(src|href)\s*=|<link|@import|url\(", html)  # nothing to fetch
    assert "default-src 'none'" in html  # and the page may not fetch anything either
    for name in page_html.SCRIPTS:
        assert page_html.asset(name) in html
    assert page_html.asset("style.css") in html
    assert "Copyright 2010-2026 Mike Bostock" in html  # the vendored code's licence
    assert payload(html) == {
        "report": {**SUMMARY, "files": SUMMARY["files"][:100], "files_total": 150},
        "limits": {
            "drugs": 1000,
            "journals": 1000,
            "links_per_drug": 50,
            "publications_per_drug": 10,
            "text_chars": 200,
        },
        "where": WHERE,
        "drugs": DATA["drugs"],
        "journals": DATA["journals"],
        "links": [[0, 0, 2, 0], [1, 0, 1, 0], [1, 1, 0, 1]],
        "publications": [
            [0, "pubmed", "2", "</script><script>alert(1)</script>", "2020-02-01", "J1"],
            [1, "clinical_trials", "NCT1", "A & <!--DATA--> trial", "2020-03-01", "J2"],
        ],
        "publications_drugs": 2,
        "totals": {"links": 3, "journals": 2, "drugs": 2},
    }


def test_no_text_of_the_data_can_close_its_script_element():
    html = page_html.render(SUMMARY, DATA, Limits(), WHERE)
    [data] = _DATA_ELEMENT.findall(html)
    assert "<" not in data and ">" not in data and "&" not in data
    assert html.count("</script>") == 1 + len(page_html.SCRIPTS)


def test_names_are_clipped():
    long = {**DATA, "drugs": [["X" * 30, "x", 1, 0, 0, 0]], "links": [], "publications": []}
    shown = page_html.indexed(long, chars=10)
    assert shown["drugs"] == [["XXXXXXXXX…", "x", 1, 0, 0, 0]]
    assert page_html.clip_text(None, 3) is None


def test_publications_fit_the_budget_drug_by_drug_in_rank_order():
    rows = [[1, "pubmed", "1", "x" * 50], [0, "pubmed", "2", "y"], [1, "pubmed", "3", "z"]]
    first_drug = len(json.dumps(rows[1], separators=(",", ":"))) + 1
    assert page_html.within_budget(rows, first_drug) == ([rows[1]], 1)
    assert page_html.within_budget(rows, first_drug - 1) == ([], 0)
    assert page_html.within_budget(rows, 10_000) == ([rows[1], rows[0], rows[2]], 2)


def test_the_page_stays_under_5_mb_whatever_the_titles():
    # 1,000 drugs x 10 publications of 200 four-byte characters: 8 MB of titles alone.
    chars = Limits().text_chars
    title = "\U0001d538" * (chars - 1) + "…"
    names = [f"DRUG {i:04}" for i in range(1000)]
    data = {
        "drugs": [[name, "atc", 10, 0, 1, 1] for name in names],
        "journals": [["J", 1000, 1000, 10_000]],
        "links": [[name, "J", 10, 0] for name in names],
        "publications": [
            [n, "pubmed", f"{i}", title, "2020-01-01", "J"] for n in names for i in range(10)
        ],
        "totals": {"links": 1000, "journals": 1},
    }
    html = page_html.render({**SUMMARY, "drugs_mentioned": 1000}, data, Limits(), WHERE)
    size = len(html.encode("utf-8"))
    assert page_html.MAX_BYTES - 10_000 < size <= page_html.MAX_BYTES == 5_000_000
    shown = payload(html)
    kept = shown["publications_drugs"]
    assert 0 < kept < 1000
    assert len(shown["publications"]) == 10 * kept
    assert {row[0] for row in shown["publications"]} == set(range(kept))  # the top drugs


def test_the_vendored_files_are_the_pinned_ones():
    table = (VENDOR / "README.md").read_text(encoding="utf-8")
    pinned = re.findall(r"^\| (\S+) \| (\S+) \| ([\d.]+) \| ([0-9a-f]{64}) \|$", table, re.M)
    assert sorted(name for name, *_ in pinned) == sorted(
        p.name for p in VENDOR.iterdir() if p.name != "README.md"
    )
    for name, package, version, digest in pinned:
        data = (VENDOR / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == digest, name
        if name.endswith(".js"):
            assert data.startswith(f"// https://d3js.org/{package}/ v{version} ".encode()), name
    scripts = [name.removeprefix("vendor/") for name in page_html.SCRIPTS if "vendor/" in name]
    assert sorted(scripts) == sorted(name for name, *_ in pinned if name.endswith(".js"))
