"""dags/drug_mentions_bigquery.py: the analysts' table follows the latest complete run.

BigQuery has no emulator here: the decision (publish or keep) runs against a small in-memory
client with the two methods the module calls; the script it sends is checked exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import drug_mentions_bigquery as bq
import pytest
from google.api_core.exceptions import NotFound
from google.cloud import bigquery

TABLE = "acme.dm_analytics.mentions"


@dataclass
class FakeBigQueryClient:
    tables: dict[str, Any] = field(default_factory=dict)
    scripts: list[str] = field(default_factory=list)

    def get_table(self, table: str) -> Any:
        if table not in self.tables:
            raise NotFound(f"Not found: Table {table}")
        return self.tables[table]

    def query(self, sql: str) -> Any:
        self.scripts.append(sql)
        return SimpleNamespace(result=lambda: None)


def external_table(*uris: str) -> bigquery.Table:
    table = bigquery.Table(TABLE)
    config = bigquery.ExternalConfig("PARQUET")
    config.source_uris = list(uris)
    table.external_data_configuration = config
    return table


def publish(client: FakeBigQueryClient, run_id: str) -> str:
    return bq.publish(
        client, project="acme", dataset="dm_analytics", bucket="acme-data", run_id=run_id
    )


EXPECTED_SCRIPT = """CREATE OR REPLACE EXTERNAL TABLE `acme.dm_analytics.mentions`
WITH PARTITION COLUMNS (source STRING)
OPTIONS (
  format = 'PARQUET',
  uris = ['gs://acme-data/runs/20261125t030000/mentions/*.parquet'],
  hive_partition_uri_prefix = 'gs://acme-data/runs/20261125t030000/mentions',
  require_hive_partition_filter = false,
  description = 'Drug mentions of run 20261125t030000 (drug, atccode, id, title, journal, date_mention; partition column source)'
);
CREATE OR REPLACE VIEW `acme.dm_analytics.top_journals` AS
WITH drugs_per_journal AS (
  SELECT
    journal,
    COUNT(DISTINCT drug) AS distinct_drugs
  FROM `acme.dm_analytics.mentions`
  WHERE journal IS NOT NULL
    AND TRIM(journal) != ''
  GROUP BY journal
)
SELECT
  journal,
  distinct_drugs
FROM drugs_per_journal
WHERE distinct_drugs = (SELECT MAX(distinct_drugs) FROM drugs_per_journal)
ORDER BY distinct_drugs DESC, journal ASC;
"""


def test_first_run_creates_the_table_and_view_over_its_parquet_files() -> None:
    client = FakeBigQueryClient()
    assert publish(client, "20261125t030000") == "published 20261125t030000"
    assert client.scripts == [EXPECTED_SCRIPT]


@pytest.mark.parametrize(
    ("shown", "run_id", "expected"),
    [
        ("20261124t030000", "20261125t030000", "published 20261125t030000"),  # newer run
        ("20261125t030000", "20261125t030000", "published 20261125t030000"),  # re-run, same date
        ("20261126t030000", "20261125t030000", "kept 20261126t030000"),  # re-run of a past date
    ],
)
def test_the_table_only_moves_forward(shown: str, run_id: str, expected: str) -> None:
    client = FakeBigQueryClient(
        {TABLE: external_table(f"gs://acme-data/runs/{shown}/mentions/*.parquet")}
    )
    assert publish(client, run_id) == expected
    assert len(client.scripts) == (0 if expected.startswith("kept") else 1)


@pytest.mark.parametrize(
    "table",
    [
        bigquery.Table(TABLE),  # not an external table (someone replaced it)
        external_table(
            "gs://acme-data/runs/a/mentions/*.parquet", "gs://acme-data/runs/b/mentions/*"
        ),
        external_table("gs://acme-data/elsewhere/*.parquet"),
    ],
    ids=["native", "two-runs", "not-a-run"],
)
def test_a_table_not_over_one_run_is_replaced(table: bigquery.Table) -> None:
    client = FakeBigQueryClient({TABLE: table})
    assert publish(client, "20261125t030000") == "published 20261125t030000"
    assert client.scripts == [EXPECTED_SCRIPT]


def test_source_pattern_reads_only_parquet_files() -> None:
    assert bq.source_uris("b", "r1") == ["gs://b/runs/r1/mentions/*.parquet"]
    assert bq.run_of_table(bq.source_uris("b", "20261125t030000")) == "20261125t030000"
