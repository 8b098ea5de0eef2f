"""Unit tests of drug_mentions.match: words, whole-word matching."""

from __future__ import annotations

import datetime as dt

from chispa import assert_df_equality
from drug_mentions import drugs, match
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
    cleaned = drugs.with_drug_fields(raw)
    return drugs.drug_keys(cleaned.where(F.col("reason").isNull()))


def _publications(spark, titles):
    rows = [("pubmed", str(i), title, "J", dt.date(2020, 1, 1)) for i, title in enumerate(titles)]
    return spark.createDataFrame(
        rows, "source string, id string, title string, journal string, date_mention date"
    )


def _assert_matched(spark, titles, pairs):
    """The (title index, drug) edges of ``titles`` are exactly ``pairs``."""
    edges = match.match_mentions(_publications(spark, titles), _drugs(spark))
    expected = spark.createDataFrame(pairs, "id string, drug string")
    assert_df_equality(
        edges.select("id", "drug"), expected, ignore_row_order=True, ignore_nullable=True
    )


def test_words_split_on_anything_but_letters_and_digits(spark):
    frame = spark.createDataFrame(
        [("Tetracycline-resistant (ETHANOL), 2-ol  ñu café",), ("",), ("--",)], "t string"
    )
    expected = spark.createDataFrame(
        [
            (
                "Tetracycline-resistant (ETHANOL), 2-ol  ñu café",
                ["TETRACYCLINE", "RESISTANT", "ETHANOL", "2", "OL", "ÑU", "CAFÉ"],
            ),
            ("", []),
            ("--", []),
        ],
        "t string, w array<string>",
    )
    assert_df_equality(
        frame.select("t", match.words(F.col("t")).alias("w")),
        expected,
        ignore_row_order=True,
        ignore_nullable=True,
    )


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
    _assert_matched(
        spark,
        titles,
        [
            ("0", "TETRACYCLINE"),
            ("3", "ETHANOL"),
            ("4", "TRANEXAMIC ACID"),
            ("6", "DIPHENHYDRAMINE"),
            ("8", "ETHANOL"),
            ("8", "ISOPRENALINE"),
            ("9", "CAFÉ"),
        ],
    )


def test_match_mentions_carries_publication_fields(spark):
    edges = match.match_mentions(_publications(spark, ["ethanol"]), _drugs(spark))
    expected = spark.createDataFrame(
        [("ETHANOL", "V03AB", "pubmed", "0", "ethanol", "J", dt.date(2020, 1, 1))],
        "drug string, atccode string, source string, id string, title string, journal string, date_mention date",
    )
    assert_df_equality(edges, expected, ignore_nullable=True)
