"""Unit tests of drug_mentions.page: the page's aggregations over mentions/, and its bounds."""

from __future__ import annotations

import datetime as dt

import pytest
from chispa import assert_df_equality
from drug_mentions import contract, page
from drug_mentions.page import Limits
from pyspark.sql import functions as F


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


# drug, atccode, id, title, journal, date_mention, source (contract.MENTIONS_SCHEMA)
EDGES = [
    ("A", "a1", "1", "Aspirin study", "J1", day("2020-01-01"), "pubmed"),
    ("A", "a1", "2", "Aspirin again", "J1", day("2020-02-01"), "pubmed"),
    ("A", "a1", "NCT1", "Aspirin trial", "J2", day("2020-03-01"), "clinical_trials"),
    ("A", "a1", "3", "Aspirin, no journal", None, day("2019-01-01"), "pubmed"),
    ("B", "b1", "1", "Aspirin study", "J1", day("2020-01-01"), "pubmed"),
    ("B", "b1", "NCT2", "Beta trial", "J3", day("2021-01-01"), "clinical_trials"),
    ("C", "c1", "4", "Gamma", "J3", day("2018-01-01"), "pubmed"),
]


@pytest.fixture
def mentions(spark):
    return spark.createDataFrame(EDGES, contract.MENTIONS_SCHEMA)


def test_pair_counts_count_edges_per_drug_journal_and_source(spark, mentions):
    expected = spark.createDataFrame(
        [
            ("A", "J1", "a1", 2, 0),
            ("A", "J2", "a1", 0, 1),
            ("A", None, "a1", 1, 0),
            ("B", "J1", "b1", 1, 0),
            ("B", "J3", "b1", 0, 1),
            ("C", "J3", "c1", 1, 0),
        ],
        "drug STRING, journal STRING, atccode STRING, pubmed BIGINT, clinical_trials BIGINT",
    )
    assert_df_equality(
        page.pair_counts(mentions),
        expected,
        ignore_row_order=True,
        ignore_nullable=True,
    )


def test_drug_ranking_counts_journals_and_keeps_the_busiest_links(mentions):
    ranked = page.drug_ranking(page.pair_counts(mentions), links_per_drug=1)
    rows = {row.drug: row for row in ranked.collect()}
    assert {d: [rows[d][c] for c in page.DRUG_COLUMNS] for d in rows} == {
        "A": ["A", "a1", 3, 1, 2, 1],
        "B": ["B", "b1", 1, 1, 2, 1],
        "C": ["C", "c1", 1, 0, 1, 1],
    }
    assert {d: rows[d].mentions for d in rows} == {"A": 4, "B": 2, "C": 1}
    # The busiest journal first; ties (B: J1 and J3, one mention each) by name.
    assert {d: [tuple(link) for link in rows[d].links] for d in rows} == {
        "A": [(-2, "J1", 2, 0)],
        "B": [(-1, "J1", 1, 0)],
        "C": [(-1, "J3", 1, 0)],
    }


def test_journal_ranking_counts_distinct_drugs_and_pubmed_ones(mentions):
    ranked = page.journal_ranking(page.pair_counts(mentions))
    assert sorted([r[c] for c in page.JOURNAL_COLUMNS] for r in ranked.collect()) == [
        ["J1", 2, 2, 3],
        ["J2", 1, 0, 1],
        ["J3", 2, 1, 2],
    ]


def test_latest_publications_per_drug_with_clipped_texts(mentions):
    limits = Limits(publications_per_drug=2, text_chars=6)
    latest = page.latest_publications(mentions, ["A", "C"], limits)
    assert sorted(tuple(row) for row in latest.collect()) == [
        ("A", 1, "clinical_trials", "NCT1", "Aspir…", "2020-03-01", "J2"),
        ("A", 2, "pubmed", "2", "Aspir…", "2020-02-01", "J1"),
        ("C", 1, "pubmed", "4", "Gamma", "2018-01-01", "J3"),
    ]


def test_clip_leaves_short_texts_and_null(spark):
    frame = spark.createDataFrame([("abcdef",), ("abc",), (None,)], "t STRING")
    clipped = [row.t for row in frame.select(page.clip(F.col("t"), 4).alias("t")).collect()]
    assert clipped == ["abc…", "abc", None]


def test_collect_cuts_each_ranking_and_counts_what_it_left_out(mentions):
    limits = Limits(drugs=2, journals=2, links_per_drug=2, publications_per_drug=1)
    data = page.collect(mentions, drugs_mentioned=3, limits=limits)
    assert data == {
        "drugs": [["A", "a1", 3, 1, 2, 1], ["B", "b1", 1, 1, 2, 1]],
        "journals": [["J1", 2, 2, 3], ["J3", 2, 1, 2]],
        # A's second journal (J2) is not listed: its link is left out.
        "links": [["A", "J1", 2, 0], ["B", "J1", 1, 0], ["B", "J3", 0, 1]],
        "publications": [
            ["A", "clinical_trials", "NCT1", "Aspirin trial", "2020-03-01", "J2"],
            ["B", "clinical_trials", "NCT2", "Beta trial", "2021-01-01", "J3"],
        ],
        "totals": {"links": 5, "journals": 3},
    }


def test_collect_of_no_edge(spark):
    empty = spark.createDataFrame([], contract.MENTIONS_SCHEMA)
    assert page.collect(empty, drugs_mentioned=0, limits=Limits()) == {
        "drugs": [],
        "journals": [],
        "links": [],
        "publications": [],
        "totals": {"links": 0, "journals": 0},
    }


def test_with_every_drug_and_link_the_driver_ranks_the_journals_as_spark_does(mentions):
    pairs = page.pair_counts(mentions)
    drug_rows = page.drug_ranking(pairs, links_per_drug=50).collect()
    expected = ([["J1", 2, 2, 3], ["J3", 2, 1, 2], ["J2", 1, 0, 1]], 3)
    assert page._journals(pairs, Limits()) == expected
    assert page.rank_journals(drug_rows, Limits()) == expected
    assert page.rank_journals(drug_rows, Limits(journals=1)) == (expected[0][:1], 3)

    data = page.collect(mentions, drugs_mentioned=3, limits=Limits())  # no journal query
    assert (data["journals"], data["totals"]) == (expected[0], {"links": 5, "journals": 3})
    assert len(data["links"]) == 5
