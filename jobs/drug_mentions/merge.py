"""Merge duplicate records of a source into one publication, and give id-less ones an id.

Contract: two records of the same source are one publication when they share an id, or the
same normalised title (case-insensitive) and date. That relation is transitive (A shares an
id with B, B shares title and date with C), so records are grouped into connected
components by label propagation over the two keys: every record starts with its own label
(``id:<id>``, or ``td:<title>|<date>`` when it has no id) and repeatedly takes the smallest
label among records sharing its id or its title and date. Ids sort before title keys, so a
component ends up labelled by its smallest non-empty id; a component with no id at all gets
a deterministic surrogate id, a hash of its title and date.

Each round is two window passes; real exports converge in one or two rounds, checked with a
count; ``max_merge_rounds`` bounds pathological chains.
"""

from __future__ import annotations

import logging

from pyspark import StorageLevel
from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

log = logging.getLogger(__name__)

_SEP = "\u0001"


def _title_key() -> Column:
    return F.lower(F.col("title"))


def with_initial_labels(records: DataFrame) -> DataFrame:
    """Add ``_id_key`` (own id, else own title+date), ``_td_key`` and ``_label``."""
    title_date = F.concat_ws(
        _SEP, F.col("source"), _title_key(), F.col("date_mention").cast("string")
    )
    id_key = F.concat_ws(_SEP, F.col("source"), F.col("id"))
    label = F.when(F.col("id").isNotNull(), F.concat(F.lit("id:"), F.col("id"))).otherwise(
        F.concat(F.lit("td:"), _title_key(), F.lit(_SEP), F.col("date_mention").cast("string"))
    )
    with_keys = records.withColumns(
        {
            "_td_key": title_date,
            "_id_key": F.when(F.col("id").isNotNull(), id_key).otherwise(title_date),
        }
    )
    return with_keys.withColumn("_label", label)


def propagate_labels_once(records: DataFrame) -> DataFrame:
    """One round: the smallest label over the same id, then over the same title and date."""
    by_id = Window.partitionBy("_id_key")
    by_title_date = Window.partitionBy("_td_key")
    step = records.withColumn("_label", F.min("_label").over(by_id))
    return step.withColumn("_label", F.min("_label").over(by_title_date))


def _propagate(
    current: DataFrame, max_rounds: int, first_round: int, cached: list[DataFrame]
) -> DataFrame:
    """Rounds ``first_round``.. until no label moves. ``current`` is persisted; each round's
    frame is persisted, the previous one released; the last one is left in ``cached``."""
    for round_number in range(first_round, max_rounds + 1):
        before = current.withColumn("_before", F.col("_label"))
        following = propagate_labels_once(before).persist(StorageLevel.MEMORY_AND_DISK)
        moved = following.where(F.col("_label") != F.col("_before")).count()
        current.unpersist()
        current = following.drop("_before")
        log.info("merge round %d: %d record label(s) changed", round_number, moved)
        if moved == 0:
            break
    else:
        log.warning("merge stopped after %d rounds without converging", max_rounds)
    cached.append(following)
    return current


def label_components(records: DataFrame, max_rounds: int, cached: list[DataFrame]) -> DataFrame:
    """Propagate labels until no record changes (or ``max_rounds``); adds ``_label``.

    Round 1 runs on every record and also counts each record's id group and title+date
    group (same windows, no extra sort). A record alone in both groups is a component of
    its own: its label is final. Only the others (duplicates and their partners, a few per
    cent) take part in the following rounds, so the convergence check no longer re-sorts
    the whole input.
    """
    by_id = Window.partitionBy("_id_key")
    by_title_date = Window.partitionBy("_td_key")
    first = (
        with_initial_labels(records)
        .withColumn("_label", F.min("_label").over(by_id))
        .withColumn("_n_id", F.count(F.lit(1)).over(by_id))
        .withColumn("_label", F.min("_label").over(by_title_date))
        .withColumn("_n_td", F.count(F.lit(1)).over(by_title_date))
    ).persist(StorageLevel.MEMORY_AND_DISK)
    cached.append(first)
    alone = (F.col("_n_id") == 1) & (F.col("_n_td") == 1)
    singles = first.where(alone).drop("_n_id", "_n_td")
    grouped = first.where(~alone).drop("_n_id", "_n_td").persist(StorageLevel.MEMORY_AND_DISK)
    log.info("merge round 1: %d record(s) share an id or a title and date", grouped.count())
    return singles.unionByName(_propagate(grouped, max_rounds, 2, cached))


def merge_components(labelled: DataFrame, surrogate_prefix: str) -> DataFrame:
    """One row per component: the publication, and how many input records it merged.

    The representative record is the one with an id, then the smallest title, date and
    journal; the merged journal is the representative's, else any non-empty one (smallest).
    """
    representative = F.min(
        F.struct(
            F.col("id").isNull().alias("no_id"),
            F.col("title"),
            F.col("date_mention"),
            F.col("journal").isNull().alias("no_journal"),
            F.col("journal"),
        )
    )
    merged = labelled.groupBy("source", "_label").agg(
        representative.alias("rep"),
        F.min("journal").alias("any_journal"),
        F.count(F.lit(1)).alias("records"),
    )
    label_text = F.substring(F.col("_label"), 4, 1 << 30)
    surrogate = F.concat(
        F.lit(surrogate_prefix),
        F.substring(F.sha2(F.concat_ws(_SEP, F.col("source"), label_text), 256), 1, 16),
    )
    publication_id = F.when(F.col("_label").startswith("id:"), label_text).otherwise(surrogate)
    return merged.select(
        "source",
        publication_id.alias("id"),
        F.col("rep.title").alias("title"),
        F.coalesce(F.col("rep.journal"), F.col("any_journal")).alias("journal"),
        F.col("rep.date_mention").alias("date_mention"),
        "records",
    )


def merge_duplicates(records: DataFrame, max_rounds: int, surrogate_prefix: str) -> DataFrame:
    """Usable records (no reject reason) -> publications with ``records`` merged into each.

    The result is persisted and materialised, so the labelled records can be released."""
    cached: list[DataFrame] = []
    labelled = label_components(records, max_rounds, cached)
    merged = merge_components(labelled, surrogate_prefix).persist(StorageLevel.MEMORY_AND_DISK)
    merged.count()
    for frame in cached:
        frame.unpersist()
    return merged
