"""Unit tests of drug_mentions.clean: text, ids, dates and reject reasons."""

from __future__ import annotations

import datetime as dt

from chispa import assert_df_equality
from drug_mentions import clean, contract
from pyspark.sql import functions as F


def _assert_table(spark, steps, cases):
    """Apply ``steps`` to every raw value in one Spark job, the pipeline's way
    (:func:`clean.with_steps`); compare with the expected values."""
    got = _one_column(spark, [raw for raw, _ in cases], steps)
    mismatches = [
        (raw, want, out) for (raw, want), out in zip(cases, got, strict=True) if want != out
    ]
    assert mismatches == []


def _one_column(spark, values, steps):
    frame = spark.createDataFrame([(i, v) for i, v in enumerate(values)], "i int, s string")
    cleaned = clean.with_steps(frame, {"out": ("s", steps)})
    return [row.out for row in cleaned.orderBy("i").collect()]


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
    _assert_table(spark, (clean.decode_escape_runs,), DECODE_ESCAPE_RUNS_CASES)


def test_nfc_composes_decomposed_text_and_keeps_ascii(spark):
    decomposed = "Gene\u0300ve caf\u00e9"  # è as e + combining grave
    out = _one_column(spark, [decomposed, "plain", None], (clean.nfc,))
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
    _assert_table(spark, (clean.collapse_spaces,), COLLAPSE_SPACES_CASES)


REMOVE_CONTROLS_CASES = [
    ("J\x00B", "JB"),
    ("bell\x07 esc\x1b del\x7f unit\x1f", "bell esc del unit"),
    ("tab\tnew\nline\rvt\x0bff\x0c", "tab\tnew\nline\rvt\x0bff\x0c"),  # for collapse_spaces
    ("caf\u00e9 \u0085", "caf\u00e9 \u0085"),  # C1 (NEL) is a space for collapse_spaces
    (None, None),
]


def test_remove_controls(spark):
    _assert_table(spark, (clean.remove_controls,), REMOVE_CONTROLS_CASES)


TEXT_CASES = [
    ("  Ho\u0302pitaux  de Gen\\xc3\\xa8ve\\xc3\\x28 ", "Hôpitaux de Genève"),
    ("J\x00B", "JB"),
    ("J\\x00B", "JB"),  # an escape that decodes to a control character
    ("\\\x00x41", "A"),  # controls go first, as if never there: then \x41 is an escape
    ("a\tb\r\nc\x0bd", "a b c d"),
    ("\x00\x1f", None),  # nothing left: blank
]


def test_text_rule_removes_controls_decodes_escapes_composes_and_collapses(spark):
    _assert_table(spark, clean.TEXT_STEPS, TEXT_CASES)


IS_PLAIN_CASES = [
    ("Plain ASCII words, and punctuation!", True),
    ("A", True),
    (r"back\slash", True),
    (r"an escape \x41", False),
    ("two  spaces", False),
    (" leading", False),
    ("trailing ", False),
    ("tab\there", False),
    ("line\nbreak", False),
    ("final line break\n", False),  # Java's $ would match before it
    ("730\r", False),
    ("nul\x00", False),
    ("del\x7f", False),
    ("caf\u00e9", False),
    ("", False),
]


def test_is_plain_is_printable_ascii_words_with_single_spaces_and_no_escape(spark):
    frame = spark.createDataFrame(
        [(i, t) for i, (t, _) in enumerate(IS_PLAIN_CASES)], "i int, s string"
    )
    got = frame.select(clean.is_plain(F.col("s")).alias("p")).collect()
    assert [row.p for row in got] == [want for _, want in IS_PLAIN_CASES]


def test_with_steps_gives_the_same_result_with_and_without_the_plain_text_fast_path(spark):
    values = [raw for raw, _ in TEXT_CASES] + [text for text, _ in IS_PLAIN_CASES]
    frame = spark.createDataFrame([(i, v) for i, v in enumerate(values)], "i int, s string")
    for steps in clean.PLAIN_IS_FINAL:
        fast = clean.with_steps(frame, {"out": ("s", steps)})
        slow = clean.with_steps(frame, {"out": ("s", steps)}, fast_path=False)
        assert fast.columns == ["i", "s", "out"]  # the flag column is dropped
        assert_df_equality(fast.orderBy("i"), slow.orderBy("i"))


def test_with_steps_skips_the_steps_of_a_plain_is_final_rule_for_plain_text_only(
    spark, monkeypatch
):
    marked = (lambda text: F.concat(text, F.lit("!")),)  # changes any text: shows who ran it
    monkeypatch.setattr(clean, "PLAIN_IS_FINAL", (marked,))
    frame = spark.createDataFrame(
        [(i, t) for i, (t, _) in enumerate(IS_PLAIN_CASES)], "i int, s string"
    )
    fast = clean.with_steps(frame, {"out": ("s", marked)}).orderBy("i").collect()
    slow = clean.with_steps(frame, {"out": ("s", marked)}, fast_path=False).orderBy("i").collect()
    assert [r.out for r in fast] == [t if plain else t + "!" for t, plain in IS_PLAIN_CASES]
    assert [r.out for r in slow] == [t + "!" for t, _ in IS_PLAIN_CASES]


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


def test_date_rule(spark):
    _assert_table(spark, clean.DATE_STEPS, PARSE_DATE_CASES)


def test_id_rule_keeps_strings_removes_controls_and_blanks_become_null(spark):
    values = ["9", " NCT01 ", "NCT\x0002", "", "  ", "\x00", None]
    assert _one_column(spark, values, clean.ID_STEPS) == [
        "9",
        "NCT01",
        "NCT02",
        None,
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


RAW = (
    "source string, file string, raw_id string, raw_title string, raw_date string, "
    "raw_journal string, raw_line string, malformed boolean, blank boolean"
)


def _sorted(frame):
    """Rows in (file, reason) order: chispa cannot sort a map column itself."""
    return frame.orderBy("file", "reason")


def _raw_records(spark):
    """Publication records in the readers' raw shape: usable, rejected, blank, malformed."""
    rows = [
        ("pubmed", "p.csv", " 1 ", "A  title", "01/02/2020", "J", None, False, False),
        ("pubmed", "p.csv", "2", "  ", "2020-01-01", "J", None, False, False),
        ("pubmed", "p.json", "3", "T", "31/02/2021", None, '{"id": "3"}', False, False),
        ("pubmed", "p.csv", None, None, None, None, "   ", True, True),  # blank line
        ("clinical_trials", "c.csv", "4", None, None, None, "4,x", True, False),
    ]
    return spark.createDataFrame(rows, RAW)


def test_clean_records_keep_raw_fields_of_rejects_only(spark):
    records = clean.clean_records(_raw_records(spark))
    assert tuple(records.columns) == contract.RECORD_COLUMNS
    expected = spark.createDataFrame(
        [
            ("pubmed", "p.csv", None, False, "1", "A title", "J", dt.date(2020, 2, 1), None, None),
            (
                "pubmed",
                "p.csv",
                "missing_title",
                False,
                "2",
                None,
                "J",
                dt.date(2020, 1, 1),
                {"id": "2", "title": "  ", "date": "2020-01-01", "journal": "J"},
                None,
            ),
            (
                "pubmed",
                "p.json",
                "invalid_date",
                False,
                "3",
                "T",
                None,
                None,
                {"id": "3", "title": "T", "date": "31/02/2021", "journal": None},
                '{"id": "3"}',
            ),
            ("pubmed", "p.csv", "malformed_record", True, None, None, None, None, None, None),
            (
                "clinical_trials",
                "c.csv",
                "malformed_record",
                False,
                "4",
                None,
                None,
                None,
                {"id": "4", "title": None, "date": None, "journal": None},
                "4,x",
            ),
        ],
        "source string, file string, reason string, blank boolean, id string, title string, "
        "journal string, date_mention date, fields map<string,string>, raw_line string",
    )
    assert_df_equality(_sorted(records), _sorted(expected), ignore_nullable=True)


def test_rejects_of_drugs_and_records(spark):
    records = clean.clean_records(_raw_records(spark))
    drugs = spark.createDataFrame(
        [
            ("drugs", "d.csv", None, False, {"atccode": "A1"}, None),  # kept: not a reject
            ("drugs", "d.csv", "duplicate_drug", False, {"atccode": "A2", "drug": "x"}, "A2,x"),
            ("drugs", "d.csv", "malformed_record", True, None, " "),  # blank line
        ],
        "source string, file string, reason string, blank boolean, "
        "fields map<string,string>, raw_line string",
    )
    found = clean.rejects(drugs, records)
    expected = spark.createDataFrame(
        [
            ("drugs", "d.csv", "duplicate_drug", {"atccode": "A2", "drug": "x"}, "A2,x"),
            (
                "pubmed",
                "p.csv",
                "missing_title",
                {"id": "2", "title": "  ", "date": "2020-01-01", "journal": "J"},
                None,
            ),
            (
                "pubmed",
                "p.json",
                "invalid_date",
                {"id": "3", "title": "T", "date": "31/02/2021", "journal": None},
                '{"id": "3"}',
            ),
            (
                "clinical_trials",
                "c.csv",
                "malformed_record",
                {"id": "4", "title": None, "date": None, "journal": None},
                "4,x",
            ),
        ],
        contract.REJECTS_SCHEMA,
    )
    assert_df_equality(_sorted(found), _sorted(expected), ignore_nullable=True)
