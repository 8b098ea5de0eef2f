"""Checksum-aware uploads and downloads through ``transfer_manager``, with preconditions.

An upload is planned against a listing: a file whose crc32c (or md5) equals the object's is
skipped; any other is uploaded with ``if_generation_match`` set to the generation seen in
that listing (0 when there was no object), so an object someone changed in between is never
overwritten: the server answers 412 and the CLI reports a conflict.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path

from google.api_core import exceptions as api_exceptions
from google.cloud import storage
from google.cloud.storage import transfer_manager
from tqdm import tqdm
from tqdm.utils import CallbackIOWrapper

from gcs_cli.checksums import same_content
from gcs_cli.errors import BucketNotFoundError, ConflictError, describe

log = logging.getLogger(__name__)

MAX_WORKERS = 8
BATCH_FILES = 2 * MAX_WORKERS  # files per transfer_manager call (progress granularity)
PROGRESS_MIN_BYTES = 8 * 1024 * 1024  # auto mode: no bar for small transfers


@dataclass(frozen=True)
class Transfer:
    """One file to move. ``generation``: for uploads the precondition (0 = must not exist)."""

    local: Path
    name: str
    size: int
    generation: int
    reason: str  # "new" or "changed"
    blob: storage.Blob | None = field(default=None, compare=False)  # downloads: listed blob


@dataclass
class Plan:
    bucket: str
    transfers: list[Transfer]
    unchanged: int

    @property
    def total_bytes(self) -> int:
        return sum(t.size for t in self.transfers)


def list_objects(client: storage.Client, bucket: str, prefix: str) -> dict[str, storage.Blob]:
    """Objects whose name starts with ``prefix``, by name; a missing bucket is a clear error."""
    try:
        return {b.name: b for b in client.list_blobs(bucket, prefix=prefix)}
    except api_exceptions.NotFound as exc:
        raise BucketNotFoundError(bucket) from exc


def local_files(root: Path) -> list[Path]:
    """Regular files under ``root``, sorted, without hidden files and ``__pycache__``."""
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file()
        and not any(
            part.startswith(".") or part == "__pycache__" for part in p.relative_to(root).parts
        )
    )


def plan_uploads(
    client: storage.Client, bucket: str, prefix: str, files: Iterable[tuple[Path, str]]
) -> Plan:
    """Compare ``(local file, object name)`` pairs with a listing of ``prefix``."""
    existing = list_objects(client, bucket, prefix)
    transfers: list[Transfer] = []
    unchanged = 0
    for local, name in files:
        blob = existing.get(name)
        if blob is not None and same_content(local, blob):
            unchanged += 1
            continue
        reason, generation = ("new", 0) if blob is None else ("changed", int(blob.generation))
        transfers.append(Transfer(local, name, local.stat().st_size, generation, reason))
    return Plan(bucket, transfers, unchanged)


def plan_downloads(blobs: Iterable[storage.Blob], dest: Path, strip_prefix: str) -> Plan:
    """Download ``blobs`` under ``dest`` (names relative to ``strip_prefix``) unless identical."""
    root = dest.resolve()
    transfers: list[Transfer] = []
    unchanged = 0
    bucket = ""
    for blob in blobs:
        bucket = blob.bucket.name
        relative = blob.name.removeprefix(strip_prefix).lstrip("/")
        local = (root / relative).resolve()
        if not local.is_relative_to(root) or local == root:
            log.warning("skipping object with an unsafe name: %s", blob.name)
            continue
        if local.is_file() and same_content(local, blob):
            unchanged += 1
            continue
        reason = "changed" if local.exists() else "new"
        transfers.append(
            Transfer(local, blob.name, blob.size or 0, int(blob.generation or 0), reason, blob)
        )
    return Plan(bucket, transfers, unchanged)


@contextmanager
def progress_bar(total: int, enabled: bool | None, desc: str) -> Iterator[tqdm]:
    """A byte progress bar on stderr: forced on/off, or (None) only on a TTY for big transfers."""
    if enabled is None:
        enabled = sys.stderr.isatty() and total >= PROGRESS_MIN_BYTES
    with tqdm(
        total=total,
        desc=desc,
        unit="B",
        unit_scale=True,
        unit_divisor=1024,
        file=sys.stderr,
        disable=not enabled,
        leave=False,
    ) as bar:
        yield bar


def _batches(
    transfers: list[Transfer], by_generation: bool
) -> Iterator[tuple[int, list[Transfer]]]:
    """Batches of files; for uploads, each batch shares one precondition (transfer_manager
    takes one set of upload kwargs per call)."""
    ordered = (
        sorted(transfers, key=lambda t: (t.generation, t.name)) if by_generation else transfers
    )
    groups = groupby(ordered, key=lambda t: t.generation if by_generation else 0)
    for generation, group in groups:
        items = list(group)
        for start in range(0, len(items), BATCH_FILES):
            yield generation, items[start : start + BATCH_FILES]


def _raise_failures(
    failures: list[tuple[Transfer, BaseException]], bucket: str, done: int, verb: str
) -> None:
    if not failures:
        return
    for transfer, exc in failures:
        log.debug("not %s: gs://%s/%s: %r", verb, bucket, transfer.name, exc)
    log.warning("%d file(s) %s before the failure", done, verb)
    conflicts = [t for t, exc in failures if isinstance(exc, api_exceptions.PreconditionFailed)]
    if conflicts:
        more = f" (and {len(conflicts) - 1} more)" if len(conflicts) > 1 else ""
        raise ConflictError(
            f"conflict: gs://{bucket}/{conflicts[0].name}{more} changed since it was listed "
            "(generation precondition failed, HTTP 412); not overwritten, re-run to retry"
        )
    raise describe(failures[0][1]) from failures[0][1]


def upload(client: storage.Client, plan: Plan, progress: bool | None = None) -> int:
    """Run an upload plan; returns the number of files uploaded, raises CliError on failure.

    Files go by name, so the library guesses the content type and uses a single multipart
    request up to 8 MiB (resumable above). The bar advances per batch of files.
    """
    bucket = client.bucket(plan.bucket)
    failures: list[tuple[Transfer, BaseException]] = []
    done = 0
    with progress_bar(plan.total_bytes, progress, "upload") as bar:
        for generation, batch in _batches(plan.transfers, by_generation=True):
            results = transfer_manager.upload_many(
                [(str(t.local), bucket.blob(t.name)) for t in batch],
                upload_kwargs={"if_generation_match": generation},
                worker_type=transfer_manager.THREAD,
                max_workers=MAX_WORKERS,
                raise_exception=False,
            )
            for t, result in zip(batch, results, strict=True):
                bar.update(t.size)
                if isinstance(result, BaseException):
                    failures.append((t, result))
                else:
                    done += 1
                    log.info("uploaded %s -> gs://%s/%s", t.local, plan.bucket, t.name)
    _raise_failures(failures, plan.bucket, done, "uploaded")
    return done


def download(plan: Plan, progress: bool | None = None) -> int:
    """Run a download plan (each file via ``<name>.part``, renamed when complete)."""
    failures: list[tuple[Transfer, BaseException]] = []
    done = 0
    with progress_bar(plan.total_bytes, progress, "download") as bar:
        for _, batch in _batches(plan.transfers, by_generation=False):
            parts = [t.local.with_name(t.local.name + ".part") for t in batch]
            with ExitStack() as stack:
                pairs = []
                for t, part in zip(batch, parts, strict=True):
                    part.parent.mkdir(parents=True, exist_ok=True)
                    stream = stack.enter_context(part.open("wb"))
                    pairs.append((t.blob, CallbackIOWrapper(bar.update, stream, "write")))
                results = transfer_manager.download_many(
                    pairs,
                    worker_type=transfer_manager.THREAD,
                    max_workers=MAX_WORKERS,
                    raise_exception=False,
                )
            for t, part, result in zip(batch, parts, results, strict=True):
                if isinstance(result, BaseException):
                    part.unlink(missing_ok=True)
                    failures.append((t, result))
                else:
                    os.replace(part, t.local)
                    done += 1
                    log.info("downloaded gs://%s/%s -> %s", plan.bucket, t.name, t.local)
    _raise_failures(failures, plan.bucket, done, "downloaded")
    return done
