"""Ad-hoc queries on the drug-mention graph: readers to one edge table, then pure queries.

Both readers give the same edge DataFrame, ``drug, source, journal, date_mention`` (one row
per mention; ``journal`` may be NULL): :func:`read_graph` from the consolidated
``output.json``, :func:`read_mentions` from the Parquet ``mentions/`` folder (no driver-side
JSON, so the same queries run at terabyte scale). The queries are ``DataFrame -> DataFrame``
functions whose results are small (one row per answer journal / drug); only the entry point
``jobs/adhoc.py`` collects them.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from drug_mentions.contract import (
    CORRUPT,
    GRAPH_SCHEMA,
    MENTIONS_SCHEMA,
    PUBLICATION_SOURCES,
    PUBMED,
)
from drug_mentions.errors import InputError
from drug_mentions.storage import HadoopFS, qualified

EDGE_COLUMNS = ("drug", "source", "journal", "date_mention")
# output.json as written, plus the column a file that is not such JSON fills.
_GRAPH_READ_SCHEMA = f"{GRAPH_SCHEMA}, {CORRUPT} STRING"


@dataclass(frozen=True)
class Graph:
    """What a query needs: the edges, and the drug names a ``--related-drug`` may ask for."""

    edges: DataFrame
    drugs: DataFrame  # one column ``drug``


def normalise_drug_name(name: str) -> str:
    """As the pipeline normalises the drug list: trim, collapse inner whitespace, upper-case."""
    return " ".join(name.split()).upper()


# --- Pure transformations -----------------------------------------------------------------


def drugs_from_graph(graph: DataFrame) -> DataFrame:
    """One row per drug of the graph's drug list (mentioned or not)."""
    return graph.select(F.explode("drugs").alias("d")).select(F.col("d.drug").alias("drug"))


def edges_from_graph(graph: DataFrame) -> DataFrame:
    """Explode each drug's ``pubmed`` and ``clinical_trials`` lists into edge rows."""
    drugs = graph.select(F.explode("drugs").alias("d"))
    per_source = [
        drugs.select(
            F.col("d.drug").alias("drug"),
            F.lit(source).alias("source"),
            F.explode(F.col(f"d.{source}")).alias("m"),
        )
        for source in PUBLICATION_SOURCES
    ]
    edges = per_source[0].unionByName(per_source[1])
    return edges.select("drug", "source", "m.journal", "m.date_mention")


def edges_from_mentions(mentions: DataFrame) -> DataFrame:
    """The Parquet edges, reduced to the columns the queries use."""
    return mentions.select(*EDGE_COLUMNS)


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

    ``drug`` must already be normalised (:func:`normalise_drug_name`). One column ``drug``,
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


# --- Readers ------------------------------------------------------------------------------


def read_graph(spark: SparkSession, path: str) -> Graph:
    """Edges and drug list from the pipeline's ``output.json`` (local path or gs://).

    A missing file, a folder, a file that is not JSON or has no ``drugs`` array is an
    :class:`InputError`.
    """
    fs = HadoopFS(spark, path)
    if not fs.exists(path):
        raise InputError(f"{path}: graph file not found")
    if fs.is_dir(path):
        raise InputError(f"{path}: is a folder, expected the pipeline's output.json")
    graph = spark.read.json(qualified(path), schema=_GRAPH_READ_SCHEMA, multiLine=True).cache()
    is_malformed = F.col("drugs").isNull() | F.col(CORRUPT).isNotNull()
    if graph.isEmpty() or not graph.filter(is_malformed).isEmpty():
        raise InputError(
            f'{path}: not a drug-mention graph (expected a JSON object with a "drugs" array)'
        )
    return Graph(edges=edges_from_graph(graph), drugs=drugs_from_graph(graph))


def read_mentions(spark: SparkSession, path: str) -> Graph:
    """Edges from the Parquet ``mentions/`` folder. Only drugs with an edge are known here."""
    fs = HadoopFS(spark, path)
    if not fs.is_dir(path):
        raise InputError(f"{path}: mentions folder not found")
    edges = edges_from_mentions(spark.read.schema(MENTIONS_SCHEMA).parquet(qualified(path)))
    return Graph(edges=edges, drugs=edges.select("drug"))
