"""The ad-hoc job's steps: read the graph into one edge table, answer the query, show it.

Both readers give the same edge DataFrame (:data:`drug_mentions.queries.EDGE_COLUMNS`, one row
per mention; ``journal`` may be NULL): :func:`read_graph` from the consolidated
``output.json``, :func:`read_mentions` from the Parquet ``mentions/`` folder (no driver-side
JSON, so the same queries run at terabyte scale). Both read with the contract's schemas
(:data:`drug_mentions.contract.GRAPH_SCHEMA`, ``MENTIONS_SCHEMA``). :func:`answer` runs one of
the queries of :mod:`drug_mentions.queries` and collects its small result; the entry point
``jobs/adhoc.py`` prints it as JSON or as a table (:func:`as_table`).
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from typing import Any

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from drug_mentions import drugs, queries
from drug_mentions.config import Settings
from drug_mentions.contract import (
    CORRUPT,
    GRAPH_SCHEMA,
    MENTION_TYPES,
    MENTIONS_DIR,
    MENTIONS_SCHEMA,
    OUTPUT_JSON,
    PUBLICATION_SOURCES,
)
from drug_mentions.errors import InputError
from drug_mentions.storage import HadoopFS, is_local, local_path, spark_path

log = logging.getLogger(__name__)

# output.json as written, plus the column a file that is not such JSON fills.
_GRAPH_READ_SCHEMA = f"{GRAPH_SCHEMA}, {CORRUPT} STRING"


@dataclass(frozen=True)
class Graph:
    """What a query needs: the edges, and the drug names a ``--related-drug`` may ask for."""

    edges: DataFrame
    drugs: DataFrame  # one column ``drug``
    origin: str  # OUTPUT_JSON (every drug of the list) or MENTIONS_DIR (drugs with an edge)


@dataclass(frozen=True)
class Query:
    """What the user asked: the drugs related to ``related_drug``, the ``top`` K journals, or
    (neither) the journal(s) mentioning the most distinct drugs."""

    related_drug: str | None = None
    top: int | None = None


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
    return mentions.select(*queries.EDGE_COLUMNS)


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
    graph = spark.read.json(spark_path(path), schema=_GRAPH_READ_SCHEMA, multiLine=True).cache()
    is_malformed = F.col("drugs").isNull() | F.col(CORRUPT).isNotNull()
    if graph.isEmpty() or not graph.filter(is_malformed).isEmpty():
        raise InputError(
            f'{path}: not a drug-mention graph (expected a JSON object with a "drugs" array)'
        )
    return Graph(edges=edges_from_graph(graph), drugs=drugs_from_graph(graph), origin=OUTPUT_JSON)


def _check_mentions(spark: SparkSession, path: str) -> None:
    """``path`` must be a folder of Parquet files with the columns of ``mentions/`` and at
    least one row; else an :class:`InputError` saying what it holds."""
    fs = HadoopFS(spark, path)
    if not fs.exists(path):
        raise InputError(f"{path}: mentions folder not found")
    if not fs.is_dir(path):
        raise InputError(f"{path}: is a file, expected a run's {MENTIONS_DIR}/ folder")
    try:
        found = spark.read.parquet(spark_path(path))  # reads the footer of a file: no data
    except Exception as exc:  # not Parquet, or no file at all
        reason = str(getattr(exc, "java_exception", exc)).splitlines()[0][:200]
        raise InputError(
            f"{path}: not a {MENTIONS_DIR}/ folder (no Parquet to read: {reason})"
        ) from exc
    wanted = {f"{name} {kind.lower()}" for name, kind in MENTION_TYPES.items()}
    has = {f"{field.name} {field.dataType.simpleString()}" for field in found.schema.fields}
    if wanted - has:
        raise InputError(
            f"{path}: not a {MENTIONS_DIR}/ folder: missing or mistyped "
            f"{', '.join(sorted(wanted - has))} (found {', '.join(sorted(has))})"
        )
    if found.isEmpty():
        raise InputError(
            f"{path}: no mention rows (use the run's {OUTPUT_JSON} for a graph without edges)"
        )


def read_mentions(spark: SparkSession, path: str) -> Graph:
    """Edges from the Parquet ``mentions/`` folder. Only drugs with an edge are known here."""
    _check_mentions(spark, path)
    edges = edges_from_mentions(spark.read.schema(MENTIONS_SCHEMA).parquet(spark_path(path)))
    return Graph(edges=edges, drugs=edges.select("drug"), origin=MENTIONS_DIR)


def read(spark: SparkSession, settings: Settings, from_mentions: bool) -> Graph:
    """The graph the settings name: ``settings.mentions`` or ``settings.graph``."""
    if from_mentions:
        log.info("Reading the Parquet edges of %s", settings.mentions)
        return read_mentions(spark, settings.mentions)
    log.info("Reading the graph %s", settings.graph)
    return read_graph(spark, settings.graph)


# --- Answering ----------------------------------------------------------------------------


def normalise_drug_name(spark: SparkSession, name: str) -> str | None:
    """``name`` as the pipeline normalises the drug list: the very same transformation
    (:func:`drug_mentions.drugs.with_drug_name`) on a one-row frame. None when blank."""
    asked = spark.createDataFrame([(name,)], "raw_drug string")
    return drugs.with_drug_name(asked).select("drug").first()["drug"]


def answer(spark: SparkSession, graph: Graph, query: Query) -> dict[str, Any]:
    """Run the query; the result as the JSON object ``--json`` prints. An unknown drug is an
    :class:`InputError`."""
    if query.related_drug is not None:
        drug = normalise_drug_name(spark, query.related_drug)
        if drug is None or not queries.has_drug(graph.drugs, drug):
            mentions = graph.origin == MENTIONS_DIR
            where = f"has no mention in {MENTIONS_DIR}/" if mentions else "is not in the graph"
            raise InputError(f"unknown drug {query.related_drug!r}: {drug or ''} {where}")
        rows = queries.related_drugs(graph.edges, drug).collect()
        return {"drug": drug, "related_drugs": [row.drug for row in rows]}
    rows = queries.top_journals(graph.edges, query.top or 1).collect()
    if query.top is not None:
        return {"top": [{"journal": r.journal, "distinct_drugs": r.distinct_drugs} for r in rows]}
    return {
        "distinct_drugs": rows[0].distinct_drugs if rows else 0,
        "journals": [row.journal for row in rows],
    }


def as_table(result: dict[str, Any]) -> str:
    """The result for a reader of the terminal."""
    if "related_drugs" in result:
        lines = [f"Drugs sharing a journal with {result['drug']} (PubMed mentions):"]
        lines += [f"  {drug}" for drug in result["related_drugs"]] or ["  (none)"]
    elif "top" in result:
        lines = ["distinct_drugs  journal"]
        lines += [f"{row['distinct_drugs']:>14}  {row['journal']}" for row in result["top"]]
    else:
        lines = [f"Journal(s) mentioning the most distinct drugs ({result['distinct_drugs']}):"]
        lines += [f"  {journal}" for journal in result["journals"]] or ["  (none)"]
    return "\n".join(lines)


def check_out(spark: SparkSession, out: str, reads: str) -> None:
    """``--out`` must name a file that can be written, not a folder nor what the job reads."""
    fs = HadoopFS(spark, out)
    if out.endswith("/") or fs.is_dir(out):
        raise InputError(f"--out {out}: is a folder; give a file path (e.g. top_journals.json)")
    if _resolved(out) == _resolved(reads):
        raise InputError(f"--out {out}: is the graph this job reads; give another file path")
    if is_local(out):
        existing = os.path.dirname(local_path(out))
        while not os.path.lexists(existing):
            existing = os.path.dirname(existing)
        if not os.path.isdir(existing) or not os.access(existing, os.W_OK | os.X_OK):
            raise InputError(
                f"--out {out}: cannot be written ({existing} is not a writable folder)"
            )


def _resolved(path: str) -> str:
    return os.path.realpath(local_path(path)) if is_local(path) else path.rstrip("/")


def write_result(spark: SparkSession, path: str, text: str) -> None:
    """The JSON result into a file, local (folders created) or gs://."""
    if is_local(path):
        target = local_path(path)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "w", encoding="utf-8") as out:
            out.write(text)
    else:
        HadoopFS(spark, path).write_text(path, text)
    log.info("Result written to %s", path)


def run(
    spark: SparkSession, settings: Settings, query: Query, from_mentions: bool, out: str | None
) -> dict[str, Any]:
    """The whole ad-hoc job: ``--out`` checked first, then read, answer, write ``out``."""
    if out:
        check_out(spark, out, settings.mentions if from_mentions else settings.graph)
    result = answer(spark, read(spark, settings, from_mentions), query)
    if out:
        write_result(spark, out, json.dumps(result, ensure_ascii=False) + "\n")
    return result
