"""Unit tests of drug_mentions.discover: file patterns, header checks, JSON kinds."""

from __future__ import annotations

import pytest
from drug_mentions import discover
from drug_mentions.errors import InputError

from tests.helpers import write_files as _write

DRUGS = "atccode,drug\nA1,ETHANOL\n"
PUBMED = "id,title,date,journal\n1,t,2020-01-01,J\n"
TRIALS = "id,scientific_title,date,journal\nNCT1,t,2020-01-01,J\n"


def test_discover_groups_files_and_tells_json_kinds(spark, tmp_path):
    folder = _write(
        tmp_path / "in",
        {
            "drugs.csv": DRUGS,
            "pubmed.csv": PUBMED,
            "pubmed_2021.csv": "journal,date,title,id,extra\n",  # reordered + extra column
            "pubmed.json": "\ufeff \n [ ]",
            "pubmed_lines.json": '{"id": 1}\n',
            "pubmed_more.jsonl": "[1]\n",  # .jsonl is always JSON Lines
            "clinical_trials.csv": TRIALS,
            "notes.txt": "ignored",
        },
    )
    inputs = discover.discover(spark, str(folder), "auto")
    assert [f.name for f in inputs.all_files()] == [
        "clinical_trials.csv",
        "drugs.csv",
        "pubmed.csv",
        "pubmed.json",
        "pubmed_2021.csv",
        "pubmed_lines.json",
        "pubmed_more.jsonl",
    ]
    assert {h: [f.name for f in fs] for h, fs in inputs.pubmed_csv.items()} == {
        ("id", "title", "date", "journal"): ["pubmed.csv"],
        ("journal", "date", "title", "id", "extra"): ["pubmed_2021.csv"],
    }
    assert [f.name for f in inputs.pubmed_json_array] == ["pubmed.json"]
    assert [f.name for f in inputs.pubmed_json_lines] == ["pubmed_lines.json", "pubmed_more.jsonl"]


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"pubmed.csv": PUBMED, "clinical_trials.csv": TRIALS}, "no drugs file (drugs*.csv) found"),
        (
            {"drugs.csv": DRUGS, "clinical_trials.csv": TRIALS},
            "no PubMed file (pubmed*.csv or pubmed*.json or pubmed*.jsonl or pubmed*.ndjson) found",
        ),
        (
            {"drugs.csv": DRUGS, "pubmed.csv": PUBMED},
            "no clinical trials file (clinical_trials*.csv) found",
        ),
    ],
)
def test_discover_missing_required_file(spark, tmp_path, files, message):
    folder = _write(tmp_path / "in", files)
    with pytest.raises(InputError) as error:
        discover.discover(spark, str(folder), "auto")
    assert str(error.value) == f"{folder}: {message}"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "clinical_trials.csv",
            "id,title,date,journal\n",
            "clinical_trials.csv: missing column(s) scientific_title (header has: id, title, date, journal)",
        ),
        (
            "pubmed.csv",
            "id;title;date;journal\n",
            "pubmed.csv: missing column(s) id, title, date, journal (header has: id;title;date;journal)",
        ),
        ("drugs.csv", "", "drugs.csv: empty file, expected a header line"),
        ("pubmed.json", "  \n", "pubmed.json: empty file, no JSON record can be read"),
    ],
)
def test_discover_bad_header_names_the_file(spark, tmp_path, name, content, message):
    files = {"drugs.csv": DRUGS, "pubmed.csv": PUBMED, "clinical_trials.csv": TRIALS}
    files[name] = content
    folder = _write(tmp_path / "in", files)
    with pytest.raises(InputError) as error:
        discover.discover(spark, str(folder), "auto")
    assert str(error.value) == message


def test_discover_missing_folder(spark, tmp_path):
    with pytest.raises(InputError) as error:
        discover.discover(spark, str(tmp_path / "nope"), "auto")
    assert str(error.value) == f"{tmp_path / 'nope'}: input folder not found"
