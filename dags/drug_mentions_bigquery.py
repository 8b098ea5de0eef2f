"""The analysts' BigQuery tables follow the latest complete run that passes the quality gate.

After a run's pipeline batch succeeded (its ``_SUCCESS`` marker is written last), the DAG:

1. compares the run's ``run_report.json`` with that of the run the table shows now
   (:func:`quality_problems`, a pure function): a run that loses more than ``max_loss`` of the
   edges (in total or of one source) or of the drugs mentioned, or whose share of input rows
   rejected for one reason rises by more than ``max_reject_rise``, is refused
   (:class:`QualityGateError`): the table stays on the run it shows;
2. replaces the BigLake table ``<dataset>.mentions`` by one over the run's Parquet files, and the
   view ``<dataset>.top_journals`` over it, in one BigQuery script. A BigLake table is an external
   table ``WITH CONNECTION``: BigQuery reads the files as the Cloud Resource connection's service
   account (the only reader of ``runs/``), so neither the DAG nor analysts need a storage role.

A run older than the one the table shows (a re-run of a past date) leaves it alone. Shipped beside
the DAG file (see ``drug_mentions_batches``); the DAG hands in a ``google.cloud.bigquery.Client``
and a function reading a run's report.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

MENTIONS_TABLE = "mentions"
TOP_JOURNALS_VIEW = "top_journals"
PARTITION_COLUMN = "source"  # mentions/source=pubmed|clinical_trials/*.parquet
# Copies of drug_mentions.contract (the job package is not installed on Composer); tests/dags
# checks they stay equal.
RUN_REPORT = "run_report.json"
PUBLICATION_SOURCES = ("pubmed", "clinical_trials")

# Journal(s) mentioning the largest number of distinct drugs across both sources, ties kept.
TOP_JOURNALS_SQL = """WITH drugs_per_journal AS (
  SELECT
    journal,
    COUNT(DISTINCT drug) AS distinct_drugs
  FROM `{mentions}`
  WHERE journal IS NOT NULL
    AND TRIM(journal) != ''
  GROUP BY journal
)
SELECT
  journal,
  distinct_drugs
FROM drugs_per_journal
WHERE distinct_drugs = (SELECT MAX(distinct_drugs) FROM drugs_per_journal)
ORDER BY distinct_drugs DESC, journal ASC"""


class QualityGateError(RuntimeError):
    """The run is not shown to analysts; ``str()`` says why and what the table still shows."""


def mentions_prefix(bucket: str, run_id: str) -> str:
    """The run's Parquet edges: ``gs://<bucket>/runs/<run_id>/mentions``."""
    return f"gs://{bucket}/runs/{run_id}/mentions"


def source_uris(bucket: str, run_id: str) -> list[str]:
    """Only Parquet files: Spark's ``_SUCCESS`` and any other file are never read."""
    return [f"{mentions_prefix(bucket, run_id)}/*.parquet"]


def report_name(run_id: str) -> str:
    """Object name of a run's report in the data bucket."""
    return f"runs/{run_id}/{RUN_REPORT}"


_RUN_OF_URI = re.compile(r"^gs://[^/]+/runs/([^/]+)/mentions/")


def run_of_table(uris: list[str]) -> str | None:
    """The run id an existing table reads (from its source URIs), if it reads one run."""
    runs = {m.group(1) for m in map(_RUN_OF_URI.match, uris) if m}
    return runs.pop() if len(runs) == 1 else None


def should_publish(current_run: str | None, run_id: str) -> bool:
    """Publish unless the table already shows a later run (run ids sort by time)."""
    return current_run is None or run_id >= current_run


# --- Quality gate -------------------------------------------------------------------------------


def _counts(report: dict[str, Any]) -> dict[str, int]:
    edges = report["edges"]
    counts = {"edges": edges["total"]}
    counts |= {f"{source} edges": edges.get(source, 0) for source in PUBLICATION_SOURCES}
    counts["drugs mentioned"] = report["drugs_mentioned"]
    return counts


def reject_shares(report: dict[str, Any]) -> dict[str, float]:
    """Share of all input rows (every source) rejected for each reason."""
    sources = report["sources"].values()
    rows = sum(source["rows"] for source in sources)
    rejected: dict[str, int] = {}
    for source in sources:
        for reason, count in source["rejected_by_reason"].items():
            rejected[reason] = rejected.get(reason, 0) + count
    return {reason: count / rows if rows else 0.0 for reason, count in rejected.items()}


def quality_problems(
    new: dict[str, Any], shown: dict[str, Any], *, max_loss: float, max_reject_rise: float
) -> list[str]:
    """Why the run of report ``new`` must not replace the run of report ``shown`` (none: ok).

    Refused: losing more than ``max_loss`` (a share) of the edges, in total or of one source, or
    of the drugs mentioned; or a reason's share of the input rows rising by more than
    ``max_reject_rise``. Gains, and falls within the bounds, pass.
    """
    problems = []
    after = _counts(new)
    for name, before in _counts(shown).items():
        lost = (before - after[name]) / before if before else 0.0
        if round(lost, 9) > max_loss:
            problems.append(
                f"{name} fell from {before} to {after[name]} (-{lost:.1%}, more than"
                f" {max_loss:.0%})"
            )
    old_shares, new_shares = reject_shares(shown), reject_shares(new)
    for reason in sorted(old_shares.keys() | new_shares.keys()):
        old, now = old_shares.get(reason, 0.0), new_shares.get(reason, 0.0)
        if round(now - old, 9) > max_reject_rise:
            problems.append(
                f"{reason} rejects rose from {old:.1%} to {now:.1%} of the input rows"
                f" (+{(now - old) * 100:.1f} points, more than {max_reject_rise * 100:.0f})"
            )
    return problems


def read_report(storage_client: Any, bucket: str, run_id: str) -> dict[str, Any] | None:
    """A run's ``run_report.json`` (``google.cloud.storage.Client``); None if there is none."""
    from google.api_core.exceptions import NotFound

    try:
        raw = storage_client.bucket(bucket).blob(report_name(run_id)).download_as_bytes()
    except NotFound:
        return None
    return json.loads(raw)


# --- The BigLake table --------------------------------------------------------------------------


def publish_script(project: str, dataset: str, bucket: str, run_id: str, connection: str) -> str:
    """BigQuery script: the BigLake table over the run (through ``connection``, given as
    ``project.location.connection_id``), then the view over that table."""
    table = f"{project}.{dataset}.{MENTIONS_TABLE}"
    uris = ", ".join(f"'{uri}'" for uri in source_uris(bucket, run_id))
    return (
        f"CREATE OR REPLACE EXTERNAL TABLE `{table}`\n"
        f"WITH CONNECTION `{connection}`\n"
        f"WITH PARTITION COLUMNS ({PARTITION_COLUMN} STRING)\n"
        "OPTIONS (\n"
        "  format = 'PARQUET',\n"
        f"  uris = [{uris}],\n"
        f"  hive_partition_uri_prefix = '{mentions_prefix(bucket, run_id)}',\n"
        "  require_hive_partition_filter = false,\n"
        f"  description = 'Drug mentions of run {run_id} (drug, atccode, id, title, journal, "
        "date_mention; partition column source)'\n"
        ");\n"
        f"CREATE OR REPLACE VIEW `{project}.{dataset}.{TOP_JOURNALS_VIEW}` AS\n"
        f"{TOP_JOURNALS_SQL.format(mentions=table)};\n"
    )


def shown_run(client: Any, project: str, dataset: str) -> str | None:
    """The run the analysts' table reads now (None: no table, or not over one run)."""
    from google.api_core.exceptions import NotFound

    try:
        table = client.get_table(f"{project}.{dataset}.{MENTIONS_TABLE}")
    except NotFound:
        return None
    external = table.external_data_configuration
    return run_of_table(list(external.source_uris)) if external is not None else None


def check_quality(
    read: Callable[[str], dict[str, Any] | None],
    run_id: str,
    shown: str | None,
    gate: dict[str, float],
) -> list[str]:
    """The gate between run ``shown`` and run ``run_id``; raises if the new run has no report."""
    new = read(run_id)
    if new is None:
        raise QualityGateError(f"run {run_id} has no {RUN_REPORT}: not published")
    if shown is None or shown == run_id:
        return []  # nothing to compare with (first run, or a re-run of the run shown)
    baseline = read(shown)
    if baseline is None:
        log.warning("Run %s shown now has no %s (expired?): no comparison", shown, RUN_REPORT)
        return []
    return quality_problems(new, baseline, **gate)


def publish(
    client: Any,
    read: Callable[[str], dict[str, Any] | None],
    *,
    project: str,
    dataset: str,
    bucket: str,
    run_id: str,
    connection: str,
    gate: dict[str, float],
    accept_quality_drop: bool = False,
) -> str:
    """Point the analysts' tables at ``run_id`` unless they show a later run or the run fails the
    gate (:class:`QualityGateError`, unless ``accept_quality_drop``); say what was done.

    ``client`` is a ``google.cloud.bigquery.Client`` (``get_table``, ``query``); ``read(run_id)``
    returns a run's report, or None.
    """
    current = shown_run(client, project, dataset)
    if not should_publish(current, run_id):
        log.warning(
            "Kept %s.%s on run %s: run %s is older", dataset, MENTIONS_TABLE, current, run_id
        )
        return f"kept {current}"
    problems = check_quality(read, run_id, current, gate)
    if problems and not accept_quality_drop:
        raise QualityGateError(
            f"quality gate: run {run_id} not published, {dataset}.{MENTIONS_TABLE} stays on run"
            f" {current}: {'; '.join(problems)}. If the drop is expected, trigger the DAG again"
            ' with the conf {"accept_quality_drop": true}'
        )
    if problems:
        log.warning("Publishing run %s despite the quality gate: %s", run_id, "; ".join(problems))
    client.query(publish_script(project, dataset, bucket, run_id, connection)).result()
    log.info("%s.%s now reads run %s", dataset, MENTIONS_TABLE, run_id)
    return f"published {run_id}"
