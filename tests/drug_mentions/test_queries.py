"""Unit tests of drug_mentions.queries: top journals (ties), related drugs, known drugs."""

from __future__ import annotations

import datetime as dt

import pytest
from chispa import assert_df_equality
from drug_mentions import queries

EDGES = "drug string, source string, journal string, date_mention date"
COUNTS = "journal string, distinct_drugs bigint"
D1, D2 = dt.date(2020, 1, 1), dt.date(2020, 2, 1)


def edges(spark, rows):
    return spark.createDataFrame(rows, EDGES)


def test_top_journals_keeps_every_tie_sorted_by_name(spark):
    found = queries.top_journals(
        edges(
            spark,
            [
                ("A", "pubmed", "Zeta", D1),
                ("B", "clinical_trials", "Zeta", D1),
                ("B", "pubmed", "Alpha", D1),
                ("C", "pubmed", "Alpha", D2),
                ("A", "pubmed", "Beta", D1),
            ],
        )
    )
    expected = spark.createDataFrame([("Alpha", 2), ("Zeta", 2)], COUNTS)
    assert_df_equality(found, expected, ignore_nullable=True)


def test_same_drug_twice_in_a_journal_counts_once_and_null_journals_are_ignored(spark):
    found = queries.top_journals(
        edges(
            spark,
            [
                ("A", "pubmed", "J1", D1),
                ("A", "pubmed", "J1", D2),
                ("A", "clinical_trials", "J1", D2),
                ("B", "pubmed", "J2", D1),
                ("C", "pubmed", "J2", D1),
                ("A", "pubmed", None, D1),
                ("B", "pubmed", None, D1),
                ("C", "clinical_trials", None, D1),
            ],
        )
    )
    assert_df_equality(found, spark.createDataFrame([("J2", 2)], COUNTS), ignore_nullable=True)
    counts = queries.journal_drug_counts(
        edges(spark, [("A", "pubmed", "J1", D1), ("A", "pubmed", "J1", D2)])
    )
    assert_df_equality(counts, spark.createDataFrame([("J1", 1)], COUNTS), ignore_nullable=True)


@pytest.fixture
def ranked_edges(spark):
    """Distinct drugs per journal: J1 3, J2 2, J3 2, J4 1."""
    rows = [(drug, "pubmed", "J1", D1) for drug in "ABC"]
    rows += [(drug, "pubmed", "J2", D1) for drug in "AB"]
    rows += [(drug, "clinical_trials", "J3", D2) for drug in "CD"]
    rows += [("D", "pubmed", "J4", D1)]
    return edges(spark, rows)


@pytest.mark.parametrize(
    ("k", "expected"),
    [
        (1, [("J1", 3)]),
        (2, [("J1", 3), ("J2", 2), ("J3", 2)]),  # the tie at the cut is kept whole
        (3, [("J1", 3), ("J2", 2), ("J3", 2)]),
        (4, [("J1", 3), ("J2", 2), ("J3", 2), ("J4", 1)]),
        (10, [("J1", 3), ("J2", 2), ("J3", 2), ("J4", 1)]),
    ],
)
def test_top_k_includes_ties_at_the_cut_sorted_by_count_then_name(spark, ranked_edges, k, expected):
    found = queries.top_journals(ranked_edges, k)
    assert_df_equality(found, spark.createDataFrame(expected, COUNTS), ignore_nullable=True)


def test_top_journals_of_no_edges_is_empty(spark):
    assert queries.top_journals(edges(spark, []), 3).collect() == []
    with pytest.raises(ValueError, match="k must be at least 1, got 0"):
        queries.top_journals(edges(spark, []), 0)


def test_related_drugs_count_pubmed_mentions_only(spark):
    found = queries.related_drugs(
        edges(
            spark,
            [
                ("A", "pubmed", "J1", D1),
                ("C", "pubmed", "J1", D2),
                ("B", "pubmed", "J1", D2),
                ("B", "pubmed", "J1", D1),
                ("X", "clinical_trials", "J1", D1),  # same journal, but a clinical trial
                ("A", "clinical_trials", "J2", D1),  # A only through a trial in J2
                ("Y", "pubmed", "J2", D1),
                ("A", "pubmed", None, D1),  # no journal: relates A to nothing
                ("Z", "pubmed", None, D1),
                ("A", "pubmed", "J3", D1),  # A alone in J3; A itself is never related
            ],
        ),
        "A",
    )
    assert_df_equality(
        found, spark.createDataFrame([("B",), ("C",)], "drug string"), ignore_nullable=True
    )


def test_related_drugs_of_a_drug_without_pubmed_journal_is_empty(spark):
    rows = [("A", "clinical_trials", "J1", D1), ("B", "pubmed", "J1", D1)]
    assert queries.related_drugs(edges(spark, rows), "A").collect() == []


def test_has_drug_matches_the_exact_normalised_name(spark):
    drugs = spark.createDataFrame([("TRANEXAMIC ACID",), ("ETHANOL",)], "drug string")
    assert queries.has_drug(drugs, "TRANEXAMIC ACID")
    assert not queries.has_drug(drugs, "TRANEXAMIC")
    assert not queries.has_drug(drugs, "ethanol")
