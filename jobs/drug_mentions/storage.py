"""File-system access for local paths and ``gs://`` (any Hadoop scheme), through Spark's JVM.

Spark already carries a Hadoop ``FileSystem`` for every scheme it can read (the local file
system, and ``gs://`` through the GCS connector on Dataproc), so the driver uses the same one
for listing inputs, peeking at headers and writing the few small files (``output.json``,
``run_report.json``, the completion marker). No extra client library is needed at run time.
A local folder is listed with the operating system instead (:meth:`HadoopFS.list_entries`):
Hadoop's local listing silently skips a dangling link and sees a FIFO as an empty file.

Paths are kept as written (``pubmed [1].csv``); Spark's readers get them through
:func:`spark_path`, which escapes the characters Spark would expand as a glob.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass

from pyspark.sql import SparkSession

from drug_mentions.errors import InputError

FILE = "file"
FOLDER = "folder"
# Spark's DataFrameReader expands a path holding one of {}[]*?\ as a Hadoop glob (so
# "pubmed[1].csv" reads "pubmed1.csv") and has no public option against it. The internal
# data-source option "__globPaths__" turns globbing off, but Spark 4.0 then replaces each such
# path by every path of the read (DataSource.checkAndGlobPathIfNecessary): on gs:// files are
# read twice. So each of these characters is escaped with a backslash (Hadoop's glob syntax):
# the glob matches that one file, by its name as written.
_GLOB_CHARACTERS = re.compile(r"([{}\[\]*?\\])")
_SPECIAL_KINDS = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


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


def spark_path(path: str) -> str:
    """``path`` as Spark's readers must get it: qualified, with the glob characters
    ``{}[]*?\\`` escaped by a backslash, so that ``pubmed[1].csv`` names that very file
    instead of ``pubmed1.csv``."""
    return _GLOB_CHARACTERS.sub(r"\\\1", qualified(path))


@dataclass(frozen=True)
class FileInfo:
    """An entry of a folder: full URI, base name, size in bytes and kind: :data:`FILE`,
    :data:`FOLDER`, or what else it is (``a FIFO (named pipe)``, ``a dangling symbolic
    link``...), which no reader may open."""

    path: str
    name: str
    size: int
    kind: str = FILE


def _shown(name: str) -> str:
    """A local name as text: bytes that are not UTF-8 (``os.listdir`` keeps them as lone
    surrogates, which neither Java nor JSON can take) shown as ``\\xNN``."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _local_kind(path: str) -> tuple[str, int]:
    """Kind and size of a local entry, links followed (never opened)."""
    if _shown(path) != path:
        return "not readable (its name is not valid UTF-8)", 0
    try:
        found = os.stat(path)
    except FileNotFoundError:
        return "a dangling symbolic link", 0
    except OSError as exc:  # a link loop, no permission on a folder on the way...
        return f"not readable ({exc.strerror})", 0
    if stat.S_ISREG(found.st_mode):
        return FILE, found.st_size
    if stat.S_ISDIR(found.st_mode):
        return FOLDER, 0
    return next((what for test, what in _SPECIAL_KINDS if test(found.st_mode)), "not a file"), 0


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
            found = [FileInfo(qualified(os.path.join(base, n)), n, s, k) for n, k, s in entries]
        else:
            found = [
                FileInfo(
                    status.getPath().toString(),
                    status.getPath().getName(),
                    int(status.getLen()),
                    FOLDER if status.isDirectory() else FILE,
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
        """A whole (small) text file, UTF-8."""
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
        """Create or replace a small UTF-8 text file."""
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
