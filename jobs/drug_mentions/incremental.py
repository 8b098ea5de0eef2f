"""An incremental run (``--state``): only new publication files are read; the graph is a full run's.

Step by step (:func:`run`): lock the state and read its version; list the input folder and
check that every file the state absorbed is still there, unchanged; read and clean the new
publication files and the whole drug list; merge the new records into the state's
publications (:mod:`drug_mentions.absorb`); match the new and changed publications with every
drug, and the other publications with the drugs added to the list
(:mod:`drug_mentions.changes`); write the new segment of the state; publish the whole graph
(``mentions/`` from every segment's edges, ``rejects/`` from every segment's rejects plus the
drug list's, the report from every file's counts); then commit the state's new version. A
run killed before the commit leaves the previous version, and the next run does it again.

With no state yet (or ``--rebuild``) every file is new: the same steps make the first segment.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from drug_mentions import (
    __version__,
    absorb,
    changes,
    clean,
    config,
    contract,
    discover,
    load,
    page,
    report,
    runner,
)
from drug_mentions.config import Settings
from drug_mentions.frames import step
from drug_mentions.state import AbsorbedFile, Manifest, State
from drug_mentions.storage import qualified

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Step:
    """What this run adds to the state: its segment number, the segments of the new version,
    the drug list (name -> atccode, since), live publications per source, and counts."""

    segment: int
    segments: list[int]
    drugs: dict[str, dict[str, Any]]
    publications: dict[str, int]
    touched: int
    added_drugs: int


def _file_rows(counts: report.RowCounts, name: str) -> list[list[Any]]:
    return sorted(
        ([g.status, g.reason, n] for g, n in counts.rows.items() if g.file == name),
        key=repr,
    )


def _absorbed_counts(files: list[AbsorbedFile]) -> report.RowCounts:
    rows: Counter = Counter()
    for f in files:
        for status, reason, n in f.rows:
            rows[report.RowGroup(f.source, f.name, status, reason)] += n
    return report.RowCounts(rows)


def write_segment(
    state: State,
    settings: Settings,
    cleaned: runner.Cleaned,
    manifest: Manifest | None,
    segment: int,
    fresh: set[str],
) -> Step:
    """Absorb the new files and the drug list's changes into a new segment of the state."""
    kept = {r.drug: r.atccode for r in cleaned.drug_list.kept.select("drug", "atccode").collect()}
    previous = manifest.drugs if manifest else {}
    added = sorted(set(kept) - set(previous))
    drug_map = {
        name: {"atccode": kept[name], "since": previous.get(name, {}).get("since", segment)}
        for name in sorted(kept)
    }
    segments = list(manifest.segments) if manifest else []
    publications = (
        dict(manifest.publications) if manifest else dict.fromkeys(contract.PUBLICATION_SOURCES, 0)
    )
    if not fresh and not added:
        return Step(segment, segments, drug_map, publications, 0, 0)
    spark = state.spark
    with step(spark, "absorb"):
        old = changes.old_groups(state, manifest)
        absorbed = absorb.absorb(cleaned.usable_records(), old, segment, settings.max_merge_rounds)
    with step(spark, "state segment"):
        state.write("groups", segment, absorbed.groups)
        state.write("keys", segment, absorbed.keys)
        state.write("forward", segment, absorbed.forward)
        load.write_rejects(clean.rejects(cleaned.records), state.segment_path("rejects", segment))
    with step(spark, "match and write edges"):
        edges = changes.find_edges(settings, absorbed, old, cleaned.drug_list, added)
        state.write("edges", segment, edges.withColumn("seg", F.lit(segment)))
    infos = {info.name: info for info in cleaned.inputs.all_files()}
    source_of = cleaned.inputs.source_of()
    state.write_files(
        segment,
        [
            AbsorbedFile(
                name,
                infos[name].path,
                source_of[name],
                infos[name].size,
                infos[name].modified,
                state.fs.crc32c(infos[name].path),
                _file_rows(cleaned.counts, name),
            )
            for name in sorted(fresh)
        ],
    )
    for source in contract.PUBLICATION_SOURCES:
        publications[source] += absorbed.made[source] - absorbed.touched[source]
    touched = sum(absorbed.touched.values())
    return Step(segment, [*segments, segment], drug_map, publications, touched, len(added))


def write_graph(
    spark: SparkSession,
    state: State,
    settings: Settings,
    publisher: load.Publisher,
    cleaned: runner.Cleaned,
    made: Step,
) -> tuple[report.EdgeCounts, int | None]:
    """``rejects/``, ``mentions/`` and ``output.json`` of the whole graph."""
    rejects_path = qualified(publisher.path(contract.REJECTS_DIR))
    with step(spark, "rejects"):
        load.write_rejects(clean.rejects(cleaned.drug_list.rows), rejects_path)
        for seg in made.segments:
            state.fs.copy_files(state.segment_path("rejects", seg), rejects_path, f"seg-{seg}-")
    since = spark.createDataFrame(
        [(name, d["atccode"], d["since"]) for name, d in made.drugs.items()],
        "drug STRING, atccode STRING, since INT",
    )
    mentions = changes.graph_edges(state, made.segments, since)
    edges = runner.write_mentions(publisher, mentions)
    drugs_in_json = (
        runner.write_output_json(spark, publisher, cleaned.drug_list)
        if settings.write_output_json
        else None
    )
    return edges, drugs_in_json


def run(
    spark: SparkSession, settings: Settings, run_id: str, rebuild: bool = False
) -> dict[str, Any]:
    """Run the pipeline with the state ``settings.state``; return the run report."""
    started = time.time()
    state = State(spark, settings.state)
    log.info(
        "drug_mentions %s run %s: %s -> %s, state %s%s",
        __version__,
        run_id,
        settings.input,
        settings.output,
        settings.state,
        " (rebuild)" if rebuild else "",
    )
    run_id = config.check_run_id(run_id)
    with runner.output_of(spark, settings, run_id) as publisher, state.lock(run_id):
        manifest = None if rebuild else state.current()
        absorbed_files = state.files(manifest)
        inputs = discover.discover(
            spark,
            settings.input,
            settings.json_format,
            {f.name: f.source for f in absorbed_files},
        )
        changes.check_absorbed(state, inputs, absorbed_files)
        fresh = set(inputs.new_files())
        segment = state.next_segment(state.latest_version())
        log.info("state: %d file(s) absorbed, %d new", len(absorbed_files), len(fresh))
        with runner.read_and_clean(spark, inputs) as cleaned, publisher.publishing():
            made = write_segment(state, settings, cleaned, manifest, segment, fresh)
            edges, drugs_in_json = write_graph(spark, state, settings, publisher, cleaned, made)
            with step(spark, "report.html"):
                shown = page.gather(spark, settings, publisher, edges.drugs_mentioned)
            counts = cleaned.counts + _absorbed_counts(absorbed_files)
            merged = {
                s: counts.usable(s) - made.publications[s] for s in contract.PUBLICATION_SOURCES
            }
            facts = report.RunFacts(
                sources=contract.SOURCES,
                files=inputs.all_files(),
                source_of=inputs.source_of(),
                ignored=inputs.ignored,
                rows=counts,
                merged=merged,
                edges=edges,
                output_json_drugs=drugs_in_json,
            )
            info = report.RunInfo(
                run_id, __version__, settings.input, settings.output, started, time.time()
            )
            commit = made.segments != (manifest.segments if manifest else []) or made.drugs != (
                manifest.drugs if manifest else {}
            )
            version = made.segment if commit else manifest.version
            block = _incremental_block(settings, rebuild, version, made, cleaned, inputs, fresh)
            block["bytes_reused"] = sum(f.size for f in absorbed_files)
            summary = report.build(facts, info, block)
            page.publish(settings, publisher, summary, shown)
            runner.publish(publisher, summary)
        if commit:
            state.commit(
                Manifest(made.segment, made.segments, made.drugs, made.publications, run_id)
            )
    report.log_summary(summary)
    reused, read = block["bytes_reused"], block["bytes_read"]
    log.info(
        "state: reused %d of %d bytes of publication files (%.0f %%), read %d new file(s)",
        reused,
        reused + read,
        100 * reused / max(reused + read, 1),
        len(fresh),
    )
    return summary


def _incremental_block(settings, rebuild, version, made, cleaned, inputs, fresh) -> dict[str, Any]:
    """The report's ``incremental`` block: what this run read, and what it reused."""
    return {
        "state": settings.state,
        "rebuild": rebuild,
        "version": version,
        "new_files": len(fresh),
        "records_read": sum(cleaned.counts.rows_of(s) for s in contract.PUBLICATION_SOURCES),
        "publications_touched": made.touched,
        "drugs_added": made.added_drugs,
        "bytes_read": sum(i.size for i in inputs.all_files() if i.name in fresh),
    }
