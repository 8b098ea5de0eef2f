"""Merge duplicate records of a source into one publication, and give id-less ones an id.

Contract: two records of the same source are one publication when they share an id, or the
same normalised title (case-insensitive) and date. The relation is transitive (A shares an id
with B, B shares title and date with C), so publications are the connected components of a
graph whose nodes are the keys (``id:<id>``, ``td:<title>|<date>``) and whose edges are the
records that have an id (each joins its id to its title and date). A component is labelled by
its smallest key: ids sort before title keys, so that is its smallest id, or, with no id at
all, its title and date, hashed into a deterministic surrogate id.

Cost: nearly every record is a component of its own. One aggregation over two 64-bit hashes
per record (no record text is shuffled) finds the few keys held by more than one record; the
records holding none of them are final as they are. Only the others (duplicates and the rare
hash collision, a few per cent) go through the exact graph (:mod:`drug_mentions.components`):
on the driver when it is small, else in Spark rounds whose number grows with the logarithm
of the longest chain, each round cut from the previous one's lineage.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from drug_mentions import groups
from drug_mentions.components import connected_components, driver_labels
from drug_mentions.contract import PUBLICATION_COLUMNS, PUBLICATION_SOURCES
from drug_mentions.frames import materialise

log = logging.getLogger(__name__)

# Up to this many candidate records with an id (graph edges), the candidates' graph is
# collected and solved on the driver (a few hundred bytes per edge); above, in Spark rounds.
DRIVER_MAX_EDGES = 250_000
# Up to this many shared hashes (8 bytes each), they are broadcast to the pass that splits the
# records into singles and candidates (a hash lookup per record); above, that pass is a
# shuffle join. Their size is only known to Spark once counted (a checkpoint has no
# statistics), so the driver decides from the count.
BROADCAST_MAX_SHARED = 2_000_000
# Hashes per task when finding the shared ones: a hash table of ~40 MB (8-byte key, count and
# Spark's bookkeeping), well within a 1 GB heap with a task per core.
KEYS_PER_TASK = 1_000_000


@dataclass(frozen=True)
class Merged:
    """Publications (``PUBLICATION_COLUMNS`` + ``records``, how many input records each
    merged) and, per source, how many records were merged into another one."""

    publications: DataFrame
    merged: dict[str, int]


def _hash_keys(records: DataFrame) -> DataFrame:
    """Adds ``_id_hash`` (the id's, else the title and date's) and ``_td_hash`` (64 bits)."""
    td_hash = F.xxhash64(F.lit("td"), F.col("source"), groups.title_date_text())
    id_hash = F.xxhash64(F.lit("id"), F.col("source"), F.col("id"))
    return records.withColumns(
        {
            "_id_hash": F.coalesce(F.when(F.col("id").isNotNull(), id_hash), td_hash),
            "_td_hash": td_hash,
        }
    )


def shared_hashes(keyed: DataFrame, partitions: int | None = None) -> DataFrame:
    """``_hash`` values carried by more than one record (as id or as title and date).

    ``partitions``: the hashes are first spread by value over that many tasks, so each
    task's hash table holds at most ``KEYS_PER_TASK`` of them. Nearly every hash is unique,
    so Spark's usual pre-aggregation before the shuffle would only copy them into a table of
    their own, and a few large tasks (AQE joins small shuffle outputs) would outgrow memory
    and sort their table to disk."""
    id_hashes = keyed.where(F.col("id").isNotNull()).select(F.col("_id_hash").alias("_hash"))
    all_hashes = id_hashes.unionByName(keyed.select(F.col("_td_hash").alias("_hash")))
    if partitions:
        all_hashes = all_hashes.repartition(partitions, "_hash")
    return all_hashes.groupBy("_hash").count().where(F.col("count") > 1).select("_hash")


def hash_partitions(record_count: int) -> int:
    """Tasks for :func:`shared_hashes` over ``record_count`` records (two hashes each)."""
    return max(1, -(-2 * record_count // KEYS_PER_TASK))


def split_candidates(
    keyed: DataFrame, shared: DataFrame, broadcast: bool = False
) -> tuple[DataFrame, DataFrame]:
    """(records holding no shared hash: components of their own, the others); ``broadcast``:
    the shared hashes are few enough to be sent to every task (no shuffle of the records)."""
    by_id = shared.select(F.col("_hash").alias("_id_hash"), F.lit(True).alias("_by_id"))
    by_td = shared.select(F.col("_hash").alias("_td_hash"), F.lit(True).alias("_by_td"))
    if broadcast:
        by_id, by_td = F.broadcast(by_id), F.broadcast(by_td)
    flagged = keyed.join(by_id, on="_id_hash", how="left").join(by_td, on="_td_hash", how="left")
    alone = F.col("_by_id").isNull() & F.col("_by_td").isNull()
    columns = list(PUBLICATION_COLUMNS)
    return flagged.where(alone).select(columns), flagged.where(~alone).select(columns)


def single_publications(records: DataFrame, surrogate_prefix: str) -> DataFrame:
    """Records that share no key: each is a publication as it is (``records`` = 1)."""
    own_id = F.coalesce(
        F.col("id"),
        groups.surrogate_id(F.col("source"), groups.title_date_text(), surrogate_prefix),
    )
    return records.select(
        "source",
        own_id.alias("id"),
        "title",
        "journal",
        "date_mention",
        F.lit(1).cast("long").alias("records"),
    )


def _with_title_date_node(records: DataFrame) -> DataFrame:
    return records.withColumn("_td_node", groups.title_date_key())


def key_edges(records: DataFrame) -> DataFrame:
    """``source, a, b``: each record with an id joins its id to its title and date."""
    has_id = _with_title_date_node(records).where(F.col("id").isNotNull())
    return has_id.select("source", groups.id_key().alias("a"), F.col("_td_node").alias("b"))


def title_date_nodes(records: DataFrame) -> DataFrame:
    """``source, node``: the title-and-date key of each record (every record is a node)."""
    return _with_title_date_node(records).select("source", F.col("_td_node").alias("node"))


def labels_on_driver(edges: DataFrame) -> DataFrame:
    """``source, node, label`` of a graph (``source, a, b`` edges) small enough for the
    driver: collected (one job), labelled by union-find
    (:func:`drug_mentions.components.driver_labels`); a node missing is its own label."""
    found = [tuple(row) for row in edges.distinct().collect()]
    return edges.sparkSession.createDataFrame(
        driver_labels(found), "source string, node string, label string"
    )


def labels_in_rounds(edges: DataFrame, nodes: DataFrame, max_rounds: int) -> DataFrame:
    """``source, node, label`` computed in Spark rounds
    (:func:`drug_mentions.components.connected_components`)."""
    return connected_components(edges, nodes, max_rounds)


def with_labels(records: DataFrame, labels: DataFrame) -> DataFrame:
    """Records with ``_label``: the smallest key of their component (their own title and
    date when the labels do not name it: a component of one title and date)."""
    by_title_date = labels.select(
        "source", F.col("node").alias("_td_node"), F.col("label").alias("_component")
    )
    labelled = _with_title_date_node(records).join(
        by_title_date, on=["source", "_td_node"], how="left"
    )
    return labelled.withColumn("_label", F.coalesce("_component", "_td_node"))


def merge_components(labelled: DataFrame, surrogate_prefix: str) -> DataFrame:
    """One row per component: the publication, and how many input records it merged
    (:mod:`drug_mentions.groups`: the records' summaries combined)."""
    summaries = groups.summarise(groups.record_summaries(labelled, F.col("_label")))
    return summaries.select(*groups.publication_columns(surrogate_prefix))


def merge_labelled(labelled: DataFrame, surrogate_prefix: str) -> Merged:
    """The publications of labelled records (:func:`merge_components`), materialised, with
    the records merged into another counted per source in the same job."""
    into_another = {
        source: F.sum(F.when(F.col("source") == source, F.col("records") - 1))
        for source in PUBLICATION_SOURCES
    }
    publications, seen = materialise(merge_components(labelled, surrogate_prefix), **into_another)
    merged = {source: seen[source] for source in PUBLICATION_SOURCES if seen[source]}
    log.info("merge: records merged into another, per source: %s", merged)
    return Merged(publications, merged)


def merge_on_driver(records: DataFrame, surrogate_prefix: str) -> Merged:
    """A small input: the whole graph of keys labelled on the driver (one job to collect
    its edges), then the publications materialised."""
    labelled = with_labels(records, labels_on_driver(key_edges(records)))
    return merge_labelled(labelled, surrogate_prefix)


def merge_shared_keys(
    records: DataFrame,
    max_rounds: int,
    surrogate_prefix: str,
    driver_max_edges: int,
    record_count: int | None = None,
) -> Merged:
    """A large input: one aggregation of hashes finds the records that share a key; the
    others are publications as they are (read again from ``records``, lazily); only the
    candidates are labelled, on the driver when they have at most ``driver_max_edges`` ids,
    else in Spark rounds."""
    keyed = _hash_keys(records)
    partitions = hash_partitions(record_count) if record_count else None
    shared, seen = materialise(shared_hashes(keyed, partitions), shared=F.count(F.lit(1)))
    if seen["shared"] == 0:
        log.info("merge: no record shares an id or a title and date")
        return Merged(single_publications(records, surrogate_prefix), {})
    singles, candidates = split_candidates(
        keyed, shared, broadcast=seen["shared"] <= BROADCAST_MAX_SHARED
    )
    candidates, size = materialise(candidates, records=F.count(F.lit(1)), with_id=F.count("id"))
    small = size["with_id"] <= driver_max_edges
    log.info(
        "merge: %d candidate record(s) share a key (%d with an id): labelled %s",
        size["records"],
        size["with_id"],
        "on the driver" if small else "in rounds",
    )
    edges = key_edges(candidates)
    labels = (
        labels_on_driver(edges)
        if small
        else labels_in_rounds(edges, title_date_nodes(candidates), max_rounds)
    )
    merged = merge_labelled(with_labels(candidates, labels), surrogate_prefix)
    publications = single_publications(singles, surrogate_prefix).unionByName(merged.publications)
    return Merged(publications, merged.merged)


def merge_duplicates(
    records: DataFrame,
    record_count: int,
    max_rounds: int,
    surrogate_prefix: str,
    driver_max_edges: int = DRIVER_MAX_EDGES,
) -> Merged:
    """Usable records (``PUBLICATION_COLUMNS``; ``record_count`` of them) -> publications,
    merged per the contract: :func:`merge_on_driver` up to ``driver_max_edges`` records, else
    :func:`merge_shared_keys`. The publications frame stays lazy where it reads ``records``
    (the caller writes it)."""
    records = records.select(*PUBLICATION_COLUMNS)
    if record_count <= driver_max_edges:
        log.info("merge: %d record(s), labelled on the driver", record_count)
        return merge_on_driver(records, surrogate_prefix)
    return merge_shared_keys(records, max_rounds, surrogate_prefix, driver_max_edges, record_count)
