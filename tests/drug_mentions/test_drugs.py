"""Unit tests of drug_mentions.drugs: the drug list read, cleaned, rejected, as keys."""

from __future__ import annotations

from chispa import assert_df_equality
from drug_mentions import contract, discover, drugs, report
from pyspark.sql import functions as F

from tests.helpers import write_files


def test_with_drug_fields_normalises_and_rejects(spark):
    rows = [
        ("6302001", "  isoprenaline "),
        ("B02AA", "Tranexamic\t  Acid"),
        ("Z1", "ISOPRENALINE"),  # duplicate name: kept once (smallest atccode wins)
        ("Z2", "   "),
        ("Z3", None),
        ("Z4", "--"),
    ]
    raw = spark.createDataFrame(rows, "raw_atccode string, raw_drug string").withColumns(
        {"source": F.lit("drugs"), "file": F.lit("drugs.csv"), "malformed": F.lit(False)}
    )
    out = drugs.with_drug_fields(raw).select("atccode", "drug", "words", "reason")
    expected = spark.createDataFrame(
        [
            ("6302001", "ISOPRENALINE", ["ISOPRENALINE"], None),
            ("B02AA", "TRANEXAMIC ACID", ["TRANEXAMIC", "ACID"], None),
            ("Z1", "ISOPRENALINE", ["ISOPRENALINE"], "duplicate_drug"),
            ("Z2", None, [], "missing_drug"),
            ("Z3", None, [], "missing_drug"),
            ("Z4", "--", [], "missing_drug"),
        ],
        "atccode string, drug string, words array<string>, reason string",
    )
    assert_df_equality(out, expected, ignore_row_order=True, ignore_nullable=True)


def test_with_drug_name_is_the_one_normaliser(spark):
    """Text rules (escape runs, NFC, Unicode spaces), then upper-case; words as written."""
    raw = spark.createDataFrame(
        [
            ("a", r" caf\xc3\xa9ine "),
            ("b", "cafe\u0301ine"),
            ("c", "tranexamic\u00a0\u200b acid"),
            ("d", "\u01f0ethanol"),  # ǰ upper-cases to J + a combining mark: still one word
            ("e", " \t"),
        ],
        "key string, raw_drug string",
    )
    out = drugs.with_drug_name(raw).select("key", "drug", "words")
    expected = spark.createDataFrame(
        [
            ("a", "CAF\u00c9INE", ["CAF\u00c9INE"]),
            ("b", "CAF\u00c9INE", ["CAF\u00c9INE"]),
            ("c", "TRANEXAMIC ACID", ["TRANEXAMIC", "ACID"]),
            ("d", "J\u030cETHANOL", ["J\u030cETHANOL"]),
            ("e", None, []),
        ],
        "key string, drug string, words array<string>",
    )
    assert_df_equality(out, expected, ignore_row_order=True, ignore_nullable=True)


def test_read_drug_list_counts_every_row_and_keeps_the_usable_ones(spark, tmp_path):
    folder = write_files(
        tmp_path,
        {
            "drugs.csv": "atccode,drug\nA01,Aspirin\nA00,ASPIRIN\n   \nB02,ethanol\nC03,\nD04,x,y\n",
            "drugs_more.csv": "drug,atccode\nbeta blocker\x00,E05\n",
            "pubmed.csv": "id,title,date,journal\n",
            "clinical_trials.csv": "id,scientific_title,date,journal\n",
        },
    )
    found = discover.discover(spark, str(folder), "auto")
    drug_list = drugs.read_drug_list(spark, found)
    counts = report.RowCounts.of(drug_list.rows)
    kept = spark.createDataFrame(
        [
            ("A00", "ASPIRIN", ["ASPIRIN"]),
            ("B02", "ETHANOL", ["ETHANOL"]),
            ("E05", "BETA BLOCKER", ["BETA", "BLOCKER"]),
        ],
        "atccode string, drug string, words array<string>",
    )
    assert_df_equality(
        drug_list.kept.select("atccode", "drug", "words"),
        kept,
        ignore_row_order=True,
        ignore_nullable=True,
    )
    assert counts.rejected() == {
        "drugs": {"duplicate_drug": 1, "malformed_record": 1, "missing_drug": 1}
    }
    assert [
        counts.per_file(f, blank=b) for f in ("drugs.csv", "drugs_more.csv") for b in (False, True)
    ] == [5, 1, 1, 0]
    assert counts.usable(contract.DRUGS) == 3
    assert drug_list.rows.is_cached
    drug_list.release()
    assert not drug_list.rows.is_cached


def test_drug_keys_start_with_the_first_word(spark):
    kept = spark.createDataFrame(
        [("B02AA", "TRANEXAMIC ACID", ["TRANEXAMIC", "ACID"])],
        "atccode string, drug string, words array<string>",
    )
    expected = spark.createDataFrame(
        [("TRANEXAMIC", ["TRANEXAMIC", "ACID"], 2, "TRANEXAMIC ACID", "B02AA")],
        "first_word string, words array<string>, n_words int, drug string, atccode string",
    )
    assert_df_equality(drugs.drug_keys(kept), expected, ignore_nullable=True)
