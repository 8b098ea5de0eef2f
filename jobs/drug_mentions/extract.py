"""Find the input files, check their headers, and read them with explicit schemas.

Every source is read into the same raw shape (all strings, nothing cleaned yet)::

    source, file, raw_id, raw_title, raw_date, raw_journal, raw_line, malformed, blank

``malformed`` marks a CSV row with the wrong number of fields or a JSON Lines line that is
not a JSON object; ``raw_line`` keeps its text for ``rejects/``. ``blank`` marks
whitespace-only lines, which the contract ignores (they are not records).
"""

from __future__ import annotations

import csv
import io
import logging
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from drug_mentions.contract import (
    CLINICAL_TRIALS,
    CORRUPT,
    DRUGS,
    DRUGS_CSV,
    JSON_KEYS,
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


def _is_blank(text: Column) -> Column:
    return F.coalesce(text.rlike(r"^[\s\uFEFF]*$"), F.lit(False))


def read_csv(spark: SparkSession, spec: CsvSpec, groups: dict) -> DataFrame:
    """Read RFC 4180 CSV files (quoted newlines, BOM, CRLF) grouped by identical header.

    Columns are picked by header name, so extra or reordered columns are fine; a row with the
    wrong number of fields is ``malformed``. Multi-line parsing reads each file in one task;
    many files are read in parallel. Spark refuses a query whose only CSV column is the
    corrupt-record one (``malformed``/``blank`` alone): persist the frame first, as the runner does.
    """
    frames = []
    for header, files in sorted(groups.items()):
        # Field names = header names when usable (Spark then checks nothing odd), else positions.
        usable = len(set(header)) == len(header) and CORRUPT not in header and all(header)
        names = list(header) if usable else [f"c{i}" for i in range(len(header))]
        schema = T.StructType([T.StructField(name, T.StringType()) for name in [*names, CORRUPT]])
        frame = spark.read.csv(
            [info.path for info in files],
            schema=schema,
            header=True,
            multiLine=True,
            escape='"',
            mode="PERMISSIVE",
            columnNameOfCorruptRecord=CORRUPT,
            encoding="UTF-8",
        )
        picked = [
            F.col(f"`{names[header.index(name)]}`").alias(raw) for name, raw in spec.columns.items()
        ]
        malformed = F.col(CORRUPT).isNotNull()
        frames.append(
            frame.select(
                F.lit(spec.source).alias("source"),
                F.col("_metadata.file_name").alias("file"),
                *picked,
                F.col(CORRUPT).alias("raw_line"),
                malformed.alias("malformed"),
                (malformed & _is_blank(F.col(CORRUPT))).alias("blank"),
            )
        )
    return _union(frames)


_JSON_RECORD = T.StructType([T.StructField(key, T.StringType()) for key in JSON_KEYS.values()])
_JSON_OPTIONS = {
    "allowComments": "true",
    "mode": "PERMISSIVE",
    "columnNameOfCorruptRecord": CORRUPT,
}


def read_json_array(spark: SparkSession, files: list[FileInfo]) -> DataFrame:
    """Read whole-file JSON arrays (one trailing comma before ``]`` tolerated).

    A file whose array cannot be parsed gets one row with ``malformed`` and no record;
    :func:`unreadable_json_files` turns that into an error.
    """
    if not files:
        return None
    text = spark.read.text([info.path for info in files], wholetext=True)
    fixed = F.regexp_replace(F.regexp_replace("value", "^\ufeff", ""), r",\s*\]\s*$", "]")
    parsed = text.select(
        F.col("_metadata.file_name").alias("file"),
        F.from_json(fixed, T.ArrayType(_JSON_RECORD), {"allowComments": "true"}).alias("items"),
    )
    exploded = parsed.select("file", "items", F.explode_outer("items").alias("item"))
    # "[]" is a readable file with no record: drop the placeholder row explode_outer makes.
    records = exploded.where(~(F.col("items").isNotNull() & (F.size("items") == 0)))
    unreadable = F.col("item").isNull()
    return records.select(
        F.lit(PUBMED).alias("source"),
        "file",
        *[F.col(f"item.{key}").alias(raw) for raw, key in JSON_KEYS.items()],
        F.when(~unreadable, F.to_json("item")).alias("raw_line"),
        unreadable.alias("malformed"),
        F.lit(False).alias("blank"),
    )


def read_json_lines(spark: SparkSession, files: list[FileInfo]) -> DataFrame:
    """Read JSON Lines files line by line, in parallel (files are split like text files)."""
    if not files:
        return None
    lines = spark.read.text([info.path for info in files])
    line = F.regexp_replace("value", "^\ufeff", "")
    record_schema = T.StructType([*_JSON_RECORD.fields, T.StructField(CORRUPT, T.StringType())])
    parsed = lines.select(
        F.col("_metadata.file_name").alias("file"),
        line.alias("line"),
        F.from_json(line, record_schema, _JSON_OPTIONS).alias("item"),
    )
    blank = _is_blank(F.col("line")) | F.col("item").isNull()  # empty or comment-only line
    malformed = ~blank & F.col(f"item.{CORRUPT}").isNotNull()
    return parsed.select(
        F.lit(PUBMED).alias("source"),
        "file",
        *[F.col(f"item.{key}").alias(raw) for raw, key in JSON_KEYS.items()],
        F.col("line").alias("raw_line"),
        malformed.alias("malformed"),
        blank.alias("blank"),
    )


def _union(frames: list[DataFrame | None]) -> DataFrame | None:
    present = [frame for frame in frames if frame is not None]
    if not present:
        return None
    out = present[0]
    for frame in present[1:]:
        out = out.unionByName(frame)
    return out


def read_publications(spark: SparkSession, inputs: Inputs) -> DataFrame:
    """All PubMed (CSV + JSON) and clinical-trial records in the common raw shape."""
    return _union(
        [
            read_csv(spark, PUBMED_CSV, inputs.pubmed_csv),
            read_json_array(spark, inputs.pubmed_json_array),
            read_json_lines(spark, inputs.pubmed_json_lines),
            read_csv(spark, TRIALS_CSV, inputs.trials),
        ]
    )


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
