"""``run_report.json``: what came in, what was kept, rejected or merged, and what came out.

Every count comes from small aggregates computed while the run's data passes through Spark
anyway (rows per file and reason, merged records per source, edges per source and drug),
never from collecting records. The balance ``rows = kept + rejected + merged`` holds per
source.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple

from pyspark.sql import DataFrame, Observation
from pyspark.sql import functions as F

from drug_mentions import clean
from drug_mentions.contract import BLANK, PUBLICATION_SOURCES, REJECTED, USABLE
from drug_mentions.storage import FileInfo

log = logging.getLogger(__name__)


class RowGroup(NamedTuple):
    """Input rows that share a source, a file, a status (``contract.USABLE``, ``REJECTED``
    or ``BLANK``, as :func:`drug_mentions.clean.row_status` says) and a reject reason."""

    source: str
    file: str
    status: str
    reason: str | None


@dataclass(frozen=True)
class RowCounts:
    """Input rows per :class:`RowGroup`: what the frames say of each row, counted."""

    rows: Counter[RowGroup] = field(default_factory=Counter)

    @classmethod
    def of(cls, frame: DataFrame) -> RowCounts:
        """Count ``frame`` (``source, file, reason, blank`` columns) in one aggregation."""
        status = clean.row_status().alias("status")
        grouped = frame.groupBy("source", "file", status, "reason").count().collect()
        return cls(
            Counter({RowGroup(r.source, r.file, r.status, r.reason): r["count"] for r in grouped})
        )

    def __add__(self, other: RowCounts) -> RowCounts:
        return RowCounts(self.rows + other.rows)

    def _sum(self, **wanted: str) -> int:
        return sum(
            n
            for group, n in self.rows.items()
            if all(getattr(group, name) == value for name, value in wanted.items())
        )

    def per_file(self, file: str, *, blank: bool) -> int:
        """Records (``blank=False``) or ignored blank lines (``blank=True``) of ``file``."""
        if blank:
            return self._sum(file=file, status=BLANK)
        return self._sum(file=file, status=USABLE) + self._sum(file=file, status=REJECTED)

    def rows_of(self, source: str) -> int:
        """Records of ``source`` (usable or rejected; blank lines are not records)."""
        return self.usable(source) + self._sum(source=source, status=REJECTED)

    def usable(self, source: str) -> int:
        return self._sum(source=source, status=USABLE)

    def rejected(self) -> dict[str, dict[str, int]]:
        """``{source: {reason: n}}``, sorted."""
        found: dict[str, Counter[str]] = {}
        for group, n in self.rows.items():
            if group.status == REJECTED:
                found.setdefault(group.source, Counter())[group.reason] += n
        return {source: dict(sorted(found[source].items())) for source in sorted(found)}

    def in_file(self, file: str) -> Counter[str | None]:
        """Records of ``file`` per reject reason (None: usable)."""
        found: Counter[str | None] = Counter()
        for group, n in self.rows.items():
            if group.file == file and group.status != BLANK:
                found[group.reason] += n
        return found


@dataclass(frozen=True)
class EdgeCounts:
    """Edges per source and the number of distinct drugs they mention."""

    per_source: dict[str, int]
    drugs_mentioned: int


def observe_edges(mentions: DataFrame, observation: Observation) -> DataFrame:
    """``mentions`` counted while it is written (no extra pass): read the counts with
    :func:`edge_counts` once the write is done."""
    per_source = [
        F.count_if(F.col("source") == source).alias(source) for source in PUBLICATION_SOURCES
    ]
    drugs = F.size(F.collect_set("drug")).alias("drugs_mentioned")  # at most the drug list
    return mentions.observe(observation, *per_source, drugs)


def edge_counts(observation: Observation) -> EdgeCounts:
    """The counts :func:`observe_edges` collected."""
    seen = observation.get
    return EdgeCounts({s: seen[s] for s in PUBLICATION_SOURCES}, seen["drugs_mentioned"])


@dataclass(frozen=True)
class RunFacts:
    """Everything the report counts about a run: input files (and the source of each), rows
    per file and reason, merged records and edges per source, the number of drugs in
    ``output.json`` (None when it was not written), and the entries of the input folder that
    were not read (name -> reason)."""

    sources: tuple[str, ...]
    files: list[FileInfo]
    source_of: dict[str, str]
    rows: RowCounts
    merged: dict[str, int]
    edges: EdgeCounts
    output_json_drugs: int | None
    ignored: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RunInfo:
    """Which run: id, code version, paths, and start and end (seconds since the epoch)."""

    run_id: str
    version: str
    input: str
    output: str
    started: float
    finished: float


def build(
    facts: RunFacts, run: RunInfo, incremental: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The report: the run (:class:`RunInfo`) and its counts (``files``, ``ignored``,
    ``sources``, ``rejects_total``, ``edges``, ``drugs_mentioned``, ``output_json``), and
    with a state what the run reused of it (``incremental``)."""
    files = [
        {
            "file": info.name,
            "bytes": info.size,
            "rows": facts.rows.per_file(info.name, blank=False),
            "blank_lines_ignored": facts.rows.per_file(info.name, blank=True),
            "source": facts.source_of[info.name],
        }
        for info in sorted(facts.files, key=lambda f: f.name)
    ]
    rejected = facts.rows.rejected()
    sources = {}
    for source in facts.sources:
        merged = facts.merged.get(source, 0)
        sources[source] = {
            "rows": facts.rows.rows_of(source),
            "kept": facts.rows.usable(source) - merged,
            "rejected": sum(rejected.get(source, {}).values()),
            "rejected_by_reason": rejected.get(source, {}),
            "merged_duplicates": merged,
        }
    edges = {source: facts.edges.per_source.get(source, 0) for source in PUBLICATION_SOURCES}
    return {
        "files": files,
        "ignored": [{"name": n, "reason": r} for n, r in sorted(facts.ignored.items())],
        "sources": sources,
        "rejects_total": sum(s["rejected"] for s in sources.values()),
        "edges": {**edges, "total": sum(facts.edges.per_source.values())},
        "drugs_mentioned": facts.edges.drugs_mentioned,
        "output_json": {
            "written": facts.output_json_drugs is not None,
            "drugs": facts.output_json_drugs,
        },
        "run_id": run.run_id,
        "version": run.version,
        "input": run.input,
        "output": run.output,
        "started_at": _iso(run.started),
        "finished_at": _iso(run.finished),
        "duration_seconds": round(run.finished - run.started, 3),
        **({"incremental": incremental} if incremental is not None else {}),
    }


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds")


def to_json(report: dict[str, Any]) -> str:
    """The report as pretty, key-sorted UTF-8 JSON text."""
    return json.dumps(report, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


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
