"""dags/drug_mentions_batches.py: retries never overlap, time budget, sizing from conf/.

The Dataproc API has no emulator: the decision logic runs against ``FakeDataprocHook``, whose
methods are checked to take only parameters of the real ``DataprocHook`` methods.
"""

from __future__ import annotations

import inspect
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import drug_mentions_batches as batches
import pytest
from airflow.providers.google.cloud.hooks.dataproc import DataprocHook
from airflow.providers.google.cloud.triggers.dataproc import DataprocBatchTrigger
from google.api_core.operations_v1 import OperationsClient

try:  # Airflow >= 3.2
    from airflow.dag_processing.dagbag import BundleDagBag
except ImportError:  # Airflow 3.1
    from airflow.models.dagbag import BundleDagBag

from airflow.exceptions import TaskDeferred

from tests.dags.fake_dataproc import FakeDataprocHook, State

RUN = "20261125t030000"
OTHER_RUN = "20261124t030000"


@pytest.fixture(scope="module")
def dag(dags_dir: Path) -> Any:
    bag = BundleDagBag(dag_folder=str(dags_dir), bundle_path=dags_dir)
    assert bag.import_errors == {}
    return bag.dags["drug_mentions"]


class Clock:
    """Fake time: sleep() advances it, so waits are exact and instant."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def __call__(self) -> float:
        return self.now


def stop(
    hook: FakeDataprocHook, clock: Clock, wait: timedelta = timedelta(minutes=10)
) -> list[str]:
    return batches.stop_leftovers(
        hook,
        project_id="p",
        region="r",
        run_id=RUN,
        wait=wait,
        poll_seconds=15,
        sleep=clock.sleep,
        clock=clock,
    )


def test_fake_takes_only_parameters_of_the_real_hook() -> None:
    for method in ("list_batches", "get_operations_client", "get_batch", "create_batch"):
        fake = set(inspect.signature(getattr(FakeDataprocHook, method)).parameters)
        real = set(inspect.signature(getattr(DataprocHook, method)).parameters)
        assert fake <= real, (method, fake - real)
    fake_cancel = set(inspect.signature(FakeDataprocHook.cancel_operation).parameters)
    assert fake_cancel <= set(inspect.signature(OperationsClient.cancel_operation).parameters)


def test_leftovers_of_this_run_are_cancelled_and_waited_for() -> None:
    hook = FakeDataprocHook(polls_to_stop=3)
    hook.add(f"dm-pipeline-{RUN}-1", State.RUNNING, app="drug-mentions", run_id=RUN)
    hook.add(f"dm-adhoc-{RUN}-1", State.PENDING, app="drug-mentions", run_id=RUN)
    hook.add(f"dm-pipeline-{RUN}-0", State.FAILED, app="drug-mentions", run_id=RUN)
    hook.add(f"dm-pipeline-{OTHER_RUN}-1", State.RUNNING, app="drug-mentions", run_id=OTHER_RUN)
    hook.add("someone-elses", State.RUNNING, app="other", run_id=RUN)
    clock = Clock()

    waited = stop(hook, clock)

    assert waited == [hook.name(f"dm-pipeline-{RUN}-1"), hook.name(f"dm-adhoc-{RUN}-1")]
    assert hook.calls[:3] == [
        ("list_batches", f'labels.app = "drug-mentions" AND labels.run_id = "{RUN}"'),
        ("cancel_operation", f"projects/p/regions/r/operations/op-dm-pipeline-{RUN}-1"),
        ("cancel_operation", f"projects/p/regions/r/operations/op-dm-adhoc-{RUN}-1"),
    ]
    assert clock.sleeps == [15, 15, 15]  # CANCELLED on the third read
    assert hook.state(f"dm-pipeline-{RUN}-1") == "CANCELLED"
    assert hook.state(f"dm-adhoc-{RUN}-1") == "CANCELLED"
    assert hook.state(f"dm-pipeline-{RUN}-0") == "FAILED"
    assert hook.state(f"dm-pipeline-{OTHER_RUN}-1") == "RUNNING"  # another DAG run: untouched
    assert hook.state("someone-elses") == "RUNNING"


def test_a_cancelling_batch_is_waited_for_not_cancelled_again() -> None:
    hook = FakeDataprocHook(polls_to_stop=2)
    hook.add(f"dm-pipeline-{RUN}-1", State.CANCELLING, app="drug-mentions", run_id=RUN)
    clock = Clock()

    assert stop(hook, clock) == [hook.name(f"dm-pipeline-{RUN}-1")]
    assert [call for call in hook.calls if call[0] == "cancel_operation"] == []
    assert clock.sleeps == [15, 15]
    assert hook.state(f"dm-pipeline-{RUN}-1") == "CANCELLED"


def test_nothing_to_stop_means_no_cancel_and_no_wait() -> None:
    hook = FakeDataprocHook()
    hook.add(f"dm-pipeline-{RUN}-1", State.SUCCEEDED, app="drug-mentions", run_id=RUN)
    clock = Clock()

    assert stop(hook, clock) == []
    assert [name for name, _ in hook.calls] == ["list_batches"]
    assert clock.sleeps == []


def test_a_leftover_that_does_not_stop_in_time_fails_the_try() -> None:
    hook = FakeDataprocHook(polls_to_stop=10**6)
    hook.add(f"dm-pipeline-{RUN}-1", State.RUNNING, app="drug-mentions", run_id=RUN)
    clock = Clock()

    with pytest.raises(batches.LeftoverBatchError) as error:
        stop(hook, clock, wait=timedelta(minutes=1))

    assert str(error.value) == (
        f"batches of run {RUN} not stopped after 0:01:00: {hook.name(f'dm-pipeline-{RUN}-1')}"
    )
    assert clock.sleeps == [15, 15, 15, 15]
    assert [name for name, _ in hook.calls].count("create_batch") == 0


class FakeTaskInstance:
    def __init__(self) -> None:
        self.xcom: dict[str, Any] = {}

    def xcom_push(self, key: str, value: Any) -> None:
        self.xcom[key] = value


def test_a_retry_stops_the_killed_try_batch_before_creating_its_own(
    dag: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    task = dag.get_task("run_pipeline")
    assert isinstance(task, batches.DataprocCreateBatchAfterLeftoversOperator)
    # Try 1's worker died while its batch ran; try 2 starts.
    hook = FakeDataprocHook(project_id="drug-mentions-dev", region="europe-west1")
    hook.add(f"dm-pipeline-{RUN}-1", State.RUNNING, app="drug-mentions", run_id=RUN)
    rendered = batches.batch_spec(
        job="pipeline",
        code_uri="gs://b/code/0.1.0",
        main_file="pipeline.py",
        package_zip="drug_mentions-0.1.0.zip",
        args=[],
        properties={"spark.dynamicAllocation.maxExecutors": "100"},
        service_account="sa@p.iam.gserviceaccount.com",
        subnetwork="default",
        run_id=RUN,
        code_version="0.1.0",
        runtime_version="3.0",
    )
    monkeypatch.setattr(task, "batch", rendered)
    monkeypatch.setattr(task, "batch_id", f"dm-pipeline-{RUN}-2")
    monkeypatch.setattr(task, "leftover_poll_seconds", 0)
    monkeypatch.setitem(task.__dict__, "hook", hook)  # the operator's cached DataprocHook
    ti = FakeTaskInstance()

    with pytest.raises(TaskDeferred) as deferred:
        task.execute({"ti": ti, "task": task})

    assert [name for name, _ in hook.calls] == [
        "list_batches",
        "cancel_operation",
        "get_batch",
        "create_batch",
    ]
    assert hook.state(f"dm-pipeline-{RUN}-1") == "CANCELLED"
    assert hook.state(f"dm-pipeline-{RUN}-2") == "PENDING"
    trigger = deferred.value.trigger
    assert isinstance(trigger, DataprocBatchTrigger)
    assert trigger.batch_id == f"dm-pipeline-{RUN}-2"
    assert deferred.value.method_name == "execute_complete"
    assert deferred.value.timeout == timedelta(hours=2, minutes=15)  # ttl + slack


# --- Time budget --------------------------------------------------------------------------------


def test_every_try_of_every_task_fits_in_the_dagrun_timeout(dag: Any) -> None:
    bounds = {task.task_id: batches.try_bound(task) for task in dag.tasks}
    assert bounds == {
        "run_pipeline": timedelta(hours=2, minutes=30),  # 15 min submit + 2 h ttl + 15 min
        "run_adhoc": timedelta(minutes=50),  # 15 min submit + 20 min ttl + 15 min
        "publish_mentions_table": timedelta(minutes=10),
        "cleanup_batches": timedelta(minutes=15),
    }
    assert {task.task_id: task.retries for task in dag.tasks} == {
        "run_pipeline": 2,
        "run_adhoc": 2,
        "publish_mentions_table": 2,
        "cleanup_batches": 1,
    }
    assert {task.retry_delay for task in dag.tasks} == {timedelta(minutes=5)}
    assert not any(task.retry_exponential_backoff for task in dag.tasks)
    worst = batches.worst_case_run(dag.tasks)
    # 3 x 2h30 + 10 min, 3 x 50 min + 10 min, 3 x 10 min + 10 min, 2 x 15 min + 5 min
    assert worst == timedelta(hours=11, minutes=35)
    assert worst <= dag.dagrun_timeout == timedelta(hours=12)
    assert dag.dagrun_timeout < timedelta(days=1)  # a daily run ends before the next starts


@pytest.mark.parametrize("task_id", ["run_pipeline", "run_adhoc"])
def test_the_batch_ttl_ends_a_batch_before_its_try_gives_up(dag: Any, task_id: str) -> None:
    # If a run still hits dagrun_timeout (e.g. tasks queued for a worker), Airflow 3.1 marks its
    # unfinished tasks SKIPPED, the teardown included: the ttl is the backstop then.
    task = dag.get_task(task_id)
    ttl = timedelta(seconds=task.batch["environment_config"]["execution_config"]["ttl"]["seconds"])
    assert timedelta(minutes=10) <= ttl  # Dataproc's minimum ttl
    assert task.deferral_timeout == ttl + timedelta(minutes=15)
    assert task.execution_timeout == timedelta(minutes=15)
    assert task.leftover_wait == timedelta(minutes=10) < task.execution_timeout


def test_the_teardown_is_skipped_on_dagrun_timeout_in_this_airflow() -> None:
    # What the ttl backstop is for: the scheduler's timeout path (read from the pinned Airflow).
    from airflow.jobs.scheduler_job_runner import SchedulerJobRunner

    source = inspect.getsource(SchedulerJobRunner._schedule_dag_run)
    timeout_path = source[source.index("dag.dagrun_timeout") : source.index("has timed-out")]
    assert "task_instance.state = TaskInstanceState.SKIPPED" in timeout_path


# --- Sizing from conf/ --------------------------------------------------------------------------


# What every conf/dataproc.toml holds besides Spark properties (tests write their own properties).
SETTINGS = (
    '[runtime]\nversion = "3.0"\npython = "3.12"\njava = "21"\n'
    "[quota]\ncpus = 100\ndisks_total_gb = 2600\n"
    "[quality_gate]\nmax_loss = 0.1\nmax_reject_rise = 0.05\n"
)
SIZED = (
    '"spark.driver.cores" = "4"\n"spark.executor.cores" = "4"\n'
    '"spark.dataproc.driver.disk.size" = "100g"\n"spark.dataproc.executor.disk.size" = "100g"\n'
)
SIZED_PROPERTIES = {
    "spark.dataproc.driver.disk.size": "100g",
    "spark.dataproc.executor.disk.size": "100g",
    "spark.driver.cores": "4",
    "spark.executor.cores": "4",
}


def write_conf(tmp_path: Path, text: str) -> Path:
    conf = tmp_path / "dataproc.toml"
    conf.write_text(text)
    return conf


def test_sizing_merges_common_and_job_properties(tmp_path: Path) -> None:
    conf = write_conf(
        tmp_path,
        SETTINGS + "[properties]\n" + SIZED + '"spark.sql.shuffle.partitions" = "8"\n'
        '[pipeline.properties]\n"spark.dynamicAllocation.maxExecutors" = "24"\n'
        '[adhoc.properties]\n"spark.dynamicAllocation.maxExecutors" = "5"\n'
        '"spark.sql.shuffle.partitions" = "2"\n',
    )
    loaded = batches.load_batch_conf([tmp_path / "missing.toml", conf])
    assert loaded.sizing == {
        "pipeline": {
            **SIZED_PROPERTIES,
            "spark.dynamicAllocation.maxExecutors": "24",
            "spark.sql.shuffle.partitions": "8",
        },
        "adhoc": {
            **SIZED_PROPERTIES,
            "spark.dynamicAllocation.maxExecutors": "5",
            "spark.sql.shuffle.partitions": "2",
        },
    }
    assert loaded.runtime == {"version": "3.0", "python": "3.12", "java": "21"}
    assert loaded.quota == {"cpus": 100, "disks_total_gb": 2600}
    assert loaded.quality_gate == {"max_loss": 0.1, "max_reject_rise": 0.05}
    assert batches.load_sizing([conf]) == loaded.sizing


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            SETTINGS + "[properties]\n" + SIZED + "[pipeline.properties]\n"
            '"spark.dynamicAllocation.maxExecutors" = "5"\n',
            "[adhoc.properties] lacks spark.dynamicAllocation.maxExecutors (the budget cap)",
        ),
        (
            SETTINGS + '[properties]\n"spark.dynamicAllocation.maxExecutors" = 50\n',
            "not a Spark property given as a string: spark.dynamicAllocation.maxExecutors",
        ),
        (
            SETTINGS + '[properties]\n"spark.dynamicAllocation.maxExecutors" = "5"\n'
            '"executor.cores" = "4"\n',
            "not a Spark property given as a string: executor.cores",
        ),
        (
            SETTINGS + '[properties]\n"spark.dynamicAllocation.maxExecutors" = "5"\n'
            '"spark.driver.cores" = "4"\n',
            "[pipeline.properties] lacks spark.executor.cores, spark.dataproc.driver.disk.size,"
            " spark.dataproc.executor.disk.size (quota use)",
        ),
        (
            # 4 + 25 x 4 = 104 vCPUs > 100; (1 + 25) x 100 GB = 2600 GB fits exactly
            SETTINGS + "[properties]\n" + SIZED + '"spark.dynamicAllocation.maxExecutors" = "25"\n',
            "[pipeline.properties] spark.dynamicAllocation.maxExecutors = 25 needs more than"
            " [quota]: cpus 104 > 100",
        ),
        (
            SETTINGS.replace("java", "scala") + "[properties]\n" + SIZED,
            "[runtime] must hold exactly version (str), python (str), java (str)",
        ),
        (
            SETTINGS.replace("cpus = 100", 'cpus = "100"') + "[properties]\n" + SIZED,
            "[quota] must hold exactly cpus (int), disks_total_gb (int)",
        ),
        (
            SETTINGS.replace("max_loss = 0.1", "max_loss = 1.5") + "[properties]\n" + SIZED,
            "[quality_gate] shares must be between 0 and 1",
        ),
    ],
    ids=[
        "no-cap",
        "not-a-string",
        "not-spark",
        "unsized",
        "over-quota",
        "runtime",
        "quota",
        "gate",
    ],
)
def test_bad_settings_are_refused_with_the_file_and_what(
    tmp_path: Path, text: str, message: str
) -> None:
    conf = write_conf(tmp_path, text)
    with pytest.raises(ValueError) as error:
        batches.load_batch_conf([conf])
    assert str(error.value) == f"{conf}: {message}"


def test_quota_use_of_the_cap() -> None:
    properties = {**SIZED_PROPERTIES, "spark.dynamicAllocation.maxExecutors": "24"}
    assert batches.quota_use(properties) == {"cpus": 100, "disks_total_gb": 2500}
    big_disks = {**properties, "spark.dataproc.executor.disk.size": "1t"}
    assert batches.quota_use(big_disks) == {"cpus": 100, "disks_total_gb": 24100}
    with pytest.raises(ValueError, match="disk size '250GB' is not <number>g or <number>t"):
        batches.quota_use({**properties, "spark.dataproc.driver.disk.size": "250GB"})


def test_the_pipeline_cap_is_sized_to_the_stated_quota() -> None:
    # The largest cap that fits: one executor more would exceed the quota.
    conf = batches.load_batch_conf([batches.REPO_SIZING])
    assert conf.quota == {"cpus": 400, "disks_total_gb": 25000}
    pipeline = conf.sizing["pipeline"]
    assert batches.quota_use(pipeline) == {"cpus": 400, "disks_total_gb": 25000}
    one_more = {**pipeline, batches.BUDGET_CAP: str(int(pipeline[batches.BUDGET_CAP]) + 1)}
    assert batches.quota_use(one_more) == {"cpus": 404, "disks_total_gb": 25250}
    assert batches.quota_use(conf.sizing["adhoc"]) == {"cpus": 84, "disks_total_gb": 5250}
    assert conf.runtime == {"version": "3.0", "python": "3.12", "java": "21"}
    assert conf.quality_gate == {"max_loss": 0.10, "max_reject_rise": 0.05}


def test_no_sizing_file_is_an_import_error_with_the_paths(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError) as error:
        batches.load_sizing([tmp_path / "a.toml", tmp_path / "b.toml"])
    assert (
        str(error.value)
        == f"no Dataproc sizing file: looked for {tmp_path}/a.toml, {tmp_path}/b.toml"
    )


def test_default_sizing_is_conf_dataproc_toml_in_a_checkout(dags_dir: Path) -> None:
    from gcs_cli.commands import DAG_SIZING_NAME

    assert batches.SIZING_FILE == DAG_SIZING_NAME == "drug_mentions_dataproc.toml"  # deploy's copy
    assert dags_dir.parent / "conf" / "dataproc.toml" == batches.REPO_SIZING
    assert not (dags_dir / batches.SIZING_FILE).exists()  # deploy ships the copy, git does not
    assert batches.load_sizing() == batches.load_sizing([batches.REPO_SIZING])


@pytest.mark.parametrize(
    ("text", "expected"),
    [("0.1.0", "0-1-0"), ("1.2.0rc1+Local", "1-2-0rc1-local"), ("x" * 70, "x" * 63)],
)
def test_to_label_value(text: str, expected: str) -> None:
    assert batches.to_label_value(text) == expected


def test_batches_to_cancel_keeps_only_pending_and_running() -> None:
    found = [SimpleNamespace(name=f"b-{s.name.lower()}", state=s) for s in State]
    assert [b.name for b in batches.batches_to_cancel(found)] == ["b-pending", "b-running"]


def test_approximate_usage_of_the_finished_batches() -> None:
    hook = FakeDataprocHook()
    hook.add(f"dm-pipeline-{RUN}-1", State.SUCCEEDED, app="drug-mentions", run_id=RUN)
    hook.add(f"dm-adhoc-{RUN}-1", State.RUNNING, app="drug-mentions", run_id=RUN)
    finished = hook.batches[hook.name(f"dm-pipeline-{RUN}-1")]
    usage = finished.runtime_info.approximate_usage
    usage.milli_dcu_seconds = 43_200_000  # 12 DCU for 1 hour
    usage.shuffle_storage_gb_seconds = 5_400  # 1.5 GB-hours
    found = batches.cancel_leftovers(hook, project_id="p", region="r", run_id=RUN)
    # the running batch has no usage yet (Dataproc computes it when a batch ends)
    assert batches.approximate_usage(found) == {
        f"dm-pipeline-{RUN}-1": {"dcu_hours": 12.0, "shuffle_storage_gb_hours": 1.5}
    }


def test_cleanup_cancels_without_waiting() -> None:
    hook = FakeDataprocHook()
    hook.add(f"dm-adhoc-{RUN}-3", State.RUNNING, app="drug-mentions", run_id=RUN)
    found = batches.cancel_leftovers(hook, project_id="p", region="r", run_id=RUN)
    assert [b.name for b in batches.batches_to_cancel(found)] == [hook.name(f"dm-adhoc-{RUN}-3")]
    assert [name for name, _ in hook.calls] == ["list_batches", "cancel_operation"]
    assert hook.state(f"dm-adhoc-{RUN}-3") == "CANCELLING"
