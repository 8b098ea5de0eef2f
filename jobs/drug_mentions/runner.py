"""One pipeline run: discover -> read -> clean -> reject -> merge -> match -> write -> publish.

This module only sequences the steps; each lives in its module (``discover``, ``extract``,
``clean``, ``merge``, ``match``, ``load``, ``graph``, ``report``), and two independent steps
may run at the same time (:func:`concurrently`).

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
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from pyspark import StorageLevel
from pyspark.sql import DataFrame, Observation, Row, SparkSession
from pyspark.sql import types as T

from drug_mentions import (
    __version__,
    clean,
    config,
    contract,
    discover,
    extract,
    graph,
    load,
    lock,
    match,
    merge,
    report,
)
from drug_mentions.config import Settings
from drug_mentions.storage import qualified, spark_path

log = logging.getLogger(__name__)
A = TypeVar("A")
B = TypeVar("B")


def new_run_id() -> str:
    """Sortable, lower-case UTC timestamp, e.g. ``20261125t143501z``."""
    return datetime.now(UTC).strftime("%Y%m%dt%H%M%Sz")


@dataclass(frozen=True)
class Cleaned:
    """The checked inputs of a run, cleaned.

    ``drugs``: every drug row (a small frame built from rows on the driver) with ``reason``,
    ``fields`` and ``raw_line``; ``kept_drugs``: the usable ones. ``records``: every
    publication record as ``contract.RECORD_COLUMNS``, persisted on disk (release with
    :meth:`release`). ``counts``: rows per source, file, reason and blank line, drugs included.
    """

    inputs: discover.Inputs
    drugs: DataFrame
    kept_drugs: DataFrame
    records: DataFrame
    counts: report.RowCounts

    def release(self) -> None:
        self.records.unpersist()


def concurrently(first: Callable[[], A], second: Callable[[], B]) -> tuple[A, B]:
    """Two independent steps at the same time, from two driver threads: one's planning and
    small jobs fill the cores the other leaves idle. Both finish before an error is raised."""
    with ThreadPoolExecutor(2, thread_name_prefix="drug-mentions") as pool:
        one, other = pool.submit(first), pool.submit(second)
        return one.result(), other.result()


def _read_drugs(spark: SparkSession, inputs: discover.Inputs) -> tuple[list[Row], T.StructType]:
    """Every drug row, cleaned, on the driver (the drug list is small: it is broadcast)."""
    rows = extract.read_csv(spark, contract.DRUGS_CSV, inputs.drugs)
    drugs = clean.with_reject_fields(match.with_drug_fields(rows), contract.DRUG_FIELDS)
    return drugs.collect(), drugs.schema


def read_and_clean(spark: SparkSession, settings: Settings) -> Cleaned:
    """Discover, read, clean and count the inputs; raise :class:`InputError` on bad input."""
    inputs = discover.discover(spark, settings.input, settings.json_format)
    raw = extract.read_publications(spark, inputs)
    records = clean.clean_records(raw).persist(StorageLevel.DISK_ONLY)
    try:
        # The pass that reads, cleans and persists the records counts them too.
        counts, (drug_rows, drug_schema) = concurrently(
            lambda: report.RowCounts.of(records), lambda: _read_drugs(spark, inputs)
        )
        counts += report.RowCounts.of_rows(drug_rows)
        extract.check_read(counts, inputs)
    except BaseException:
        records.unpersist()
        raise
    drugs = spark.createDataFrame(drug_rows, drug_schema)
    kept_drugs = drugs.where(clean.is_usable())
    return Cleaned(inputs, drugs, kept_drugs, records, counts)


def run(spark: SparkSession, settings: Settings, run_id: str | None = None) -> dict[str, Any]:
    """Run the pipeline; return the run report. Raises :class:`InputError` on bad input or
    misuse (checked before any work), and when another run holds the output's lock."""
    run_id = config.check_run_id(run_id or new_run_id())
    publisher = load.Publisher(spark, settings.output, run_id)
    publisher.check(settings.input)
    with lock.acquire(spark, publisher.lock_path, run_id, "output", settings.output):
        return _run(spark, settings, publisher)


def _run(spark: SparkSession, settings: Settings, publisher: load.Publisher) -> dict[str, Any]:
    started = time.time()
    run_id = publisher.run_id
    log.info(
        "drug_mentions %s run %s: %s -> %s", __version__, run_id, settings.input, settings.output
    )
    cleaned = read_and_clean(spark, settings)
    try:
        publisher.begin()
        try:
            facts = _write(spark, settings, publisher, cleaned)
            info = report.RunInfo(
                run_id, __version__, settings.input, settings.output, started, time.time()
            )
            summary = report.build(facts, info)
            publisher.write_text(contract.RUN_REPORT, report.to_json(summary))
            publisher.commit(summary)
        except BaseException:
            publisher.abort()
            raise
    finally:
        cleaned.release()
    report.log_summary(summary)
    return summary


def _write(
    spark: SparkSession, settings: Settings, publisher: load.Publisher, cleaned: Cleaned
) -> report.RunFacts:
    """Write rejects/, mentions/ and output.json; return what the report counts."""
    rejects = clean.rejects(cleaned.drugs, cleaned.records)
    usable = cleaned.records.where(clean.is_usable())
    _, merged = concurrently(
        lambda: load.write_rejects(rejects, qualified(publisher.path(contract.REJECTS_DIR))),
        lambda: merge.merge_duplicates(
            usable,
            settings.max_merge_rounds,
            settings.surrogate_id_prefix,
            record_count=sum(cleaned.counts.usable(s) for s in contract.PUBLICATION_SOURCES),
        ),
    )
    mentions = match.match_mentions(merged.publications, match.drug_keys(cleaned.kept_drugs))
    mentions_path = qualified(publisher.path(contract.MENTIONS_DIR))
    counted = Observation("edges")
    load.write_parquet_edges(report.observe_edges(mentions, counted), mentions_path)
    edges = report.edge_counts(counted)
    log.info("matched %d edges %s", sum(edges.per_source.values()), edges.per_source)
    drugs_in_json = None
    if settings.write_output_json:
        # The one driver-side step: per-drug documents streamed into output.json (documented).
        written = spark.read.schema(contract.MENTIONS_SCHEMA).parquet(spark_path(mentions_path))
        drugs_in_json = publisher.write_with(
            contract.OUTPUT_JSON, lambda out: graph.write_graph(out, written, cleaned.kept_drugs)
        )
        log.info("wrote %s (%d drugs)", contract.OUTPUT_JSON, drugs_in_json)
    return report.RunFacts(
        sources=contract.SOURCES,
        files=cleaned.inputs.all_files(),
        source_of=cleaned.inputs.source_of(),
        rows=cleaned.counts,
        merged=merged.merged,
        edges=edges,
        output_json_drugs=drugs_in_json,
        ignored=cleaned.inputs.ignored,
    )
