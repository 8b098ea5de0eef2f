"""One run at a time on a location: a lock file, created only if it does not exist yet.

:func:`acquire` creates ``lock_path`` atomically if absent (locally ``O_CREAT | O_EXCL``; on
``gs://`` the Hadoop connector's create without overwrite, an upload with
``ifGenerationMatch=0``), holding ``{"run_id", "host", "pid", "since"}``. When it exists:

* held by the **same run id**: a retry of that run (the DAG never lets two tries of a run
  overlap), so it is taken over, with a WARNING;
* held by a process of **this host that no longer runs** (a run killed with ``SIGKILL``):
  stale, taken over with a WARNING;
* else an :class:`~drug_mentions.errors.InputError` (exit 2) naming the holder and saying how
  to clear a stale lock.

The lock is released (deleted) when the ``with`` block ends, whether the run succeeded or not.
"""

from __future__ import annotations

import json
import logging
import os
import socket
from datetime import UTC, datetime
from typing import Any

from pyspark.sql import SparkSession

from drug_mentions.errors import InputError
from drug_mentions.storage import HadoopFS

log = logging.getLogger(__name__)
_ATTEMPTS = 3  # a lock deleted between our create and our read: try again


class Lock:
    """A held lock (a context manager): :meth:`release` deletes it if it is still ours."""

    def __init__(self, fs: HadoopFS, path: str, body: str) -> None:
        self.fs, self.path, self._body = fs, path, body

    def release(self) -> None:
        if _read(self.fs, self.path) == self._body:
            self.fs.delete(self.path)
            log.info("released lock %s", self.path)

    def __enter__(self) -> Lock:
        return self

    def __exit__(self, *_: object) -> None:
        self.release()


def _read(fs: HadoopFS, path: str) -> str | None:
    try:
        return fs.read_text(path)
    except Exception:  # deleted meanwhile
        return None


def _holder(text: str) -> dict[str, Any]:
    try:
        found = json.loads(text)
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _is_dead_here(holder: dict[str, Any]) -> bool:
    """True when the holder ran on this host and its process no longer exists."""
    pid = holder.get("pid")
    if holder.get("host") != socket.gethostname() or not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    return False


def acquire(
    spark: SparkSession, lock_path: str, run_id: str, what: str, path: str | None = None
) -> Lock:
    """Hold ``lock_path`` for ``run_id``. ``what`` (``output``, ``state``) and ``path`` (the
    locked location; default ``lock_path``) name it in messages. Raises :class:`InputError`
    when another run holds it."""
    fs = HadoopFS(spark, lock_path)
    since = datetime.now(UTC).isoformat(timespec="seconds")
    mine = {"run_id": run_id, "host": socket.gethostname(), "pid": os.getpid(), "since": since}
    body = json.dumps(mine, sort_keys=True) + "\n"
    for _ in range(_ATTEMPTS):
        if fs.create_new(lock_path, body):
            log.info("locked %s for run %s", lock_path, run_id)
            return Lock(fs, lock_path, body)
        text = _read(fs, lock_path)
        if text is None:
            continue
        holder = _holder(text)
        if holder.get("run_id") == run_id:
            log.warning("%s: held by the same run id %s (a retry): taken over", lock_path, run_id)
        elif _is_dead_here(holder):
            log.warning(
                "%s: run %s (pid %s on this host) no longer runs: stale lock taken over",
                lock_path,
                holder.get("run_id"),
                holder.get("pid"),
            )
        else:
            raise InputError(
                f"{what} {path or lock_path} is in use by run {holder.get('run_id', '?')} on "
                f"{holder.get('host', '?')} (pid {holder.get('pid', '?')}) since "
                f"{holder.get('since', '?')}; if no run is active, delete {lock_path} "
                "(a stale lock)"
            )
        if _read(fs, lock_path) == text:  # still the lock we judged: replace it
            fs.delete(lock_path)
    raise InputError(f"{lock_path}: could not take the lock (other runs keep taking it)")
