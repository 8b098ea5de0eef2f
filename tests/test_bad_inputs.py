"""Bad-input matrix through the real entry point (``pipeline.main`` in-process).

Every defect ends in exactly one of two ways, never a traceback, never a silent drop:

* **fatal**: one line ``error: <file>: <problem>`` on stderr, exit code 2, nothing written
  (the previous output is byte-identical, no staging folder is left);
* **accepted**: the run succeeds and every bad row is counted (``rejects/`` with its reason,
  ``run_report.json``), and per source ``rows = kept + rejected + merged_duplicates``, where
  ``rows`` is exactly the number of data records written into the files.

The accepted defects each live in their own file(s) beside a small clean base, so ONE run
checks them all with unambiguous per-file numbers (the file name is in every reject).

| defect                                    | file(s)                          | outcome                           |
|-------------------------------------------|----------------------------------|-----------------------------------|
| empty (0 bytes) drugs / trials CSV        | drugs.csv, clinical_trials.csv   | fatal: empty file                 |
| empty (0 bytes) PubMed JSON               | pubmed.json                      | fatal: no JSON record             |
| header-only drug list / no usable drug    | drugs.csv                        | fatal: no usable drug row         |
| missing required column                   | pubmed.csv                       | fatal: missing column(s)          |
| wrong delimiter (``;``)                   | clinical_trials.csv              | fatal: missing column(s)          |
| binary junk instead of JSON / CSV         | pubmed.json, drugs.csv           | fatal: no JSON record / columns   |
| JSON not an array of objects              | pubmed.json (object, string, [1])| fatal: no JSON record             |
| header-only PubMed / trials CSV           | *_header_only.csv                | accepted: 0 rows                  |
| extra and reordered columns               | pubmed_extra_columns.csv         | accepted: picked by header name   |
| wrong number of fields                    | pubmed_ragged.csv                | malformed_record                  |
| unbalanced quotes                         | pubmed_quotes.csv                | stray quote kept; unclosed quote: one malformed_record up to EOF |
| binary junk lines after a good header     | pubmed_junk.csv                  | malformed_record                  |
| a 10 MB title                             | pubmed_huge_title.csv            | kept and matched                  |
| Latin-1 encoded CSV                       | clinical_trials_latin1.csv       | kept, non-UTF-8 bytes become U+FFFD |
| JSON with comments and a trailing comma   | pubmed_comments.json             | kept                              |
| one JSON object on one line (not an array)| pubmed_object.json               | kept (it is JSON Lines)           |
| JSON Lines with non-object lines          | pubmed_lines.jsonl               | malformed_record; comment and blank lines ignored, counted |
| duplicate drug list entries               | drugs_more.csv (+ drugs.csv)     | duplicate_drug (smallest atccode kept), missing_drug |
| duplicate publications                    | pubmed_duplicates.csv            | merged into the base record       |
"""

from __future__ import annotations

import contextlib
import io
import json
import random
import shutil
from collections import Counter
from pathlib import Path

import pytest

from tests.helpers import DATA, load_entry_point

pipeline = load_entry_point("pipeline")

BAD_JSON = "no JSON record can be read (not JSON, or no object)"


def _junk(seed: int, size: int, forbidden: bytes = b"") -> bytes:
    """Reproducible binary junk: control and high bytes, without the ``forbidden`` ones."""
    rng = random.Random(seed)
    alphabet = [b for b in [*range(0, 32), *range(127, 256)] if b not in forbidden]
    return bytes(rng.choice(alphabet) for _ in range(size))


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


# --------------------------------------------------------------------------------------------
# Fatal defects: data/ with one file replaced; an existing output must survive untouched.
# --------------------------------------------------------------------------------------------

FATAL_CASES = {
    "empty drugs file": ("drugs.csv", b"", "drugs.csv: empty file, expected a header line"),
    "empty trials file": (
        "clinical_trials.csv",
        b"",
        "clinical_trials.csv: empty file, expected a header line",
    ),
    "empty JSON file": ("pubmed.json", b"", "pubmed.json: empty file, no JSON record can be read"),
    "header-only drug list": (
        "drugs.csv",
        b"atccode,drug\r\n\r\n",
        "drugs.csv: no usable drug row (empty drug list)",
    ),
    "drug list without a name": (
        "drugs.csv",
        b"atccode,drug\nA01,\nA02,  \n",
        "drugs.csv: no usable drug row (empty drug list)",
    ),
    "missing required column": (
        "pubmed.csv",
        b"id,title,journal\n1,Ethanol,J\n",
        "pubmed.csv: missing column(s) date (header has: id, title, journal)",
    ),
    "wrong delimiter": (
        "clinical_trials.csv",
        b"id;scientific_title;date;journal\nNCT1;Ethanol;01/01/2020;J\n",
        "clinical_trials.csv: missing column(s) id, scientific_title, date, journal "
        "(header has: id;scientific_title;date;journal)",
    ),
    "binary junk JSON": ("pubmed.json", _junk(1, 4096), f"pubmed.json: {BAD_JSON}"),
    "binary junk CSV": (
        "drugs.csv",
        _junk(2, 4096, forbidden=b'",\r\n') + b"\n" + _junk(3, 100),
        None,  # message checked below: names the file and the missing columns, one line
    ),
    "pretty JSON object": (
        "pubmed.json",
        b'{\n  "id": 1,\n  "title": "Ethanol",\n  "date": "01/01/2020"\n}\n',
        f"pubmed.json: {BAD_JSON}",
    ),
    "JSON string": ("pubmed.json", b'"a string, not records"\n', f"pubmed.json: {BAD_JSON}"),
    "JSON array of numbers": ("pubmed.json", b"[1, 2, 3]", f"pubmed.json: {BAD_JSON}"),
}


@pytest.mark.parametrize("case", list(FATAL_CASES))
def test_fatal_defect_exits_2_with_one_line_and_keeps_the_previous_output(
    spark, tmp_path, capsys, case
):
    name, content, message = FATAL_CASES[case]
    folder = tmp_path / "in"
    shutil.copytree(DATA, folder)
    (folder / name).write_bytes(content)
    out = tmp_path / "output"
    out.mkdir()
    (out / "output.json").write_text('{"drugs": []}\n')
    (out / "run_report.json").write_text("{}\n")
    before = _tree(out)

    code = pipeline.main(["--input", str(folder), "--output", str(out)])

    err = capsys.readouterr().err
    error_lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert code == 2
    assert "Traceback" not in err
    assert error_lines == [err.strip().splitlines()[-1]]
    if message is None:  # junk header: shown escaped, cut short, on one printable line
        assert error_lines[0].startswith("error: drugs.csv: missing column(s) atccode, drug")
        assert error_lines[0].isprintable()
        assert error_lines[0].endswith("...)")
    else:
        assert error_lines == [f"error: {message}"]
    assert _tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "output"]


# --------------------------------------------------------------------------------------------
# Accepted defects: one run over a clean base plus one file (or two) per defect.
# --------------------------------------------------------------------------------------------

BASE = {
    "drugs.csv": "atccode,drug\nA1,ETHANOL\nB2,ATROPINE\nC3,TETRACYCLINE\n",
    "pubmed.csv": "id,title,date,journal\n1,Ethanol in mice,01/01/2020,J1\n2,Atropine dose,2020-01-02,J2\n",
    "pubmed.json": '[{"id": 3, "title": "Tetracycline resistance", "date": "3 March 2020", "journal": "J3"}]',
    "clinical_trials.csv": "id,scientific_title,date,journal\nNCT1,Ethanol trial,01/04/2020,J4\n",
}
HUGE_TITLE = "Ethanol " + ("x" * 999 + " ") * 10_000  # 10 MB, 10,001 words
LATIN1 = (
    "id,scientific_title,date,journal\n"
    "NCT2,Étude de l'éthanol: ethanol chez l'enfant,01/05/2020,Hôpital Genève\n"
    "NCT3,Atropine à forte dose,02/05/2020,Revue médicale\n"
).encode("latin-1")
JUNK_LINES = _junk(4, 300, forbidden=b'",\r\n') + b"\n" + _junk(5, 80, forbidden=b'",\r\n')

# file -> (content, source, data records, {reason: count}, merged duplicates)
ACCEPTED_FILES: dict[str, tuple[str | bytes, str, int, dict[str, int], int]] = {
    "pubmed_header_only.csv": ("id,title,date,journal\n", "pubmed", 0, {}, 0),
    "clinical_trials_header_only.csv": (
        "\ufeffid,scientific_title,date,journal\r\n",
        "clinical_trials",
        0,
        {},
        0,
    ),
    "pubmed_extra_columns.csv": (
        "journal,doi,date,ID,Title,notes\n"
        "J5,10.1/x,05/01/2020,10,Atropine and ethanol,n\n"
        'J5,,06/01/2020,11,"Tetracycline, again",\n',
        "pubmed",
        2,
        {},
        0,
    ),
    "pubmed_ragged.csv": (
        "id,title,date,journal\n"
        "20,Ethanol,01/01/2020\n"  # 3 fields
        "21,Ethanol,01/01/2020,J,extra\n"  # 5 fields
        "22,Ethanol ragged,01/01/2020,J6\n",
        "pubmed",
        3,
        {"malformed_record": 2},
        0,
    ),
    "pubmed_quotes.csv": (
        "id,title,date,journal\n"
        '30,Atropine "so-called" quote,01/01/2020,J7\n'  # stray quotes inside a field: kept
        '31,"never closed, 01/01/2020,J7\n'  # unclosed: the rest of the file is one field
        "32,Swallowed by the open quote,01/01/2020,J7\n",
        "pubmed",
        2,
        {"malformed_record": 1},
        0,
    ),
    "pubmed_junk.csv": (
        b"id,title,date,journal\n40,Ethanol before junk,01/01/2020,J8\n" + JUNK_LINES + b"\n",
        "pubmed",
        3,
        {"malformed_record": 2},
        0,
    ),
    "pubmed_huge_title.csv": (
        f'id,title,date,journal\n50,"{HUGE_TITLE}",01/01/2020,J9\n',
        "pubmed",
        1,
        {},
        0,
    ),
    "clinical_trials_latin1.csv": (LATIN1, "clinical_trials", 2, {}, 0),
    "pubmed_comments.json": (
        "// monthly drop\n[\n"
        '  {"id": 60, "title": "Ethanol /* not a comment */ here", "date": "01/01/2020"},\n'
        '  /* a comment */ {"id": "61", "title": "Atropine", "date": "2020/01/02", "journal": "J10"},\n'
        "]\n",
        "pubmed",
        2,
        {},
        0,
    ),
    "pubmed_object.json": (
        '{"id": 70, "title": "Ethanol object", "date": "01/01/2020", "journal": "J11"}\n',
        "pubmed",
        1,
        {},
        0,
    ),
    "pubmed_lines.jsonl": (
        '{"id": 80, "title": "Ethanol line", "date": "01/01/2020", "journal": "J12"}\n'
        '"a string"\n42\n[{"id": 81}]\n\n// a comment line\n'
        '{"id": 82, "title": "Atropine line", "date": "31/02/2020"}\n',
        "pubmed",
        5,
        {"malformed_record": 3, "invalid_date": 1},
        0,
    ),
    "pubmed_duplicates.csv": (
        "id,title,date,journal\n"
        "1,Ethanol in mice (again),01/01/2020,\n"  # same id as pubmed.csv row 1
        ",ETHANOL IN MICE,01/01/2020,\n"  # same title (any case) and date, no id
        "90,,01/01/2020,J13\n",  # no title
        "pubmed",
        3,
        {"missing_title": 1},
        2,
    ),
    "drugs_more.csv": (
        "atccode,drug\n"
        "Z9,ethanol\n"  # duplicate of A1 ETHANOL: Z9 > A1, rejected
        "A0,  Atropine \n"  # duplicate of B2 ATROPINE: A0 < B2, kept; B2 rejected
        "Y1,TETRACYCLINE\nY2,tetracycline\n"
        "X1,\n",  # no name
        "drugs",
        5,
        {"duplicate_drug": 3, "missing_drug": 1},
        0,
    ),
}
# Rejects the defects cause in the base files (drugs.csv: B2 ATROPINE loses to A0).
BASE_REJECTS = {"drugs.csv": {"duplicate_drug": 1}}
BASE_ROWS = {"drugs.csv": 3, "pubmed.csv": 2, "pubmed.json": 1, "clinical_trials.csv": 1}
BLANK_LINES = {"pubmed_lines.jsonl": 2}


@pytest.fixture(scope="module")
def accepted_run(spark, tmp_path_factory):
    """One pipeline run over the base plus every accepted defect: (output, exit code, stderr)."""
    root = tmp_path_factory.mktemp("bad_inputs")
    folder = root / "in"
    folder.mkdir()
    for name, content in BASE.items():
        (folder / name).write_text(content, encoding="utf-8")
    for name, (content, *_) in ACCEPTED_FILES.items():
        data = content.encode("utf-8") if isinstance(content, str) else content
        (folder / name).write_bytes(data)
    out = root / "output"
    err = io.StringIO()
    with contextlib.redirect_stderr(err):  # the job logs to sys.stderr when run in-process
        code = pipeline.main(["--input", str(folder), "--output", str(out), "--run-id", "bad"])
    return out, code, err.getvalue()


def _rejects(out: Path) -> list[dict]:
    return [
        json.loads(line)
        for part in sorted((out / "rejects").glob("*.json"))
        for line in part.read_text(encoding="utf-8").splitlines()
    ]


def _report(out: Path) -> dict:
    return json.loads((out / "run_report.json").read_text(encoding="utf-8"))


def _expected_rejects() -> Counter:
    expected = Counter()
    for name, reasons in BASE_REJECTS.items():
        expected.update({(name, r): n for r, n in reasons.items()})
    for name, (_, _, _, reasons, _) in ACCEPTED_FILES.items():
        expected.update({(name, r): n for r, n in reasons.items()})
    return expected


def test_accepted_defects_give_a_successful_run(accepted_run):
    out, code, err = accepted_run
    assert code == 0, err[-3000:]
    assert "Traceback" not in err
    assert "error:" not in err
    assert sorted(p.name for p in out.parent.iterdir()) == ["in", "output"]


def test_rows_per_file_are_exactly_the_records_written(accepted_run):
    report = _report(accepted_run[0])
    expected_rows = {**BASE_ROWS, **{n: spec[2] for n, spec in ACCEPTED_FILES.items()}}
    assert {f["file"]: f["rows"] for f in report["files"]} == expected_rows
    blank = {f["file"]: f["blank_lines_ignored"] for f in report["files"]}
    assert {name: n for name, n in blank.items() if n} == BLANK_LINES


def test_every_bad_row_is_in_rejects_with_its_file_and_reason(accepted_run):
    rejects = _rejects(accepted_run[0])
    assert Counter((r["file"], r["reason"]) for r in rejects) == _expected_rejects()
    unclosed = [r for r in rejects if r["file"] == "pubmed_quotes.csv"]
    assert unclosed[0]["raw_line"].startswith('31,"never closed, 01/01/2020,J7\n32,Swallowed')


@pytest.mark.parametrize("source", ["drugs", "pubmed", "clinical_trials"])
def test_rows_balance_per_source(accepted_run, source):
    numbers = _report(accepted_run[0])["sources"][source]
    files = [spec for spec in ACCEPTED_FILES.values() if spec[1] == source]
    rows = sum(n for name, n in BASE_ROWS.items() if name.startswith(source))
    rows += sum(spec[2] for spec in files)
    rejected = sum(n for (name, _), n in _expected_rejects().items() if name.startswith(source))
    merged = sum(spec[4] for spec in files)
    assert (numbers["rows"], numbers["rejected"], numbers["merged_duplicates"]) == (
        rows,
        rejected,
        merged,
    )
    assert numbers["kept"] == rows - rejected - merged
    assert numbers["rows"] == numbers["kept"] + numbers["rejected"] + numbers["merged_duplicates"]


def _mentions(out: Path, drug: str, source: str = "pubmed") -> dict[str, dict]:
    graph = json.loads((out / "output.json").read_text(encoding="utf-8"))
    (document,) = [d for d in graph["drugs"] if d["drug"] == drug]
    return {m["id"]: m for m in document[source]}


def test_huge_title_is_kept_whole_and_matched(accepted_run):
    mention = _mentions(accepted_run[0], "ETHANOL")["50"]
    assert len(mention["title"]) == len(HUGE_TITLE) - 1  # trailing space trimmed
    assert mention["title"] == HUGE_TITLE.strip()


def test_latin1_records_are_kept_with_replacement_characters(accepted_run):
    trials = _mentions(accepted_run[0], "ETHANOL", "clinical_trials")
    assert trials["NCT2"]["title"] == "\ufffdtude de l'\ufffdthanol: ethanol chez l'enfant"
    assert trials["NCT2"]["journal"] == "H\ufffdpital Gen\ufffdve"
    assert _mentions(accepted_run[0], "ATROPINE", "clinical_trials")["NCT3"]["title"] == (
        "Atropine \ufffd forte dose"
    )


def test_duplicate_drugs_keep_the_smallest_atccode(accepted_run):
    graph = json.loads((accepted_run[0] / "output.json").read_text(encoding="utf-8"))
    assert [(d["drug"], d["atccode"]) for d in graph["drugs"]] == [
        ("ATROPINE", "A0"),
        ("ETHANOL", "A1"),
        ("TETRACYCLINE", "C3"),
    ]
    dropped = [r for r in _rejects(accepted_run[0]) if r["source"] == "drugs"]
    assert sorted((r["fields"]["atccode"], r["reason"]) for r in dropped) == [
        ("B2", "duplicate_drug"),
        ("X1", "missing_drug"),
        ("Y1", "duplicate_drug"),
        ("Y2", "duplicate_drug"),
        ("Z9", "duplicate_drug"),
    ]


def test_duplicate_publications_are_merged_into_one(accepted_run):
    mention = _mentions(accepted_run[0], "ETHANOL")["1"]
    assert mention == {
        "id": "1",
        "title": "Ethanol in mice",
        "journal": "J1",
        "date_mention": "2020-01-01",
    }


def test_the_end_of_run_summary_states_the_data_quality(accepted_run):
    out, _, err = accepted_run
    report = _report(out)
    lines = [
        line.split("drug_mentions.report: ", 1)[1]
        for line in err.splitlines()
        if "drug_mentions.report: " in line
    ]
    pubmed = report["sources"]["pubmed"]
    assert lines[:6] == [
        "---- run bad summary ----",
        "drugs            rows      8  kept      3  rejected     5  merged     0  "
        "{'duplicate_drug': 4, 'missing_drug': 1}",
        f"pubmed           rows {pubmed['rows']:6d}  kept {pubmed['kept']:6d}  rejected "
        f"{pubmed['rejected']:5d}  merged     2  {pubmed['rejected_by_reason']}",
        "clinical_trials  rows      3  kept      3  rejected     0  merged     0  ",
        f"edges: {{'pubmed': {report['edges']['pubmed']}, 'clinical_trials': 3}} "
        f"(total {report['edges']['total']})",
        "drugs mentioned: 3 of 3",
    ]
    assert lines[6].startswith("duration: ")
