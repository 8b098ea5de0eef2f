"""The drug list in one place: read, clean (the one drug-name normaliser), reject, keys.

The drug list is small (thousands of rows): it is read and cleaned once per run into a cached
frame (no Python worker, no round trip through the driver), counted like the publication
records, and broadcast to the matching join as keys.

A row is rejected as ``malformed_record`` (wrong number of CSV fields), ``missing_drug``
(no word in its name) or ``duplicate_drug`` (a name already listed: the row with the
smallest atccode is kept); the reasons are named in :mod:`drug_mentions.contract`.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F

from drug_mentions import clean, extract
from drug_mentions.contract import (
    DRUG_FIELDS,
    DRUGS_CSV,
    DUPLICATE_DRUG,
    MALFORMED_RECORD,
    MISSING_DRUG,
)
from drug_mentions.discover import Inputs
from drug_mentions.match import words


@dataclass(frozen=True)
class DrugList:
    """``rows``: every drug row, cleaned, with ``reason``, ``fields`` and ``raw_line`` (the
    rows of ``rejects/``), cached once computed (:meth:`release` frees them); ``kept``: the
    usable ones (``drug``, ``atccode``, ``words``...)."""

    rows: DataFrame
    kept: DataFrame

    def release(self) -> None:
        self.rows.unpersist()


def with_drug_name(drugs: DataFrame) -> DataFrame:
    """Add ``drug`` and ``words`` from ``raw_drug``: the one drug-name normaliser.

    The name is cleaned as any text (:data:`drug_mentions.clean.TEXT_STEPS`: control
    characters removed, escape runs decoded, NFC, whitespace trimmed and collapsed), then
    upper-cased; blank -> NULL. ``words`` are the words of the name as written (as for titles),
    not of its upper-cased form. The drug list goes through it, and so does the name an ad-hoc
    ``--related-drug`` asks for (:func:`drug_mentions.adhoc.normalise_drug_name`)."""
    name = clean.with_steps(drugs, {"_name": ("raw_drug", clean.TEXT_STEPS)})
    return name.select(
        "*", F.upper(F.col("_name")).alias("drug"), words(F.col("_name")).alias("words")
    ).drop("_name")


def with_drug_fields(drugs: DataFrame) -> DataFrame:
    """Raw drug rows -> ``atccode`` (cleaned text), ``drug`` and ``words``
    (:func:`with_drug_name`) and ``reason`` (malformed, empty name, or a name already listed:
    the row with the smallest atccode is kept)."""
    atccode = clean.with_steps(drugs, {"atccode": ("raw_atccode", clean.TEXT_STEPS)})
    cleaned = with_drug_name(atccode)
    first_of_name = Window.partitionBy("drug").orderBy(
        F.col("atccode").asc_nulls_last(), F.col("file"), F.col("raw_atccode")
    )
    reason = (
        F.when(F.col("malformed"), F.lit(MALFORMED_RECORD))
        .when(F.size("words") == 0, F.lit(MISSING_DRUG))
        .when(F.row_number().over(first_of_name) > 1, F.lit(DUPLICATE_DRUG))
    )
    return cleaned.withColumn("reason", reason)


def clean_drugs(raw: DataFrame) -> DataFrame:
    """Raw drug rows (:func:`drug_mentions.extract.read_csv`) -> every row cleaned, with its
    reason and, on rejected rows only, its raw fields and line (for ``rejects/``)."""
    return clean.with_reject_fields(with_drug_fields(raw), DRUG_FIELDS)


def read_drug_list(spark: SparkSession, inputs: Inputs) -> DrugList:
    """The drug list read and cleaned, cached on first use (nothing runs yet), in one
    partition: the duplicate window's shuffle would otherwise leave the cache in
    ``spark.sql.shuffle.partitions`` pieces (200 by default; AQE does not coalesce a cached
    plan), and every later job over the list would start that many tasks for a few rows."""
    cleaned = clean_drugs(extract.read_csv(spark, DRUGS_CSV, inputs.drugs))
    rows = cleaned.coalesce(1).persist()
    return DrugList(rows, rows.where(clean.is_usable()))


def drug_keys(kept: DataFrame) -> DataFrame:
    """The kept drugs as join keys: ``first_word``, ``words``, ``n_words``, ``drug``, ``atccode``."""
    return kept.select(
        F.element_at("words", 1).alias("first_word"),
        "words",
        F.size("words").alias("n_words"),
        "drug",
        "atccode",
    )
