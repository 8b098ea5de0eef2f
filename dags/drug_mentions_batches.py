"""Dataproc Serverless batches of the drug_mentions DAG: spec, sizing, time budget, leftovers.

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
from datetime import timedelta
from pathlib import Path
from typing import Any

from airflow.providers.google.cloud.operators.dataproc import DataprocCreateBatchOperator

log = logging.getLogger(__name__)

JOBS = ("pipeline", "adhoc")
APP_LABEL = "drug-mentions"
RUNTIME_VERSION = "3.0"  # Dataproc Serverless runtime 3.0: Spark 4.0, Python 3.12, Java 21
# Runtime 3.0 runs a batch without authentication_config with END_USER_CREDENTIALS, i.e. as its
# submitter (the Composer service account): the batch service account would be ignored.
AUTHENTICATION_TYPE = "SERVICE_ACCOUNT"

# Spark properties per job: conf/dataproc.toml in a checkout; `drug-mentions-gcs deploy` copies it
# into the Composer DAG folder under this name.
SIZING_FILE = "drug_mentions_dataproc.toml"
REPO_SIZING = Path(__file__).resolve().parents[1] / "conf" / "dataproc.toml"
BUDGET_CAP = "spark.dynamicAllocation.maxExecutors"

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


def load_sizing(candidates: Sequence[Path] | None = None) -> dict[str, dict[str, str]]:
    """Spark properties per job: ``[properties]`` for every job, ``[<job>.properties]`` on top.

    The first existing file of ``candidates`` is read (default: the copy in the DAG folder, then
    ``conf/dataproc.toml`` of a checkout). Every job must set the budget cap.
    """
    here = Path(__file__).resolve().parent
    paths = list(candidates) if candidates is not None else [here / SIZING_FILE, REPO_SIZING]
    path = next((p for p in paths if p.is_file()), None)
    if path is None:
        raise FileNotFoundError(f"no Dataproc sizing file: looked for {', '.join(map(str, paths))}")
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    common = data.get("properties", {})
    sizing = {}
    for job in JOBS:
        properties = {**common, **data.get(job, {}).get("properties", {})}
        bad = sorted(
            k for k, v in properties.items() if not k.startswith("spark.") or not isinstance(v, str)
        )
        if bad:
            raise ValueError(f"{path}: not a Spark property given as a string: {', '.join(bad)}")
        if BUDGET_CAP not in properties:
            raise ValueError(f"{path}: [{job}.properties] lacks {BUDGET_CAP} (the budget cap)")
        sizing[job] = dict(sorted(properties.items()))
    return sizing


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
) -> dict[str, Any]:
    """The (templated) ``google.cloud.dataproc_v1.Batch`` of one job of one DAG run."""
    return {
        "runtime_config": {"version": RUNTIME_VERSION, "properties": dict(properties)},
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
