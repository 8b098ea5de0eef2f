"""File-system access for local paths and ``gs://`` (any Hadoop scheme), through Spark's JVM.

Spark already carries a Hadoop ``FileSystem`` for every scheme it can read (the local file
system, and ``gs://`` through the GCS connector on Dataproc), so the driver uses the same one
for listing inputs, peeking at headers and writing the few small files (``output.json``,
``run_report.json``, the completion marker). No extra client library is needed at run time.
A local folder is listed with the operating system instead (:meth:`HadoopFS.list_entries`):
Hadoop's local listing silently skips a dangling link and sees a FIFO as an empty file.

Path helpers (:func:`qualified`, :func:`spark_path`...) live in :mod:`drug_mentions.paths`
and are re-exported here.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass

from pyspark.sql import SparkSession

from drug_mentions.errors import InputError
from drug_mentions.paths import is_local, join, local_path, qualified, spark_path  # noqa: F401 (re-exported)

FILE = "file"
FOLDER = "folder"
_SPECIAL_KINDS = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


@dataclass(frozen=True)
class FileInfo:
    """An entry of a folder: full URI, base name, size in bytes, kind: :data:`FILE`,
    :data:`FOLDER`, or what else it is (``a FIFO (named pipe)``, ``a dangling symbolic
    link``...), which no reader may open, and last modification time (milliseconds since the
    epoch, as listed)."""

    path: str
    name: str
    size: int
    kind: str = FILE
    modified: int = 0


def _shown(name: str) -> str:
    """A local name as text: bytes that are not UTF-8 (``os.listdir`` keeps them as lone
    surrogates, which neither Java nor JSON can take) shown as ``\\xNN``."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _local_kind(path: str) -> tuple[str, int, int]:
    """Kind, size and modification time (ms) of a local entry, links followed (never opened)."""
    if _shown(path) != path:
        return "not readable (its name is not valid UTF-8)", 0, 0
    try:
        found = os.stat(path)
    except FileNotFoundError:
        return "a dangling symbolic link", 0, 0
    except OSError as exc:  # a link loop, no permission on a folder on the way...
        return f"not readable ({exc.strerror})", 0, 0
    modified = found.st_mtime_ns // 1_000_000
    if stat.S_ISREG(found.st_mode):
        return FILE, found.st_size, modified
    if stat.S_ISDIR(found.st_mode):
        return FOLDER, 0, modified
    kind = next((what for test, what in _SPECIAL_KINDS if test(found.st_mode)), "not a file")
    return kind, 0, modified


class HadoopFS:
    """Thin wrapper over ``org.apache.hadoop.fs.FileSystem`` for one path's scheme."""

    def __init__(self, spark: SparkSession, path: str) -> None:
        jvm = spark.sparkContext._jvm
        self._jvm = jvm
        self._path_cls = jvm.org.apache.hadoop.fs.Path
        self._conf = spark.sparkContext._jsc.hadoopConfiguration()
        try:
            self._fs = self._path_cls(qualified(path)).getFileSystem(self._conf)
        except Exception as exc:  # py4j: no FileSystem for the scheme, a malformed URI
            reason = str(getattr(exc, "java_exception", exc)).splitlines()[0]
            raise InputError(f"{path}: not a path this job can use ({reason})") from exc

    def _p(self, path: str):
        return self._path_cls(qualified(path))

    def exists(self, path: str) -> bool:
        return bool(self._fs.exists(self._p(path)))

    def is_dir(self, path: str) -> bool:
        return bool(
            self._fs.exists(self._p(path)) and self._fs.getFileStatus(self._p(path)).isDirectory()
        )

    def list_entries(self, folder: str) -> list[FileInfo]:
        """Every entry directly in ``folder`` (files, folders, anything else), sorted by name.
        Local folders are listed by the operating system: links are followed, nothing is
        opened, and a dangling link or a FIFO is reported as what it is."""
        if is_local(folder):
            base = local_path(folder)
            names = os.listdir(base)
            entries = [(_shown(n), *_local_kind(os.path.join(base, n))) for n in names]
            found = [
                FileInfo(qualified(os.path.join(base, n)), n, s, k, m) for n, k, s, m in entries
            ]
        else:
            found = [
                FileInfo(
                    status.getPath().toString(),
                    status.getPath().getName(),
                    int(status.getLen()),
                    FOLDER if status.isDirectory() else FILE,
                    int(status.getModificationTime()),
                )
                for status in self._fs.listStatus(self._p(folder))
            ]
        return sorted(found, key=lambda info: info.name)

    def head(self, path: str, size: int = 65536) -> bytes:
        """Up to ``size`` first bytes of a file (header lines, JSON array or lines?), after
        decompression when its name says it is compressed (``.gz``), as Spark reads it."""
        hadoop_path = self._p(path)
        stream = self._fs.open(hadoop_path)
        codec = self._jvm.org.apache.hadoop.io.compress.CompressionCodecFactory(self._conf)
        codec = codec.getCodec(hadoop_path)
        try:
            if codec is not None:
                stream = codec.createInputStream(stream)
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
