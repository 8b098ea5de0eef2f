"""Unit tests of drug_mentions.extract: the CSV and JSON readers."""

from __future__ import annotations

import pytest
from chispa import assert_df_equality
from drug_mentions import config, contract, extract
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


def test_json_keys_in_any_case_and_values_of_the_wrong_kind(spark, tmp_path):
    config.tune_json_parsing(spark)  # as the entry points do: a repeated key keeps its last value
    array = (
        '[{"ID": 1, "Title": "Atropine", "DATE": "01/01/2020", "Journal": "J"},\n'
        ' 42,\n "text",\n null,\n'
        ' {"id": 2, "title": ["atropine", "x"]},\n'
        ' {"id": {"n": 3}, "title": "t"},\n'
        ' {"id": 4, "ID": 5, "title": "t"},\n'
        ' {"id": 6, "title": "first", "title": "last"}]'
    )
    folder = _write(tmp_path / "in", {"pubmed.json": array})
    frame = extract.read_json_array(spark, [_info(folder / "pubmed.json")])
    _assert_rows(
        frame,
        ["raw_id", "raw_title", "raw_date", "raw_line", "malformed"],
        [
            (
                "1",
                "Atropine",
                "01/01/2020",
                '{"ID":1,"Title":"Atropine","DATE":"01/01/2020","Journal":"J"}',
                False,
            ),
            (None, None, None, "42", True),
            (None, None, None, '"text"', True),
            (None, None, None, "null", True),
            ("2", '["atropine","x"]', None, '{"id":2,"title":["atropine","x"]}', True),
            ('{"n":3}', "t", None, '{"id":{"n":3},"title":"t"}', True),
            ("5", "t", None, '{"id":4,"ID":5,"title":"t"}', True),
            ("6", "last", None, '{"id":6,"title":"first","title":"last"}', False),
        ],
    )


def test_json_lines_keys_in_any_case_and_values_of_the_wrong_kind(spark, tmp_path):
    content = (
        '{"Id": "a", "TITLE": "Ethanol", "Date": "2020-01-01"} // trailing comment\n'
        '{"id": "b", "journal": {"name": "J"}, "title": "t"}\n'
        "/* only */ // comments\n"
    )
    folder = _write(tmp_path / "in", {"pubmed.jsonl": content})
    frame = extract.read_json_lines(spark, [_info(folder / "pubmed.jsonl")])
    _assert_rows(
        frame,
        ["raw_id", "raw_title", "raw_journal", "malformed", "blank"],
        [
            ("a", "Ethanol", None, False, False),
            ("b", "t", '{"name":"J"}', True, False),
            (None, None, None, False, True),
        ],
    )


def test_a_json_number_is_the_decimal_text_of_its_value(spark, tmp_path):
    numbers = ["1", "1.0", "1e0", "10E-1", "1.50", "1e3", "-0.0", "12345678901234567890", "0.5e-7"]
    lines = "".join(f'{{"id": {n}, "title": "t"}}\n' for n in numbers)
    lines += '{"id": "1.0", "title": "t"}\n{"id": true, "title": "t"}\n'
    folder = _write(tmp_path / "in", {"pubmed.jsonl": lines})
    frame = extract.read_json_lines(spark, [_info(folder / "pubmed.jsonl")])
    ids = [row.raw_id for row in frame.orderBy("raw_line").collect()]
    by_line = dict(zip(sorted(lines.splitlines()), ids, strict=True))
    assert [by_line[f'{{"id": {n}, "title": "t"}}'] for n in numbers] == [
        "1", "1", "1", "1", "1.5", "1000", "0", "12345678901234567890", "5.0E-8",
    ]  # fmt: skip
    assert by_line['{"id": "1.0", "title": "t"}'] == "1.0"  # a string is kept as written
    assert by_line['{"id": true, "title": "t"}'] == "true"


@pytest.mark.parametrize(
    "ending",
    [
        ",\n]",
        ", // the last one\n]\n// end of file\n",
        ", /* last */ ] /* end */ \n",
        "\n] // no trailing comma, a comment after\n",
    ],
)
def test_json_array_trailing_comma_and_comments_together(spark, tmp_path, ending):
    content = '// monthly drop\n[{"id": 1, "title": "a"}, {"id": 2, "title": "b"}' + ending
    folder = _write(tmp_path / "in", {"pubmed.json": content})
    frame = extract.read_json_array(spark, [_info(folder / "pubmed.json")])
    _assert_rows(frame, ["raw_id", "malformed"], [("1", False), ("2", False)])


NAMES = ["pubmed 2020 [1]{a,b}*?.csv", "pubmed_%41+#;'ü\\x.jsonl", "pubmed\tñ.json"]


def test_file_names_come_back_as_written(spark, tmp_path):
    csv_name, lines_name, array_name = NAMES
    folder = _write(
        tmp_path / "in",
        {
            csv_name: "id,title,date,journal\n1,a,2020-01-01,J\n",
            lines_name: '{"id": 2, "title": "b"}\n',
            array_name: '[{"id": 3, "title": "c"}]',
            "pubmed 2020 1ax.csv": "id,title,date,journal\n9,decoy for the glob,2020-01-01,J\n",
        },
    )
    header = ("id", "title", "date", "journal")
    frames = [
        extract.read_csv(spark, contract.PUBMED_CSV, {header: [_info(folder / csv_name)]}),
        extract.read_json_lines(spark, [_info(folder / lines_name)]),
        extract.read_json_array(spark, [_info(folder / array_name)]),
    ]
    expected = [(csv_name, "1"), (lines_name, "2"), (array_name, "3")]
    for frame, row in zip(frames, expected, strict=True):
        _assert_rows(frame, ["file", "raw_id"], [row])
