"""Writing a run's outputs and publishing them so readers never see half a run.

* Local folder (``--output output``): everything is written into a staging folder beside
  the target (``.output.staging-<run_id>``), then swapped in with two renames (old output
  aside, staging in), and the old output is deleted. A failed run deletes its staging folder
  and leaves the previous output untouched. If a crash ever happened between the two renames,
  the next run puts the previous output back first.
* ``gs://`` (or any non-local scheme, where renaming a folder is a copy, not atomic): the
  outputs are written in place into the run folder and the completion marker ``_SUCCESS`` is
  written last. The marker is deleted first when a run folder is reused, so readers (the
  GCS CLI, the DAG, BigQuery users) only trust a run folder that has ``_SUCCESS``.

Only the pipeline's own entries are ever replaced or deleted: :meth:`Publisher.check` refuses,
before any work, a local ``--output`` that exists but is not a pipeline output folder, a
file, an output equal to the input, inside it or holding it, or one that cannot be written. A
local ``--output`` that is a symbolic link is followed (the run is published where it
points; the link stays). One run at a time per output: the runner holds the lock file
:attr:`Publisher.lock_path` (``.<name>.lock`` beside the output, :mod:`drug_mentions.lock`).
"""

from __future__ import annotations

import functools
import glob
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO, Any, TypeVar

from pyspark.sql import DataFrame, SparkSession

from drug_mentions import contract
from drug_mentions.errors import InputError
from drug_mentions.storage import HadoopFS, is_local, join, local_path

log = logging.getLogger(__name__)
T = TypeVar("T")

OUR_ENTRIES = {
    contract.OUTPUT_JSON,
    contract.MENTIONS_DIR,
    contract.REJECTS_DIR,
    contract.RUN_REPORT,
    contract.REPORT_HTML,
    contract.SUCCESS_MARKER,
    contract.ADHOC_DIR,  # the ad-hoc job's results on this run: stale once the run is redone
}


class Publisher:
    """Where a run writes (``staging``) and how it is made visible (``commit``)."""

    def __init__(self, spark: SparkSession, output: str, run_id: str) -> None:
        self.spark = spark
        self.output = output
        self.run_id = run_id
        self.local = is_local(output)
        if self.local:
            target = os.path.realpath(local_path(output))  # a link: where it points
            parent, name = os.path.split(target)
            self._target = target
            self._previous = os.path.join(parent, f".{name}.previous-{run_id}")
            self.staging = os.path.join(parent, f".{name}.staging-{run_id}")
            self._parent, self._name = parent, name
            self.lock_path = os.path.join(parent, f".{name}.lock")
        else:
            self.staging = output.rstrip("/")
            parent, _, name = self.staging.rpartition("/")
            self.lock_path = join(parent, f".{name}.lock")
        self._spark = spark

    @functools.cached_property
    def fs(self) -> HadoopFS:
        """The file system of the output (opened on first use: :meth:`check` needs none)."""
        return HadoopFS(self._spark, self.staging)

    def path(self, entry: str) -> str:
        """Where to write one output entry during the run."""
        return join(self.staging, entry)

    def check(self, input_dir: str) -> None:
        """Refuse, before any work, an output this run must not write (:class:`InputError`)."""
        if not self.local:
            if self.staging.count("/") < 3:  # gs://bucket: a run needs its own prefix
                raise InputError(f"{self.output}: name a folder inside the bucket")
            if not is_local(input_dir):
                _check_apart(self.staging + "/", input_dir.rstrip("/") + "/", self.output)
            self.fs  # noqa: B018 (a scheme no file system serves is an InputError naming it)
            return
        if not is_local(input_dir):
            return
        _check_apart(
            self._target + os.sep, os.path.realpath(local_path(input_dir)) + os.sep, self.output
        )
        if os.path.isdir(self._target):
            unknown = sorted(set(os.listdir(self._target)) - OUR_ENTRIES)
            if unknown:
                raise InputError(
                    f"{self.output}: exists and is not a pipeline output folder "
                    f"(unexpected: {', '.join(unknown)}); refusing to replace it"
                )
        elif os.path.lexists(self._target):
            raise InputError(f"{self.output}: is a file, not an output folder")
        existing = self._parent
        while not os.path.lexists(existing):
            existing = os.path.dirname(existing)
        if not os.path.isdir(existing) or not os.access(existing, os.W_OK | os.X_OK):
            raise InputError(
                f"{self.output}: cannot be written ({existing} is not a writable folder)"
            )

    def begin(self) -> None:
        """Prepare an empty place to write (the output was checked by :meth:`check`)."""
        if self.local:
            self._recover_interrupted_swap()
            shutil.rmtree(self.staging, ignore_errors=True)
            os.makedirs(self.staging)
        else:
            # Readers must stop trusting this run folder before anything in it changes.
            self.fs.delete(self.path(contract.SUCCESS_MARKER))
            for entry in sorted(OUR_ENTRIES - {contract.SUCCESS_MARKER}):
                self.fs.delete(self.path(entry))
        log.info("writing run %s into %s", self.run_id, self.staging)

    @contextmanager
    def publishing(self) -> Iterator[Publisher]:
        """:meth:`begin`, then the block writes; on error :meth:`abort` (the previous output
        stays as it was)."""
        self.begin()
        try:
            yield self
        except BaseException:
            self.abort()
            raise

    def write_text(self, entry: str, text: str) -> None:
        """A small UTF-8 file (plain file locally: no Hadoop checksum files beside it)."""
        if self.local:
            with open(self.path(entry), "w", encoding="utf-8", newline="\n") as out:
                out.write(text)
        else:
            self.fs.write_text(self.path(entry), text)

    def write_with(self, entry: str, write: Callable[[IO[str]], T]) -> T:
        """A UTF-8 file streamed by ``write`` (given the open text file; its result is
        returned): in place locally, else into a local temporary file uploaded at the end."""
        if self.local:
            with open(self.path(entry), "w", encoding="utf-8", newline="\n") as out:
                return write(out)
        with tempfile.TemporaryDirectory() as tmp:
            local = os.path.join(tmp, entry)
            with open(local, "w", encoding="utf-8", newline="\n") as out:
                result = write(out)
            self.fs.copy_from_local(local, self.path(entry))
        return result

    def commit(self, marker: dict[str, Any]) -> None:
        """Write the completion marker, then make the run visible at ``output``."""
        self.write_text(
            contract.SUCCESS_MARKER, json.dumps(marker, indent=2, sort_keys=True) + "\n"
        )
        if not self.local:
            log.info("published %s (marker %s written last)", self.output, contract.SUCCESS_MARKER)
            return
        had_previous = os.path.exists(self._target)
        if had_previous:
            os.rename(self._target, self._previous)
        os.rename(self.staging, self._target)
        if had_previous:
            shutil.rmtree(self._previous, ignore_errors=True)
        log.info("published %s atomically (staging folder renamed)", self._target)

    def abort(self) -> None:
        """After a failure: drop the staging folder; the previous output stays as it was."""
        if self.local:
            shutil.rmtree(self.staging, ignore_errors=True)
            log.info("run failed: removed %s, previous output untouched", self.staging)
        else:
            log.info("run failed: %s has no %s marker", self.output, contract.SUCCESS_MARKER)

    def _recover_interrupted_swap(self) -> None:
        pattern = os.path.join(self._parent, f".{self._name}.previous-*")
        leftovers = sorted(glob.glob(pattern))
        if leftovers and not os.path.exists(self._target):
            os.rename(leftovers[-1], self._target)
            log.warning("restored %s from an interrupted publish (%s)", self._target, leftovers[-1])
        for stale in glob.glob(pattern) + glob.glob(
            os.path.join(self._parent, f".{self._name}.staging-*")
        ):
            shutil.rmtree(stale, ignore_errors=True)


def write_parquet_edges(mentions: DataFrame, path: str) -> None:
    """``mentions/``: Parquet (``contract.MENTION_COLUMNS``) partitioned by ``source``
    (pubmed | clinical_trials); readers use ``contract.MENTIONS_SCHEMA``."""
    mentions.write.mode("overwrite").partitionBy(contract.MENTIONS_PARTITION).parquet(path)


def write_rejects(rejects: DataFrame, path: str) -> None:
    """``rejects/``: JSON Lines, one object per unused input record, with its reason."""
    rejects.write.mode("overwrite").json(path)


def _check_apart(output: str, input_dir: str, shown: str) -> None:
    """``output`` and ``input_dir`` (both ending with a separator) must not overlap."""
    folder = input_dir[:-1]
    if output == input_dir:
        problem = f"is the input folder {folder}"
    elif output.startswith(input_dir):
        problem = f"is inside the input folder {folder}"
    elif input_dir.startswith(output):
        problem = f"holds the input folder {folder} (publishing would replace it)"
    else:
        return
    raise InputError(f"{shown}: {problem}; write the output elsewhere")
