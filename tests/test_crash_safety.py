"""Crash safety: a run killed (SIGKILL) while writing leaves the previous output intact.

The real ``spark-submit`` process group is killed as soon as the run has started writing into
its staging folder ``.<name>.staging-<run_id>`` beside the output; the previous output must be
byte-identical, and the next run must succeed (taking over the killed run's stale lock) and
clean the leftovers up.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.helpers import DATA, REPO, load_entry_point, spark_submit_command, spark_submit_env

pipeline = load_entry_point("pipeline")


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.mark.spark_submit
def test_killed_run_keeps_the_previous_output_and_the_next_run_recovers(
    spark, sample_submit, tmp_path
):
    previous, _ = sample_submit
    out = tmp_path / "output"
    shutil.copytree(previous, out)
    before = _tree(out)
    staging = tmp_path / ".output.staging-killed"
    command = spark_submit_command(
        "pipeline.py", "--input", str(DATA), "--output", str(out), "--run-id", "killed"
    )
    process = subprocess.Popen(
        command,
        cwd=REPO,
        env=spark_submit_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: spark-submit, the JVM, the driver
    )
    try:
        deadline = time.monotonic() + 240
        # Mid-write: the staging folder exists and Spark has started writing into it.
        while not (staging.is_dir() and any(staging.iterdir())):
            assert process.poll() is None, "the run ended before it started writing"
            assert time.monotonic() < deadline, "the run never started writing"
            time.sleep(0.01)
        os.killpg(process.pid, signal.SIGKILL)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=60)

    assert process.returncode == -signal.SIGKILL
    assert staging.is_dir()  # the crash left its half-written staging folder behind
    assert _tree(out) == before
    # ... and its lock: held by a process of this host that no longer runs (stale)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".output.lock",
        ".output.staging-killed",
        "output",
    ]
    assert json.loads((tmp_path / ".output.lock").read_text())["run_id"] == "killed"

    assert pipeline.main(["--input", str(DATA), "--output", str(out), "--run-id", "after"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["output"]  # no staging folder left
    assert (out / "output.json").read_bytes() == before["output.json"]
    assert json.loads((out / "run_report.json").read_text())["run_id"] == "after"


@pytest.mark.spark_submit
def test_a_run_killed_while_writing_the_state_leaves_its_previous_version(
    spark, sample_submit, tmp_path
):
    """data/ in two drops with --state: the second run is killed (SIGKILL) while it writes its
    segment of the state. The state stays at version 1; the next run absorbs the drop again
    and publishes the full run's output.json."""
    full, _ = sample_submit
    folder, state = tmp_path / "in", tmp_path / "state"
    folder.mkdir()
    for name in ("drugs.csv", "pubmed.csv", "clinical_trials.csv"):
        shutil.copy(DATA / name, folder)
    first = ["--input", str(folder), "--state", str(state), "--run-id", "r1"]
    assert pipeline.main([*first, "--output", str(tmp_path / "out1")]) == 0
    before = _tree(state)
    shutil.copy(DATA / "pubmed.json", folder)
    command = spark_submit_command(
        "pipeline.py", "--input", str(folder), "--output", str(tmp_path / "out2"),
        "--state", str(state), "--run-id", "killed",
    )  # fmt: skip
    process = subprocess.Popen(
        command,
        cwd=REPO,
        env=spark_submit_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    segment = state / "groups" / "seg=2"
    try:
        deadline = time.monotonic() + 240
        while not (segment.is_dir() and any(segment.iterdir())):
            assert process.poll() is None, "the run ended before it wrote its segment"
            assert time.monotonic() < deadline, "the run never wrote its segment"
            time.sleep(0.01)
        os.killpg(process.pid, signal.SIGKILL)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL
    after = _tree(state)
    assert {k: v for k, v in after.items() if k in before} == before  # version 1 untouched
    assert sorted(p.name for p in state.glob("manifest-*.json")) == ["manifest-000001.json"]
    holder = json.loads((state / "_LOCK").read_text())
    assert holder["run_id"] == "killed"  # left behind, by a process that no longer runs
    deadline = time.monotonic() + 30
    while Path(f"/proc/{holder['pid']}").exists() and time.monotonic() < deadline:
        time.sleep(0.1)  # the killed driver's exit may still be under way

    again = ["--input", str(folder), "--state", str(state), "--run-id", "again"]
    assert pipeline.main([*again, "--output", str(tmp_path / "out3")]) == 0
    assert (tmp_path / "out3" / "output.json").read_bytes() == (full / "output.json").read_bytes()
    assert sorted(p.name for p in state.glob("manifest-*.json")) == [
        "manifest-000001.json",
        "manifest-000002.json",
    ]
    assert not (state / "_LOCK").exists()
