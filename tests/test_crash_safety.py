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
