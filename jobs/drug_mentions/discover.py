"""Find the input files and check them before anything is read: names, kinds, headers, JSON.

Every entry of the input folder is accounted for: a file whose name matches one of the
contract's patterns (:mod:`drug_mentions.contract`; in any case, also ``.gz``-compressed) is
read, every other entry is listed as ignored, with the reason (``run_report.json`` and the
log). An entry that matches a pattern but cannot be read as a file (a folder, a FIFO or other
special file, a dangling link, a name Hadoop cannot express) fails the run up front, without
being opened. CSV files are grouped by identical header (columns are picked by name), each
header is checked for the required columns, and each ``pubmed*.json`` file is told to be a
JSON array or JSON Lines (from ``--json-format``, the extension, or a peek at its first bytes).
Any problem is an :class:`~drug_mentions.errors.InputError` naming the file, raised before the
first Spark job.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from pyspark.sql import SparkSession

from drug_mentions.contract import (
    CLINICAL_TRIALS,
    COMPRESSED_SUFFIX,
    DRUGS,
    DRUGS_CSV,
    INPUT_PATTERNS,
    JSON_LINES_SUFFIXES,
    PUBMED,
    PUBMED_CSV,
    PUBMED_JSON_PATTERNS,
    TRIALS_CSV,
    CsvSpec,
    matches,
    plain_name,
)
from drug_mentions.errors import InputError
from drug_mentions.storage import FILE, FOLDER, FileInfo, HadoopFS

log = logging.getLogger(__name__)

_BOM = "\ufeff"
_PEEK_THREADS = 16
# Byte-order marks of the encodings a UTF-8 reader cannot read (UTF-32 before UTF-16).
_OTHER_BOMS = (
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\xfe\xff", "UTF-16"),
    (b"\xff\xfe", "UTF-16"),
)
# Compressed forms Spark could read but the contract does not take: ignored, and said so.
_OTHER_COMPRESSIONS = ("bz2", "zst", "xz", "lz4", "snappy", "deflate", "zip", "7z", "br", "z")
NO_PATTERN = "no input pattern matches"
# Whitespace, // line comments and /* block comments */ before a JSON file's first value.
_LEADING_COMMENTS = re.compile(r"(?:\s+|//[^\n]*(?:\n|$)|/\*.*?\*/)*", re.DOTALL)


@dataclass(frozen=True)
class Inputs:
    """The files of one run, by role, after their headers were checked."""

    drugs: dict[tuple[str, ...], list[FileInfo]]
    pubmed_csv: dict[tuple[str, ...], list[FileInfo]]
    trials: dict[tuple[str, ...], list[FileInfo]]
    pubmed_json_array: list[FileInfo]
    pubmed_json_lines: list[FileInfo]
    ignored: dict[str, str] = field(default_factory=dict)  # entry name -> why it is not read

    def source_of(self) -> dict[str, str]:
        """Input file name -> source (drugs, pubmed, clinical_trials)."""
        pairs = [(DRUGS, g) for g in self.drugs.values()]
        pairs += [(PUBMED, g) for g in self.pubmed_csv.values()]
        pairs += [(CLINICAL_TRIALS, g) for g in self.trials.values()]
        pairs += [(PUBMED, self.pubmed_json_array), (PUBMED, self.pubmed_json_lines)]
        return {info.name: source for source, group in pairs for info in group}

    def all_files(self) -> list[FileInfo]:
        groups = [*self.drugs.values(), *self.pubmed_csv.values(), *self.trials.values()]
        files = [f for group in groups for f in group]
        return sorted(files + self.pubmed_json_array + self.pubmed_json_lines, key=lambda f: f.name)


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


def _header(fs: HadoopFS, info: FileInfo) -> tuple[str, ...]:
    """Column names of a CSV file's first line (trimmed, lower-cased); LF, CRLF or CR."""
    head = _peek(fs, info, 65536)
    first = next(csv.reader(io.StringIO(head, newline="")), None) if head.strip() else None
    if not first or not any(name.strip() for name in first):
        raise InputError(f"{info.name}: empty file, expected a header line")
    return tuple(name.strip().lower() for name in first)


def _json_kind(fs: HadoopFS, info: FileInfo, json_format: str) -> str:
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


def _group_by_header(fs: HadoopFS, spec: CsvSpec, files: list[FileInfo]) -> dict:
    with ThreadPoolExecutor(_PEEK_THREADS) as pool:
        headers = list(pool.map(lambda info: _header(fs, info), files))
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


def _why_ignored(entry: FileInfo) -> str:
    """The reason an entry that matches no input pattern is not read."""
    if entry.kind == FOLDER:
        return f"{NO_PATTERN} (a folder: input folders are not read recursively)"
    stem, _, suffix = entry.name.lower().rpartition(".")
    if suffix in _OTHER_COMPRESSIONS and matches(stem, INPUT_PATTERNS):
        return f"compressed as .{suffix}: only {COMPRESSED_SUFFIX} inputs are read"
    return NO_PATTERN if entry.kind == FILE else f"{NO_PATTERN} ({entry.kind})"


def _check_readable(entries: list[FileInfo]) -> None:
    """Fail on an input-named entry no reader may open (it is never opened here)."""
    for entry in entries:
        if entry.kind == FOLDER:
            problem = "a folder, not a file (input folders are not read recursively)"
        elif entry.kind.startswith("not "):
            problem = entry.kind
        elif entry.kind != FILE:
            problem = f"{entry.kind}, not a regular file"
        elif ":" in entry.name:
            problem = "Hadoop cannot read a file whose name holds a colon (':'); rename it"
        else:
            continue
        raise InputError(f"{entry.name}: {problem}")


def discover(spark: SparkSession, input_dir: str, json_format: str) -> Inputs:
    """List and check the input folder; raise :class:`InputError` before anything is read."""
    fs = HadoopFS(spark, input_dir)
    if not fs.is_dir(input_dir):
        raise InputError(f"{input_dir}: input folder not found")
    entries = fs.list_entries(input_dir)
    named = [entry for entry in entries if matches(entry.name, INPUT_PATTERNS)]
    ignored = {e.name: _why_ignored(e) for e in entries if not matches(e.name, INPUT_PATTERNS)}
    _check_readable(named)

    def files_for(patterns: tuple[str, ...], what: str, required: bool = True) -> list[FileInfo]:
        found = [entry for entry in named if matches(entry.name, patterns)]
        if required and not found:
            raise InputError(f"{input_dir}: no {what} file ({' or '.join(patterns)}) found")
        return found

    drugs = files_for(DRUGS_CSV.patterns, "drugs")
    pubmed_csv = files_for(PUBMED_CSV.patterns, "PubMed", required=False)
    pubmed_json = files_for(PUBMED_JSON_PATTERNS, "PubMed", required=False)
    if not pubmed_csv and not pubmed_json:
        patterns = PUBMED_CSV.patterns + PUBMED_JSON_PATTERNS
        raise InputError(f"{input_dir}: no PubMed file ({' or '.join(patterns)}) found")
    trials = files_for(TRIALS_CSV.patterns, "clinical trials")
    with ThreadPoolExecutor(_PEEK_THREADS) as pool:
        kinds = list(pool.map(lambda info: _json_kind(fs, info, json_format), pubmed_json))
    inputs = Inputs(
        drugs=_group_by_header(fs, DRUGS_CSV, drugs),
        pubmed_csv=_group_by_header(fs, PUBMED_CSV, pubmed_csv),
        trials=_group_by_header(fs, TRIALS_CSV, trials),
        pubmed_json_array=[f for f, k in zip(pubmed_json, kinds, strict=True) if k == "array"],
        pubmed_json_lines=[f for f, k in zip(pubmed_json, kinds, strict=True) if k == "lines"],
        ignored=ignored,
    )
    for info in inputs.all_files():
        log.info("input %s (%d bytes)", info.path, info.size)
    for name, reason in ignored.items():
        log.warning("not read: %s (%s)", name, reason)
    return inputs
