"""Unit tests of drug_mentions.extract: the CSV and JSON readers."""

from __future__ import annotations

from chispa import assert_df_equality
from drug_mentions import contract, extract
from drug_mentions.storage import FileInfo

from tests.helpers import write_files as _write

DRUGS = "atccode,drug\nA1,ETHANOL\n"
TRIALS = "id,scientific_title,date,journal\nNCT1,t,2020-01-01,J\n"


def _assert_rows(frame, columns, rows):
    """``frame``'s ``columns`` hold exactly ``rows``, in any order (chispa)."""
    got = frame.select(*columns)
    expected = frame.sparkSession.createDataFrame(rows, got.schema)
    assert_df_equality(got, expected, ignore_row_order=True, ignore_nullable=True)


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
    _assert_rows(
        frame,
        ["raw_id", "raw_title", "raw_journal", "malformed", "blank", "file"],
        [
            ("1", "Multi\nline, with comma", 'J "quoted"', False, False, "pubmed.csv"),
            ("\t", None, None, True, True, "pubmed.csv"),
            ("   ", None, None, True, True, "pubmed.csv"),
            ("2", "too", None, True, False, "pubmed.csv"),
            ("3", "x", "J", True, False, "pubmed.csv"),
            (None, None, None, False, False, "pubmed.csv"),
            ("4", "last", "J", False, False, "pubmed.csv"),
        ],
    )


def _info(path):
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
    _assert_rows(
        frame,
        ["source", "raw_id", "raw_title", "raw_date", "raw_journal"],
        [("clinical_trials", "NCT9", "T", "2020-01-01", "J")],
    )


def test_read_json_array_trailing_comma_and_id_types(spark, tmp_path):
    content = '\ufeff[\n {"id": 9, "title": "a", "date": "01/01/2020", "journal": "J"},\n {"id": "11", "title": "b"},\n {"id": "", "title": "c", "other": [1]},\n]\n'
    folder = _write(tmp_path / "in", {"pubmed.json": content, "pubmed_empty.json": "[]"})
    files = [_info(folder / "pubmed.json"), _info(folder / "pubmed_empty.json")]
    frame = extract.read_json_array(spark, files)
    _assert_rows(
        frame,
        ["file", "raw_id", "raw_title", "raw_date", "malformed"],
        [
            ("pubmed.json", "", "c", None, False),
            ("pubmed.json", "11", "b", None, False),
            ("pubmed.json", "9", "a", "01/01/2020", False),
        ],
    )


def test_read_json_lines_marks_bad_lines(spark, tmp_path):
    content = '{"id": 1, "title": "a"}\n\n   \n{"id": 2, "title": \n// a comment line\n[1, 2]\n{"id": "3", "title": "c"}\n'
    folder = _write(tmp_path / "in", {"pubmed.jsonl": content})
    frame = extract.read_json_lines(spark, [_info(folder / "pubmed.jsonl")])
    _assert_rows(
        frame,
        ["raw_id", "raw_title", "raw_line", "malformed", "blank"],
        [
            ("1", "a", '{"id": 1, "title": "a"}', False, False),
            (None, None, "", False, True),
            (None, None, "   ", False, True),
            (None, None, '{"id": 2, "title": ', True, False),
            (None, None, "// a comment line", False, True),
            (None, None, "[1, 2]", True, False),
            ("3", "c", '{"id": "3", "title": "c"}', False, False),
        ],
    )
