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


CONTRACT_DOC = (REPO / "docs" / "contract.md").read_text(encoding="utf-8")


def test_every_publication_source_maps_onto_the_same_raw_fields():
    """The readers produce one raw shape: each CSV spec and the JSON keys cover exactly the
    publication fields, and the drug list its own."""
    raw_fields = sorted(contract.PUBLICATION_FIELDS.values())
    for spec in (contract.PUBMED_CSV, contract.TRIALS_CSV):
        assert sorted(spec.columns.values()) == raw_fields, spec.source
    assert sorted(contract.JSON_KEYS) == raw_fields
    assert contract.DRUGS_CSV.columns == contract.DRUG_FIELDS
    specs = (contract.DRUGS_CSV, contract.PUBMED_CSV, contract.TRIALS_CSV)
    assert {spec.source for spec in specs} == set(contract.SOURCES)


def test_reject_reasons_are_the_union_of_each_kind_and_all_documented():
    kinds = contract.PUBLICATION_REJECT_REASONS + contract.DRUG_REJECT_REASONS
    assert tuple(dict.fromkeys(kinds)) == contract.REJECT_REASONS
    undocumented = [r for r in contract.REJECT_REASONS if f"`{r}`" not in CONTRACT_DOC]
    assert undocumented == []
    assert len({contract.USABLE, contract.REJECTED, contract.BLANK}) == 3


def test_the_columns_between_the_steps_carry_what_the_next_step_reads():
    # The cleaned records hold every publication column and every column of rejects/.
    assert set(contract.PUBLICATION_COLUMNS) <= set(contract.RECORD_COLUMNS)
    assert set(contract.REJECT_COLUMNS) <= set(contract.RECORD_COLUMNS)
    # An edge is a publication with its drug.
    assert set(contract.MENTION_COLUMNS) == {"drug", "atccode", *contract.PUBLICATION_COLUMNS}
    assert contract.MENTIONS_PARTITION in contract.MENTION_COLUMNS


def test_every_output_name_is_documented_and_owned_by_the_publisher():
    from drug_mentions import load

    outputs = [
        contract.OUTPUT_JSON,
        contract.MENTIONS_DIR,
        contract.REJECTS_DIR,
        contract.RUN_REPORT,
        contract.REPORT_HTML,
        contract.SUCCESS_MARKER,
    ]
    assert [name for name in outputs if f"`{name}" not in CONTRACT_DOC] == []
    assert set(outputs) <= load.OUR_ENTRIES
    prefixes = [contract.INPUT_PREFIX, contract.RUNS_PREFIX, contract.CODE_PREFIX]
    assert len(set(prefixes)) == len(prefixes)


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
