"""Read the discovered input files with explicit schemas into one raw shape.

Every source is read into the same raw shape (all strings, nothing cleaned yet)::

    source, file, raw_id, raw_title, raw_date, raw_journal, raw_line, malformed, blank

``malformed`` marks a CSV row with the wrong number of fields, or a JSON element or line that
is not an object of text fields; ``raw_line`` keeps its text for ``rejects/``. ``blank`` marks
whitespace-only lines, which the contract ignores (they are not records). ``file`` is the
file's name as written (Spark gives it URI-encoded). The files come from
:func:`drug_mentions.discover.discover`; their paths reach Spark through
:func:`drug_mentions.storage.spark_path` (no glob expansion).

JSON records are read like CSV rows (keys in any case, one value kind per field), by the
rules of :mod:`drug_mentions.json_fields`.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from drug_mentions.contract import (
    CORRUPT,
    PUBMED,
    PUBMED_CSV,
    TRIALS_CSV,
    CsvSpec,
)
from drug_mentions.discover import Inputs
from drug_mentions.json_fields import JSON_OPTIONS, NO_VALUE, TRAILING_COMMA, json_record
from drug_mentions.storage import FileInfo, spark_path


def _is_blank(text: Column) -> Column:
    return F.coalesce(text.rlike(r"^[\s\uFEFF]*$"), F.lit(False))


def _file_name() -> Column:
    """The name of the file a row comes from, as written. Spark gives it URI-encoded
    (``a%20b.csv``), with every ``%`` of the name encoded too, so decoding is exact; a ``+``
    stays a ``+`` (``url_decode`` alone would make it a space)."""
    encoded = F.col("_metadata.file_name")
    decoded = F.url_decode(F.replace(encoded, F.lit("+"), F.lit("%2B")))
    return F.when(encoded.contains("%"), decoded).otherwise(encoded)


def _paths(files: list[FileInfo]) -> list[str]:
    return [spark_path(info.path) for info in files]


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
            _paths(files),
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
                _file_name().alias("file"),
                *picked,
                F.col(CORRUPT).alias("raw_line"),
                malformed.alias("malformed"),
                (malformed & _is_blank(F.col(CORRUPT))).alias("blank"),
            )
        )
    return _union(frames)


def read_json_array(spark: SparkSession, files: list[FileInfo]) -> DataFrame:
    """Read whole-file JSON arrays (comments, and one trailing comma before ``]``, tolerated).

    Each element is one record; an element that is not an object of text fields is
    ``malformed``, its ``raw_line`` the element's text as written (compacted). A file whose
    array cannot be parsed gets one row with ``malformed`` and no text;
    :func:`unreadable_json_files` turns that into an error.
    """
    if not files:
        return None
    text = spark.read.text(_paths(files), wholetext=True)
    no_bom = F.regexp_replace("value", "^\ufeff", "")
    fixed = F.regexp_replace(no_bom, TRAILING_COMMA, "]$1")
    # Each element twice: as a VARIANT (kinds, keys in any case) and as its text (a string
    # element without its quotes, anything else as written).
    items = F.arrays_zip(
        F.from_json(fixed, "array<variant>", JSON_OPTIONS).alias("value"),
        F.from_json(fixed, "array<string>", JSON_OPTIONS).alias("text"),
    )
    parsed = text.select(_file_name().alias("file"), items.alias("items"))
    exploded = parsed.select("file", "items", F.explode_outer("items").alias("item"))
    # "[]" is a readable file with no record: drop the placeholder row explode_outer makes.
    records = exploded.where(F.col("items").isNull() | (F.size("items") > 0))
    unreadable = F.col("item").isNull()
    value = F.col("item.value")
    *fields, malformed = json_record(value)
    is_string = F.schema_of_variant(value) == "STRING"
    as_written = F.when(is_string, F.to_json(value)).otherwise(F.col("item.text"))
    return records.select(
        F.lit(PUBMED).alias("source"),
        "file",
        *fields,
        F.when(~unreadable, F.coalesce(as_written, F.lit("null"))).alias("raw_line"),
        (unreadable | malformed).alias("malformed"),
        F.lit(False).alias("blank"),
    )


def read_json_lines(spark: SparkSession, files: list[FileInfo]) -> DataFrame:
    """Read JSON Lines files line by line, in parallel (files are split like text files).
    A line that is not an object of text fields is ``malformed``; blank and comment-only lines
    are ``blank``."""
    if not files:
        return None
    lines = spark.read.text(_paths(files))
    line = F.regexp_replace("value", "^\ufeff", "")
    parsed = lines.select(
        _file_name().alias("file"),
        line.alias("line"),
        F.from_json(line, "variant", JSON_OPTIONS).alias("item"),
    )
    blank = F.col("item").isNull() & F.col("line").rlike(NO_VALUE)
    *fields, malformed = json_record(F.col("item"))
    return parsed.select(
        F.lit(PUBMED).alias("source"),
        "file",
        *fields,
        F.col("line").alias("raw_line"),
        (~blank & (F.col("item").isNull() | malformed)).alias("malformed"),
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


RAW_SCHEMA = (
    "source STRING, file STRING, raw_id STRING, raw_title STRING, raw_date STRING, "
    "raw_journal STRING, raw_line STRING, malformed BOOLEAN, blank BOOLEAN"
)


def read_publications(spark: SparkSession, inputs: Inputs) -> DataFrame:
    """All PubMed (CSV + JSON) and clinical-trial records in the common raw shape (an empty
    frame when there is no file: an incremental run without a new one)."""
    found = _union(
        [
            read_csv(spark, PUBMED_CSV, inputs.pubmed_csv),
            read_json_array(spark, inputs.pubmed_json_array),
            read_json_lines(spark, inputs.pubmed_json_lines),
            read_csv(spark, TRIALS_CSV, inputs.trials),
        ]
    )
    return found if found is not None else spark.createDataFrame([], RAW_SCHEMA)
