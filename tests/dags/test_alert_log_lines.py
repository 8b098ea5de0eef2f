"""The "DAG run failed" alert matches the lines the pinned Airflow logs: failure and timeout.

The messages are read from the installed Airflow's source (``DagRun.update_state``,
``SchedulerJobRunner._schedule_dag_run``) and rendered with a real ``DagRun``; the regexes are
the ones in ``terraform/monitoring.tf`` (Cloud Logging's ``=~`` finds a match anywhere in the
field, as ``re.search`` does; the patterns use nothing where RE2 and Python differ).
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import hcl2
import pendulum
import pytest
from airflow.jobs.scheduler_job_runner import SchedulerJobRunner
from airflow.models.dagrun import DagRun

TF_DIR = Path(__file__).resolve().parents[2] / "terraform"


def tf_locals(name: str) -> dict:
    with (TF_DIR / name).open() as handle:
        merged: dict = {}
        for entry in hcl2.load(handle).get("locals", []):
            merged.update(entry)
        return merged


def unquote(value: str) -> str:
    return value[1:-1] if value[:1] == value[-1:] == '"' else value


@pytest.fixture(scope="module")
def patterns(dag_module) -> list[re.Pattern[str]]:
    dag_id = unquote(tf_locals("locals.tf")["dag_id"])
    assert dag_id == dag_module.DAG_ID == "drug_mentions"
    raw = tf_locals("monitoring.tf")["dag_run_failed_patterns"]
    return [re.compile(unquote(p).replace("${local.dag_id}", dag_id)) for p in raw]


def logged_formats(function) -> list[str]:
    """The %-format strings of the log calls in ``function``'s source."""
    return re.findall(r'log\.\w+\(\s*"([^"]*)"', inspect.getsource(function))


def a_run(dag_id: str = "drug_mentions") -> DagRun:
    when = pendulum.datetime(2026, 11, 25, 3, tz="UTC")
    return DagRun(
        dag_id=dag_id,
        run_id="scheduled__2026-11-25T03:00:00+00:00",
        logical_date=when,
        run_after=when,
        run_type="scheduled",
        state="running",
        queued_at=when,
    )


def failed_lines(run: DagRun) -> list[str]:
    """Every line DagRun.update_state logs when it marks a run failed."""
    formats = [
        f for f in logged_formats(DagRun.update_state) if re.search("[Mm]arking run .* failed", f)
    ]
    assert formats == [
        "Marking run %s failed",  # a task failed (after its retries)
        "Task deadlock (no runnable tasks); marking run %s failed",
    ]
    return [fmt % run for fmt in formats]


def timed_out_line(run: DagRun) -> str:
    formats = [f for f in logged_formats(SchedulerJobRunner._schedule_dag_run) if "timed-out" in f]
    assert formats == ["Run %s of %s has timed-out"]
    return formats[0] % (run.run_id, run.dag_id)


def alerts(patterns: list[re.Pattern[str]], line: str) -> bool:
    # As a plain line, and decorated the ways Airflow's log renderers print it.
    forms = [line, f"[2026-11-25T15:00:00.000+0000] {{dagrun.py:1171}} INFO - {line}"]
    forms.append(f"2026-11-25T15:00:00.000Z [info     ] {line} [airflow.models.dagrun] loc=x.py:1")
    matched = {any(p.search(form) for p in patterns) for form in forms}
    assert len(matched) == 1, forms
    return matched.pop()


def test_the_exact_lines_of_this_airflow() -> None:
    run = a_run()
    repr_ = (
        "<DagRun drug_mentions @ 2026-11-25 03:00:00+00:00: "
        "scheduled__2026-11-25T03:00:00+00:00, state:running, "
        "queued_at: 2026-11-25 03:00:00+00:00. run_type: scheduled>"
    )
    assert failed_lines(run) == [
        f"Marking run {repr_} failed",
        f"Task deadlock (no runnable tasks); marking run {repr_} failed",
    ]
    assert timed_out_line(run) == (
        "Run scheduled__2026-11-25T03:00:00+00:00 of drug_mentions has timed-out"
    )


def test_a_failed_or_deadlocked_run_alerts(patterns) -> None:
    assert [alerts(patterns, line) for line in failed_lines(a_run())] == [True, True]


def test_a_timed_out_run_alerts(patterns) -> None:
    assert alerts(patterns, timed_out_line(a_run())) is True


@pytest.mark.parametrize(
    "line",
    [
        "Marking run <DagRun drug_mentions @ 2026-11-25 03:00:00+00:00: x, state:running, "
        "queued_at: None. run_type: scheduled> successful",
        "Marking run <DagRun other_dag @ 2026-11-25 03:00:00+00:00: x, state:running, "
        "queued_at: None. run_type: scheduled> failed",
        "Run scheduled__2026-11-25T03:00:00+00:00 of other_drug_mentions has timed-out",
        "Run scheduled__2026-11-25T03:00:00+00:00 of drug_mentions_v2 has timed-out",
    ],
    ids=["succeeded", "other-dag-failed", "other-dag-timed-out", "similar-dag-timed-out"],
)
def test_other_lines_do_not_alert(patterns, line: str) -> None:
    assert alerts(patterns, line) is False


def test_the_filter_checks_every_pattern_in_text_and_json_payloads() -> None:
    monitoring = tf_locals("monitoring.tf")
    matches = monitoring["dag_run_failed_matches"]
    assert "for pattern in local.dag_run_failed_patterns" in matches
    assert 'textPayload=~\\"${pattern}\\"' in matches
    assert 'jsonPayload.message=~\\"${pattern}\\"' in matches
    assert '(${join(" OR ", local.dag_run_failed_matches)})' in monitoring["dag_failure_filter"]
    assert 'log_id(\\"airflow-scheduler\\")' in monitoring["dag_failure_filter"]
