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
The two checks only reading can make (a JSON file without a readable record, a drug list
without a usable row) are here too (:func:`check_read`), run on the first pass's counts.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pyspark.sql import SparkSession

from drug_mentions.contract import (
    CLINICAL_TRIALS,
    COMPRESSED_SUFFIX,
    DRUGS,
    DRUGS_CSV,
    INPUT_PATTERNS,
    MALFORMED_RECORD,
    PUBMED,
    PUBMED_CSV,
    PUBMED_JSON_PATTERNS,
    TRIALS_CSV,
    matches,
)
from drug_mentions.errors import InputError
from drug_mentions.peek import PEEK_THREADS, group_by_header, json_kind
from drug_mentions.storage import FILE, FOLDER, FileInfo, HadoopFS

if TYPE_CHECKING:
    from drug_mentions.report import RowCounts

log = logging.getLogger(__name__)

# Compressed forms Spark could read but the contract does not take: ignored, and said so.
_OTHER_COMPRESSIONS = ("bz2", "zst", "xz", "lz4", "snappy", "deflate", "zip", "7z", "br", "z")
NO_PATTERN = "no input pattern matches"


@dataclass(frozen=True)
class Inputs:
    """The files of one run, by role, after their headers were checked."""

    drugs: dict[tuple[str, ...], list[FileInfo]]
    pubmed_csv: dict[tuple[str, ...], list[FileInfo]]
    trials: dict[tuple[str, ...], list[FileInfo]]
    pubmed_json_array: list[FileInfo]
    pubmed_json_lines: list[FileInfo]
    ignored: dict[str, str] = field(default_factory=dict)  # entry name -> why it is not read
    # Publication files an incremental state absorbed earlier: listed, never opened.
    absorbed: dict[str, tuple[FileInfo, str]] = field(
        default_factory=dict
    )  # name -> (file, source)

    def source_of(self) -> dict[str, str]:
        """Input file name -> source (drugs, pubmed, clinical_trials)."""
        pairs = [(DRUGS, g) for g in self.drugs.values()]
        pairs += [(PUBMED, g) for g in self.pubmed_csv.values()]
        pairs += [(CLINICAL_TRIALS, g) for g in self.trials.values()]
        pairs += [(PUBMED, self.pubmed_json_array), (PUBMED, self.pubmed_json_lines)]
        found = {info.name: source for source, group in pairs for info in group}
        return found | {name: source for name, (_, source) in self.absorbed.items()}

    def all_files(self) -> list[FileInfo]:
        groups = [*self.drugs.values(), *self.pubmed_csv.values(), *self.trials.values()]
        files = [f for group in groups for f in group] + [f for f, _ in self.absorbed.values()]
        return sorted(files + self.pubmed_json_array + self.pubmed_json_lines, key=lambda f: f.name)

    def new_files(self) -> list[str]:
        """The publication files to read (not absorbed by a state), by name."""
        return sorted(
            n for n, s in self.source_of().items() if s != DRUGS and n not in self.absorbed
        )


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


def discover(
    spark: SparkSession, input_dir: str, json_format: str, absorbed: dict[str, str] | None = None
) -> Inputs:
    """List and check the input folder; raise :class:`InputError` before anything is read.
    ``absorbed`` (name -> source): publication files an incremental state holds already;
    they count as present but are not opened (no header or JSON peek)."""
    fs = HadoopFS(spark, input_dir)
    if not fs.is_dir(input_dir):
        raise InputError(f"{input_dir}: input folder not found")
    entries = fs.list_entries(input_dir)
    named = [entry for entry in entries if matches(entry.name, INPUT_PATTERNS)]
    ignored = {e.name: _why_ignored(e) for e in entries if not matches(e.name, INPUT_PATTERNS)}
    _check_readable(named)

    known = {
        e.name: (e, absorbed[e.name])
        for e in named
        if e.name in (absorbed or {}) and not matches(e.name, DRUGS_CSV.patterns)
    }

    def files_for(patterns: tuple[str, ...], what: str, required: bool = True) -> list[FileInfo]:
        found = [entry for entry in named if matches(entry.name, patterns)]
        if required and not found:
            raise InputError(f"{input_dir}: no {what} file ({' or '.join(patterns)}) found")
        return [entry for entry in found if entry.name not in known]

    drugs = files_for(DRUGS_CSV.patterns, "drugs")
    pubmed_csv = files_for(PUBMED_CSV.patterns, "PubMed", required=False)
    pubmed_json = files_for(PUBMED_JSON_PATTERNS, "PubMed", required=False)
    if not pubmed_csv and not pubmed_json and PUBMED not in {s for _, s in known.values()}:
        patterns = PUBMED_CSV.patterns + PUBMED_JSON_PATTERNS
        raise InputError(f"{input_dir}: no PubMed file ({' or '.join(patterns)}) found")
    trials = files_for(TRIALS_CSV.patterns, "clinical trials")
    with ThreadPoolExecutor(PEEK_THREADS) as pool:
        kinds = list(pool.map(lambda info: json_kind(fs, info, json_format), pubmed_json))
    inputs = Inputs(
        drugs=group_by_header(fs, DRUGS_CSV, drugs),
        pubmed_csv=group_by_header(fs, PUBMED_CSV, pubmed_csv),
        trials=group_by_header(fs, TRIALS_CSV, trials),
        pubmed_json_array=[f for f, k in zip(pubmed_json, kinds, strict=True) if k == "array"],
        pubmed_json_lines=[f for f, k in zip(pubmed_json, kinds, strict=True) if k == "lines"],
        ignored=ignored,
        absorbed=known,
    )
    for info in inputs.all_files():
        if info.name not in known:
            log.info("input %s (%d bytes)", info.path, info.size)
    if known:
        log.info("%d file(s) absorbed by the state earlier: not read", len(known))
    for name, reason in ignored.items():
        log.warning("not read: %s (%s)", name, reason)
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
