"""Pipeline runs in the data bucket: ``runs/<run_id>/``, complete when ``_SUCCESS`` exists."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from drug_mentions import contract
from google.api_core import exceptions as api_exceptions
from google.cloud import storage

from gcs_cli.errors import EXIT_USAGE, BucketNotFoundError, CliError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Run:
    run_id: str
    complete: bool
    report: Any = None  # the marker's JSON (same as run_report.json) when complete

    @property
    def status(self) -> str:
        return "complete" if self.complete else "incomplete"


def run_prefix(run_id: str) -> str:
    return f"{contract.RUNS_PREFIX}/{run_id}/"


def check_run_id(run_id: str) -> str:
    if not run_id or "/" in run_id or run_id in {".", ".."}:
        raise CliError(f"invalid run id {run_id!r}", EXIT_USAGE)
    return run_id


def _read_marker(blob: storage.Blob) -> Any:
    text = blob.download_as_bytes().decode("utf-8", errors="replace")
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        log.warning("marker gs://%s/%s is not JSON", blob.bucket.name, blob.name)
        return None


def list_runs(client: storage.Client, bucket: str, with_reports: bool = True) -> list[Run]:
    """Every run folder, sorted by run id (so by time), with its status and marker content."""
    root = f"{contract.RUNS_PREFIX}/"
    try:
        folders = client.list_blobs(bucket, prefix=root, delimiter="/")
        for _ in folders:  # objects directly under runs/: none expected; fills .prefixes
            pass
        run_ids = sorted(p.removeprefix(root).rstrip("/") for p in folders.prefixes)
        # One listing for all markers: match_glob narrows it on GCS; the name check keeps it
        # exact where a server ignores the glob (fake-gcs-server does).
        pattern = f"{root}*/{contract.SUCCESS_MARKER}"
        markers = {
            b.name.removeprefix(root).split("/")[0]: b
            for b in client.list_blobs(bucket, prefix=root, match_glob=pattern)
            if b.name.count("/") == 2 and b.name.endswith(f"/{contract.SUCCESS_MARKER}")
        }
    except api_exceptions.NotFound as exc:
        raise BucketNotFoundError(bucket) from exc
    return [
        Run(
            run_id,
            run_id in markers,
            _read_marker(markers[run_id]) if with_reports and run_id in markers else None,
        )
        for run_id in run_ids
    ]


def pick_run(runs: list[Run], bucket: str, run_id: str | None, allow_incomplete: bool) -> Run:
    """The requested run, or the latest complete one; refuses an incomplete run unless allowed."""
    where = f"gs://{bucket}/{contract.RUNS_PREFIX}/"
    if run_id is None:
        complete = [r for r in runs if r.complete]
        if not runs:
            raise CliError(f"no runs under {where}")
        if not complete:
            raise CliError(f"no completed run under {where} ({len(runs)} incomplete)")
        return complete[-1]
    found = next((r for r in runs if r.run_id == run_id), None)
    if found is None:
        raise CliError(f"run {run_id} not found under {where}")
    if not found.complete and not allow_incomplete:
        raise CliError(
            f"run {run_id} has no {contract.SUCCESS_MARKER} marker (still running or failed); "
            "pass --allow-incomplete to fetch it anyway"
        )
    return found


def summarize(report: Any) -> str:
    """Short ``key=count`` text of a run report: top-level integers and sums of count maps."""
    if not isinstance(report, dict):
        return "-"
    parts = []
    for key, value in report.items():
        if isinstance(value, bool) or "duration" in key:
            continue
        if isinstance(value, int):
            parts.append(f"{key}={value}")
        elif isinstance(value, dict) and value:
            numbers = [v for v in value.values() if isinstance(v, int) and not isinstance(v, bool)]
            if len(numbers) == len(value):
                parts.append(f"{key}={sum(numbers)}")
    return " ".join(parts) or "-"
