"""The ad-hoc queries: pure ``DataFrame -> DataFrame`` functions over one edge table.

The edge table has ``EDGE_COLUMNS``: ``drug, source, journal, date_mention``, one row per
mention, ``journal`` possibly NULL (:mod:`drug_mentions.adhoc` reads it from ``output.json`` or
``mentions/``). Results are small (one row per answer journal or drug): only the caller
collects them.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from drug_mentions.contract import PUBMED

EDGE_COLUMNS = ("drug", "source", "journal", "date_mention")


def journal_drug_counts(edges: DataFrame) -> DataFrame:
    """``journal, distinct_drugs``: drugs mentioned by each journal (both sources, NULLs out)."""
    has_journal = F.col("journal").isNotNull()
    return (
        edges.filter(has_journal)
        .groupBy("journal")
        .agg(F.countDistinct("drug").alias("distinct_drugs"))
    )


def top_journals(edges: DataFrame, k: int = 1) -> DataFrame:
    """The journals whose distinct-drug count is at least the k-th best count.

    ``k=1`` gives every journal tied for the most drugs. Ties at the cut are all kept (SQL's
    ``FETCH FIRST k ROWS WITH TIES``): counts 3, 2, 2, 1 with ``k=2`` give the three first.
    The cut is found with a distributed top-k (``orderBy().limit(k)``, no global window) and
    applied through a broadcast of its single row. Sorted by count descending, then journal.
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    counts = journal_drug_counts(edges)
    best_k = counts.orderBy(F.desc("distinct_drugs")).limit(k)
    cut = best_k.agg(F.min("distinct_drugs").alias("cut"))
    reaches_cut = F.col("distinct_drugs") >= F.col("cut")
    kept = counts.join(F.broadcast(cut), on=reaches_cut, how="inner")
    return kept.select("journal", "distinct_drugs").orderBy(F.desc("distinct_drugs"), "journal")


def related_drugs(edges: DataFrame, drug: str) -> DataFrame:
    """Drugs other than ``drug`` sharing a journal with it through PubMed mentions only.

    ``drug`` must already be normalised (:func:`drug_mentions.adhoc.normalise_drug_name`). One column ``drug``,
    sorted.
    """
    is_pubmed = (F.col("source") == PUBMED) & F.col("journal").isNotNull()
    pubmed = edges.filter(is_pubmed).select("journal", "drug").distinct()
    is_drug: Column = F.col("drug") == F.lit(drug)
    its_journals = pubmed.filter(is_drug).select("journal").distinct()
    neighbours = pubmed.join(F.broadcast(its_journals), on="journal", how="inner")
    return neighbours.filter(~is_drug).select("drug").distinct().orderBy("drug")


def has_drug(drugs: DataFrame, drug: str) -> bool:
    """Whether ``drug`` (normalised) is in ``drugs`` (reads at most one row)."""
    return not drugs.filter(F.col("drug") == F.lit(drug)).limit(1).isEmpty()
