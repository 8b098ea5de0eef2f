"""One pipeline run: discover -> read -> clean -> reject -> merge -> match -> write -> publish.

All input checks that can fail the run (folder, files, headers, unreadable JSON, empty drug
list) happen before the first byte is written, so a bad input leaves no trace.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from datetime import UTC, datetime
from typing import Any

from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from drug_mentions import __version__, clean, extract, graph, layout, load, match, merge, report
from drug_mentions.config import Settings
from drug_mentions.errors import InputError
from drug_mentions.storage import qualified

log = logging.getLogger(__name__)

REJECT_COLUMNS = ("source", "file", "reason", "fields", "raw_line")


def new_run_id() -> str:
    """Sortable, lower-case UTC timestamp, e.g. ``20261125t143501z``."""
    return datetime.now(UTC).strftime("%Y%m%dt%H%M%Sz")


def _rejects(frame: DataFrame, fields: dict[str, str]) -> DataFrame:
    """Rejected, non-blank rows as ``source, file, reason, fields (raw strings), raw_line``."""
    as_map = F.create_map(*[x for name, raw in fields.items() for x in (F.lit(name), F.col(raw))])
    rejected = frame.where(clean.is_rejected())
    return rejected.select("source", "file", "reason", as_map.alias("fields"), "raw_line")


def _count_by(frame: DataFrame, column: str) -> dict[str, int]:
    return {row[column]: int(row["count"]) for row in frame.groupBy(column).count().collect()}


def _cache(frame: DataFrame, cached: list[DataFrame]) -> DataFrame:
    """Persist a frame reused by several actions; remember it to release it after the run."""
    cached.append(frame.persist(StorageLevel.MEMORY_AND_DISK))
    return frame


def read_and_clean(spark: SparkSession, settings: Settings, cached: list[DataFrame]) -> tuple:
    """Checked inputs, cleaned drug rows and cleaned publication records (both persisted)."""
    inputs = extract.discover(spark, settings.input, settings.json_format)
    drug_rows = extract.read_csv(spark, extract.DRUGS_CSV, inputs.drugs)
    drugs = _cache(match.with_drug_fields(drug_rows), cached)
    raw = extract.read_publications(spark, inputs)
    records = raw.transform(clean.with_clean_fields).transform(clean.with_reject_reason)
    records = _cache(records, cached)

    unreadable = extract.unreadable_json_files(records, inputs)
    if unreadable:
        raise InputError(f"{unreadable[0]}: no JSON record can be read (not JSON, or no object)")
    kept_drugs = drugs.where(clean.is_usable())
    if kept_drugs.isEmpty():
        names = ", ".join(f.name for group in inputs.drugs.values() for f in group)
        raise InputError(f"{names}: no usable drug row (empty drug list)")
    return inputs, drugs, kept_drugs, records


def run(spark: SparkSession, settings: Settings, run_id: str | None = None) -> dict[str, Any]:
    """Run the pipeline; return the run report. Raises :class:`InputError` on bad input."""
    cached: list[DataFrame] = []
    try:
        return _run(spark, settings, run_id, cached)
    finally:
        for frame in cached:
            frame.unpersist()


def _run(spark: SparkSession, settings: Settings, run_id: str | None, cached: list) -> dict:
    started = time.time()
    run_id = run_id or new_run_id()
    log.info(
        "drug_mentions %s run %s: %s -> %s", __version__, run_id, settings.input, settings.output
    )
    inputs, drugs, kept_drugs, records = read_and_clean(spark, settings, cached)

    publisher = load.Publisher(spark, settings.output, run_id)
    publisher.begin()
    try:
        rejects = _rejects(drugs, {"atccode": "raw_atccode", "drug": "raw_drug"}).unionByName(
            _rejects(
                records,
                {
                    "id": "raw_id",
                    "title": "raw_title",
                    "date": "raw_date",
                    "journal": "raw_journal",
                },
            )
        )
        load.write_rejects(rejects, qualified(publisher.path(layout.REJECTS_DIR)))

        # Only what the merge reads: the raw_* copies, raw_line and flags would otherwise be
        # carried (and cached) through every merge round.
        usable = records.where(clean.is_usable()).select(
            "source", "id", "title", "journal", "date_mention"
        )
        publications = _cache(
            merge.merge_duplicates(usable, settings.max_merge_rounds, settings.surrogate_id_prefix),
            cached,
        )
        keys = match.drug_keys(kept_drugs)
        mentions = _cache(match.match_mentions(publications, keys), cached)
        load.write_parquet_edges(mentions, qualified(publisher.path(layout.MENTIONS_DIR)))

        edges = _count_by(mentions, "source")
        log.info("matched %d edges %s", sum(edges.values()), edges)
        written_drugs = None
        if settings.write_output_json:
            written_drugs = _write_output_json(publisher, mentions, kept_drugs)

        summary = _report(inputs, drugs, kept_drugs, records, publications, mentions, edges)
        summary.update(
            run_id=run_id,
            version=__version__,
            input=settings.input,
            output=settings.output,
            started_at=datetime.fromtimestamp(started, UTC).isoformat(timespec="seconds"),
            finished_at=datetime.now(UTC).isoformat(timespec="seconds"),
            duration_seconds=round(time.time() - started, 3),
            output_json={"written": written_drugs is not None, "drugs": written_drugs},
        )
        publisher.write_text(layout.RUN_REPORT, report.to_json(summary))
        publisher.commit(summary)
    except BaseException:
        publisher.abort()
        raise
    report.log_summary(summary)
    return summary


def _write_output_json(publisher: load.Publisher, mentions: DataFrame, drugs: DataFrame) -> int:
    """The one driver-side step: stream per-drug documents into output.json (documented)."""
    target = publisher.path(layout.OUTPUT_JSON)
    if publisher.local:
        with open(target, "w", encoding="utf-8", newline="\n") as out:
            count = graph.write_json(graph.iter_documents(mentions, drugs), out)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            local = os.path.join(tmp, layout.OUTPUT_JSON)
            with open(local, "w", encoding="utf-8", newline="\n") as out:
                count = graph.write_json(graph.iter_documents(mentions, drugs), out)
            publisher.fs.copy_from_local(local, target)
    log.info("wrote %s (%d drugs)", layout.OUTPUT_JSON, count)
    return count


def _report(inputs, drugs, kept_drugs, records, publications, mentions, edges) -> dict[str, Any]:
    presence = drugs.select("source", "file", "blank").unionByName(
        records.select("source", "file", "blank")
    )
    files = report.file_counts(presence, inputs.all_files())
    sources = [extract.DRUGS, extract.PUBMED, extract.CLINICAL_TRIALS]
    by_name = inputs.source_of()
    rows: dict[str, int] = {}
    for entry in files:
        entry["source"] = by_name[entry["file"]]
        rows[entry["source"]] = rows.get(entry["source"], 0) + entry["rows"]
    reasons = report.reason_counts(
        drugs.select("source", "reason", "blank")
        .unionByName(records.select("source", "reason", "blank"))
        .where(clean.is_rejected())
    )
    kept = _count_by(publications, "source")
    kept[extract.DRUGS] = kept_drugs.count()
    summary = report.source_summary(sources, rows, reasons, kept)
    return {
        "files": files,
        "sources": summary,
        "rejects_total": sum(s["rejected"] for s in summary.values()),
        "edges": {
            extract.PUBMED: edges.get(extract.PUBMED, 0),
            extract.CLINICAL_TRIALS: edges.get(extract.CLINICAL_TRIALS, 0),
            "total": sum(edges.values()),
        },
        "drugs_mentioned": mentions.select("drug").distinct().count(),
    }
