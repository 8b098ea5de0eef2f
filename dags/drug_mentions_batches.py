"""Dataproc Serverless batches of the drug_mentions DAG: spec, settings, time budget, leftovers.

Shipped beside ``drug_mentions.py`` in the Composer DAG folder by ``drug-mentions-gcs deploy``.
Airflow puts the DAG folder on ``sys.path`` (``BundleDagBag``), so the DAG imports this module by
name; ``.airflowignore`` stops the DAG processor from parsing it as a DAG file. Nothing here
talks to Google by itself: the DAG hands in a ``DataprocHook`` (``tests/dags`` a fake one).
"""

from __future__ import annotations

import logging
import re
import time
import tomllib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from airflow.providers.google.cloud.operators.dataproc import DataprocCreateBatchOperator

log = logging.getLogger(__name__)

JOBS = ("pipeline", "adhoc")
APP_LABEL = "drug-mentions"
# Runtime 3.0 runs a batch without authentication_config with END_USER_CREDENTIALS, i.e. as its
# submitter (the Composer service account): the batch service account would be ignored.
AUTHENTICATION_TYPE = "SERVICE_ACCOUNT"

# Runtime, Spark properties per job, quota and quality gate: conf/dataproc.toml in a checkout;
# `drug-mentions-gcs deploy` copies it into the Composer DAG folder under this name.
SIZING_FILE = "drug_mentions_dataproc.toml"
REPO_SIZING = Path(__file__).resolve().parents[1] / "conf" / "dataproc.toml"
BUDGET_CAP = "spark.dynamicAllocation.maxExecutors"
EXECUTOR_CORES = "spark.executor.cores"
DRIVER_CORES = "spark.driver.cores"
DISK_SIZES = ("spark.dataproc.driver.disk.size", "spark.dataproc.executor.disk.size")

# --- Time budget (tests/dags checks that it adds up to less than DAGRUN_TIMEOUT) ---------------
# Airflow 3.1 does not apply execution_timeout while a task is deferred, so every batch try is
# bounded twice: Dataproc ends the batch after its ttl, and the operator defers with a timeout.
BATCH_TTL = {"pipeline": timedelta(hours=2), "adhoc": timedelta(minutes=20)}
DEFERRAL_SLACK = timedelta(minutes=15)  # PENDING time, start-up and polling on top of the ttl
SUBMIT_TIMEOUT = timedelta(minutes=15)  # execution_timeout: stop leftovers, then create
LEFTOVER_WAIT = timedelta(minutes=10)  # longest wait for cancelled leftovers to stop
PUBLISH_TIMEOUT = timedelta(minutes=10)
CLEANUP_TIMEOUT = timedelta(minutes=15)
RETRIES = 2
CLEANUP_RETRIES = 1
RETRY_DELAY = timedelta(minutes=5)
DAGRUN_TIMEOUT = timedelta(hours=12)

PENDING_OR_RUNNING = frozenset({"PENDING", "RUNNING"})
NOT_STOPPED = PENDING_OR_RUNNING | {"CANCELLING"}


class LeftoverBatchError(RuntimeError):
    """Batches of this DAG run did not stop in time: creating another one would overlap."""


def deferral_timeout(job: str) -> timedelta:
    """How long a try of ``job`` waits for its batch (the triggerer) before Airflow fails it."""
    return BATCH_TTL[job] + DEFERRAL_SLACK


def try_bound(task: Any) -> timedelta:
    """Longest one try of ``task`` can take: execution_timeout, plus its deferral if any."""
    return task.execution_timeout + getattr(task, "deferral_timeout", timedelta(0))


def worst_case_run(tasks: Iterable[Any]) -> timedelta:
    """Every try of every task failing at its bound, one after the other, with retry delays.

    Assumes ``retry_exponential_backoff`` is off (the DAG's default) so a delay is ``retry_delay``.
    """
    total = timedelta(0)
    for task in tasks:
        total += (task.retries + 1) * try_bound(task) + task.retries * task.retry_delay
    return total


# --- Labels, sizing, batch spec ---------------------------------------------------------------


def to_label_value(text: str) -> str:
    """A valid GCP label value: lower-case letters, digits, '_' and '-', at most 63 chars."""
    return re.sub(r"[^a-z0-9_-]", "-", text.lower())[:63]


@dataclass(frozen=True)
class BatchConf:
    """conf/dataproc.toml: the runtime, each job's Spark properties, the quota, the gate."""

    runtime: dict[str, str]  # version, python, java
    sizing: dict[str, dict[str, str]]  # job -> Spark properties
    quota: dict[str, int]  # cpus, disks_total_gb
    quality_gate: dict[str, float]  # max_loss, max_reject_rise


def _gigabytes(size: str) -> int:
    """A Dataproc disk size ("250g", "1t") in GB."""
    match = re.fullmatch(r"(\d+)([gt])", size.strip().lower())
    if not match:
        raise ValueError(f"disk size {size!r} is not <number>g or <number>t")
    return int(match.group(1)) * (1000 if match.group(2) == "t" else 1)


def quota_use(properties: dict[str, str]) -> dict[str, int]:
    """Peak Compute Engine quota of one batch at its cap: vCPUs (driver + executors) and disk GB
    (one disk per VM), the standard tiers (Serverless quotas page: CPUS, DISKS_TOTAL_GB)."""
    executors = int(properties[BUDGET_CAP])
    cpus = int(properties[DRIVER_CORES]) + executors * int(properties[EXECUTOR_CORES])
    driver_disk, executor_disk = (_gigabytes(properties[k]) for k in DISK_SIZES)
    return {"cpus": cpus, "disks_total_gb": driver_disk + executors * executor_disk}


def _job_properties(path: Path, data: dict[str, Any], job: str) -> dict[str, str]:
    properties = {**data.get("properties", {}), **data.get(job, {}).get("properties", {})}
    bad = sorted(
        k for k, v in properties.items() if not k.startswith("spark.") or not isinstance(v, str)
    )
    if bad:
        raise ValueError(f"{path}: not a Spark property given as a string: {', '.join(bad)}")
    if BUDGET_CAP not in properties:
        raise ValueError(f"{path}: [{job}.properties] lacks {BUDGET_CAP} (the budget cap)")
    unsized = [k for k in (DRIVER_CORES, EXECUTOR_CORES, *DISK_SIZES) if k not in properties]
    if unsized:
        raise ValueError(f"{path}: [{job}.properties] lacks {', '.join(unsized)} (quota use)")
    return dict(sorted(properties.items()))


def _section(path: Path, data: dict[str, Any], name: str, keys: dict[str, type]) -> dict:
    section = data.get(name, {})
    values = {key: section.get(key) for key in keys}
    wrong = [k for k, kind in keys.items() if not isinstance(values[k], kind)]
    if wrong or set(section) - set(keys):
        expected = ", ".join(f"{k} ({kind.__name__})" for k, kind in keys.items())
        raise ValueError(f"{path}: [{name}] must hold exactly {expected}")
    return values


def load_batch_conf(candidates: Sequence[Path] | None = None) -> BatchConf:
    """Read the first existing file of ``candidates`` (default: the copy in the DAG folder, then
    ``conf/dataproc.toml`` of a checkout). ``[properties]`` apply to every job,
    ``[<job>.properties]`` on top; every job must set the budget cap, and the cap must fit in
    ``[quota]``: a cap above the quota is a promise the project cannot keep."""
    here = Path(__file__).resolve().parent
    paths = list(candidates) if candidates is not None else [here / SIZING_FILE, REPO_SIZING]
    path = next((p for p in paths if p.is_file()), None)
    if path is None:
        raise FileNotFoundError(f"no Dataproc sizing file: looked for {', '.join(map(str, paths))}")
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    runtime = _section(path, data, "runtime", {"version": str, "python": str, "java": str})
    quota = _section(path, data, "quota", {"cpus": int, "disks_total_gb": int})
    gate = _section(path, data, "quality_gate", {"max_loss": float, "max_reject_rise": float})
    if not all(0 <= share < 1 for share in gate.values()):
        raise ValueError(f"{path}: [quality_gate] shares must be between 0 and 1")
    sizing = {job: _job_properties(path, data, job) for job in JOBS}
    for job, properties in sizing.items():
        use = quota_use(properties)
        over = [f"{k} {use[k]} > {quota[k]}" for k in quota if use[k] > quota[k]]
        if over:
            raise ValueError(
                f"{path}: [{job}.properties] {BUDGET_CAP} = {properties[BUDGET_CAP]} needs more"
                f" than [quota]: {', '.join(over)}"
            )
    return BatchConf(runtime, sizing, quota, gate)


def load_sizing(candidates: Sequence[Path] | None = None) -> dict[str, dict[str, str]]:
    """Spark properties per job (:func:`load_batch_conf`)."""
    return load_batch_conf(candidates).sizing


def batch_spec(
    *,
    job: str,
    code_uri: str,
    main_file: str,
    package_zip: str,
    args: list[str],
    properties: dict[str, str],
    service_account: str,
    subnetwork: str,
    run_id: str,
    code_version: str,
    runtime_version: str,
) -> dict[str, Any]:
    """The (templated) ``google.cloud.dataproc_v1.Batch`` of one job of one DAG run."""
    return {
        "runtime_config": {"version": runtime_version, "properties": dict(properties)},
        "pyspark_batch": {
            "main_python_file_uri": f"{code_uri}/{main_file}",
            "python_file_uris": [f"{code_uri}/{package_zip}"],
            "args": list(args),
        },
        "environment_config": {
            "execution_config": {
                "service_account": service_account,
                "subnetwork_uri": subnetwork,
                "ttl": {"seconds": int(BATCH_TTL[job].total_seconds())},
                "authentication_config": {"user_workload_authentication_type": AUTHENTICATION_TYPE},
            },
        },
        "labels": {
            "app": APP_LABEL,
            "job": job,
            "run_id": run_id,
            "code_version": to_label_value(code_version),
        },
    }


# --- Leftover batches of a DAG run ------------------------------------------------------------


def batch_filter(run_id: str) -> str:
    """ListBatches filter selecting the batches of one DAG run (by the labels set above)."""
    return f'labels.app = "{APP_LABEL}" AND labels.run_id = "{to_label_value(run_id)}"'


def batches_to_cancel(batches: Iterable[Any]) -> list[Any]:
    """The batches (``dataproc_v1.Batch``) still pending or running, to cancel."""
    return [batch for batch in batches if batch.state.name in PENDING_OR_RUNNING]


def cancel_leftovers(hook: Any, *, project_id: str, region: str, run_id: str) -> list[Any]:
    """Cancel the DAG run's pending or running batches; return every batch of the run found.

    A batch is cancelled through its long-running operation (the Dataproc API has no cancel
    method on batches); it is kept, for its logs.
    """
    found = list(
        hook.list_batches(region=region, project_id=project_id, filter=batch_filter(run_id))
    )
    leftovers = batches_to_cancel(found)
    if leftovers:
        operations = hook.get_operations_client(region=region)
        for batch in leftovers:
            log.warning("Cancelling leftover batch %s (%s)", batch.name, batch.state.name)
            operations.cancel_operation(name=batch.operation)
    return found


def approximate_usage(batches: Iterable[Any]) -> dict[str, dict[str, float]]:
    """What each finished batch used, as Dataproc reports it (``runtime_info.approximate_usage``,
    filled when a batch ends): DCU-hours and shuffle storage GB-hours, by batch id."""
    usage = {}
    for batch in batches:
        used = batch.runtime_info.approximate_usage
        if used.milli_dcu_seconds or used.shuffle_storage_gb_seconds:
            usage[batch.name.rsplit("/", 1)[-1]] = {
                "dcu_hours": round(used.milli_dcu_seconds / 1000 / 3600, 3),
                "shuffle_storage_gb_hours": round(used.shuffle_storage_gb_seconds / 3600, 3),
            }
    return usage


def stop_leftovers(
    hook: Any,
    *,
    project_id: str,
    region: str,
    run_id: str,
    wait: timedelta = LEFTOVER_WAIT,
    poll_seconds: float = 15,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> list[str]:
    """Cancel the run's pending/running batches and wait until none is left un-stopped.

    Returns the names of the batches that had to be waited for (cancelled now or already
    cancelling); raises :class:`LeftoverBatchError` if some are still not stopped after ``wait``.
    """
    found = cancel_leftovers(hook, project_id=project_id, region=region, run_id=run_id)
    waited = [batch.name for batch in found if batch.state.name in NOT_STOPPED]
    remaining = list(waited)
    deadline = clock() + wait.total_seconds()
    while remaining:
        if clock() >= deadline:
            raise LeftoverBatchError(
                f"batches of run {run_id} not stopped after {wait}: {', '.join(remaining)}"
            )
        sleep(poll_seconds)
        states = {
            name: hook.get_batch(
                batch_id=name.rsplit("/", 1)[-1], region=region, project_id=project_id
            ).state.name
            for name in remaining
        }
        remaining = [name for name, state in states.items() if state in NOT_STOPPED]
    return waited


class DataprocCreateBatchAfterLeftoversOperator(DataprocCreateBatchOperator):
    """``DataprocCreateBatchOperator`` whose tries never overlap, each bounded in time.

    Before creating its batch, every try cancels the batches of the same DAG run (label
    ``run_id``) that are still pending or running, e.g. left by a try whose worker died or that
    was cleared or marked failed while deferred, and waits until they have stopped. Only one
    batch of a DAG run runs at a time, so any other active one is a leftover. The deferral gets a
    timeout, which Airflow 3.1 does not derive from ``execution_timeout``.
    """

    def __init__(
        self,
        *,
        deferral_timeout: timedelta,
        leftover_wait: timedelta = LEFTOVER_WAIT,
        leftover_poll_seconds: float = 15,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.deferral_timeout = deferral_timeout
        self.leftover_wait = leftover_wait
        self.leftover_poll_seconds = leftover_poll_seconds

    def execute(self, context: Any) -> Any:
        waited = stop_leftovers(
            self.hook,
            project_id=self.project_id,
            region=self.region,
            run_id=self.batch["labels"]["run_id"],
            wait=self.leftover_wait,
            poll_seconds=self.leftover_poll_seconds,
        )
        if waited:
            self.log.warning("Stopped leftover batches before this try: %s", ", ".join(waited))
        return super().execute(context)

    def defer(
        self,
        *,
        trigger: Any,
        method_name: str,
        kwargs: dict[str, Any] | None = None,
        timeout: timedelta | None = None,
    ) -> Any:
        bounded = timeout if timeout is not None else self.deferral_timeout
        super().defer(trigger=trigger, method_name=method_name, kwargs=kwargs, timeout=bounded)
