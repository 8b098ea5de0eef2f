"""Paths for local files and ``gs://`` (any Hadoop scheme) alike: qualify, join, escape.

Paths are kept as written (``pubmed [1].csv``); Spark's readers get them through
:func:`spark_path`, which escapes the characters Spark would expand as a glob.
"""

from __future__ import annotations

import os
import re

# Spark's DataFrameReader expands a path holding one of {}[]*?\ as a Hadoop glob (so
# "pubmed[1].csv" reads "pubmed1.csv") and has no public option against it. The internal
# data-source option "__globPaths__" turns globbing off, but Spark 4.0 then replaces each such
# path by every path of the read (DataSource.checkAndGlobPathIfNecessary): on gs:// files are
# read twice. So each of these characters is escaped with a backslash (Hadoop's glob syntax):
# the glob matches that one file, by its name as written.
_GLOB_CHARACTERS = re.compile(r"([{}\[\]*?\\])")


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
