"""What an incremental run changes: the new files, the state's groups, the edges to add and keep.

:func:`new_files` tells the publication files the state has not absorbed (and refuses a
changed or vanished one), :func:`old_groups` reads what the merge needs of the state,
:func:`find_edges` matches what changed, :func:`graph_edges` puts the graph back together
from every segment. The run itself is :func:`drug_mentions.incremental.run`.
"""

from __future__ import annotations

import logging

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from drug_mentions import absorb, contract, discover, drugs, groups, match
from drug_mentions.config import Settings
from drug_mentions.errors import InputError
from drug_mentions.state import AbsorbedFile, Manifest, State

log = logging.getLogger(__name__)
GROUP = ["gseg", "g1", "g2"]


def check_absorbed(state: State, inputs: discover.Inputs, absorbed: list[AbsorbedFile]) -> None:
    """Every publication file the state absorbed is still in the input folder, unchanged
    (size and modification time as listed; when they differ, its CRC32C): else an
    :class:`InputError` naming the file and ``--rebuild``."""
    listed = {info.name: info for info in inputs.all_files()}
    for old in absorbed:
        info = listed.get(old.name)
        if info is None:
            raise InputError(
                f"{old.name}: absorbed by the state {state.location} but no longer in the input "
                "folder; run with --rebuild to build the state from the files there now"
            )
        same = (info.size, info.modified) == (old.size, old.modified)
        if not same and (info.size != old.size or state.fs.crc32c(info.path) != old.crc32c):
            raise InputError(
                f"{old.name}: changed since the state {state.location} absorbed it "
                f"({old.size} bytes, CRC32C {old.crc32c}); run with --rebuild to read every "
                "file again"
            )


def old_groups(state: State, manifest: Manifest | None) -> absorb.OldGroups | None:
    """The state's keys, forwards (resolved to the group alive now) and alive groups; None
    for an empty state."""
    segments = manifest.segments if manifest else []
    if not segments:
        return None
    forward = state.read("forward", segments)
    moves = {
        (row.fseg, row.f1, row.f2): (row.seg, row.t1, row.t2)
        for row in forward.select("fseg", "f1", "f2", "seg", "t1", "t2").collect()
    }

    def alive(group: tuple) -> tuple:
        while group in moves:
            group = moves[group]
        return group

    resolution = state.spark.createDataFrame(
        [(*group, *alive(group)) for group in moves],
        "seg INT, g1 BIGINT, g2 BIGINT, aseg INT, ag1 BIGINT, ag2 BIGINT",
    )
    dead = forward.select(
        F.col("fseg").alias("seg"), F.col("f1").alias("g1"), F.col("f2").alias("g2")
    )
    live = state.read("groups", segments).join(
        F.broadcast(dead), on=["seg", "g1", "g2"], how="left_anti"
    )
    return absorb.OldGroups(state.read("keys", segments), resolution, live)


def _publications(summaries: DataFrame, prefix: str) -> DataFrame:
    """Publications of group summaries, with their group (``gseg, g1, g2``)."""
    return summaries.select(
        *groups.publication_columns(prefix),
        F.col("seg").alias("gseg"),
        "g1",
        "g2",
    )


def find_edges(
    settings: Settings,
    absorbed: absorb.Absorbed,
    old: absorb.OldGroups | None,
    drug_list: drugs.DrugList,
    added: list[str],
) -> DataFrame:
    """The segment's edges: new and changed groups with every drug, the other alive groups
    with the drugs ``added`` to the list."""
    every_drug = drugs.drug_keys(drug_list.kept)
    made = _publications(absorbed.groups, settings.surrogate_id_prefix)
    edges = match.match_mentions(made, every_drug, carry=tuple(GROUP))
    if added and old is not None:
        new_keys = every_drug.where(F.col("drug").isin(added))
        first_words = [row.first_word for row in new_keys.select("first_word").collect()]
        moved = absorbed.forward.select(
            F.col("fseg").alias("seg"), F.col("f1").alias("g1"), F.col("f2").alias("g2")
        )
        untouched = old.alive.join(F.broadcast(moved), on=["seg", "g1", "g2"], how="left_anti")
        old_pubs = _publications(untouched, settings.surrogate_id_prefix)
        edges = edges.unionByName(
            match.match_new_drugs(old_pubs, new_keys, first_words, carry=tuple(GROUP))
        )
    return edges.drop("atccode")


def graph_edges(state: State, segments: list[int], drug_since: DataFrame) -> DataFrame:
    """The graph's edges: every segment's edges of alive groups, for drugs on the list now
    (since the segment from which the drug's edges are complete), with today's atccode."""
    dead = state.read("forward", segments).select(
        F.col("fseg").alias("gseg"), F.col("f1").alias("g1"), F.col("f2").alias("g2")
    )
    edges = state.read("edges", segments).join(F.broadcast(dead), on=GROUP, how="left_anti")
    valid = edges.join(F.broadcast(drug_since), on="drug").where(F.col("seg") >= F.col("since"))
    return valid.select(*contract.MENTION_COLUMNS)
