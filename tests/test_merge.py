"""Unit tests of drug_mentions.merge: duplicates merged, surrogate ids stable."""

from __future__ import annotations

import datetime as dt
import hashlib

from chispa import assert_df_equality
from drug_mentions import merge

SCHEMA = "source string, id string, title string, journal string, date_mention date"
D1 = dt.date(2020, 5, 25)
D2 = dt.date(2020, 1, 1)


def _merged(spark, rows):
    frame = spark.createDataFrame(rows, SCHEMA)
    return merge.merge_duplicates(frame, max_rounds=10, surrogate_prefix="surrogate-")


def _surrogate(source, title, date):
    key = "\u0001".join([source, title.lower() + "\u0001" + date.isoformat()])
    return "surrogate-" + hashlib.sha256(key.encode()).hexdigest()[:16]


def test_same_title_and_date_merge_taking_the_id_and_the_journal(spark):
    rows = [
        ("clinical_trials", "NCT03490942", "Glucagon Infusion", None, D1),
        ("clinical_trials", None, "glucagon infusion", "Journal of emergency nursing", D1),
        ("clinical_trials", "NCT1", "Other", "J", D2),
    ]
    expected = spark.createDataFrame(
        [
            (
                "clinical_trials",
                "NCT03490942",
                "Glucagon Infusion",
                "Journal of emergency nursing",
                D1,
                2,
            ),
            ("clinical_trials", "NCT1", "Other", "J", D2, 1),
        ],
        SCHEMA + ", records long",
    )
    assert_df_equality(_merged(spark, rows), expected, ignore_row_order=True, ignore_nullable=True)


def test_same_id_merges_and_chains_are_followed(spark):
    # A and B share an id; B and C share title+date; D shares title with C but not the date.
    rows = [
        ("pubmed", "7", "Alpha", "J1", D2),
        ("pubmed", "7", "Beta", None, D2),
        ("pubmed", None, "beta", "J3", D2),
        ("pubmed", None, "Beta", None, D1),
    ]
    got = sorted(
        (row.id, row.title, row.journal, row.records) for row in _merged(spark, rows).collect()
    )
    assert got == [("7", "Alpha", "J1", 3), (_surrogate("pubmed", "Beta", D1), "Beta", None, 1)]


def test_sources_never_merge_with_each_other(spark):
    rows = [("pubmed", "1", "T", "J", D2), ("clinical_trials", "1", "T", "J", D2)]
    got = sorted((row.source, row.id, row.records) for row in _merged(spark, rows).collect())
    assert got == [("clinical_trials", "1", 1), ("pubmed", "1", 1)]


def test_surrogate_id_is_deterministic_and_never_empty(spark):
    rows = [("pubmed", None, "Comparison of pressure", "J", D2)]
    first = [row.id for row in _merged(spark, rows).collect()]
    second = [row.id for row in _merged(spark, list(reversed(rows * 2))).collect()]
    assert first == second == [_surrogate("pubmed", "Comparison of pressure", D2)]
