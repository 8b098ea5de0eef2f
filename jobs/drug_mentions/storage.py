"""File-system access for local paths and ``gs://`` (any Hadoop scheme), through Spark's JVM.

Spark already carries a Hadoop ``FileSystem`` for every scheme it can read (the local file
system, and ``gs://`` through the GCS connector on Dataproc), so the driver uses the same one
for listing inputs, peeking at headers and writing the few small files (``output.json``,
``run_report.json``, the completion marker). No extra client library is needed at run time.
"""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass

from pyspark.sql import SparkSession


def is_local(path: str) -> bool:
    """True for plain paths and ``file:`` URIs (published by rename); False for gs:// etc."""
    return "://" not in path or path.startswith("file:")


def local_path(path: str) -> str:
    """Strip a ``file:`` scheme and return an absolute OS path."""
    if path.startswith("file://"):
        path = path[len("file://") :]
    elif path.startswith("file:"):
        path = path[len("file:") :]
    return os.path.abspath(path)


def join(base: str, *parts: str) -> str:
    """Join path segments with '/', for local paths and URIs alike."""
    out = base.rstrip("/")
    for part in parts:
        out = f"{out}/{part.strip('/')}"
    return out


def qualified(path: str) -> str:
    """A URI Spark and Hadoop accept: local paths become absolute ``file:`` URIs."""
    return "file://" + local_path(path) if is_local(path) else path


@dataclass(frozen=True)
class FileInfo:
    """A listed input file: full URI, base name, size in bytes and last modification time
    (milliseconds since the epoch, as listed)."""

    path: str
    name: str
    size: int
    modified: int = 0


class HadoopFS:
    """Thin wrapper over ``org.apache.hadoop.fs.FileSystem`` for one path's scheme."""

    def __init__(self, spark: SparkSession, path: str) -> None:
        jvm = spark.sparkContext._jvm
        self._jvm = jvm
        self._path_cls = jvm.org.apache.hadoop.fs.Path
        self._conf = spark.sparkContext._jsc.hadoopConfiguration()
        self._fs = self._path_cls(qualified(path)).getFileSystem(self._conf)

    def _p(self, path: str):
        return self._path_cls(qualified(path))

    def exists(self, path: str) -> bool:
        return bool(self._fs.exists(self._p(path)))

    def is_dir(self, path: str) -> bool:
        return bool(
            self._fs.exists(self._p(path)) and self._fs.getFileStatus(self._p(path)).isDirectory()
        )

    def list_files(self, folder: str, patterns: list[str]) -> list[FileInfo]:
        """Files directly in ``folder`` whose name matches one of the glob ``patterns``, sorted."""
        found = []
        for status in self._fs.listStatus(self._p(folder)):
            if status.isDirectory():
                continue
            name = status.getPath().getName()
            if any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns):
                found.append(
                    FileInfo(
                        status.getPath().toString(),
                        name,
                        int(status.getLen()),
                        int(status.getModificationTime()),
                    )
                )
        return sorted(found, key=lambda info: info.name)

    def head(self, path: str, size: int = 65536) -> bytes:
        """Up to ``size`` first bytes of a file (header lines, JSON array or lines?)."""
        stream = self._fs.open(self._p(path))
        try:
            return bytes(stream.readNBytes(size))  # java.io.InputStream.readNBytes (Java 11+)
        finally:
            stream.close()

    def read_text(self, path: str) -> str:
        """A whole (small) text file, UTF-8 (a local one read as a plain file: no Hadoop
        checksum file is needed beside it)."""
        if is_local(path):
            with open(local_path(path), encoding="utf-8") as source:
                return source.read()
        return self.head(path, size=1 << 26).decode("utf-8")

    def create_new(self, path: str, text: str) -> bool:
        """Create a small UTF-8 file only if ``path`` does not exist, atomically where the
        file system can (``gs://``: an upload with ``ifGenerationMatch=0``); False if it
        existed. Local paths: ``O_CREAT | O_EXCL`` (Hadoop's local create checks, then
        creates, and writes a ``.crc`` file beside)."""
        if is_local(path):
            target = local_path(path)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            try:
                handle = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                return False
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text)
            return True
        try:
            stream = self._fs.create(self._p(path), False)
            try:
                stream.write(bytearray(text.encode("utf-8")))
            finally:
                stream.close()  # the GCS connector may only find the object exists here
        except Exception:
            if self.exists(path):
                return False
            raise
        return True

    def write_text(self, path: str, text: str) -> None:
        """Create or replace a small UTF-8 text file, whole or not at all: locally written
        beside and renamed (a plain file, no Hadoop checksum file), on object stores one
        upload (an object is replaced only once complete)."""
        if is_local(path):
            target = local_path(path)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            partial = f"{target}.partial-{os.getpid()}"
            with open(partial, "w", encoding="utf-8", newline="\n") as out:
                out.write(text)
            os.replace(partial, target)
            return
        stream = self._fs.create(self._p(path), True)
        try:
            stream.write(bytearray(text.encode("utf-8")))
        finally:
            stream.close()

    def copy_from_local(self, local_file: str, path: str) -> None:
        """Upload a local file (e.g. the streamed output.json) to ``path``, replacing it."""
        self._fs.copyFromLocalFile(
            False, True, self._path_cls("file://" + local_file), self._p(path)
        )

    def delete(self, path: str) -> None:
        if self._fs.exists(self._p(path)):
            self._fs.delete(self._p(path), True)

    def names(self, folder: str) -> list[str]:
        """Names of the entries directly in ``folder`` (none when it does not exist), sorted."""
        if not self._fs.exists(self._p(folder)):
            return []
        return sorted(status.getPath().getName() for status in self._fs.listStatus(self._p(folder)))

    def size_of_tree(self, folder: str) -> int:
        """Bytes of every file under ``folder`` (0 when it does not exist)."""
        if not self._fs.exists(self._p(folder)):
            return 0
        return int(self._fs.getContentSummary(self._p(folder)).getLength())

    def modified(self, path: str) -> int:
        """Last modification time of a file, in milliseconds since the epoch."""
        return int(self._fs.getFileStatus(self._p(path)).getModificationTime())

    def crc32c(self, path: str) -> str:
        """CRC32C of a file's bytes (8 hex digits), computed in the JVM as the file streams by."""
        checksum = self._jvm.java.util.zip.CRC32C()
        stream = self._jvm.java.util.zip.CheckedInputStream(self._fs.open(self._p(path)), checksum)
        try:
            stream.transferTo(self._jvm.java.io.OutputStream.nullOutputStream())
        finally:
            stream.close()
        return f"{int(checksum.getValue()):08x}"

    def copy_files(self, source_folder: str, target_folder: str, prefix: str) -> int:
        """Copy the data files of ``source_folder`` (not ``_``/``.`` ones) into
        ``target_folder`` as ``prefix`` + name; returns how many."""
        util = self._jvm.org.apache.hadoop.fs.FileUtil
        copied = 0
        for name in self.names(source_folder):
            if name.startswith(("_", ".")):
                continue
            source = self._p(f"{source_folder.rstrip('/')}/{name}")
            target = self._p(f"{target_folder.rstrip('/')}/{prefix}{name}")
            util.copy(self._fs, source, self._fs, target, False, True, self._conf)
            copied += 1
        return copied
