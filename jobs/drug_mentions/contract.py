"""The data contract in one module: sources, input files and columns, reject reasons, outputs.

Plain Python (no PySpark): the GCS CLI, the build and release scripts, the DAG tests and the
Spark modules all import it. Schemas are Spark DDL strings, which a reader passes as is
(``spark.read.schema(MENTIONS_SCHEMA)``). The prose version is ``docs/contract.md``.

What this module names, each rule itself lives in one module:

- cleaning of text, dates and ids, and which reject reason wins: :mod:`drug_mentions.clean`
- the drug list: reading, clean-up (the one drug-name normaliser), reject reasons, keys:
  :mod:`drug_mentions.drugs`
- whole-word matching: :mod:`drug_mentions.match`
- duplicate merging and surrogate ids: :mod:`drug_mentions.merge`
- the order of ``output.json`` (drugs, mentions, journals): :mod:`drug_mentions.graph`
- the counts of ``run_report.json``: :mod:`drug_mentions.report`
- the page ``report.html`` (what it shows, its bounds): :mod:`drug_mentions.page`
- publishing a run (atomic locally, ``_SUCCESS`` last on ``gs://``): :mod:`drug_mentions.load`

A run folder (a local ``--output`` folder, or a ``gs://`` run prefix) holds::

    output.json        consolidated graph (contract section "Outputs" 1)
    mentions/          Parquet edges, partitioned by source=pubmed|clinical_trials
    rejects/           JSON Lines of every input record not used, with a reason
    run_report.json    counts per file / reason / source, duration
    report.html        the run at a glance and the drug <-> journal graph (one self-contained page)
    _SUCCESS           completion marker, written last; readers ignore a run without it

In the data bucket, runs live under ``runs/<run_id>/``; run ids sort by time
(``20261125t000000``), so "latest completed run" is the greatest id whose folder has
``_SUCCESS``.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass

# --- Sources --------------------------------------------------------------------------------

DRUGS = "drugs"
PUBMED = "pubmed"
CLINICAL_TRIALS = "clinical_trials"
PUBLICATION_SOURCES = (PUBMED, CLINICAL_TRIALS)
SOURCES = (DRUGS, *PUBLICATION_SOURCES)

# --- Input files ----------------------------------------------------------------------------

# Contract field name -> raw column (a string, nothing cleaned yet). ``rejects/`` shows a
# rejected record's raw values under the contract's field names.
DRUG_FIELDS = {"atccode": "raw_atccode", "drug": "raw_drug"}
PUBLICATION_FIELDS = {
    "id": "raw_id",
    "title": "raw_title",
    "date": "raw_date",
    "journal": "raw_journal",
}


@dataclass(frozen=True)
class CsvSpec:
    """A CSV source: file patterns and required header column -> raw field name."""

    source: str
    patterns: tuple[str, ...]
    columns: dict[str, str]


DRUGS_CSV = CsvSpec(DRUGS, ("drugs*.csv",), DRUG_FIELDS)
PUBMED_CSV = CsvSpec(PUBMED, ("pubmed*.csv",), PUBLICATION_FIELDS)
TRIALS_CSV = CsvSpec(
    CLINICAL_TRIALS,
    ("clinical_trials*.csv",),
    {"id": "raw_id", "scientific_title": "raw_title", "date": "raw_date", "journal": "raw_journal"},
)
PUBMED_JSON_PATTERNS = ("pubmed*.json", "pubmed*.jsonl", "pubmed*.ndjson")
# Always JSON Lines, whatever --json-format says (a *.json file is an array or JSON Lines).
JSON_LINES_SUFFIXES = (".jsonl", ".ndjson")
INPUT_PATTERNS = (
    *DRUGS_CSV.patterns,
    *PUBMED_CSV.patterns,
    *PUBMED_JSON_PATTERNS,
    *TRIALS_CSV.patterns,
)
# File names match the patterns in any case (PubMed.CSV is pubmed*.csv), and each pattern
# also matches its gzip-compressed form (pubmed_2020.csv.gz); Spark decompresses it, in one
# task per file (gzip cannot be split).
COMPRESSED_SUFFIX = ".gz"


def plain_name(name: str) -> str:
    """An input file name as the patterns see it: lower-case, without the ``.gz`` suffix."""
    return name.lower().removesuffix(COMPRESSED_SUFFIX)


def matches(name: str, patterns: tuple[str, ...]) -> bool:
    """Whether the file ``name`` matches one of the (lower-case) ``patterns``: any case, and
    gzip-compressed or not."""
    return any(fnmatch.fnmatchcase(plain_name(name), pattern) for pattern in patterns)


# Raw column -> key of a PubMed JSON object.
JSON_KEYS = {raw: key for key, raw in PUBLICATION_FIELDS.items()}
# The column Spark's PERMISSIVE readers fill with a record they cannot parse (not an output).
CORRUPT = "_corrupt_record"

# --- Reject reasons and what becomes of an input row -----------------------------------------
# The rules that give them: clean.with_reject_reason (publications) and
# drugs.with_drug_fields (the drug list), first that applies; clean.row_status.

MALFORMED_RECORD = "malformed_record"
MISSING_TITLE = "missing_title"
INVALID_DATE = "invalid_date"
MISSING_DRUG = "missing_drug"
DUPLICATE_DRUG = "duplicate_drug"
PUBLICATION_REJECT_REASONS = (MALFORMED_RECORD, MISSING_TITLE, INVALID_DATE)
DRUG_REJECT_REASONS = (MALFORMED_RECORD, MISSING_DRUG, DUPLICATE_DRUG)
REJECT_REASONS = (MALFORMED_RECORD, MISSING_TITLE, INVALID_DATE, MISSING_DRUG, DUPLICATE_DRUG)

# Every input row is one of: usable (no reason), rejected (a reason: it goes to rejects/), or
# a blank line (not a record: counted per file, never rejected).
USABLE = "usable"
REJECTED = "rejected"
BLANK = "blank"

# --- Columns between the steps --------------------------------------------------------------

# A publication, before and after merging duplicates.
PUBLICATION_COLUMNS = ("source", "id", "title", "journal", "date_mention")
# A cleaned publication record (kept on disk for the run): why it is rejected (``reason``,
# NULL when usable), whether it is a blank line, and its raw text for rejects/ when rejected.
RECORD_COLUMNS = (
    "source",
    "file",
    "reason",
    "blank",
    *PUBLICATION_COLUMNS[1:],
    "fields",
    "raw_line",
)

# --- Outputs --------------------------------------------------------------------------------

OUTPUT_JSON = "output.json"
MENTIONS_DIR = "mentions"
REJECTS_DIR = "rejects"
RUN_REPORT = "run_report.json"
REPORT_HTML = "report.html"  # drug_mentions.page: bounded, opens without network
SUCCESS_MARKER = "_SUCCESS"

# mentions/: one row per edge, partitioned by ``source`` (so ``source`` comes last on read).
MENTION_TYPES = {
    "drug": "STRING",
    "atccode": "STRING",
    "source": "STRING",
    "id": "STRING",
    "title": "STRING",
    "journal": "STRING",
    "date_mention": "DATE",
}
MENTION_COLUMNS = tuple(MENTION_TYPES)
MENTIONS_PARTITION = "source"


def _ddl(names: tuple[str, ...], types: dict[str, str], *, struct: bool = False) -> str:
    separator = ": " if struct else " "
    fields = ", ".join(f"{name}{separator}{types[name]}" for name in names)
    return f"STRUCT<{fields}>" if struct else fields


MENTIONS_SCHEMA = _ddl(
    (*(c for c in MENTION_COLUMNS if c != MENTIONS_PARTITION), MENTIONS_PARTITION), MENTION_TYPES
)

# output.json: {"drugs": [DOCUMENT, ...]}, keys in this order (graph.to_document).
DOCUMENT_KEYS = ("drug", "atccode", *PUBLICATION_SOURCES, "journals")
MENTION_KEYS = ("id", "title", "journal", "date_mention")
JOURNAL_KEYS = ("journal", "date_mention")
_MENTION_JSON = _ddl(MENTION_KEYS, MENTION_TYPES, struct=True)
_JOURNAL_JSON = _ddl(JOURNAL_KEYS, MENTION_TYPES, struct=True)
_DOCUMENT_TYPES = {
    "drug": "STRING",
    "atccode": "STRING",
    **{source: f"ARRAY<{_MENTION_JSON}>" for source in PUBLICATION_SOURCES},
    "journals": f"ARRAY<{_JOURNAL_JSON}>",
}
GRAPH_SCHEMA = f"drugs ARRAY<{_ddl(DOCUMENT_KEYS, _DOCUMENT_TYPES, struct=True)}>"

# rejects/: one JSON object per input record not used.
REJECT_COLUMNS = ("source", "file", "reason", "fields", "raw_line")
REJECTS_SCHEMA = (
    "source STRING, file STRING, reason STRING, fields MAP<STRING, STRING>, raw_line STRING"
)

# --- Data-bucket layout (the DAG, the GCS CLI, the release scripts, Terraform) --------------

INPUT_PREFIX = "input"
RUNS_PREFIX = "runs"
CODE_PREFIX = "code"
# The incremental state of --state on Google Cloud (gs://<data-bucket>/state): written by the
# pipeline batch only, never read by analysts or the BigQuery connection.
STATE_PREFIX = "state"
ADHOC_DIR = "adhoc"
