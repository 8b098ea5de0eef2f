"""Airflow DAG: run the drug-mention pipeline, then the ad-hoc query, on Dataproc Serverless.

### What it does
1. `run_pipeline`: a Dataproc Serverless batch (the runtime of `conf/dataproc.toml`, 3.0 =
   Spark 4.0) running `gs://<bucket>/code/<version>/pipeline.py` on `gs://<bucket>/input/` with
   the incremental state `gs://<bucket>/state`, writing the run folder
   `gs://<bucket>/runs/<run_id>/` (`_SUCCESS` last).
2. `run_adhoc`: a second batch running `adhoc.py` on that run's `mentions/`, writing
   `gs://<bucket>/runs/<run_id>/adhoc/top_journals.json`.
3. `publish_mentions_table` (beside `run_adhoc`): the quality gate (this run's
   `run_report.json` against that of the run the table shows: fewer edges or drugs mentioned
   than `[quality_gate] max_loss` allows, or a jump of rejects, fails the task and the old run
   stays visible), then points the BigLake table `<dataset>.mentions` and the view
   `<dataset>.top_journals` at this run, unless they already show a later run. A run triggered
   with the conf `{"accept_quality_drop": true}` is published whatever the gate says.
4. `cleanup_batches` (teardown, runs whatever happened upstream): cancels any batch of this
   DAG run still PENDING/RUNNING, e.g. left behind by a killed or cleared try, and logs what
   each batch of the run used (DCU-hours, shuffle storage GB-hours).

Every batch runs as the batch service account (`authentication_config` SERVICE_ACCOUNT), with
the Spark properties of `conf/dataproc.toml` (copied here as `drug_mentions_dataproc.toml`)
and a `ttl`. Each try of a batch task first cancels, and waits for, any batch of the same DAG
run still pending or running, so tries never overlap. A retried or cleared `run_pipeline`
passes the same `--run-id`, so the pipeline takes over the state lock its killed try left and
resumes from the state's last committed version.

`run_id` is the run's logical date (or, for a manual run without one, its `run_after`) as
`%Y%m%dt%H%M%S`, e.g. `20261125t030000`: lower-case, sortable, and a rerun of the same date
writes the same folder. Batch ids add the task and the try number
(`dm-pipeline-20261125t030000-2`), so a retry never re-attaches to a failed batch.

### Settings (Composer `env_variables`, set by Terraform)
`DRUG_MENTIONS_PROJECT_ID`, `DRUG_MENTIONS_REGION`, `DRUG_MENTIONS_DATA_BUCKET` (name, no
gs://), `DRUG_MENTIONS_BATCH_SERVICE_ACCOUNT`, `DRUG_MENTIONS_SUBNETWORK`,
`DRUG_MENTIONS_CODE_VERSION`, `DRUG_MENTIONS_SCHEDULE` (cron, default `0 3 * * *`),
`DRUG_MENTIONS_BIGQUERY_DATASET`, `DRUG_MENTIONS_BIGQUERY_CONNECTION` (`project.location.id`).
"""

from __future__ import annotations

import logging
import os

import drug_mentions_batches as batches
import drug_mentions_bigquery as bigquery
import pendulum
from airflow.sdk import DAG, Param, task

log = logging.getLogger(__name__)


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
BIGQUERY_DATASET = _setting("DRUG_MENTIONS_BIGQUERY_DATASET", "drug_mentions_analytics")
BIGQUERY_CONNECTION = _setting(
    "DRUG_MENTIONS_BIGQUERY_CONNECTION", f"{PROJECT_ID}.{REGION}.drug-mentions-runs"
)

# Copies of drug_mentions.contract (the job package is not installed on Composer);
# tests/dags checks they stay equal.
INPUT_PREFIX = "input"
RUNS_PREFIX = "runs"
CODE_PREFIX = "code"
STATE_PREFIX = "state"
ADHOC_DIR = "adhoc"
MENTIONS_DIR = "mentions"
PACKAGE_NAME = "drug_mentions"

DAG_ID = "drug_mentions"
CONF = batches.load_batch_conf()  # runtime, Spark properties, quota, quality gate

# Airflow 3 leaves logical_date out of the context of a run without one (StrictUndefined).
RUN_TIME = "(logical_date if logical_date is defined and logical_date else dag_run.run_after)"
RUN_ID = "{{ " + RUN_TIME + ".strftime('%Y%m%dt%H%M%S') }}"
TRY_NUMBER = "{{ ti.try_number }}"

RUN_URI = f"gs://{DATA_BUCKET}/{RUNS_PREFIX}/{RUN_ID}"
CODE_URI = f"gs://{DATA_BUCKET}/{CODE_PREFIX}/{CODE_VERSION}"
CONF_URI = f"{CODE_URI}/conf/gcp.toml"
# --run-id: every try of a DAG run is the same run for the pipeline (its state lock is taken over
# by a try of the same run id); --state: incremental runs (issue 21), gs://<bucket>/state.
PIPELINE_ARGS = [
    "--input", f"gs://{DATA_BUCKET}/{INPUT_PREFIX}",
    "--output", RUN_URI,
    "--conf", CONF_URI,
    "--run-id", RUN_ID,
    "--state", f"gs://{DATA_BUCKET}/{STATE_PREFIX}",
]  # fmt: skip
ADHOC_ARGS = [
    "--mentions", f"{RUN_URI}/{MENTIONS_DIR}",
    "--json",
    "--out", f"{RUN_URI}/{ADHOC_DIR}/top_journals.json",
    "--conf", CONF_URI,
]  # fmt: skip


def build_batch(job: str, main_file: str, args: list[str]) -> dict:
    """This deployment's batch for one entry point of the code."""
    return batches.batch_spec(
        job=job,
        code_uri=CODE_URI,
        main_file=main_file,
        package_zip=f"{PACKAGE_NAME}-{CODE_VERSION}.zip",
        args=args,
        properties=CONF.sizing[job],
        service_account=BATCH_SERVICE_ACCOUNT,
        subnetwork=SUBNETWORK,
        run_id=RUN_ID,
        code_version=CODE_VERSION,
        runtime_version=CONF.runtime["version"],
    )


@task(execution_timeout=batches.PUBLISH_TIMEOUT)
def publish_mentions_table(run_id: str, params: dict | None = None) -> str:
    """Quality gate, then point the analysts' BigQuery tables at this run (unless they show a
    later one). A refusal fails the task without retries: the same reports give the same answer."""
    from airflow.exceptions import AirflowFailException
    from airflow.providers.google.cloud.hooks.bigquery import BigQueryHook
    from airflow.providers.google.cloud.hooks.gcs import GCSHook

    client = BigQueryHook(use_legacy_sql=False).get_client(project_id=PROJECT_ID, location=REGION)
    storage = GCSHook().get_conn()
    try:
        return bigquery.publish(
            client,
            lambda run: bigquery.read_report(storage, DATA_BUCKET, run),
            project=PROJECT_ID,
            dataset=BIGQUERY_DATASET,
            bucket=DATA_BUCKET,
            run_id=run_id,
            connection=BIGQUERY_CONNECTION,
            gate=CONF.quality_gate,
            accept_quality_drop=bool((params or {}).get("accept_quality_drop", False)),
        )
    except bigquery.QualityGateError as refused:
        raise AirflowFailException(str(refused)) from refused


@task(execution_timeout=batches.CLEANUP_TIMEOUT, retries=batches.CLEANUP_RETRIES)
def cleanup_batches(run_id: str) -> dict:
    """Cancel this run's batches that are still pending or running; say which, and what each
    finished batch of the run used (Dataproc's approximate usage)."""
    from airflow.providers.google.cloud.hooks.dataproc import DataprocHook

    found = batches.cancel_leftovers(
        DataprocHook(), project_id=PROJECT_ID, region=REGION, run_id=run_id
    )
    usage = batches.approximate_usage(found)
    for batch_id, used in sorted(usage.items()):
        log.info(
            "Batch %s used ~%s DCU-hours, ~%s shuffle storage GB-hours", batch_id, *used.values()
        )
    return {"cancelled": [b.name for b in batches.batches_to_cancel(found)], "usage": usage}


with DAG(
    dag_id=DAG_ID,
    description="PySpark drug-mention graph on Dataproc Serverless, then the ad-hoc query",
    schedule=SCHEDULE,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=batches.DAGRUN_TIMEOUT,
    default_args={
        "owner": "data-eng",
        "retries": batches.RETRIES,
        "retry_delay": batches.RETRY_DELAY,
    },
    doc_md=__doc__,
    tags=["drug-mentions", "dataproc-serverless"],
    params={
        "accept_quality_drop": Param(
            False,
            type="boolean",
            description="Publish this run even if the quality gate refuses it (an expected drop).",
        )
    },
) as dag:
    run_pipeline = batches.DataprocCreateBatchAfterLeftoversOperator(
        task_id="run_pipeline",
        project_id=PROJECT_ID,
        region=REGION,
        batch_id=f"dm-pipeline-{RUN_ID}-{TRY_NUMBER}",
        batch=build_batch("pipeline", "pipeline.py", PIPELINE_ARGS),
        deferrable=True,
        polling_interval_seconds=30,
        execution_timeout=batches.SUBMIT_TIMEOUT,
        deferral_timeout=batches.deferral_timeout("pipeline"),
    )
    run_adhoc = batches.DataprocCreateBatchAfterLeftoversOperator(
        task_id="run_adhoc",
        project_id=PROJECT_ID,
        region=REGION,
        batch_id=f"dm-adhoc-{RUN_ID}-{TRY_NUMBER}",
        batch=build_batch("adhoc", "adhoc.py", ADHOC_ARGS),
        deferrable=True,
        polling_interval_seconds=30,
        execution_timeout=batches.SUBMIT_TIMEOUT,
        deferral_timeout=batches.deferral_timeout("adhoc"),
    )
    publish = publish_mentions_table(run_id=RUN_ID)
    # A teardown: runs once everything upstream is done (with no setup task its trigger rule
    # ALL_DONE_SETUP_SUCCESS acts as ALL_DONE) and, unlike a plain ALL_DONE leaf, its success
    # does not turn a run whose batch failed into a successful run. A run stopped by
    # dagrun_timeout skips it (Airflow 3.1 marks unfinished tasks SKIPPED): the batch ttl is the
    # backstop then.
    cleanup = cleanup_batches(run_id=RUN_ID).as_teardown()

    run_pipeline >> [run_adhoc, publish]
    [run_pipeline, run_adhoc, publish] >> cleanup
