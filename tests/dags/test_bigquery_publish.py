"""dags/drug_mentions_bigquery.py: the analysts' table follows the latest complete run that
passes the quality gate, through a BigLake table (WITH CONNECTION).

BigQuery has no emulator here: the decision (gate, publish or keep) runs against a small
in-memory client with the two methods the module calls and run reports held in a dict (the
reports of the fake bucket); the script it sends is checked exactly. Reading a report goes
through the real storage client against fake-gcs-server.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import drug_mentions_bigquery as bq
import pytest
from drug_mentions import contract
from google.api_core.exceptions import NotFound
from google.cloud import bigquery, storage

from tests.gcs_cli.conftest import new_bucket

TABLE = "acme.dm_analytics.mentions"
CONNECTION = "acme.europe-west1.dm-runs"
GATE = {"max_loss": 0.10, "max_reject_rise": 0.05}


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


def report(
    pubmed: int = 14,
    trials: int = 5,
    drugs: int = 7,
    rows: int = 28,
    rejected: dict[str, int] | None = None,
) -> dict:
    """A run_report.json as the pipeline writes it (the fields the gate reads, and more)."""
    by_reason = {"missing_title": 1} if rejected is None else rejected
    return {
        "sources": {
            "drugs": {"rows": 7, "kept": 7, "rejected": 0, "rejected_by_reason": {}},
            "pubmed": {
                "rows": rows - 15,
                "kept": rows - 15,
                "rejected": 0,
                "rejected_by_reason": {},
            },
            "clinical_trials": {
                "rows": 8,
                "kept": 6,
                "rejected": sum(by_reason.values()),
                "rejected_by_reason": by_reason,
                "merged_duplicates": 1,
            },
        },
        "rejects_total": sum(by_reason.values()),
        "edges": {"pubmed": pubmed, "clinical_trials": trials, "total": pubmed + trials},
        "drugs_mentioned": drugs,
        "run_id": "r",
    }


SAMPLE = report()  # the figures of data/ (README): 14 + 5 edges, 7 drugs, 28 rows, 1 reject


def publish(
    client: FakeBigQueryClient,
    run_id: str,
    reports: dict[str, dict] | None = None,
    accept_quality_drop: bool = False,
) -> str:
    stored = {run_id: SAMPLE} if reports is None else reports
    return bq.publish(
        client,
        stored.get,
        project="acme",
        dataset="dm_analytics",
        bucket="acme-data",
        run_id=run_id,
        connection=CONNECTION,
        gate=GATE,
        accept_quality_drop=accept_quality_drop,
    )


EXPECTED_SCRIPT = """CREATE OR REPLACE EXTERNAL TABLE `acme.dm_analytics.mentions`
WITH CONNECTION `acme.europe-west1.dm-runs`
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


def test_first_run_creates_the_biglake_table_and_view_over_its_parquet_files() -> None:
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
    assert publish(client, run_id, {shown: SAMPLE, run_id: SAMPLE}) == expected
    assert len(client.scripts) == (0 if expected.startswith("kept") else 1)


def test_an_older_run_is_kept_out_even_when_it_passes_the_gate() -> None:
    # Never back to an older run: the order check comes first, the gate is not even read.
    client = FakeBigQueryClient(
        {TABLE: external_table("gs://acme-data/runs/20261126t030000/mentions/*.parquet")}
    )
    read: list[str] = []

    def reader(run: str) -> dict:
        read.append(run)
        return SAMPLE

    result = bq.publish(
        client,
        reader,
        project="acme",
        dataset="dm_analytics",
        bucket="acme-data",
        run_id="20261125t030000",
        connection=CONNECTION,
        gate=GATE,
        accept_quality_drop=True,
    )
    assert (result, client.scripts, read) == ("kept 20261126t030000", [], [])


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


SHOWN, NEW = "20261124t030000", "20261125t030000"


def shown_table() -> FakeBigQueryClient:
    return FakeBigQueryClient(
        {TABLE: external_table(f"gs://acme-data/runs/{SHOWN}/mentions/*.parquet")}
    )


@pytest.mark.parametrize(
    ("new", "problems"),
    [
        (SAMPLE, []),
        (report(pubmed=28, trials=10, drugs=7, rows=56, rejected={"missing_title": 2}), []),
        (report(pubmed=13), []),  # -5.3 % of the edges, -7.1 % of pubmed's: within 10 %
        (
            report(pubmed=12),
            [
                "edges fell from 19 to 17 (-10.5%, more than 10%)",
                "pubmed edges fell from 14 to 12 (-14.3%, more than 10%)",
            ],
        ),
        (
            report(pubmed=10, trials=2, drugs=6),
            [
                "edges fell from 19 to 12 (-36.8%, more than 10%)",
                "pubmed edges fell from 14 to 10 (-28.6%, more than 10%)",
                "clinical_trials edges fell from 5 to 2 (-60.0%, more than 10%)",
                "drugs mentioned fell from 7 to 6 (-14.3%, more than 10%)",
            ],
        ),
        (
            report(rejected={"missing_title": 1, "invalid_date": 2}),
            [
                "invalid_date rejects rose from 0.0% to 7.1% of the input rows (+7.1 points, more than 5)"
            ],
        ),
        (report(rejected={"missing_title": 2}), []),  # +3.6 points: within 5
        (report(rejected={}), []),  # fewer rejects: never a problem
    ],
    ids=[
        "same",
        "doubled",
        "lost-7pct",
        "lost-14pct",
        "lost-all",
        "reject-jump",
        "reject-rise",
        "no-rejects",
    ],
)
def test_quality_problems(new: dict, problems: list[str]) -> None:
    assert bq.quality_problems(new, SAMPLE, **GATE) == problems


def test_reject_shares_are_of_all_input_rows() -> None:
    shares = bq.reject_shares(report(rows=40, rejected={"missing_title": 1, "malformed_record": 3}))
    assert shares == {"missing_title": 1 / 40, "malformed_record": 3 / 40}
    empty = copy.deepcopy(SAMPLE)
    for source in empty["sources"].values():
        source["rows"] = 0
    assert bq.reject_shares(empty) == {"missing_title": 0.0}


def test_a_run_that_loses_edges_is_refused_and_the_old_run_stays() -> None:
    client = shown_table()
    reports = {SHOWN: SAMPLE, NEW: report(pubmed=10, trials=5, drugs=7)}
    with pytest.raises(bq.QualityGateError) as refused:
        publish(client, NEW, reports)
    assert str(refused.value) == (
        f"quality gate: run {NEW} not published, dm_analytics.mentions stays on run {SHOWN}:"
        " edges fell from 19 to 15 (-21.1%, more than 10%);"
        " pubmed edges fell from 14 to 10 (-28.6%, more than 10%)."
        " If the drop is expected, trigger the DAG again with the conf"
        ' {"accept_quality_drop": true}'
    )
    assert client.scripts == []  # nothing sent: the table still reads run SHOWN


def test_an_accepted_drop_is_published() -> None:
    client = shown_table()
    reports = {SHOWN: SAMPLE, NEW: report(pubmed=10)}
    assert publish(client, NEW, reports, accept_quality_drop=True) == f"published {NEW}"
    assert client.scripts == [EXPECTED_SCRIPT]


def test_a_run_without_report_is_never_published() -> None:
    client = shown_table()
    with pytest.raises(bq.QualityGateError, match=f"run {NEW} has no run_report.json"):
        publish(client, NEW, {SHOWN: SAMPLE}, accept_quality_drop=True)
    assert client.scripts == []


def test_without_a_report_of_the_shown_run_there_is_nothing_to_compare() -> None:
    # The run shown expired (runs/ lifecycle) or predates the gate: the new run is published.
    client = shown_table()
    assert publish(client, NEW, {NEW: report(pubmed=1)}) == f"published {NEW}"
    assert client.scripts == [EXPECTED_SCRIPT]


def test_layout_copies_match_the_job_package() -> None:
    assert bq.RUN_REPORT == contract.RUN_REPORT
    assert bq.PUBLICATION_SOURCES == contract.PUBLICATION_SOURCES
    assert bq.report_name(NEW) == f"{contract.RUNS_PREFIX}/{NEW}/{contract.RUN_REPORT}"
    assert (
        bq.mentions_prefix("b", NEW)
        == f"gs://b/{contract.RUNS_PREFIX}/{NEW}/{contract.MENTIONS_DIR}"
    )


def test_read_report_through_the_storage_client(gcs: storage.Client) -> None:
    bucket = new_bucket(gcs)
    gcs.bucket(bucket).blob(f"runs/{NEW}/run_report.json").upload_from_string(json.dumps(SAMPLE))
    assert bq.read_report(gcs, bucket, NEW) == SAMPLE
    assert bq.read_report(gcs, bucket, SHOWN) is None


def test_the_dag_task_refuses_without_retry_or_accepts_by_its_conf(
    gcs: storage.Client, dag_module: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The task as Airflow runs it: the BigQuery client is the in-memory fake (no emulator), the
    # reports come from the storage client against fake-gcs-server.
    from airflow.exceptions import AirflowFailException
    from airflow.providers.google.cloud.hooks import bigquery as bigquery_hooks
    from airflow.providers.google.cloud.hooks import gcs as gcs_hooks

    bucket = new_bucket(gcs)
    for run, figures in ((SHOWN, SAMPLE), (NEW, report(pubmed=10))):
        gcs.bucket(bucket).blob(f"runs/{run}/run_report.json").upload_from_string(
            json.dumps(figures)
        )
    # the DAG's own table (default settings), showing run SHOWN
    shown = external_table(f"gs://{bucket}/runs/{SHOWN}/mentions/*.parquet")
    client = FakeBigQueryClient({"drug-mentions-dev.drug_mentions_analytics.mentions": shown})

    class Hooks:  # the two hook calls the task makes; no Airflow connection offline
        def __init__(self, **kwargs: Any) -> None:
            assert kwargs in ({}, {"use_legacy_sql": False})

        def get_client(self, project_id: str, location: str) -> FakeBigQueryClient:
            assert (project_id, location) == ("drug-mentions-dev", "europe-west1")
            return client

        def get_conn(self) -> storage.Client:
            return gcs

    monkeypatch.setattr(bigquery_hooks, "BigQueryHook", Hooks)
    monkeypatch.setattr(gcs_hooks, "GCSHook", Hooks)
    monkeypatch.setattr(dag_module, "DATA_BUCKET", bucket)
    publish_task = dag_module.dag.get_task("publish_mentions_table").python_callable

    refused = (
        f"run {NEW} not published, drug_mentions_analytics.mentions stays on run {SHOWN}: edges"
    )
    with pytest.raises(AirflowFailException, match=refused):
        publish_task(run_id=NEW, params={"accept_quality_drop": False})
    assert client.scripts == []
    assert publish_task(run_id=NEW, params={"accept_quality_drop": True}) == f"published {NEW}"
    assert len(client.scripts) == 1
    assert f"uris = ['gs://{bucket}/runs/{NEW}/mentions/*.parquet']" in client.scripts[0]
