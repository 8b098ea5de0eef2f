"""Find the input files and check them before anything is read: headers, JSON kinds.

Files are matched by the contract's patterns (:mod:`drug_mentions.contract`); CSV files are
grouped by identical header (columns are picked by name), each header is checked for the
required columns, and each ``pubmed*.json`` file is told to be a JSON array or JSON Lines
(from ``--json-format``, the extension, or a peek at its first bytes). Any problem is an
:class:`~drug_mentions.errors.InputError` naming the file, raised before the first Spark job.
The two checks only reading can make (a JSON file without a readable record, a drug list
without a usable row) are here too (:func:`check_read`), run on the first pass's counts.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pyspark.sql import SparkSession

from drug_mentions.contract import (
    CLINICAL_TRIALS,
    DRUGS,
    DRUGS_CSV,
    JSON_LINES_SUFFIXES,
    MALFORMED_RECORD,
    PUBMED,
    PUBMED_CSV,
    PUBMED_JSON_PATTERNS,
    TRIALS_CSV,
    CsvSpec,
)
from drug_mentions.errors import InputError
from drug_mentions.storage import FileInfo, HadoopFS

if TYPE_CHECKING:
    from drug_mentions.report import RowCounts

log = logging.getLogger(__name__)

_BOM = "\ufeff"
_PEEK_THREADS = 16
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


def _header(fs: HadoopFS, info: FileInfo) -> tuple[str, ...]:
    """Column names of a CSV file's first line (BOM stripped, trimmed, lower-cased)."""
    head = fs.head(info.path, 65536).decode("utf-8", errors="replace")
    head = head.removeprefix(_BOM)
    first = next(csv.reader(io.StringIO(head)), None) if head.strip() else None
    if not first or not any(name.strip() for name in first):
        raise InputError(f"{info.name}: empty file, expected a header line")
    return tuple(name.strip().lower() for name in first)


def _json_kind(fs: HadoopFS, info: FileInfo, json_format: str) -> str:
    """``array`` or ``lines``: from the configured format, the extension, or a peek."""
    if info.name.endswith(JSON_LINES_SUFFIXES):
        return "lines"
    if json_format != "auto":
        return json_format
    head = fs.head(info.path, 4096).decode("utf-8", errors="replace").removeprefix(_BOM)
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


def discover(spark: SparkSession, input_dir: str, json_format: str) -> Inputs:
    """List and check the input folder; raise :class:`InputError` before anything is read."""
    fs = HadoopFS(spark, input_dir)
    if not fs.is_dir(input_dir):
        raise InputError(f"{input_dir}: input folder not found")

    def files_for(patterns: tuple[str, ...], what: str, required: bool = True) -> list[FileInfo]:
        found = fs.list_files(input_dir, list(patterns))
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
    )
    for info in inputs.all_files():
        log.info("input %s (%d bytes)", info.path, info.size)
    return inputs


# --- Checks only reading can make -------------------------------------------------------


def unreadable_json_files(counts: RowCounts, inputs: Inputs) -> list[str]:
    """JSON files from which no record could be read (contract: a fatal input error).

    A JSON Lines file needs at least one line that is a JSON object; an array file must
    parse (``[]`` parses and simply holds no record). ``counts`` are the rows per file and
    reason of the publication records.
    """
    arrays = {f.name for f in inputs.pubmed_json_array}
    bad = []
    for name in sorted(arrays | {f.name for f in inputs.pubmed_json_lines}):
        per_reason = counts.in_file(name)
        malformed = per_reason[MALFORMED_RECORD]
        readable = sum(per_reason.values()) - malformed
        empty_array = name in arrays and malformed == 0
        if readable == 0 and not empty_array:
            bad.append(name)
    return bad


def check_read(counts: RowCounts, inputs: Inputs) -> None:
    """Raise :class:`InputError` for the fatal input errors only reading can find: a JSON file
    from which no record can be read, a drug list without a usable row. ``counts``: rows per
    file and reason of every input (publication records and drug rows)."""
    unreadable = unreadable_json_files(counts, inputs)
    if unreadable:
        raise InputError(f"{unreadable[0]}: no JSON record can be read (not JSON, or no object)")
    if counts.usable(DRUGS) == 0:
        names = ", ".join(f.name for group in inputs.drugs.values() for f in group)
        raise InputError(f"{names}: no usable drug row (empty drug list)")
