"""Unit tests of drug_mentions.components: labels in Spark rounds and on the driver agree."""

from __future__ import annotations

import pytest
from chispa import assert_df_equality
from drug_mentions import components
from drug_mentions.errors import InputError

EDGES = [
    ("s", "id:9", "td:b"),
    ("s", "id:3", "td:b"),
    ("s", "id:3", "td:a"),
    ("t", "id:3", "td:z"),  # another source: never joined to the s component of id:3
    ("s", "id:7", "td:q"),
    ("s", "td:q", "td:q"),  # a self-loop adds nothing
]
LABELS = [
    ("s", "id:9", "id:3"),
    ("s", "td:a", "id:3"),
    ("s", "td:b", "id:3"),
    ("s", "td:q", "id:7"),
    ("t", "td:z", "id:3"),
]


def test_driver_labels_keep_the_smallest_node_of_each_component():
    """Only the nodes whose label is not themselves are listed."""
    assert sorted(components.driver_labels(EDGES)) == LABELS


def test_connected_components_label_every_node_with_its_smallest(spark):
    edges = spark.createDataFrame(EDGES, "source string, a string, b string")
    nodes = spark.createDataFrame(
        [("s", "td:a"), ("s", "td:b"), ("s", "td:q"), ("t", "td:z"), ("s", "td:alone")] * 2,
        "source string, node string",
    )
    found = components.connected_components(edges, nodes, max_rounds=5)
    expected = spark.createDataFrame(
        [
            ("s", "td:a", "id:3"),
            ("s", "td:b", "id:3"),
            ("s", "td:q", "id:7"),
            ("t", "td:z", "id:3"),
            ("s", "td:alone", "td:alone"),  # no edge: its own label
        ],
        "source string, node string, label string",
    )
    assert_df_equality(found, expected, ignore_row_order=True, ignore_nullable=True)


def test_connected_components_stop_at_max_rounds(spark):
    chain = [("s", f"n{i:02d}", f"n{i + 1:02d}") for i in range(40)]
    edges = spark.createDataFrame(chain, "source string, a string, b string")
    nodes = spark.createDataFrame([("s", "n00")], "source string, node string")
    with pytest.raises(InputError) as error:
        components.connected_components(edges, nodes, max_rounds=1)
    assert str(error.value) == (
        "merging duplicates did not converge in 1 rounds (max_merge_rounds); "
        "raise it in the settings file"
    )
