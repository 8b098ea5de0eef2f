"""Read the discovered input files with explicit schemas into one raw shape.

Every source is read into the same raw shape (all strings, nothing cleaned yet)::

    source, file, raw_id, raw_title, raw_date, raw_journal, raw_line, malformed, blank

``malformed`` marks a CSV row with the wrong number of fields or a JSON Lines line that is
not a JSON object; ``raw_line`` keeps its text for ``rejects/``. ``blank`` marks
whitespace-only lines, which the contract ignores (they are not records). The files come from
:func:`drug_mentions.discover.discover`.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from drug_mentions.contract import (
    CORRUPT,
    JSON_KEYS,
    PUBMED,
    PUBMED_CSV,
    TRIALS_CSV,
    CsvSpec,
)
from drug_mentions.discover import Inputs
from drug_mentions.storage import FileInfo


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
