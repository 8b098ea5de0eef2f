"""The drug_mentions DAG: parses offline, exact tasks/order, rendered batches valid for Dataproc."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import pendulum
import pytest
from google.cloud import dataproc_v1

try:  # Airflow >= 3.2
    from airflow.dag_processing.dagbag import BundleDagBag
except ImportError:  # Airflow 3.1
    from airflow.models.dagbag import BundleDagBag

import drug_mentions
from drug_mentions import contract

BATCH_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{2,61}[a-z0-9]$")
LABEL_KEY_RE = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
LABEL_VALUE_RE = re.compile(r"^[a-z0-9_-]{0,63}$")
NOV_25 = pendulum.datetime(2026, 11, 25, 3, 0, 0, tz="UTC")
BUCKET = "gs://drug-mentions-dev-data"


@pytest.fixture(scope="module")
def dag(dags_dir: Path) -> Any:
    # As the DAG processor and the task runner load a DAG folder (bundle) in Airflow 3.1.
    bag = BundleDagBag(dag_folder=str(dags_dir), bundle_path=dags_dir)
    assert bag.import_errors == {}
    assert list(bag.dags) == ["drug_mentions"]
    return bag.dags["drug_mentions"]


PIPELINE_PROPERTIES = {
    "spark.dataproc.driver.disk.size": "250g",
    "spark.dataproc.executor.disk.size": "250g",
    "spark.dataproc.lineage.enabled": "true",
    "spark.driver.cores": "4",
    "spark.driver.memory": "16g",
    "spark.dynamicAllocation.enabled": "true",
    "spark.dynamicAllocation.executorAllocationRatio": "0.5",
    "spark.dynamicAllocation.initialExecutors": "2",
    "spark.dynamicAllocation.maxExecutors": "99",
    "spark.dynamicAllocation.minExecutors": "2",
    "spark.executor.cores": "4",
    "spark.executor.memory": "12g",
    "spark.sql.adaptive.advisoryPartitionSizeInBytes": "256m",
    "spark.sql.shuffle.partitions": "800",
}
ADHOC_PROPERTIES = {
    **PIPELINE_PROPERTIES,
    "spark.driver.memory": "12g",
    "spark.dynamicAllocation.maxExecutors": "20",
    "spark.sql.shuffle.partitions": "160",
}


def render(task: Any, field: str, logical_date: Any = NOV_25, try_number: int = 1) -> Any:
    """Render one templated field as the task runner would, from a hand-built context."""
    context: dict[str, Any] = {
        "dag_run": SimpleNamespace(run_after=pendulum.datetime(2026, 12, 1, 10, 30, 5, tz="UTC")),
        "ti": SimpleNamespace(try_number=try_number),
    }
    if logical_date is not None:  # Airflow 3 omits the key for runs without a logical date
        context["logical_date"] = logical_date
    jinja_env = task.dag.get_template_env()
    return task.render_template(getattr(task, field), context, jinja_env)


def test_tasks_and_dependencies(dag: Any) -> None:
    assert sorted(dag.task_ids) == [
        "cleanup_batches",
        "publish_mentions_table",
        "run_adhoc",
        "run_pipeline",
    ]
    assert dag.get_task("run_pipeline").upstream_task_ids == set()
    assert dag.get_task("run_adhoc").upstream_task_ids == {"run_pipeline"}
    assert dag.get_task("publish_mentions_table").upstream_task_ids == {"run_pipeline"}
    assert dag.get_task("cleanup_batches").upstream_task_ids == {
        "run_pipeline",
        "run_adhoc",
        "publish_mentions_table",
    }
    order = [task.task_id for task in dag.topological_sort()]
    assert order[0] == "run_pipeline"
    assert order[-1] == "cleanup_batches"


def test_cleanup_runs_whatever_happened_without_masking_failures(dag: Any) -> None:
    cleanup = dag.get_task("cleanup_batches")
    assert cleanup.is_teardown is True
    # With no setup task upstream this rule behaves as ALL_DONE (trigger_rule_dep).
    assert cleanup.trigger_rule == "all_done_setup_success"
    assert not any(task.is_setup for task in dag.tasks)


def test_dag_settings(dag: Any) -> None:
    assert dag.catchup is False
    assert dag.max_active_runs == 1
    assert dag.dagrun_timeout == timedelta(hours=12)
    assert dag.timetable.summary == "0 3 * * *"
    assert dag.tags == {"drug-mentions", "dataproc-serverless"}
    assert dag.doc_md.startswith("Airflow DAG: run the drug-mention pipeline")
    for task_id in ("run_pipeline", "run_adhoc"):
        task = dag.get_task(task_id)
        assert task.retries == 2
        assert task.retry_delay == timedelta(minutes=5)
        assert task.deferrable is True
        assert task.batch["runtime_config"]["version"] == "3.0"
        assert (task.project_id, task.region) == ("drug-mentions-dev", "europe-west1")


def test_pipeline_batch_rendered_exactly(dag: Any) -> None:
    task = dag.get_task("run_pipeline")
    assert render(task, "batch_id", try_number=1) == "dm-pipeline-20261125t030000-1"
    assert render(task, "batch") == {
        "runtime_config": {"version": "3.0", "properties": PIPELINE_PROPERTIES},
        "pyspark_batch": {
            "main_python_file_uri": f"{BUCKET}/code/0.1.0/pipeline.py",
            "python_file_uris": [f"{BUCKET}/code/0.1.0/drug_mentions-0.1.0.zip"],
            "args": [
                "--input",
                f"{BUCKET}/input",
                "--output",
                f"{BUCKET}/runs/20261125t030000",
                "--conf",
                f"{BUCKET}/code/0.1.0/conf/gcp.toml",
                "--run-id",
                "20261125t030000",
                "--state",
                f"{BUCKET}/state",
            ],
        },
        "environment_config": {
            "execution_config": {
                "service_account": "drug-mentions-batch@drug-mentions-dev.iam.gserviceaccount.com",
                "subnetwork_uri": "default",
                "ttl": {"seconds": 7200},
                "authentication_config": {"user_workload_authentication_type": "SERVICE_ACCOUNT"},
            }
        },
        "labels": {
            "app": "drug-mentions",
            "job": "pipeline",
            "run_id": "20261125t030000",
            "code_version": "0-1-0",
        },
    }


def test_adhoc_batch_rendered_exactly(dag: Any) -> None:
    task = dag.get_task("run_adhoc")
    assert render(task, "batch_id", try_number=3) == "dm-adhoc-20261125t030000-3"
    batch = render(task, "batch")
    assert batch["pyspark_batch"] == {
        "main_python_file_uri": f"{BUCKET}/code/0.1.0/adhoc.py",
        "python_file_uris": [f"{BUCKET}/code/0.1.0/drug_mentions-0.1.0.zip"],
        "args": [
            "--mentions",
            f"{BUCKET}/runs/20261125t030000/mentions",
            "--json",
            "--out",
            f"{BUCKET}/runs/20261125t030000/adhoc/top_journals.json",
            "--conf",
            f"{BUCKET}/code/0.1.0/conf/gcp.toml",
        ],
    }
    assert batch["labels"]["job"] == "adhoc"
    assert batch["labels"]["run_id"] == "20261125t030000"
    assert batch["runtime_config"] == {"version": "3.0", "properties": ADHOC_PROPERTIES}
    assert batch["environment_config"]["execution_config"]["ttl"] == {"seconds": 1200}


@pytest.mark.parametrize("task_id", ["run_pipeline", "run_adhoc"])
def test_every_batch_runs_as_the_batch_service_account(dag: Any, task_id: str) -> None:
    # Runtime 3.0 without authentication_config runs the workload with END_USER_CREDENTIALS,
    # i.e. as the Composer service account, ignoring the batch service account.
    batch = dataproc_v1.Batch(**render(dag.get_task(task_id), "batch"))
    execution = batch.environment_config.execution_config
    auth_type = dataproc_v1.AuthenticationConfig.AuthenticationType
    assert execution.authentication_config.user_workload_authentication_type == (
        auth_type.SERVICE_ACCOUNT
    )
    assert execution.service_account == (
        "drug-mentions-batch@drug-mentions-dev.iam.gserviceaccount.com"
    )


@pytest.mark.parametrize(
    ("task_id", "expected"),
    [("run_pipeline", PIPELINE_PROPERTIES), ("run_adhoc", ADHOC_PROPERTIES)],
)
def test_rendered_spark_properties_come_from_conf(
    dag: Any, task_id: str, expected: dict[str, str]
) -> None:
    batch = dataproc_v1.Batch(**render(dag.get_task(task_id), "batch"))
    assert dict(batch.runtime_config.properties) == expected


@pytest.mark.parametrize("task_id", ["run_pipeline", "run_adhoc"])
def test_rendered_batch_is_a_valid_dataproc_batch(dag: Any, task_id: str) -> None:
    batch = dataproc_v1.Batch(**render(dag.get_task(task_id), "batch"))
    assert batch.runtime_config.version == "3.0"
    ttl = {"run_pipeline": timedelta(hours=2), "run_adhoc": timedelta(minutes=20)}[task_id]
    assert batch.environment_config.execution_config.ttl == ttl
    for key, value in batch.labels.items():
        assert LABEL_KEY_RE.match(key), key
        assert LABEL_VALUE_RE.match(value), value


def test_misspelt_batch_field_is_rejected(dag: Any) -> None:
    batch = render(dag.get_task("run_pipeline"), "batch")
    batch["pyspark_batch"]["main_python_file_url"] = batch["pyspark_batch"].pop(
        "main_python_file_uri"
    )
    with pytest.raises(ValueError, match="main_python_file_url"):
        dataproc_v1.Batch(**batch)


def test_batch_ids_valid_and_unique_per_try_and_date(dag: Any) -> None:
    dates = [NOV_25, NOV_25.add(days=1), None]  # None: a manual run without logical date
    ids = [
        render(dag.get_task(task_id), "batch_id", logical_date=date, try_number=try_number)
        for task_id in ("run_pipeline", "run_adhoc")
        for date in dates
        for try_number in (1, 2, 99)
    ]
    assert len(set(ids)) == len(ids) == 18
    for batch_id in ids:
        assert BATCH_ID_RE.match(batch_id), batch_id
    assert "dm-pipeline-20261126t030000-2" in ids
    assert "dm-adhoc-20261201t103005-99" in ids  # falls back to run_after


@pytest.mark.parametrize("task_id", ["cleanup_batches", "publish_mentions_table"])
def test_run_id_tasks_target_this_run(dag: Any, task_id: str) -> None:
    assert render(dag.get_task(task_id), "op_kwargs") == {"run_id": "20261125t030000"}


def test_a_run_can_accept_a_quality_drop_by_its_conf(dag: Any) -> None:
    # The only param: off unless a run is triggered with {"accept_quality_drop": true}.
    assert dict(dag.params) == {"accept_quality_drop": False}
    param = dag.params.get_param("accept_quality_drop")
    assert param.schema == {"type": "boolean"}
    assert param.description == (
        "Publish this run even if the quality gate refuses it (an expected drop)."
    )
    publish = dag.get_task("publish_mentions_table")
    assert publish.retries == 2  # transient errors; a refusal is AirflowFailException: no retry


def test_pipeline_and_dag_runtime_come_from_one_setting(dag_module: ModuleType) -> None:
    assert dag_module.CONF.runtime["version"] == "3.0"
    for task_id in ("run_pipeline", "run_adhoc"):
        assert dag_module.dag.get_task(task_id).batch["runtime_config"]["version"] == "3.0"


def test_layout_strings_match_the_job_package(dag_module: ModuleType) -> None:
    assert dag_module.INPUT_PREFIX == contract.INPUT_PREFIX
    assert dag_module.RUNS_PREFIX == contract.RUNS_PREFIX
    assert dag_module.CODE_PREFIX == contract.CODE_PREFIX
    assert dag_module.STATE_PREFIX == contract.STATE_PREFIX == "state"
    assert dag_module.ADHOC_DIR == contract.ADHOC_DIR
    assert dag_module.MENTIONS_DIR == contract.MENTIONS_DIR
    assert drug_mentions.__name__ == dag_module.PACKAGE_NAME


def test_default_code_version_is_the_package_version(dag_module: ModuleType) -> None:
    # Bumping drug_mentions.__version__? Bump the DAG's default DRUG_MENTIONS_CODE_VERSION too.
    assert drug_mentions.__version__ == dag_module.CODE_VERSION


def test_settings_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, load_dag: Callable[[str], ModuleType]
) -> None:
    settings = {
        "DRUG_MENTIONS_PROJECT_ID": "acme-prod",
        "DRUG_MENTIONS_REGION": "us-central1",
        "DRUG_MENTIONS_DATA_BUCKET": "acme-dm-data",
        "DRUG_MENTIONS_BATCH_SERVICE_ACCOUNT": "dm-batch@acme-prod.iam.gserviceaccount.com",
        "DRUG_MENTIONS_SUBNETWORK": "projects/acme-net/regions/us-central1/subnetworks/dm",
        "DRUG_MENTIONS_CODE_VERSION": "0.2.0",
        "DRUG_MENTIONS_SCHEDULE": "30 5 * * 1",
        "DRUG_MENTIONS_BIGQUERY_DATASET": "acme_analytics",
        "DRUG_MENTIONS_BIGQUERY_CONNECTION": "acme-prod.us-central1.acme-runs",
    }
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    module = load_dag("dag_drug_mentions_env_test")
    task = module.dag.get_task("run_pipeline")
    assert module.dag.timetable.summary == "30 5 * * 1"
    assert (task.project_id, task.region) == ("acme-prod", "us-central1")
    batch = render(task, "batch")
    assert (
        batch["pyspark_batch"]["main_python_file_uri"] == "gs://acme-dm-data/code/0.2.0/pipeline.py"
    )
    assert batch["pyspark_batch"]["python_file_uris"] == [
        "gs://acme-dm-data/code/0.2.0/drug_mentions-0.2.0.zip"
    ]
    assert batch["pyspark_batch"]["args"] == [
        "--input",
        "gs://acme-dm-data/input",
        "--output",
        "gs://acme-dm-data/runs/20261125t030000",
        "--conf",
        "gs://acme-dm-data/code/0.2.0/conf/gcp.toml",
        "--run-id",
        "20261125t030000",
        "--state",
        "gs://acme-dm-data/state",
    ]
    assert batch["environment_config"]["execution_config"] == {
        "service_account": "dm-batch@acme-prod.iam.gserviceaccount.com",
        "subnetwork_uri": "projects/acme-net/regions/us-central1/subnetworks/dm",
        "ttl": {"seconds": 7200},
        "authentication_config": {"user_workload_authentication_type": "SERVICE_ACCOUNT"},
    }
    assert batch["labels"]["code_version"] == "0-2-0"
    assert module.BIGQUERY_DATASET == "acme_analytics"
    assert module.BIGQUERY_CONNECTION == "acme-prod.us-central1.acme-runs"


def test_empty_settings_fall_back_to_defaults(
    monkeypatch: pytest.MonkeyPatch, load_dag: Callable[[str], ModuleType]
) -> None:
    monkeypatch.setenv("DRUG_MENTIONS_SCHEDULE", "  ")
    monkeypatch.setenv("DRUG_MENTIONS_PROJECT_ID", "")
    module = load_dag("dag_drug_mentions_empty_env_test")
    assert module.SCHEDULE == "0 3 * * *"
    assert module.PROJECT_ID == "drug-mentions-dev"
    # the connection Terraform names <prefix>-runs in the region (bigquery.tf)
    assert module.BIGQUERY_CONNECTION == "drug-mentions-dev.europe-west1.drug-mentions-runs"


def test_dag_folder_holds_every_module_the_dag_imports(dags_dir: Path) -> None:
    # `drug-mentions-gcs deploy` ships dags/*.py and .airflowignore: a helper module must be a
    # top-level file of dags/, and .airflowignore keeps the DAG processor from parsing it.
    tree = ast.parse((dags_dir / "drug_mentions.py").read_text())
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in (node.names if isinstance(node, ast.Import) else [ast.alias(node.module)])
        if alias.name.startswith("drug_mentions")
    }
    assert imported == {"drug_mentions_batches", "drug_mentions_bigquery"}
    assert all((dags_dir / f"{name}.py").is_file() for name in imported)
    ignored = (dags_dir / ".airflowignore").read_text().splitlines()[1:]
    assert ignored == ["drug_mentions_batches.py", "drug_mentions_bigquery.py"]


def test_only_the_dag_file_is_parsed(dags_dir: Path) -> None:
    bag = BundleDagBag(dag_folder=str(dags_dir), bundle_path=dags_dir)
    assert [Path(stat.file).name for stat in bag.dagbag_stats] == ["drug_mentions.py"]


def test_dag_round_trips_through_serialization(dag: Any) -> None:
    # The DAG processor stores the DAG serialized; the scheduler only sees that form.
    from airflow.serialization.serialized_objects import SerializedDAG

    back = SerializedDAG.from_dict(SerializedDAG.to_dict(dag))
    assert sorted(back.task_ids) == sorted(dag.task_ids)
    pipeline = back.get_task("run_pipeline")
    assert pipeline.task_type == "DataprocCreateBatchAfterLeftoversOperator"
    assert (pipeline.execution_timeout, pipeline.retries) == (timedelta(minutes=15), 2)
    assert back.dagrun_timeout == timedelta(hours=12)
