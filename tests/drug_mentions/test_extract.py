"""Unit tests of drug_mentions.extract: discovery, header checks, CSV and JSON readers."""

from __future__ import annotations

import pytest
from drug_mentions import clean, contract, discover, extract
from drug_mentions.errors import InputError
from drug_mentions.report import RowCounts

DRUGS = "atccode,drug\nA1,ETHANOL\n"
PUBMED = "id,title,date,journal\n1,t,2020-01-01,J\n"
TRIALS = "id,scientific_title,date,journal\nNCT1,t,2020-01-01,J\n"


def _write(folder, files: dict[str, str | bytes]):
    folder.mkdir(exist_ok=True)
    for name, content in files.items():
        data = content if isinstance(content, bytes) else content.encode("utf-8")
        (folder / name).write_bytes(data)
    return folder


def _rows(frame, *columns):
    return sorted((tuple(row[c] for c in columns) for row in frame.collect()), key=repr)


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


def test_read_csv_handles_bom_crlf_quotes_blank_lines_and_bad_rows(spark, tmp_path):
    content = (
        b"\xef\xbb\xbfid,title,date,journal\r\n"
        b'1,"Multi\r\nline, with comma",01/01/2019,"J ""quoted"""\r\n'
        b"\t\r\n"
        b"   \r\n"
        b"\r\n"
        b"2,too,few\r\n"
        b'3,"x",2020-01-01,J,extra\r\n'
        b'"",,"",\r\n'
        b"4,last,2020-01-01,J"
    )
    folder = _write(tmp_path / "in", {"pubmed.csv": content})
    groups = {("id", "title", "date", "journal"): [_info(folder / "pubmed.csv")]}
    frame = extract.read_csv(spark, contract.PUBMED_CSV, groups)
    assert _rows(
        frame, "raw_id", "raw_title", "raw_journal", "malformed", "blank", "file"
    ) == sorted(
        [
            ("1", "Multi\nline, with comma", 'J "quoted"', False, False, "pubmed.csv"),
            ("\t", None, None, True, True, "pubmed.csv"),
            ("   ", None, None, True, True, "pubmed.csv"),
            ("2", "too", None, True, False, "pubmed.csv"),
            ("3", "x", "J", True, False, "pubmed.csv"),
            (None, None, None, False, False, "pubmed.csv"),
            ("4", "last", "J", False, False, "pubmed.csv"),
        ],
        key=repr,
    )


def _info(path):
    from drug_mentions.storage import FileInfo

    return FileInfo("file://" + str(path), path.name, path.stat().st_size)


def test_read_csv_picks_columns_by_name(spark, tmp_path):
    folder = _write(
        tmp_path / "in",
        {
            "clinical_trials_b.csv": "journal,extra,date,scientific_title,id\nJ,x,2020-01-01,T,NCT9\n"
        },
    )
    header = ("journal", "extra", "date", "scientific_title", "id")
    frame = extract.read_csv(
        spark, contract.TRIALS_CSV, {header: [_info(folder / "clinical_trials_b.csv")]}
    )
    assert _rows(frame, "source", "raw_id", "raw_title", "raw_date", "raw_journal") == [
        ("clinical_trials", "NCT9", "T", "2020-01-01", "J")
    ]


def test_read_json_array_trailing_comma_and_id_types(spark, tmp_path):
    content = '\ufeff[\n {"id": 9, "title": "a", "date": "01/01/2020", "journal": "J"},\n {"id": "11", "title": "b"},\n {"id": "", "title": "c", "other": [1]},\n]\n'
    folder = _write(tmp_path / "in", {"pubmed.json": content, "pubmed_empty.json": "[]"})
    files = [_info(folder / "pubmed.json"), _info(folder / "pubmed_empty.json")]
    frame = extract.read_json_array(spark, files)
    assert _rows(frame, "file", "raw_id", "raw_title", "raw_date", "malformed") == sorted(
        [
            ("pubmed.json", "", "c", None, False),
            ("pubmed.json", "11", "b", None, False),
            ("pubmed.json", "9", "a", "01/01/2020", False),
        ],
        key=repr,
    )


def test_read_json_lines_marks_bad_lines(spark, tmp_path):
    content = '{"id": 1, "title": "a"}\n\n   \n{"id": 2, "title": \n// a comment line\n[1, 2]\n{"id": "3", "title": "c"}\n'
    folder = _write(tmp_path / "in", {"pubmed.jsonl": content})
    frame = extract.read_json_lines(spark, [_info(folder / "pubmed.jsonl")])
    assert _rows(frame, "raw_id", "raw_title", "raw_line", "malformed", "blank") == sorted(
        [
            ("1", "a", '{"id": 1, "title": "a"}', False, False),
            (None, None, "", False, True),
            (None, None, "   ", False, True),
            (None, None, '{"id": 2, "title": ', True, False),
            (None, None, "// a comment line", False, True),
            (None, None, "[1, 2]", True, False),
            ("3", "c", '{"id": "3", "title": "c"}', False, False),
        ],
        key=repr,
    )


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
    assert extract.unreadable_json_files(RowCounts.of(records), inputs) == [
        "pubmed_broken.json",
        "pubmed_junk.json",
    ]
