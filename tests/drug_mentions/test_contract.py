"""Unit tests of drug_mentions.contract: the names and schemas every reader relies on."""

from __future__ import annotations

import subprocess
import sys

from drug_mentions import contract
from pyspark.sql import types as T

from tests.helpers import REPO


def test_importing_the_contract_does_not_import_pyspark():
    code = (
        "import sys, drug_mentions.contract; print(sorted(m for m in sys.modules if 'spark' in m))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO / "jobs",
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout == "[]\n"


def test_input_files_and_their_columns():
    assert contract.SOURCES == ("drugs", "pubmed", "clinical_trials")
    assert contract.PUBLICATION_SOURCES == ("pubmed", "clinical_trials")
    specs = [contract.DRUGS_CSV, contract.PUBMED_CSV, contract.TRIALS_CSV]
    assert [(s.source, s.patterns, s.columns) for s in specs] == [
        ("drugs", ("drugs*.csv",), {"atccode": "raw_atccode", "drug": "raw_drug"}),
        (
            "pubmed",
            ("pubmed*.csv",),
            {"id": "raw_id", "title": "raw_title", "date": "raw_date", "journal": "raw_journal"},
        ),
        (
            "clinical_trials",
            ("clinical_trials*.csv",),
            {
                "id": "raw_id",
                "scientific_title": "raw_title",
                "date": "raw_date",
                "journal": "raw_journal",
            },
        ),
    ]
    assert contract.PUBMED_JSON_PATTERNS == ("pubmed*.json", "pubmed*.jsonl", "pubmed*.ndjson")
    assert contract.JSON_KEYS == {
        "raw_id": "id",
        "raw_title": "title",
        "raw_date": "date",
        "raw_journal": "journal",
    }


def test_reject_reasons_in_precedence_order():
    assert contract.REJECT_REASONS == (
        "malformed_record",
        "missing_title",
        "invalid_date",
        "missing_drug",
        "duplicate_drug",
    )


def test_columns_between_the_steps():
    assert contract.PUBLICATION_COLUMNS == ("source", "id", "title", "journal", "date_mention")
    assert contract.RECORD_COLUMNS == (
        "source",
        "file",
        "reason",
        "blank",
        "id",
        "title",
        "journal",
        "date_mention",
        "fields",
        "raw_line",
    )
    assert contract.REJECT_COLUMNS == ("source", "file", "reason", "fields", "raw_line")
    assert contract.MENTION_COLUMNS == (
        "drug",
        "atccode",
        "source",
        "id",
        "title",
        "journal",
        "date_mention",
    )


def test_output_and_bucket_names():
    names = [
        contract.OUTPUT_JSON,
        contract.MENTIONS_DIR,
        contract.REJECTS_DIR,
        contract.RUN_REPORT,
        contract.SUCCESS_MARKER,
    ]
    assert names == ["output.json", "mentions", "rejects", "run_report.json", "_SUCCESS"]
    prefixes = [contract.INPUT_PREFIX, contract.RUNS_PREFIX, contract.CODE_PREFIX]
    assert [*prefixes, contract.ADHOC_DIR] == ["input", "runs", "code", "adhoc"]


def _schema(spark, ddl: str) -> T.StructType:
    return spark.createDataFrame([], ddl).schema


def test_mentions_schema_reads_the_partition_column_last(spark):
    strings = ["drug", "atccode", "id", "title", "journal"]
    expected = T.StructType(
        [T.StructField(name, T.StringType()) for name in strings]
        + [T.StructField("date_mention", T.DateType()), T.StructField("source", T.StringType())]
    )
    assert _schema(spark, contract.MENTIONS_SCHEMA) == expected


def test_graph_schema_is_the_output_json_document(spark):
    mention = T.StructType(
        [T.StructField(k, T.StringType()) for k in ("id", "title", "journal")]
        + [T.StructField("date_mention", T.DateType())]
    )
    journal = T.StructType(
        [T.StructField("journal", T.StringType()), T.StructField("date_mention", T.DateType())]
    )
    document = T.StructType(
        [
            T.StructField("drug", T.StringType()),
            T.StructField("atccode", T.StringType()),
            T.StructField("pubmed", T.ArrayType(mention)),
            T.StructField("clinical_trials", T.ArrayType(mention)),
            T.StructField("journals", T.ArrayType(journal)),
        ]
    )
    expected = T.StructType([T.StructField("drugs", T.ArrayType(document))])
    assert _schema(spark, contract.GRAPH_SCHEMA) == expected
    assert contract.DOCUMENT_KEYS == ("drug", "atccode", "pubmed", "clinical_trials", "journals")


def test_rejects_schema(spark):
    assert _schema(spark, contract.REJECTS_SCHEMA) == T.StructType(
        [
            T.StructField("source", T.StringType()),
            T.StructField("file", T.StringType()),
            T.StructField("reason", T.StringType()),
            T.StructField("fields", T.MapType(T.StringType(), T.StringType())),
            T.StructField("raw_line", T.StringType()),
        ]
    )
    assert tuple(_schema(spark, contract.REJECTS_SCHEMA).names) == contract.REJECT_COLUMNS
