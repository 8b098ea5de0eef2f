"""The analysts' BigQuery tables follow the latest complete run: the DAG repoints them.

After a run's pipeline batch succeeded (its ``_SUCCESS`` marker is written last), the DAG
replaces the external table ``<dataset>.mentions`` by one over that run's Parquet files, and
the view ``<dataset>.top_journals`` over it, in one BigQuery script. A run older than the one
the table shows (a re-run of a past date) leaves it alone. Shipped beside the DAG file (see
``drug_mentions_batches``); the DAG hands in a ``google.cloud.bigquery.Client``.
"""

from __future__ import annotations

import logging
import re
from typing import Any

log = logging.getLogger(__name__)

MENTIONS_TABLE = "mentions"
TOP_JOURNALS_VIEW = "top_journals"
PARTITION_COLUMN = "source"  # mentions/source=pubmed|clinical_trials/*.parquet

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


def mentions_prefix(bucket: str, run_id: str) -> str:
    """The run's Parquet edges: ``gs://<bucket>/runs/<run_id>/mentions``."""
    return f"gs://{bucket}/runs/{run_id}/mentions"


def source_uris(bucket: str, run_id: str) -> list[str]:
    """Only Parquet files: Spark's ``_SUCCESS`` and any other file are never read."""
    return [f"{mentions_prefix(bucket, run_id)}/*.parquet"]


_RUN_OF_URI = re.compile(r"^gs://[^/]+/runs/([^/]+)/mentions/")


def run_of_table(uris: list[str]) -> str | None:
    """The run id an existing table reads (from its source URIs), if it reads one run."""
    runs = {m.group(1) for m in map(_RUN_OF_URI.match, uris) if m}
    return runs.pop() if len(runs) == 1 else None


def should_publish(current_run: str | None, run_id: str) -> bool:
    """Publish unless the table already shows a later run (run ids sort by time)."""
    return current_run is None or run_id >= current_run


def publish_script(project: str, dataset: str, bucket: str, run_id: str) -> str:
    """BigQuery script: the external table over the run, then the view over that table."""
    table = f"{project}.{dataset}.{MENTIONS_TABLE}"
    uris = ", ".join(f"'{uri}'" for uri in source_uris(bucket, run_id))
    return (
        f"CREATE OR REPLACE EXTERNAL TABLE `{table}`\n"
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


def publish(client: Any, *, project: str, dataset: str, bucket: str, run_id: str) -> str:
    """Point the analysts' tables at ``run_id`` unless they show a later run; say what was done.

    ``client`` is a ``google.cloud.bigquery.Client`` (``get_table``, ``query``).
    """
    from google.api_core.exceptions import NotFound

    try:
        table = client.get_table(f"{project}.{dataset}.{MENTIONS_TABLE}")
        external = table.external_data_configuration
        current = run_of_table(list(external.source_uris)) if external is not None else None
    except NotFound:
        current = None
    if not should_publish(current, run_id):
        log.warning(
            "Kept %s.%s on run %s: run %s is older", dataset, MENTIONS_TABLE, current, run_id
        )
        return f"kept {current}"
    client.query(publish_script(project, dataset, bucket, run_id)).result()
    log.info("%s.%s now reads run %s", dataset, MENTIONS_TABLE, run_id)
    return f"published {run_id}"
