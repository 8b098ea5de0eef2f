"""Connected components of a graph of keys: in Spark rounds, or on the driver when small.

Used by :mod:`drug_mentions.merge`, whose publications are the components of the graph whose
nodes are the keys of the records (id, title and date) and whose edges are the records. Both
solvers label each node with the smallest node of its component, per ``source``:
:func:`connected_components` in alternating large-star / small-star rounds (each round
checkpointed, so plans and memory do not grow), :func:`driver_labels` by union-find on the
driver for a graph that fits there.
"""

from __future__ import annotations

import logging

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from drug_mentions.errors import InputError
from drug_mentions.frames import materialise

log = logging.getLogger(__name__)


def _undirected(pairs: DataFrame) -> DataFrame:
    """``source, u, v`` both ways of each distinct pair ``source, a, b`` (no self-loops)."""
    pairs = pairs.where(F.col("a") != F.col("b"))
    canonical = pairs.select(
        "source", F.least("a", "b").alias("a"), F.greatest("a", "b").alias("b")
    ).distinct()
    return canonical.select("source", F.col("a").alias("u"), F.col("b").alias("v")).unionByName(
        canonical.select("source", F.col("b").alias("u"), F.col("a").alias("v"))
    )


def _large_star(edges: DataFrame) -> DataFrame:
    """Every neighbour larger than u is linked to the smallest node of u's neighbourhood."""
    around = Window.partitionBy("source", "u")
    smallest = F.least(F.col("u"), F.min("v").over(around))
    linked = edges.withColumn("_m", smallest).where(F.col("v") > F.col("u"))
    return _undirected(linked.select("source", F.col("v").alias("a"), F.col("_m").alias("b")))


def _small_star(edges: DataFrame) -> DataFrame:
    """u and its smaller neighbours are linked to the smallest of them (each edge is seen
    from its larger end only)."""
    around = Window.partitionBy("source", "u")
    smaller = edges.where(F.col("v") < F.col("u"))
    linked = smaller.withColumn("_m", F.min("v").over(around))
    neighbours = linked.select("source", F.col("v").alias("a"), F.col("_m").alias("b"))
    itself = linked.select("source", F.col("u").alias("a"), F.col("_m").alias("b"))
    return _undirected(neighbours.unionByName(itself))


def connected_components(edges: DataFrame, nodes: DataFrame, max_rounds: int) -> DataFrame:
    """``source, node, label``: the smallest node of each node's component.

    ``edges`` has ``source, a, b`` (undirected), ``nodes`` has ``source, node`` (every node,
    edges or not). Alternating large-star and small-star rounds (Kiveris et al., "Connected
    Components in MapReduce and Beyond", 2014: the scheme GraphFrames uses) turn each
    component into a star around its smallest node in a number of rounds that grows with the
    logarithm of its size; each round is checkpointed, so plans and memory do not grow with
    the rounds. Rounds stop when a round leaves the edges as they were; reaching
    ``max_rounds`` first is an error, never a silently split publication.
    """
    links = F.count(F.lit(1))  # each frame's size, counted while it is checkpointed
    current, seen = materialise(_undirected(edges.select("source", "a", "b")), links=links)
    for round_number in range(1, max_rounds + 1):
        following, seen_next = materialise(_small_star(_large_star(current)), links=links)
        added = following.join(current, on=["source", "u", "v"], how="left_anti").count()
        removed = seen["links"] - (seen_next["links"] - added)
        changed = added + removed
        log.info("merge round %d: %d link(s) changed", round_number, changed)
        current, seen = following, seen_next
        if changed == 0:
            centre = current.groupBy("source", "u").agg(F.min("v").alias("_centre"))
            labels = nodes.distinct().join(
                centre.withColumnRenamed("u", "node"), on=["source", "node"], how="left"
            )
            return labels.select(
                "source", "node", F.least("node", F.coalesce("_centre", "node")).alias("label")
            )
    raise InputError(
        f"merging duplicates did not converge in {max_rounds} rounds (max_merge_rounds); "
        "raise it in the settings file"
    )


def driver_labels(edges: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """``(source, node, label)`` for every node of ``(source, a, b)`` edges whose component's
    smallest node is not itself: union-find with the smaller root kept, on the driver."""
    parent: dict[tuple[str, str], tuple[str, str]] = {}

    def find(node: tuple[str, str]) -> tuple[str, str]:
        root = node
        while parent.setdefault(root, root) != root:
            root = parent[root]
        while node != root:  # path compression
            parent[node], node = root, parent[node]
        return root

    for source, a, b in edges:
        first, second = find((source, a)), find((source, b))
        if first != second:
            parent[max(first, second)] = min(first, second)
    roots = ((node, find(node)) for node in list(parent))
    return [(source, name, root[1]) for (source, name), root in roots if root[1] != name]
