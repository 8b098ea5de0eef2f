"""New records merged into the state's publications, exactly as a full run would merge them.

The state keeps each publication as a group summary (:mod:`drug_mentions.groups`) and, for
every key it has seen, the group that holds it. Groups are maximal (connected components of
keys), so a new record can only change the groups it shares a key with:

1. The new records' keys (128-bit hashes) are looked up in the state's keys: the *touched*
   groups (resolved through the forwards of later merges to the group alive now).
2. A new record that shares no key with the state nor with another new record is a
   publication of its own (nearly all of them): its summary is itself.
3. The others (*candidates*) and the touched groups form a small graph: a candidate with an id
   joins its id to its title and date, a key found in the state joins the candidate's key to
   the touched group's label. Its components, labelled by their smallest node, are the new
   groups: the smallest node is the smallest key of the union, as in a full run.
4. Each new group's summary combines its candidates' and its touched groups' summaries
   (``min``, ``min``, ``sum``); the touched groups are forwarded to it.

A full run with a new state is the same step with an empty state. Cost: one scan of the
state's key hashes, one of its group summaries when some group is touched, and the new
records; never the old records themselves.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from drug_mentions import groups, merge
from drug_mentions.contract import PUBLICATION_COLUMNS, PUBLICATION_SOURCES
from drug_mentions.frames import materialise

log = logging.getLogger(__name__)
GROUP = ["seg", "g1", "g2"]
FORWARD_SCHEMA = "source STRING, fseg INT, f1 BIGINT, f2 BIGINT, t1 BIGINT, t2 BIGINT, seg INT"


@dataclass(frozen=True)
class OldGroups:
    """What the state offers the merge: its key hashes (``source, h1, h2, seg, g1, g2``, the
    group as written: maybe forwarded since), the forwards resolved to the alive group
    (``seg, g1, g2, aseg, ag1, ag2``) and the alive groups (summaries with ``seg, g1, g2``)."""

    keys: DataFrame
    resolution: DataFrame
    alive: DataFrame


@dataclass(frozen=True)
class Absorbed:
    """The segment's new groups (summaries with ``seg, g1, g2``), its key rows, the forwards
    of the touched groups, and how many groups per source were touched and made."""

    groups: DataFrame
    keys: DataFrame
    forward: DataFrame
    touched: dict[str, int]
    made: dict[str, int]


def _with_keys(records: DataFrame) -> DataFrame:
    """Records with ``_td`` and ``_id`` (NULL without an id) keys."""
    return records.select(
        *PUBLICATION_COLUMNS, groups.title_date_key().alias("_td"), groups.id_key().alias("_id")
    )


def _keys_of(keyed: DataFrame) -> DataFrame:
    """``source, key`` and whatever else ``keyed`` has: one row per key of each record."""
    by_td = keyed.withColumn("key", F.col("_td"))
    by_id = keyed.where(F.col("_id").isNotNull()).withColumn("key", F.col("_id"))
    return by_td.unionByName(by_id)


def _hashed(frame: DataFrame, column: str, names: tuple[str, str]) -> DataFrame:
    first, second = groups.key_hashes(F.col(column))
    return frame.withColumns({names[0]: first, names[1]: second})


def _per_source() -> dict:
    return {s: F.count_if(F.col("source") == s) for s in PUBLICATION_SOURCES}


@dataclass(frozen=True)
class Touched:
    """The new keys the state holds (``source, key, _old``: the label of the alive group
    holding each), and those groups (summaries, materialised), counted per source."""

    hit_keys: DataFrame
    groups: DataFrame
    count: dict[str, int]
    hits: int


def touched_groups(keyed: DataFrame, old: OldGroups) -> Touched | None:
    """The state's groups that hold a key of the new records (None when there is none): the
    state's key hashes are scanned once; its group summaries only when a key was found."""
    new_keys = _hashed(_keys_of(keyed).select("source", "key").distinct(), "key", ("h1", "h2"))
    hits = F.broadcast(new_keys).join(old.keys, on=["source", "h1", "h2"])
    resolved = hits.join(F.broadcast(old.resolution), on=GROUP, how="left").select(
        "source",
        "key",
        F.coalesce("aseg", "seg").alias("seg"),
        F.coalesce("ag1", "g1").alias("g1"),
        F.coalesce("ag2", "g2").alias("g2"),
    )
    resolved, found = materialise(resolved, hits=F.count(F.lit(1)))
    if found["hits"] == 0:
        log.info("absorb: no new record shares a key with the state")
        return None
    hit_groups = F.broadcast(resolved.select(*GROUP).distinct())
    touched, seen = materialise(
        old.alive.join(hit_groups, on=GROUP, how="left_semi"), **_per_source()
    )
    count = {s: seen[s] or 0 for s in PUBLICATION_SOURCES}
    log.info("absorb: %d key(s) found in the state, in groups %s", found["hits"], count)
    labels = touched.select(*GROUP, F.col("_label").alias("_old"))
    hit_keys = resolved.join(labels, on=GROUP).select("source", "key", "_old")
    return Touched(hit_keys, touched, count, found["hits"])


def flag_candidates(keyed: DataFrame, hit_keys: DataFrame | None) -> DataFrame:
    """The records with ``_alone``: true when a record shares no key with the state nor with
    another new record (a publication of its own), false for the others (the candidates).
    Shared keys are found by one aggregation of 64-bit hashes (a collision only adds a
    candidate); ``hit_keys`` are the keys in the state."""
    hashed = keyed.withColumns(
        {
            "_td_h": F.xxhash64(F.col("source"), F.col("_td")),
            "_id_h": F.when(F.col("_id").isNotNull(), F.xxhash64(F.col("source"), F.col("_id"))),
        }
    )
    counted = hashed.select(F.col("_td_h").alias("_h"), F.lit(1).alias("_n")).unionByName(
        hashed.where(F.col("_id").isNotNull()).select(
            F.col("_id_h").alias("_h"), F.lit(1).alias("_n")
        )
    )
    if hit_keys is not None:  # a key in the state counts as shared
        in_state = hit_keys.select(F.xxhash64("source", "key").alias("_h"), F.lit(2).alias("_n"))
        counted = counted.unionByName(in_state)
    shared = counted.groupBy("_h").agg(F.sum("_n").alias("_n")).where(F.col("_n") > 1)
    by_td = shared.select(F.col("_h").alias("_td_h"), F.lit(True).alias("_s1"))
    by_id = shared.select(F.col("_h").alias("_id_h"), F.lit(True).alias("_s2"))
    flagged = hashed.join(by_td, on="_td_h", how="left").join(by_id, on="_id_h", how="left")
    alone = F.col("_s1").isNull() & F.col("_s2").isNull()
    return flagged.select(*PUBLICATION_COLUMNS, "_td", "_id", alone.alias("_alone"))


def _labels(
    candidates: DataFrame, touched: Touched | None, max_rounds: int, small: bool
) -> DataFrame:
    """``source, node, label`` of the candidates' graph (ids to titles and dates, keys found
    in the state to the touched groups' labels): on the driver when ``small``, else in rounds."""
    by_id = candidates.where(F.col("_id").isNotNull())
    edges = by_id.select("source", F.col("_id").alias("a"), F.col("_td").alias("b"))
    nodes = candidates.select("source", F.col("_td").alias("node"))
    if touched is not None:
        hit_edges = touched.hit_keys.select(
            "source", F.col("key").alias("a"), F.col("_old").alias("b")
        )
        edges = edges.unionByName(hit_edges)
        nodes = nodes.unionByName(touched.groups.select("source", F.col("_label").alias("node")))
    if small:
        return merge.labels_on_driver(edges)
    return merge.labels_in_rounds(edges, nodes, max_rounds)


def _relabel(frame: DataFrame, labels: DataFrame, node: str, into: str) -> DataFrame:
    """``frame`` with ``into``: the label of its ``node`` column (itself when not labelled)."""
    by_node = labels.select("source", F.col("node").alias(node), F.col("label").alias("_found"))
    joined = frame.join(by_node, on=["source", node], how="left")
    return joined.withColumn(into, F.coalesce("_found", node)).drop("_found")


def _forward(relabelled: DataFrame | None, segment: int, spark) -> DataFrame:
    """``source, fseg, f1, f2, t1, t2, seg``: each touched group and the group it became."""
    if relabelled is None:
        return spark.createDataFrame([], FORWARD_SCHEMA)
    return _hashed(relabelled, "_new", ("t1", "t2")).select(
        "source",
        F.col("seg").alias("fseg"),
        F.col("g1").alias("f1"),
        F.col("g2").alias("f2"),
        "t1",
        "t2",
        F.lit(segment).alias("seg"),
    )


def absorb(
    records: DataFrame,
    old: OldGroups | None,
    segment: int,
    max_rounds: int,
    driver_max_edges: int = merge.DRIVER_MAX_EDGES,
) -> Absorbed:
    """Merge the usable new ``records`` (``PUBLICATION_COLUMNS``) into ``old`` (None: an
    empty state); the new and changed groups belong to ``segment``."""
    keyed = _with_keys(records)
    touched = touched_groups(keyed, old) if old is not None else None
    # The split is checkpointed with the records: both the groups and the keys read it.
    flagged, sizes = materialise(
        flag_candidates(keyed, touched.hit_keys if touched else None),
        records=F.count_if(~F.col("_alone")),
        with_id=F.count_if(~F.col("_alone") & F.col("_id").isNotNull()),
    )
    singles = flagged.where(F.col("_alone"))
    candidates = flagged.where(~F.col("_alone"))
    hits = touched.hits if touched else 0
    log.info("absorb: %d new record(s) share a key with another or the state", sizes["records"])
    summaries = []
    relabelled = None
    if sizes["records"]:
        small = sizes["with_id"] + hits <= driver_max_edges
        labels = _labels(candidates, touched, max_rounds, small)
        labelled = _relabel(candidates, labels, "_td", "_label")
        summaries.append(groups.record_summaries(labelled, F.col("_label")))
        if touched is not None:
            relabelled = _relabel(touched.groups, labels, "_label", "_new")
            summaries.append(
                relabelled.select(
                    "source", F.col("_new").alias("_label"), "rep", "any_journal", "records"
                )
            )
    else:
        labelled = candidates.withColumn("_label", F.col("_td"))
    own = singles.withColumn("_label", groups.own_label())
    made = groups.record_summaries(own, F.col("_label"))
    if summaries:
        made = made.unionByName(
            groups.summarise(functools.reduce(DataFrame.unionByName, summaries))
        )
    made = _hashed(made, "_label", ("g1", "g2")).withColumn("seg", F.lit(segment))
    made, seen = materialise(made, **_per_source())
    with_label = labelled.select("source", "_td", "_id", "_label").unionByName(
        own.select("source", "_td", "_id", "_label")
    )
    key_rows = _hashed(_hashed(_keys_of(with_label), "key", ("h1", "h2")), "_label", ("g1", "g2"))
    key_rows = key_rows.select("source", "h1", "h2", "g1", "g2", F.lit(segment).alias("seg"))
    return Absorbed(
        made,
        key_rows.distinct(),
        _forward(relabelled, segment, records.sparkSession),
        touched.count if touched else dict.fromkeys(PUBLICATION_SOURCES, 0),
        {s: seen[s] or 0 for s in PUBLICATION_SOURCES},
    )
