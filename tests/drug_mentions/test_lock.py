"""Unit tests of drug_mentions.lock: one run at a time on a location, local and atomic."""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys

import pytest
from drug_mentions import lock
from drug_mentions.errors import InputError


@pytest.fixture
def lock_log(caplog):
    """The lock's log records (the job's logger does not propagate once an entry point set
    up logging, so caplog's handler is attached to it directly)."""
    logger = logging.getLogger(lock.__name__)
    logger.addHandler(caplog.handler)
    yield caplog
    logger.removeHandler(caplog.handler)


def _holder(path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _write_holder(path, **fields) -> None:
    path.write_text(json.dumps(fields), encoding="utf-8")


def _dead_pid() -> int:
    """The pid of a process that has ended (and been reaped)."""
    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(child.stdout)


def test_acquire_writes_the_holder_and_release_deletes_it(spark, tmp_path):
    path = tmp_path / ".output.lock"
    with lock.acquire(spark, str(path), "r1", "output", "out") as held:
        found = _holder(path)
        assert {k: found[k] for k in ("run_id", "host", "pid")} == {
            "run_id": "r1",
            "host": socket.gethostname(),
            "pid": os.getpid(),
        }
        assert found["since"].endswith("+00:00")
        assert held.path == str(path)
    assert list(tmp_path.iterdir()) == []


def test_released_when_the_run_fails(spark, tmp_path):
    path = tmp_path / ".output.lock"
    with pytest.raises(RuntimeError), lock.acquire(spark, str(path), "r1", "output"):
        raise RuntimeError("the run failed")
    assert list(tmp_path.iterdir()) == []


def test_a_lock_held_by_another_live_run_is_an_input_error(spark, tmp_path):
    path = tmp_path / ".output.lock"
    holder = {
        "run_id": "r1",
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "since": "2026-12-01T10:00:00+00:00",
    }
    _write_holder(path, **holder)
    with pytest.raises(InputError) as error:
        lock.acquire(spark, str(path), "r2", "output", "/data/output")
    assert str(error.value) == (
        f"output /data/output is in use by run r1 on {socket.gethostname()} (pid {os.getpid()}) "
        f"since 2026-12-01T10:00:00+00:00; if no run is active, delete {path} (a stale lock)"
    )
    assert _holder(path) == holder  # untouched


def test_a_lock_of_another_host_is_never_taken_over(spark, tmp_path):
    path = tmp_path / ".state.lock"
    _write_holder(path, run_id="r1", host="dataproc-driver-7", pid=_dead_pid(), since="s")
    with pytest.raises(
        InputError, match=r"^state .*\.state\.lock is in use by run r1 on dataproc-driver-7"
    ):
        lock.acquire(spark, str(path), "r2", "state")


def test_the_same_run_id_takes_the_lock_over(spark, tmp_path, lock_log):
    path = tmp_path / ".output.lock"
    _write_holder(path, run_id="20261125t030000", host="other", pid=1, since="s")
    with lock.acquire(spark, str(path), "20261125t030000", "output"):
        assert _holder(path)["pid"] == os.getpid()
    assert "held by the same run id 20261125t030000 (a retry): taken over" in lock_log.text
    assert list(tmp_path.iterdir()) == []


def test_a_dead_holder_on_this_host_is_a_stale_lock_taken_over(spark, tmp_path, lock_log):
    path = tmp_path / ".output.lock"
    pid = _dead_pid()
    _write_holder(path, run_id="killed", host=socket.gethostname(), pid=pid, since="s")
    with lock.acquire(spark, str(path), "after", "output"):
        assert _holder(path)["run_id"] == "after"
    assert (
        f"run killed (pid {pid} on this host) no longer runs: stale lock taken over"
        in lock_log.text
    )


def test_an_unreadable_lock_names_an_unknown_holder(spark, tmp_path):
    path = tmp_path / ".output.lock"
    path.write_text("")  # a crash between create and write
    with pytest.raises(
        InputError, match=r"is in use by run \? on \? \(pid \?\) since \?; if no run"
    ):
        lock.acquire(spark, str(path), "r2", "output")


def test_release_keeps_a_lock_that_is_no_longer_ours(spark, tmp_path):
    path = tmp_path / ".output.lock"
    held = lock.acquire(spark, str(path), "r1", "output")
    _write_holder(path, run_id="r1", host="retry-host", pid=2, since="s")  # a retry took it
    held.release()
    assert _holder(path)["host"] == "retry-host"
