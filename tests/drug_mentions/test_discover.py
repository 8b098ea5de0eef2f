"""Unit tests of drug_mentions.discover: file patterns, header checks, JSON kinds, and the
checks only reading can make (check_read)."""

from __future__ import annotations

import gzip
import os
import threading
from collections import Counter

import pytest
from drug_mentions import clean, contract, discover, extract
from drug_mentions.errors import InputError
from drug_mentions.report import RowCounts, RowGroup
from drug_mentions.storage import FileInfo

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


def test_unreadable_json_files(spark, tmp_path):
    folder = _write(
        tmp_path / "in",
        {
            "drugs.csv": DRUGS,
            "clinical_trials.csv": TRIALS,
            "pubmed_ok.json": '[{"id": 1, "title": "a"}]',
            "pubmed_empty.json": "[]",
            "pubmed_broken.json": '[{"id": 1, "title": "a"',
            "pubmed_junk.json": "not json at all\nstill not\n",
            "pubmed_partly.jsonl": '{"id": 1}\nnope\n',
        },
    )
    inputs = discover.discover(spark, str(folder), "auto")
    raw = extract.read_publications(spark, inputs)
    records = raw.transform(clean.with_clean_fields).transform(clean.with_reject_reason)
    assert discover.unreadable_json_files(RowCounts.of(records), inputs) == [
        "pubmed_broken.json",
        "pubmed_junk.json",
    ]


def _inputs(drugs: list[str], arrays: list[str], lines: list[str]) -> discover.Inputs:
    def infos(names):
        return [FileInfo(f"file:///in/{name}", name, 10) for name in names]

    return discover.Inputs(
        drugs={("atccode", "drug"): infos(drugs)},
        pubmed_csv={},
        trials={},
        pubmed_json_array=infos(arrays),
        pubmed_json_lines=infos(lines),
    )


def _counts(rows: dict[RowGroup, int]) -> RowCounts:
    return RowCounts(Counter(rows))


def test_check_read_names_the_first_unreadable_json_file():
    inputs = _inputs(["drugs.csv"], ["a.json", "b.json"], ["c.jsonl"])
    counts = _counts(
        {
            RowGroup("drugs", "drugs.csv", contract.USABLE, None): 1,
            RowGroup("pubmed", "a.json", contract.REJECTED, contract.MALFORMED_RECORD): 1,
            RowGroup("pubmed", "b.json", contract.USABLE, None): 2,
            RowGroup("pubmed", "c.jsonl", contract.REJECTED, contract.MALFORMED_RECORD): 3,
            RowGroup(
                "pubmed", "c.jsonl", contract.BLANK, None
            ): 4,  # blank lines do not make it readable
        }
    )
    with pytest.raises(InputError) as error:
        discover.check_read(counts, inputs)
    assert str(error.value) == "a.json: no JSON record can be read (not JSON, or no object)"


def test_check_read_refuses_a_drug_list_without_a_usable_row():
    inputs = _inputs(["drugs.csv", "drugs_2.csv"], ["empty.json"], [])
    counts = _counts(
        {
            RowGroup("drugs", "drugs.csv", contract.REJECTED, contract.MISSING_DRUG): 2,
            RowGroup("drugs", "drugs_2.csv", contract.BLANK, None): 1,  # a blank line is not a drug
            RowGroup("pubmed", "other.csv", contract.USABLE, None): 5,
        }
    )
    with pytest.raises(InputError) as error:
        discover.check_read(counts, inputs)
    assert str(error.value) == "drugs.csv, drugs_2.csv: no usable drug row (empty drug list)"


def test_check_read_accepts_an_empty_array_and_one_usable_drug():
    inputs = _inputs(["drugs.csv"], ["empty.json"], ["ok.jsonl"])
    counts = _counts(
        {
            RowGroup("drugs", "drugs.csv", contract.REJECTED, contract.DUPLICATE_DRUG): 1,
            RowGroup("drugs", "drugs.csv", contract.USABLE, None): 1,
            RowGroup("pubmed", "ok.jsonl", contract.REJECTED, contract.MALFORMED_RECORD): 1,
            RowGroup(
                "pubmed", "ok.jsonl", contract.REJECTED, contract.INVALID_DATE
            ): 1,  # read, then rejected
        }
    )
    assert discover.check_read(counts, inputs) is None


BASE = {"drugs.csv": DRUGS, "pubmed.csv": PUBMED, "clinical_trials.csv": TRIALS}


def test_names_match_in_any_case_and_gzip_is_read(spark, tmp_path):
    folder = _write(
        tmp_path / "in",
        {
            "Drugs.CSV": DRUGS,
            "PubMed 2020.csv.gz": gzip.compress(PUBMED.encode()),
            "pubmed_[1].JSONL.GZ": gzip.compress(b'{"id": 1}\n'),
            "CLINICAL_TRIALS_2021.CSV": TRIALS,
        },
    )
    inputs = discover.discover(spark, str(folder), "auto")
    assert inputs.source_of() == {
        "Drugs.CSV": "drugs",
        "PubMed 2020.csv.gz": "pubmed",
        "pubmed_[1].JSONL.GZ": "pubmed",
        "CLINICAL_TRIALS_2021.CSV": "clinical_trials",
    }
    assert [f.name for f in inputs.pubmed_json_lines] == ["pubmed_[1].JSONL.GZ"]
    assert inputs.ignored == {}


def test_every_other_entry_is_listed_as_ignored_with_its_reason(spark, tmp_path):
    folder = _write(
        tmp_path / "in",
        {**BASE, "notes.txt": "x", ".DS_Store": "x", "pubmed_old.csv.bz2": "x", "drugs.tsv": "x"},
    )
    (folder / "archive").mkdir()
    (folder / "link.txt").symlink_to(folder / "gone")
    os.mkfifo(folder / "events.fifo")
    inputs = discover.discover(spark, str(folder), "auto")
    assert inputs.ignored == {
        ".DS_Store": "no input pattern matches",
        "archive": "no input pattern matches (a folder: input folders are not read recursively)",
        "drugs.tsv": "no input pattern matches",
        "events.fifo": "no input pattern matches (a FIFO (named pipe))",
        "link.txt": "no input pattern matches (a dangling symbolic link)",
        "notes.txt": "no input pattern matches",
        "pubmed_old.csv.bz2": "compressed as .bz2: only .gz inputs are read",
    }


def _discover_within(spark, folder, seconds=120):
    """discover() in a thread: a FIFO opened by mistake would block it forever."""
    outcome = {}

    def target():
        try:
            outcome["inputs"] = discover.discover(spark, str(folder), "auto")
        except InputError as error:
            outcome["error"] = str(error)

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), "discover() hangs: it opened an entry it must not open"
    return outcome


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda f: os.mkfifo(f / "pubmed_2021.csv"),
            "pubmed_2021.csv: a FIFO (named pipe), not a regular file",
        ),
        (
            lambda f: (f / "pubmed_2021.csv").symlink_to(f / "gone.csv"),
            "pubmed_2021.csv: a dangling symbolic link, not a regular file",
        ),
        (
            lambda f: (f / "PubMed_2021.json").mkdir(),
            "PubMed_2021.json: a folder, not a file (input folders are not read recursively)",
        ),
        (
            lambda f: (f / "pubmed_2020-01-01T10:00:00.csv").write_text(PUBMED),
            "pubmed_2020-01-01T10:00:00.csv: Hadoop cannot read a file whose name holds a colon "
            "(':'); rename it",
        ),
        (
            lambda f: (f / "pubmed_utf16.csv").write_bytes(PUBMED.encode("utf-16")),
            "pubmed_utf16.csv: encoded as UTF-16 (byte-order mark); convert it to UTF-8",
        ),
        (
            lambda f: (f / "pubmed_not.csv.gz").write_bytes(PUBMED.encode()),
            "pubmed_not.csv.gz: cannot be read (java.io.IOException: not a gzip file)",
        ),
        (
            lambda f: (f / os.fsdecode(b"pubmed_\xe9t\xe9.csv")).write_text(PUBMED),
            "pubmed_\\xe9t\\xe9.csv: not readable (its name is not valid UTF-8)",
        ),
    ],
    ids=["fifo", "dangling link", "folder", "colon", "utf-16", "not gzip", "name not utf-8"],
)
def test_an_input_named_entry_that_cannot_be_read_fails_up_front(spark, tmp_path, make, message):
    folder = _write(tmp_path / "in", BASE)
    make(folder)
    assert _discover_within(spark, folder) == {"error": message}


def test_a_link_to_a_file_is_read(spark, tmp_path):
    folder = _write(tmp_path / "in", BASE)
    (tmp_path / "elsewhere.csv").write_text(PUBMED)
    (folder / "pubmed_linked.csv").symlink_to(tmp_path / "elsewhere.csv")
    inputs = _discover_within(spark, folder)["inputs"]
    assert [f.name for f in inputs.all_files()] == [
        "clinical_trials.csv",
        "drugs.csv",
        "pubmed.csv",
        "pubmed_linked.csv",
    ]


def test_cr_only_and_crlf_headers_are_read(spark, tmp_path):
    folder = _write(
        tmp_path / "in",
        {
            "drugs.csv": "atccode,drug\rA1,ETHANOL\r",
            "pubmed.csv": "\ufeffid,title,date,journal\r\n1,t,2020-01-01,J\r\n",
            "clinical_trials.csv": TRIALS.replace("\n", "\r"),
        },
    )
    inputs = discover.discover(spark, str(folder), "auto")
    assert list(inputs.drugs) == [("atccode", "drug")]
    assert list(inputs.pubmed_csv) == [("id", "title", "date", "journal")]
    assert list(inputs.trials) == [("id", "scientific_title", "date", "journal")]
