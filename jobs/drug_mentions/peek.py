"""Peeks at the first bytes of input files: CSV headers, JSON array or JSON Lines, encoding.

Used by :mod:`drug_mentions.discover` before anything is read with Spark: only the first
kilobytes of a file are opened (decompressed when it is ``.gz``), many files at a time.
"""

from __future__ import annotations

import csv
import io
import re
from concurrent.futures import ThreadPoolExecutor

from drug_mentions.contract import JSON_LINES_SUFFIXES, CsvSpec, plain_name
from drug_mentions.errors import InputError
from drug_mentions.storage import FileInfo, HadoopFS

_BOM = "\ufeff"
PEEK_THREADS = 16
# Byte-order marks of the encodings a UTF-8 reader cannot read (UTF-32 before UTF-16).
_OTHER_BOMS = (
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\xfe\xff", "UTF-16"),
    (b"\xff\xfe", "UTF-16"),
)
# Whitespace, // line comments and /* block comments */ before a JSON file's first value.
_LEADING_COMMENTS = re.compile(r"(?:\s+|//[^\n]*(?:\n|$)|/\*.*?\*/)*", re.DOTALL)


def _peek(fs: HadoopFS, info: FileInfo, size: int) -> str:
    """The first ``size`` bytes of a file as text (decompressed, BOM removed); a file that
    cannot be read, or is in an encoding other than UTF-8 by its byte-order mark, fails."""
    try:
        head = fs.head(info.path, size)
    except Exception as exc:  # py4j: not gzip, no permission...
        reason = str(getattr(exc, "java_exception", exc)).splitlines()[0]
        raise InputError(f"{info.name}: cannot be read ({reason})") from exc
    encoding = next((name for bom, name in _OTHER_BOMS if head.startswith(bom)), None)
    if encoding:
        raise InputError(
            f"{info.name}: encoded as {encoding} (byte-order mark); convert it to UTF-8"
        )
    return head.decode("utf-8", errors="replace").removeprefix(_BOM)


def csv_header(fs: HadoopFS, info: FileInfo) -> tuple[str, ...]:
    """Column names of a CSV file's first line (trimmed, lower-cased); LF, CRLF or CR."""
    head = _peek(fs, info, 65536)
    first = next(csv.reader(io.StringIO(head, newline="")), None) if head.strip() else None
    if not first or not any(name.strip() for name in first):
        raise InputError(f"{info.name}: empty file, expected a header line")
    return tuple(name.strip().lower() for name in first)


def json_kind(fs: HadoopFS, info: FileInfo, json_format: str) -> str:
    """``array`` or ``lines``: from the configured format, the extension, or a peek."""
    if plain_name(info.name).endswith(JSON_LINES_SUFFIXES):
        return "lines"
    if json_format != "auto":
        return json_format
    head = _peek(fs, info, 4096)
    if not head.strip():
        raise InputError(f"{info.name}: empty file, no JSON record can be read")
    # Comments are allowed (allowComments): a commented header before "[" is still an array.
    stripped = head[_LEADING_COMMENTS.match(head).end() :]
    return "array" if stripped.startswith("[") else "lines"


def _printable(text: str, limit: int = 200) -> str:
    """Input text quoted in a one-line message: control and other unprintable characters
    (line breaks such as NEL or form feed included) escaped, cut after ``limit`` characters."""
    shown = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text[:limit])
    return shown + ("..." if len(text) > limit else "")


def group_by_header(fs: HadoopFS, spec: CsvSpec, files: list[FileInfo]) -> dict:
    with ThreadPoolExecutor(PEEK_THREADS) as pool:
        headers = list(pool.map(lambda info: csv_header(fs, info), files))
    groups: dict[tuple[str, ...], list[FileInfo]] = {}
    for info, header in zip(files, headers, strict=True):
        missing = [name for name in spec.columns if name not in header]
        if missing:
            raise InputError(
                f"{info.name}: missing column(s) {', '.join(missing)} "
                f"(header has: {_printable(', '.join(header))})"
            )
        groups.setdefault(header, []).append(info)
    return groups
