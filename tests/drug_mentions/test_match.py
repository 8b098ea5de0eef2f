"""Unit tests of drug_mentions.match: drug list clean-up, words, whole-word matching."""

from __future__ import annotations

import datetime as dt

from chispa import assert_df_equality
from drug_mentions import match
from pyspark.sql import functions as F

DRUG_ROWS = [
    ("A04AD", "DIPHENHYDRAMINE"),
    ("S03AA", "TETRACYCLINE"),
    ("V03AB", "ETHANOL"),
    ("B02AA", "tranexamic   acid"),
    ("6302001", "ISOPRENALINE"),
    ("C01", "café"),
]


def _drugs(spark, rows=DRUG_ROWS):
    raw = spark.createDataFrame(rows, "raw_atccode string, raw_drug string")
    raw = raw.withColumns(
        {"source": F.lit("drugs"), "file": F.lit("drugs.csv"), "malformed": F.lit(False)}
    )
    cleaned = match.with_drug_fields(raw)
    return match.drug_keys(cleaned.where(F.col("reason").isNull()))


def _publications(spark, titles):
    rows = [("pubmed", str(i), title, "J", dt.date(2020, 1, 1)) for i, title in enumerate(titles)]
    return spark.createDataFrame(
        rows, "source string, id string, title string, journal string, date_mention date"
    )


def _matched(spark, titles):
    edges = match.match_mentions(_publications(spark, titles), _drugs(spark))
    return sorted((row.id, row.drug) for row in edges.collect())


def test_words_split_on_anything_but_letters_and_digits(spark):
    frame = spark.createDataFrame(
        [("Tetracycline-resistant (ETHANOL), 2-ol  ñu café",), ("",), ("--",)], "t string"
    )
    got = [row.w for row in frame.select(match.words(F.col("t")).alias("w")).collect()]
    assert got == [["TETRACYCLINE", "RESISTANT", "ETHANOL", "2", "OL", "ÑU", "CAFÉ"], [], []]


def test_whole_word_rule(spark):
    titles = [
        "Tetracycline-resistant strains",  # 0: hyphen separates words
        "oxytetracycline in cattle",  # 1: inside a longer word: no
        "methanol poisoning",  # 2: METHANOL is not ETHANOL
        "acute ethanol withdrawal, and ethanol intoxication",  # 3: twice -> one edge
        "Tranexamic  acid versus epinephrine",  # 4: two words, double space
        "tranexamic solution, acid bath",  # 5: words not adjacent: no
        "(diphenhydramine).",  # 6: punctuation around
        "DIPHENHYDRAMINEHYDROCHLORIDE",  # 7: glued: no
        "isoprenaline/ethanol",  # 8: two drugs
        "Café au lait",  # 9: unicode word, case-insensitive
        "acid tranexamic",  # 10: wrong order: no
        "tranexamic",  # 11: first word only at the end: no
    ]
    assert _matched(spark, titles) == [
        ("0", "TETRACYCLINE"),
        ("3", "ETHANOL"),
        ("4", "TRANEXAMIC ACID"),
        ("6", "DIPHENHYDRAMINE"),
        ("8", "ETHANOL"),
        ("8", "ISOPRENALINE"),
        ("9", "CAFÉ"),
    ]


def test_match_mentions_carries_publication_fields(spark):
    edges = match.match_mentions(_publications(spark, ["ethanol"]), _drugs(spark))
    expected = spark.createDataFrame(
        [("ETHANOL", "V03AB", "pubmed", "0", "ethanol", "J", dt.date(2020, 1, 1))],
        "drug string, atccode string, source string, id string, title string, journal string, date_mention date",
    )
    assert_df_equality(edges, expected, ignore_nullable=True)


def test_with_drug_fields_normalises_and_rejects(spark):
    rows = [
        ("6302001", "  isoprenaline "),
        ("B02AA", "Tranexamic\t  Acid"),
        ("Z1", "ISOPRENALINE"),  # duplicate name: kept once (smallest atccode wins)
        ("Z2", "   "),
        ("Z3", None),
        ("Z4", "--"),
    ]
    raw = spark.createDataFrame(rows, "raw_atccode string, raw_drug string").withColumns(
        {"source": F.lit("drugs"), "file": F.lit("drugs.csv"), "malformed": F.lit(False)}
    )
    out = match.with_drug_fields(raw).select("atccode", "drug", "words", "reason")
    expected = spark.createDataFrame(
        [
            ("6302001", "ISOPRENALINE", ["ISOPRENALINE"], None),
            ("B02AA", "TRANEXAMIC ACID", ["TRANEXAMIC", "ACID"], None),
            ("Z1", "ISOPRENALINE", ["ISOPRENALINE"], "duplicate_drug"),
            ("Z2", None, [], "missing_drug"),
            ("Z3", None, [], "missing_drug"),
            ("Z4", "--", [], "missing_drug"),
        ],
        "atccode string, drug string, words array<string>, reason string",
    )
    assert_df_equality(out, expected, ignore_row_order=True, ignore_nullable=True)


def test_with_drug_name_is_the_one_normaliser(spark):
    """Text rules (escape runs, NFC, Unicode spaces), then upper-case; words as written."""
    raw = spark.createDataFrame(
        [
            ("a", r" caf\xc3\xa9ine "),
            ("b", "cafe\u0301ine"),
            ("c", "tranexamic\u00a0\u200b acid"),
            ("d", "\u01f0ethanol"),  # ǰ upper-cases to J + a combining mark: still one word
            ("e", " \t"),
        ],
        "key string, raw_drug string",
    )
    out = match.with_drug_name(raw).select("key", "drug", "words")
    expected = spark.createDataFrame(
        [
            ("a", "CAF\u00c9INE", ["CAF\u00c9INE"]),
            ("b", "CAF\u00c9INE", ["CAF\u00c9INE"]),
            ("c", "TRANEXAMIC ACID", ["TRANEXAMIC", "ACID"]),
            ("d", "J\u030cETHANOL", ["J\u030cETHANOL"]),
            ("e", None, []),
        ],
        "key string, drug string, words array<string>",
    )
    assert_df_equality(out, expected, ignore_row_order=True, ignore_nullable=True)
