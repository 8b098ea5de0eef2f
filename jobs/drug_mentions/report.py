"""``run_report.json``: what came in, what was kept, rejected or merged, and what came out.

Every count comes from one small aggregate (rows per file/reason/source), never from
collecting records. The balance ``rows = kept + rejected + merged`` holds per source.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from drug_mentions.storage import FileInfo

log = logging.getLogger(__name__)


def to_json(report: dict[str, Any]) -> str:
    """The report as pretty, key-sorted UTF-8 JSON text."""
    return json.dumps(report, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def file_counts(records: DataFrame, files: list[FileInfo]) -> list[dict[str, Any]]:
    """Records and ignored blank lines per input file (files with no row count 0)."""
    rows = (
        records.groupBy("source", "file")
        .agg(
            F.sum((~F.col("blank")).cast("int")).alias("rows"),
            F.sum(F.col("blank").cast("int")).alias("blank_lines"),
        )
        .collect()
    )
    by_file = {row.file: row for row in rows}
    out = []
    for info in sorted(files, key=lambda f: f.name):
        row = by_file.get(info.name)
        out.append(
            {
                "file": info.name,
                "bytes": info.size,
                "rows": int(row.rows) if row else 0,
                "blank_lines_ignored": int(row.blank_lines) if row else 0,
            }
        )
    return out


def reason_counts(rejected: DataFrame) -> dict[str, dict[str, int]]:
    """``{source: {reason: n}}`` for rejected records."""
    counts: dict[str, dict[str, int]] = {}
    for row in rejected.groupBy("source", "reason").count().collect():
        counts.setdefault(row.source, {})[row.reason] = int(row["count"])
    return {source: dict(sorted(reasons.items())) for source, reasons in sorted(counts.items())}


def source_summary(
    sources: list[str],
    input_rows: dict[str, int],
    rejects: dict[str, dict[str, int]],
    kept: dict[str, int],
) -> dict[str, dict[str, Any]]:
    """Per source: rows, kept, rejected (by reason), merged, and whether they balance."""
    summary = {}
    for source in sources:
        rows = input_rows.get(source, 0)
        rejected = sum(rejects.get(source, {}).values())
        kept_rows = kept.get(source, 0)
        merged = rows - rejected - kept_rows
        summary[source] = {
            "rows": rows,
            "kept": kept_rows,
            "rejected": rejected,
            "rejected_by_reason": rejects.get(source, {}),
            "merged_duplicates": merged,
        }
    return summary


def log_summary(report: dict[str, Any]) -> None:
    """One screen at the end of the run: per source in/out, rejects, edges."""
    log.info("---- run %s summary ----", report["run_id"])
    for source, numbers in report["sources"].items():
        log.info(
            "%-16s rows %6d  kept %6d  rejected %5d  merged %5d  %s",
            source,
            numbers["rows"],
            numbers["kept"],
            numbers["rejected"],
            numbers["merged_duplicates"],
            numbers["rejected_by_reason"] or "",
        )
    edges = report["edges"]
    log.info(
        "edges: %s (total %d)", {k: v for k, v in edges.items() if k != "total"}, edges["total"]
    )
    log.info(
        "drugs mentioned: %d of %d", report["drugs_mentioned"], report["sources"]["drugs"]["kept"]
    )
    log.info("duration: %.1f s", report["duration_seconds"])
