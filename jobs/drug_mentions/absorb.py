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

import logging
from dataclasses import dataclass

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from drug_mentions import groups, merge
from drug_mentions.contract import PUBLICATION_COLUMNS, PUBLICATION_SOURCES
from drug_mentions.frames import materialise

log = logging.getLogger(__name__)
GROUP = ["seg", "g1", "g2"]


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


def touched_groups(keyed: DataFrame, old: OldGroups) -> tuple[DataFrame, DataFrame, dict]:
    """(``source, key, _old``: each new key the state holds, with the label of the alive group
    holding it; the touched alive groups, materialised; their count per source, and
    ``hits``: how many keys were found)."""
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
    hit_groups = F.broadcast(resolved.select(*GROUP).distinct())
    touched, seen = materialise(
        old.alive.join(hit_groups, on=GROUP, how="left_semi"), **_per_source()
    )
    touched_count = {s: seen[s] or 0 for s in PUBLICATION_SOURCES}
    log.info("absorb: %d key(s) found in the state, in groups %s", found["hits"], touched_count)
    labels = touched.select(*GROUP, F.col("_label").alias("_old"))
    hit_keys = resolved.join(labels, on=GROUP).select("source", "key", "_old")
    return hit_keys, touched, {**touched_count, "hits": found["hits"]}


def _flag(frame: DataFrame, keys: DataFrame, column: str, flag: str) -> DataFrame:
    """``frame`` with ``flag`` true where ``column``'s value is among ``keys``' one column."""
    marked = keys.withColumnRenamed(keys.columns[-1], column).withColumn(flag, F.lit(True))
    on = [c for c in marked.columns if c != flag]
    return frame.join(marked, on=on, how="left")


def split_candidates(keyed: DataFrame, hit_keys: DataFrame) -> tuple[DataFrame, DataFrame]:
    """(new records sharing no key with the state nor with each other: their own
    publications; the others, the candidates). Keys shared among the new records are found
    by 64-bit hashes (a collision only adds a candidate); keys in the state by ``hit_keys``."""
    hashed = keyed.withColumns(
        {
            "_td_hash": F.xxhash64(F.lit("td"), F.col("source"), F.col("_td")),
            "_id_hash": F.when(
                F.col("_id").isNotNull(), F.xxhash64(F.lit("id"), F.col("source"), F.col("_id"))
            ),
        }
    )
    all_hashes = hashed.select(F.col("_td_hash").alias("_h")).unionByName(
        hashed.where(F.col("_id").isNotNull()).select(F.col("_id_hash").alias("_h"))
    )
    shared = all_hashes.groupBy("_h").count().where(F.col("count") > 1).select("_h")
    in_state = hit_keys.select("source", "key").distinct()
    flagged = _flag(hashed, shared, "_td_hash", "_s1")
    flagged = _flag(flagged, shared, "_id_hash", "_s2")
    flagged = _flag(flagged, in_state, "_td", "_h1")
    flagged = _flag(flagged, in_state, "_id", "_h2")
    flags = ("_s1", "_s2", "_h1", "_h2")
    alone = F.lit(True)
    for flag in flags:
        alone = alone & F.col(flag).isNull()
    columns = [*PUBLICATION_COLUMNS, "_td", "_id"]
    return flagged.where(alone).select(columns), flagged.where(~alone).select(columns)


def _labels(candidates, hit_keys, touched, max_rounds, driver_max_edges, sizes) -> DataFrame:
    """``source, node, label`` of the candidates' graph (ids to titles and dates, keys found
    in the state to the touched groups' labels): on the driver when small, else in rounds."""
    by_id = candidates.where(F.col("_id").isNotNull())
    edges = by_id.select("source", F.col("_id").alias("a"), F.col("_td").alias("b")).unionByName(
        hit_keys.select("source", F.col("key").alias("a"), F.col("_old").alias("b"))
    )
    if sizes["with_id"] + sizes["hits"] <= driver_max_edges:
        return merge.labels_on_driver(edges)
    nodes = candidates.select("source", F.col("_td").alias("node")).unionByName(
        touched.select("source", F.col("_label").alias("node"))
    )
    return merge.labels_in_rounds(edges, nodes, max_rounds)


def _relabel(frame: DataFrame, labels: DataFrame, node: str, into: str) -> DataFrame:
    """``frame`` with ``into``: the label of its ``node`` column (itself when not labelled)."""
    by_node = labels.select("source", F.col("node").alias(node), F.col("label").alias("_found"))
    joined = frame.join(by_node, on=["source", node], how="left")
    return joined.withColumn(into, F.coalesce("_found", node)).drop("_found")


def absorb(
    records: DataFrame,
    old: OldGroups,
    segment: int,
    max_rounds: int,
    driver_max_edges: int = merge.DRIVER_MAX_EDGES,
) -> Absorbed:
    """Merge the usable new ``records`` (``PUBLICATION_COLUMNS``) into ``old``; the new and
    changed groups belong to ``segment``."""
    keyed = _with_keys(records)
    hit_keys, touched, found = touched_groups(keyed, old)
    touched_count = {s: found[s] for s in PUBLICATION_SOURCES}
    singles, candidates = split_candidates(keyed, hit_keys)
    candidates, sizes = materialise(candidates, records=F.count(F.lit(1)), with_id=F.count("_id"))
    sizes = {**sizes, "hits": found["hits"]}
    log.info(
        "absorb: %d new record(s) share a key (%d key(s) in the state)",
        sizes["records"],
        sizes["hits"],
    )
    labels = _labels(candidates, hit_keys, touched, max_rounds, driver_max_edges, sizes)
    labelled = _relabel(candidates, labels, "_td", "_label")
    relabelled = _relabel(touched, labels, "_label", "_new")
    combined = groups.summarise(
        groups.record_summaries(labelled, F.col("_label")).unionByName(
            relabelled.select(
                "source", F.col("_new").alias("_label"), "rep", "any_journal", "records"
            )
        )
    )
    own = singles.withColumn("_label", groups.own_label())
    made = combined.unionByName(groups.record_summaries(own, F.col("_label")))
    made = _hashed(made, "_label", ("g1", "g2")).withColumn("seg", F.lit(segment))
    made, seen = materialise(made, **_per_source())
    forward = _hashed(relabelled, "_new", ("t1", "t2")).select(
        "source",
        F.col("seg").alias("fseg"),
        F.col("g1").alias("f1"),
        F.col("g2").alias("f2"),
        "t1",
        "t2",
        F.lit(segment).alias("seg"),
    )
    with_label = labelled.select("source", "_td", "_id", "_label").unionByName(
        own.select("source", "_td", "_id", "_label")
    )
    key_rows = _hashed(_hashed(_keys_of(with_label), "key", ("h1", "h2")), "_label", ("g1", "g2"))
    key_rows = key_rows.select("source", "h1", "h2", "g1", "g2", F.lit(segment).alias("seg"))
    made_count = {s: seen[s] or 0 for s in PUBLICATION_SOURCES}
    return Absorbed(made, key_rows.distinct(), forward, touched_count, made_count)
