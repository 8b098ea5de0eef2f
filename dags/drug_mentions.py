"""Airflow DAG: run the drug-mention pipeline, then the ad-hoc query, on Dataproc Serverless.

### What it does
1. `run_pipeline`: a Dataproc Serverless batch (runtime 3.0 = Spark 4.0) running
   `gs://<bucket>/code/<version>/pipeline.py` on `gs://<bucket>/input/`, writing the run folder
   `gs://<bucket>/runs/<run_id>/` (`_SUCCESS` last).
2. `run_adhoc`: a second batch running `adhoc.py` on that run's `mentions/`, writing
   `gs://<bucket>/runs/<run_id>/adhoc/top_journals.json`.
3. `cleanup_batches` (teardown, runs whatever happened upstream): cancels any batch of this
   DAG run still PENDING/RUNNING, e.g. left behind by a killed or cleared try.

`run_id` is the run's logical date (or, for a manual run without one, its `run_after`) as
`%Y%m%dt%H%M%S`, e.g. `20261125t030000`: lower-case, sortable, and a rerun of the same date
writes the same folder. Batch ids add the task and the try number
(`dm-pipeline-20261125t030000-2`), so a retry never re-attaches to a failed batch.

### Settings (Composer `env_variables`, set by Terraform)
`DRUG_MENTIONS_PROJECT_ID`, `DRUG_MENTIONS_REGION`, `DRUG_MENTIONS_DATA_BUCKET` (name, no
gs://), `DRUG_MENTIONS_BATCH_SERVICE_ACCOUNT`, `DRUG_MENTIONS_SUBNETWORK`,
`DRUG_MENTIONS_CODE_VERSION`, `DRUG_MENTIONS_SCHEDULE` (cron, default `0 3 * * *`).
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

import pendulum
from airflow.providers.google.cloud.operators.dataproc import DataprocCreateBatchOperator
from airflow.sdk import DAG, task


def _setting(name: str, default: str) -> str:
    """An environment setting; empty or unset means the default (so the file imports anywhere)."""
    return os.environ.get(name, "").strip() or default


PROJECT_ID = _setting("DRUG_MENTIONS_PROJECT_ID", "drug-mentions-dev")
REGION = _setting("DRUG_MENTIONS_REGION", "europe-west1")
DATA_BUCKET = _setting("DRUG_MENTIONS_DATA_BUCKET", "drug-mentions-dev-data")
BATCH_SERVICE_ACCOUNT = _setting(
    "DRUG_MENTIONS_BATCH_SERVICE_ACCOUNT",
    f"drug-mentions-batch@{PROJECT_ID}.iam.gserviceaccount.com",
)
SUBNETWORK = _setting("DRUG_MENTIONS_SUBNETWORK", "default")
CODE_VERSION = _setting("DRUG_MENTIONS_CODE_VERSION", "0.1.0")
SCHEDULE = _setting("DRUG_MENTIONS_SCHEDULE", "0 3 * * *")

# Copies of drug_mentions.layout (the job package is not installed on Composer);
# tests/dags checks they stay equal.
INPUT_PREFIX = "input"
RUNS_PREFIX = "runs"
CODE_PREFIX = "code"
ADHOC_DIR = "adhoc"
MENTIONS_DIR = "mentions"
PACKAGE_NAME = "drug_mentions"

DAG_ID = "drug_mentions"
RUNTIME_VERSION = "3.0"  # Dataproc Serverless runtime 3.0: Spark 4.0, Python 3.12, Java 21
APP_LABEL = "drug-mentions"
# A batch still running after this is terminated by Dataproc itself (a backstop for batches
# no Airflow task watches any more, e.g. after a dagrun_timeout).
BATCH_TTL = timedelta(hours=2)
DAGRUN_TIMEOUT = timedelta(hours=5)
ACTIVE_BATCH_STATES = frozenset({"PENDING", "RUNNING"})

# Airflow 3 leaves logical_date out of the context of a run without one (StrictUndefined).
RUN_TIME = "(logical_date if logical_date is defined and logical_date else dag_run.run_after)"
RUN_ID = "{{ " + RUN_TIME + ".strftime('%Y%m%dt%H%M%S') }}"
TRY_NUMBER = "{{ ti.try_number }}"

log = logging.getLogger(__name__)


def to_label_value(text: str) -> str:
    """A valid GCP label value: lower-case letters, digits, '_' and '-', at most 63 chars."""
    return re.sub(r"[^a-z0-9_-]", "-", text.lower())[:63]


def batch_filter(run_id: str) -> str:
    """ListBatches filter selecting the batches of one DAG run (by the labels set below)."""
    return f'labels.app = "{APP_LABEL}" AND labels.run_id = "{to_label_value(run_id)}"'


def batches_to_cancel(batches: Iterable[Any]) -> list[Any]:
    """The batches (``dataproc_v1.Batch``) still pending or running, to cancel."""
    return [batch for batch in batches if batch.state.name in ACTIVE_BATCH_STATES]


def build_batch(main_file: str, args: list[str], job: str) -> dict[str, Any]:
    """The (templated) ``google.cloud.dataproc_v1.Batch`` for one entry point of the code."""
    code_uri = f"gs://{DATA_BUCKET}/{CODE_PREFIX}/{CODE_VERSION}"
    return {
        "runtime_config": {"version": RUNTIME_VERSION},
        "pyspark_batch": {
            "main_python_file_uri": f"{code_uri}/{main_file}",
            "python_file_uris": [f"{code_uri}/{PACKAGE_NAME}-{CODE_VERSION}.zip"],
            "args": args,
        },
        "environment_config": {
            "execution_config": {
                "service_account": BATCH_SERVICE_ACCOUNT,
                "subnetwork_uri": SUBNETWORK,
                "ttl": {"seconds": int(BATCH_TTL.total_seconds())},
            },
        },
        "labels": {
            "app": APP_LABEL,
            "job": job,
            "run_id": RUN_ID,
            "code_version": to_label_value(CODE_VERSION),
        },
    }


RUN_URI = f"gs://{DATA_BUCKET}/{RUNS_PREFIX}/{RUN_ID}"
CONF_URI = f"gs://{DATA_BUCKET}/{CODE_PREFIX}/{CODE_VERSION}/conf/gcp.toml"
PIPELINE_ARGS = [
    "--input", f"gs://{DATA_BUCKET}/{INPUT_PREFIX}",
    "--output", RUN_URI,
    "--conf", CONF_URI,
]  # fmt: skip
ADHOC_ARGS = [
    "--mentions", f"{RUN_URI}/{MENTIONS_DIR}",
    "--json",
    "--out", f"{RUN_URI}/{ADHOC_DIR}/top_journals.json",
    "--conf", CONF_URI,
]  # fmt: skip


@task
def cleanup_batches(run_id: str) -> list[str]:
    """Cancel this run's batches that are still pending or running; return their names.

    Dataproc refuses to delete a batch that is not CANCELLED, SUCCEEDED or FAILED, so a
    leftover batch is cancelled (through its long-running operation) and kept for its logs.
    """
    from airflow.providers.google.cloud.hooks.dataproc import DataprocHook

    hook = DataprocHook()
    found = hook.list_batches(region=REGION, project_id=PROJECT_ID, filter=batch_filter(run_id))
    leftovers = batches_to_cancel(found)
    operations = hook.get_operations_client(region=REGION)
    for batch in leftovers:
        log.warning("Cancelling leftover batch %s (%s)", batch.name, batch.state.name)
        operations.cancel_operation(name=batch.operation)
    return [batch.name for batch in leftovers]


with DAG(
    dag_id=DAG_ID,
    description="PySpark drug-mention graph on Dataproc Serverless, then the ad-hoc query",
    schedule=SCHEDULE,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=DAGRUN_TIMEOUT,
    default_args={"owner": "data-eng", "retries": 2, "retry_delay": timedelta(minutes=5)},
    doc_md=__doc__,
    tags=["drug-mentions", "dataproc-serverless"],
) as dag:
    run_pipeline = DataprocCreateBatchOperator(
        task_id="run_pipeline",
        project_id=PROJECT_ID,
        region=REGION,
        batch_id=f"dm-pipeline-{RUN_ID}-{TRY_NUMBER}",
        batch=build_batch("pipeline.py", PIPELINE_ARGS, job="pipeline"),
        deferrable=True,
        polling_interval_seconds=30,
    )
    run_adhoc = DataprocCreateBatchOperator(
        task_id="run_adhoc",
        project_id=PROJECT_ID,
        region=REGION,
        batch_id=f"dm-adhoc-{RUN_ID}-{TRY_NUMBER}",
        batch=build_batch("adhoc.py", ADHOC_ARGS, job="adhoc"),
        deferrable=True,
        polling_interval_seconds=30,
    )
    # A teardown: runs once everything upstream is done (with no setup task its trigger rule
    # ALL_DONE_SETUP_SUCCESS acts as ALL_DONE) and, unlike a plain ALL_DONE leaf, its success
    # does not turn a run whose batch failed into a successful run.
    cleanup = cleanup_batches(run_id=RUN_ID).as_teardown()

    run_pipeline >> run_adhoc >> cleanup
    run_pipeline >> cleanup
