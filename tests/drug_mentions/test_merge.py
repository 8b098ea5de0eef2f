"""Unit tests of drug_mentions.merge: duplicates merged, surrogate ids stable."""

from __future__ import annotations

import datetime as dt
import hashlib
import random

import pytest
from chispa import assert_df_equality
from drug_mentions import merge
from drug_mentions.errors import InputError

SCHEMA = "source string, id string, title string, journal string, date_mention date"
D1 = dt.date(2020, 5, 25)
D2 = dt.date(2020, 1, 1)


def _merged(spark, rows):
    frame = spark.createDataFrame(rows, SCHEMA)
    return merge.merge_duplicates(
        frame, len(rows), max_rounds=10, surrogate_prefix="surrogate-"
    ).publications


def _publications(spark, rows):
    return spark.createDataFrame(rows, SCHEMA + ", records long")


def _assert_publications(got, expected):
    assert_df_equality(got, expected, ignore_row_order=True, ignore_nullable=True)


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
    _assert_publications(_merged(spark, rows), expected)


def test_same_id_merges_and_chains_are_followed(spark):
    # A and B share an id; B and C share title+date; D shares title with C but not the date.
    rows = [
        ("pubmed", "7", "Alpha", "J1", D2),
        ("pubmed", "7", "Beta", None, D2),
        ("pubmed", None, "beta", "J3", D2),
        ("pubmed", None, "Beta", None, D1),
    ]
    expected = [
        ("pubmed", "7", "Alpha", "J1", D2, 3),
        ("pubmed", _surrogate("pubmed", "Beta", D1), "Beta", None, D1, 1),
    ]
    _assert_publications(_merged(spark, rows), _publications(spark, expected))


def test_sources_never_merge_with_each_other(spark):
    rows = [("pubmed", "1", "T", "J", D2), ("clinical_trials", "1", "T", "J", D2)]
    expected = [("pubmed", "1", "T", "J", D2, 1), ("clinical_trials", "1", "T", "J", D2, 1)]
    _assert_publications(_merged(spark, rows), _publications(spark, expected))


def test_surrogate_id_is_deterministic_and_never_empty(spark):
    rows = [("pubmed", None, "Comparison of pressure", "J", D2)]
    first = [row.id for row in _merged(spark, rows).collect()]
    second = [row.id for row in _merged(spark, list(reversed(rows * 2))).collect()]
    assert first == second == [_surrogate("pubmed", "Comparison of pressure", D2)]


def _chain(name: str, length: int, order: list[int]) -> list[tuple]:
    """``length`` records linked alternately by a shared id and a shared title and date:
    record i has id number i // 2 and title number (i + 1) // 2, numbered by ``order``."""
    return [
        (
            "pubmed",
            f"{name}-id{order[i // 2]:04d}",
            f"{name} title {order[(i + 1) // 2]:04d}",
            f"J{i}",
            D2,
        )
        for i in range(length)
    ]


MERGES = {
    "all-on-driver": lambda frame: merge.merge_on_driver(frame, "surrogate-"),
    "candidates-on-driver": lambda frame: merge.merge_shared_keys(
        frame, 14, "surrogate-", driver_max_edges=merge.DRIVER_MAX_EDGES
    ),
    "rounds": lambda frame: merge.merge_shared_keys(frame, 14, "surrogate-", driver_max_edges=0),
}


@pytest.mark.parametrize("how", sorted(MERGES))
def test_chains_of_2_to_1000_records_merge_into_one_publication(spark, how):
    """Each chain is one publication (the smallest id, the smallest title), whatever the
    order of its keys, on the driver or in rounds (all chains settle within 14 rounds:
    about log2(1000))."""
    lengths = [2, 3, 5, 10, 100, 1000]
    shuffled = list(range(501))
    random.Random(7).shuffle(shuffled)
    orders = {
        "up": list(range(501)),
        "down": list(range(500, -1, -1)),
        "mixed": shuffled,
    }
    rows = []
    for length in lengths:
        for kind, order in orders.items():
            rows += _chain(f"{kind}{length}", length, order)
    merged = MERGES[how](spark.createDataFrame(rows, SCHEMA))
    expected = []
    for length in lengths:
        for kind, order in orders.items():
            ids = sorted(order[i // 2] for i in range(length))
            titles = sorted(order[(i + 1) // 2] for i in range(length))
            name = f"{kind}{length}"
            # The representative: the record with the smallest title (all have an id and D2);
            # the journal is its own (J<i> of the record whose title number is titles[0]).
            first = min(range(length), key=lambda i: order[(i + 1) // 2])
            expected.append(
                (
                    "pubmed",
                    f"{name}-id{ids[0]:04d}",
                    f"{name} title {titles[0]:04d}",
                    f"J{first}",
                    D2,
                    length,
                )
            )
    _assert_publications(merged.publications, _publications(spark, expected))
    assert merged.merged == {"pubmed": sum(lengths) * 3 - len(lengths) * 3}


def test_a_merge_that_would_need_more_rounds_fails_instead_of_splitting(spark):
    rows = _chain("c", 100, list(range(51)))
    frame = spark.createDataFrame(rows, SCHEMA)
    with pytest.raises(InputError, match=r"did not converge in 2 rounds \(max_merge_rounds\)"):
        merge.merge_shared_keys(frame, 2, "surrogate-", driver_max_edges=0)
