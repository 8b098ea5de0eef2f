"""Unit tests of drug_mentions.clean: text, ids, dates and reject reasons."""

from __future__ import annotations

import datetime as dt

from chispa import assert_df_equality
from drug_mentions import clean
from pyspark.sql import functions as F


def _assert_table(spark, fn, cases):
    """Evaluate ``fn`` on every raw value in one Spark job; compare with the expected values."""
    got = _one_column(spark, [raw for raw, _ in cases], fn)
    mismatches = [
        (raw, want, out) for (raw, want), out in zip(cases, got, strict=True) if want != out
    ]
    assert mismatches == []


def _one_column(spark, values, fn):
    frame = spark.createDataFrame([(v,) for v in values], "s string")
    return [row.out for row in frame.select(fn(F.col("s")).alias("out")).collect()]


DECODE_ESCAPE_RUNS_CASES = [
    (r"Journal of emergency nursing\xc3\x28", "Journal of emergency nursing"),
    (r"Laminoplasty or \xc3\xb1 Laminectomy", "Laminoplasty or ñ Laminectomy"),
    (r"QUZYTTIR\xe2\x84\xa2 and \xE2\x84\xA2", "QUZYTTIR™ and ™"),
    (r"\xff\xfe", ""),
    (r"a\xc3\xb1\xc3\x28b", "ab"),  # one run, invalid as a whole: removed entirely
    (r"keep \x literal and \\xzz", r"keep \x literal and \\xzz"),
    ("no escapes at all", "no escapes at all"),
    (None, None),
]


def test_decode_escape_runs(spark):
    _assert_table(spark, clean.decode_escape_runs, DECODE_ESCAPE_RUNS_CASES)


def test_nfc_composes_decomposed_text_and_keeps_ascii(spark):
    decomposed = "Gene\u0300ve caf\u00e9"  # è as e + combining grave
    out = _one_column(spark, [decomposed, "plain", None], clean.nfc)
    assert out == ["Genève café", "plain", None]
    assert len(out[0]) == len("Genève café")


COLLAPSE_SPACES_CASES = [
    ("  a \t b\r\n c  ", "a b c"),
    ("non\u00a0breaking\u2003space", "non breaking space"),
    ("\t", None),
    ("", None),
    (None, None),
]


def test_collapse_spaces(spark):
    _assert_table(spark, clean.collapse_spaces, COLLAPSE_SPACES_CASES)


def test_clean_text_chains_escape_nfc_and_spaces(spark):
    raw = "  Ho\u0302pitaux  de Gen\\xc3\\xa8ve\\xc3\\x28 "
    assert _one_column(spark, [raw], clean.clean_text) == ["Hôpitaux de Genève"]


PARSE_DATE_CASES = [
    ("01/02/2020", dt.date(2020, 2, 1)),  # day first
    ("25/05/2020", dt.date(2020, 5, 25)),
    ("1/2/2020", dt.date(2020, 2, 1)),
    ("2020-01-01", dt.date(2020, 1, 1)),
    ("2020/03/04", dt.date(2020, 3, 4)),
    ("27 April 2020", dt.date(2020, 4, 27)),
    ("1 january 2020", dt.date(2020, 1, 1)),
    ("01 DECEMBER 2019", dt.date(2019, 12, 1)),
    (" 2020-01-01 ", dt.date(2020, 1, 1)),
    ("29/02/2020", dt.date(2020, 2, 29)),
    ("31/02/2021", None),  # impossible
    ("29/02/2021", None),
    ("2021-13-01", None),
    ("00/01/2020", None),
    ("0000-01-01", None),
    ("27 Apr 2020", None),  # abbreviated months are not in the contract
    ("2020-01-01T00:00:00", None),
    ("01-02-2020", None),
    ("yesterday", None),
    ("", None),
    (None, None),
]


def test_parse_date(spark):
    _assert_table(spark, clean.parse_date, PARSE_DATE_CASES)


def test_clean_id_keeps_strings_and_blanks_become_null(spark):
    assert _one_column(spark, ["9", " NCT01 ", "", "  ", None], clean.clean_id) == [
        "9",
        "NCT01",
        None,
        None,
        None,
    ]


def test_with_reject_reason_precedence(spark):
    rows = [
        ("ok", False, "2020-01-01", "Title"),
        ("malformed wins", True, None, None),
        ("no title", False, None, "  "),
        ("bad date", False, "31/02/2021", "Title"),
        ("escape-only title", False, "2020-01-01", r"\xff"),
    ]
    raw = spark.createDataFrame(
        rows, "name string, malformed boolean, raw_date string, raw_title string"
    )
    raw = raw.withColumns({"raw_id": F.lit("1"), "raw_journal": F.lit(None).cast("string")})
    out = raw.transform(clean.with_clean_fields).transform(clean.with_reject_reason)
    expected = spark.createDataFrame(
        [
            ("ok", None),
            ("malformed wins", "malformed_record"),
            ("no title", "missing_title"),
            ("bad date", "invalid_date"),
            ("escape-only title", "missing_title"),
        ],
        "name string, reason string",
    )
    assert_df_equality(
        out.select("name", "reason"), expected, ignore_row_order=True, ignore_nullable=True
    )
