"""One pipeline run, top-down: discover, read and clean, reject and merge, match, write, publish.

This module only sequences the steps; each lives in its module (``discover``, ``extract``,
``clean``, ``drugs``, ``merge``, ``match``, ``load``, ``graph``, ``report``), and two
independent steps may run at the same time (:func:`drug_mentions.frames.concurrently`).

All input checks that can fail the run (folder, files, headers, unreadable JSON, empty drug
list) happen before the first byte is written, so a bad input leaves no trace.

Passes over the data: the publication records are read and cleaned once, into a narrow copy
on disk (``DISK_ONLY``: memory does not grow with the input) whose first pass also counts
rows per file and reason. ``rejects/``, the merge's key aggregation and the ``mentions/``
write read that copy; ``output.json`` and the edge counts read the written ``mentions/``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pyspark import StorageLevel
from pyspark.sql import DataFrame, Observation, SparkSession

from drug_mentions import (
    __version__,
    clean,
    config,
    contract,
    discover,
    drugs,
    extract,
    graph,
    load,
    lock,
    match,
    merge,
    page,
    report,
)
from drug_mentions.config import Settings
from drug_mentions.frames import concurrently, named, step
from drug_mentions.storage import qualified, spark_path

log = logging.getLogger(__name__)


def new_run_id() -> str:
    """Sortable, lower-case UTC timestamp, e.g. ``20261125t143501z``."""
    return datetime.now(UTC).strftime("%Y%m%dt%H%M%Sz")


@dataclass(frozen=True)
class Cleaned:
    """The checked inputs of a run, cleaned: the ``drug_list``, every publication record as
    ``contract.RECORD_COLUMNS`` (``records``, on disk while the run lasts) and the rows per
    source, file and reason of both (``counts``)."""

    inputs: discover.Inputs
    drug_list: drugs.DrugList
    records: DataFrame
    counts: report.RowCounts

    def usable_records(self) -> DataFrame:
        return self.records.where(clean.is_usable())

    def usable_count(self) -> int:
        return sum(self.counts.usable(source) for source in contract.PUBLICATION_SOURCES)


@contextmanager
def read_and_clean(spark: SparkSession, inputs: discover.Inputs) -> Iterator[Cleaned]:
    """Read, clean and count every input, then make the checks only reading can make
    (:func:`drug_mentions.discover.check_read`); the records' copy on disk and the cached drug
    list are released when the block ends, also on error."""
    raw = extract.read_publications(spark, inputs)
    records = clean.clean_records(raw).persist(StorageLevel.DISK_ONLY)
    drug_list = drugs.read_drug_list(spark, inputs)
    try:
        # The pass that reads, cleans and persists the records counts them too; the drug
        # list is cached while it is counted.
        counts, drug_counts = concurrently(
            named(spark, "read and clean", lambda: report.RowCounts.of(records)),
            named(spark, "drug list", lambda: report.RowCounts.of(drug_list.rows)),
        )
        counts += drug_counts
        discover.check_read(counts, inputs)
        yield Cleaned(inputs, drug_list, records, counts)
    finally:
        records.unpersist()
        drug_list.release()


def reject_and_merge(
    publisher: load.Publisher, settings: Settings, cleaned: Cleaned
) -> merge.Merged:
    """Write ``rejects/`` while the usable records are merged into publications."""
    rejects = clean.rejects(cleaned.drug_list.rows, cleaned.records)
    spark = publisher.spark
    _, merged = concurrently(
        named(
            spark,
            "rejects",
            lambda: load.write_rejects(rejects, qualified(publisher.path(contract.REJECTS_DIR))),
        ),
        named(
            spark,
            "merge",
            lambda: merge.merge_duplicates(
                cleaned.usable_records(),
                cleaned.usable_count(),
                settings.max_merge_rounds,
                settings.surrogate_id_prefix,
            ),
        ),
    )
    return merged


def match_and_write(
    publisher: load.Publisher, publications: DataFrame, drug_list: drugs.DrugList
) -> report.EdgeCounts:
    """Match the drugs in the publications' titles and write ``mentions/``."""
    mentions = match.match_mentions(publications, drugs.drug_keys(drug_list.kept))
    return write_mentions(publisher, mentions)


def write_mentions(publisher: load.Publisher, mentions: DataFrame) -> report.EdgeCounts:
    """Write ``mentions/``; the edges are counted while they are written."""
    counted = Observation("edges")
    with step(publisher.spark, "match and write mentions"):
        load.write_parquet_edges(
            report.observe_edges(mentions, counted),
            qualified(publisher.path(contract.MENTIONS_DIR)),
        )
    edges = report.edge_counts(counted)
    log.info("matched %d edges %s", sum(edges.per_source.values()), edges.per_source)
    return edges


def write_output_json(
    spark: SparkSession, publisher: load.Publisher, drug_list: drugs.DrugList
) -> int:
    """``output.json`` from the written ``mentions/``: per-drug documents streamed by the
    driver (the one documented driver-side step); returns the number of drugs written."""
    written = spark.read.schema(contract.MENTIONS_SCHEMA).parquet(
        spark_path(publisher.path(contract.MENTIONS_DIR))
    )
    with step(spark, "output.json"):
        count = publisher.write_with(
            contract.OUTPUT_JSON, lambda out: graph.write_graph(out, written, drug_list.kept)
        )
    log.info("wrote %s (%d drugs)", contract.OUTPUT_JSON, count)
    return count


def publish(publisher: load.Publisher, summary: dict[str, Any]) -> None:
    """Write ``run_report.json``, then the completion marker, and make the run visible."""
    publisher.write_text(contract.RUN_REPORT, report.to_json(summary))
    publisher.commit(summary)


@contextmanager
def output_of(spark: SparkSession, settings: Settings, run_id: str) -> Iterator[load.Publisher]:
    """The run's :class:`~drug_mentions.load.Publisher`, once the output path passed its
    checks (before any work), with the output's lock held for the block."""
    publisher = load.Publisher(spark, settings.output, run_id)
    publisher.check(settings.input)
    with lock.acquire(spark, publisher.lock_path, run_id, "output", settings.output):
        yield publisher


def run(spark: SparkSession, settings: Settings, run_id: str | None = None) -> dict[str, Any]:
    """Run the pipeline; return the run report. Raises :class:`InputError` on bad input or
    misuse (checked before any work), and when another run holds the output's lock."""
    started = time.time()
    run_id = config.check_run_id(run_id or new_run_id())
    with output_of(spark, settings, run_id) as publisher:
        log.info(
            "drug_mentions %s run %s: %s -> %s",
            __version__,
            run_id,
            settings.input,
            settings.output,
        )
        inputs = discover.discover(spark, settings.input, settings.json_format)
        with read_and_clean(spark, inputs) as cleaned, publisher.publishing():
            summary = _write(spark, settings, publisher, inputs, cleaned, started)
    report.log_summary(summary)
    return summary


def _write(
    spark: SparkSession,
    settings: Settings,
    publisher: load.Publisher,
    inputs: discover.Inputs,
    cleaned: Cleaned,
    started: float,
) -> dict[str, Any]:
    """Reject and merge, match and write, then the report and the completion marker."""
    merged = reject_and_merge(publisher, settings, cleaned)
    edges = match_and_write(publisher, merged.publications, cleaned.drug_list)
    drugs_in_json = (
        write_output_json(spark, publisher, cleaned.drug_list)
        if settings.write_output_json
        else None
    )
    with step(spark, "report.html"):
        shown = page.gather(spark, settings, publisher, edges.drugs_mentioned)
    facts = report.RunFacts(
        sources=contract.SOURCES,
        files=inputs.all_files(),
        source_of=inputs.source_of(),
        ignored=inputs.ignored,
        rows=cleaned.counts,
        merged=merged.merged,
        edges=edges,
        output_json_drugs=drugs_in_json,
    )
    info = report.RunInfo(
        publisher.run_id, __version__, settings.input, settings.output, started, time.time()
    )
    summary = report.build(facts, info)
    page.publish(settings, publisher, summary, shown)
    publish(publisher, summary)
    return summary
