"""``report.html``: the run at a glance and the drug <-> journal graph, on one page.

The page's data comes from small Spark aggregations over the written ``mentions/`` (one row
per edge: far fewer rows than titles), never from the records: the edges are counted per
(drug, journal) pair, and each list is the top of a ranking, collected with a limit:

* drugs, by mentions (then name): at most :attr:`Limits.drugs`;
* journals, by distinct drugs (then mentions, then name), as the ad-hoc "top journals" ranks
  them: at most :attr:`Limits.journals`;
* drug - journal links: each listed drug's busiest :attr:`Limits.links_per_drug` journals
  (by mentions, then name), those among the listed journals;
* publications of the listed drugs, latest first: at most :attr:`Limits.publications_per_drug`
  per drug, texts clipped to :attr:`Limits.text_chars` characters.

Next to each list the page gets the full count (drugs mentioned, journals, links), so it can
say what it left out and where the rest is (``mentions/``, BigQuery, the ad-hoc job);
:mod:`drug_mentions.page_html` renders it and holds it under :data:`page_html.MAX_BYTES`.
The journals' query runs beside the drugs' (two driver threads), as the runner does.
Two or three queries: 5 Spark jobs on the sample, 8 at 100k titles (AQE runs each shuffle
stage as a job; docs/benchmarks.md). The
runner calls :func:`gather` before it builds the run report (whose duration then counts the
page) and :func:`publish` after, before the completion marker.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from pyspark.sql import Column, DataFrame, Observation, SparkSession, Window
from pyspark.sql import functions as F

from drug_mentions import contract, page_html
from drug_mentions.config import Settings
from drug_mentions.storage import join, spark_path

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limits:
    """How much of each ranking the page holds (the byte budget may cut publications)."""

    drugs: int = 1000
    journals: int = 1000
    links_per_drug: int = 50
    publications_per_drug: int = 10
    text_chars: int = 200


DRUG_COLUMNS = ("drug", "atccode", *contract.PUBLICATION_SOURCES, "journals", "pubmed_journals")
JOURNAL_COLUMNS = ("journal", "drugs", "pubmed_drugs", "mentions")
PUBLICATION_COLUMNS = ("drug", "source", "id", "title", "date_mention", "journal")


def clip(column: Column, chars: int) -> Column:
    """``column`` cut to ``chars`` characters, the last one an ellipsis when it was longer."""
    cut = F.concat(F.substring(column, 1, chars - 1), F.lit("…"))
    return F.when(F.length(column) > chars, cut).otherwise(column)


def pair_counts(mentions: DataFrame) -> DataFrame:
    """``drug, atccode, journal, pubmed, clinical_trials``: edges per (drug, journal) pair and
    source; ``journal`` NULL holds a drug's mentions without a journal."""
    per_source = [
        F.count_if(F.col("source") == source).alias(source)
        for source in contract.PUBLICATION_SOURCES
    ]
    return mentions.groupBy("drug", "journal").agg(F.first("atccode").alias("atccode"), *per_source)


def drug_ranking(pairs: DataFrame, links_per_drug: int) -> DataFrame:
    """One row per drug: :data:`DRUG_COLUMNS`, ``mentions``, and ``links``: its busiest
    ``links_per_drug`` journals (by mentions, then name) as ``journal, pubmed,
    clinical_trials`` structs. Journals are counted distinct; ``pubmed_journals`` are those
    with a PubMed mention (the related-drugs query's)."""
    has_journal = F.col("journal").isNotNull()
    in_pubmed = has_journal & (F.col(contract.PUBMED) > 0)
    sums = [F.sum(source).alias(source) for source in contract.PUBLICATION_SOURCES]
    # Sorted ascending on (-mentions, journal): the busiest first, ties by name.
    link = F.struct((-_mentions()).alias("order"), "journal", *contract.PUBLICATION_SOURCES)
    busiest = F.slice(F.array_sort(F.collect_list(F.when(has_journal, link))), 1, links_per_drug)
    per_drug = pairs.groupBy("drug").agg(
        F.first("atccode").alias("atccode"),
        *sums,
        F.count_if(has_journal).alias("journals"),
        F.count_if(in_pubmed).alias("pubmed_journals"),
        busiest.alias("links"),
    )
    return per_drug.withColumn("mentions", _mentions())


def _mentions() -> Column:
    return sum((F.col(s) for s in contract.PUBLICATION_SOURCES), F.lit(0))


def journal_ranking(pairs: DataFrame) -> DataFrame:
    """One row per journal (:data:`JOURNAL_COLUMNS`): distinct drugs, those with a PubMed
    mention, and mentions."""
    mentions = _mentions()
    return (
        pairs.where(F.col("journal").isNotNull())
        .groupBy("journal")
        .agg(
            F.count("drug").alias("drugs"),
            F.count_if(F.col(contract.PUBMED) > 0).alias("pubmed_drugs"),
            F.sum(mentions).alias("mentions"),
        )
    )


def latest_publications(mentions: DataFrame, drugs: list[str] | None, limits: Limits) -> DataFrame:
    """The ``publications_per_drug`` latest mentions (then by source, id) of each of
    ``drugs`` (None: every drug), texts clipped (:data:`PUBLICATION_COLUMNS`, the date as
    ``yyyy-MM-dd``). Spark applies the rank limit before the shuffle (window group limit)."""
    latest = Window.partitionBy("drug").orderBy(
        F.col("date_mention").desc(), F.col("source"), F.col("id")
    )
    listed = mentions if drugs is None else mentions.where(F.col("drug").isin(drugs))
    ranked = listed.withColumn("rank", F.row_number().over(latest))
    kept = ranked.where(F.col("rank") <= limits.publications_per_drug)
    chars = limits.text_chars
    return kept.select(
        "drug",
        "rank",
        "source",
        clip(F.col("id"), chars).alias("id"),
        clip(F.col("title"), chars).alias("title"),
        F.date_format("date_mention", "yyyy-MM-dd").alias("date_mention"),
        clip(F.col("journal"), chars).alias("journal"),
    )


def _rows(frame: DataFrame, columns: tuple[str, ...]) -> list[list[Any]]:
    return [[row[c] for c in columns] for row in frame.collect()]


def collect(mentions: DataFrame, drugs_mentioned: int, limits: Limits) -> dict[str, Any]:
    """The page's data: ranked lists (lists of values in the ``*_COLUMNS`` order) and the
    full counts they were cut from, in bounded collects: the drugs' first, then their
    publications' and (in a second driver thread) the journals'. When the drugs' rows hold
    every drug and every link, the journals are ranked from them on the driver instead: one
    query less on small runs. ``drugs_mentioned`` (the run report's) tells whether every drug
    is listed. The pair count is recomputed by each query: nothing is cached."""
    pairs = pair_counts(mentions)
    counted = Observation("page-links")
    drugs = drug_ranking(pairs, limits.links_per_drug)
    drugs = drugs.observe(counted, F.sum("journals").alias("links"))
    drug_rows = drugs.orderBy(F.desc("mentions"), "drug").limit(limits.drugs).collect()
    every_drug = len(drug_rows) >= drugs_mentioned
    every_link = every_drug and all(row.journals == len(row.links) for row in drug_rows)
    listed = None if every_drug else [row.drug for row in drug_rows]
    with ThreadPoolExecutor(1, thread_name_prefix="drug-mentions-page") as pool:
        journals_done = None if every_link else pool.submit(_journals, pairs, limits)
        publications = latest_publications(mentions, listed, limits).collect()
        ranked = journals_done.result() if journals_done else rank_journals(drug_rows, limits)
    journal_rows, journal_total = ranked
    latest = sorted(publications, key=lambda row: (row.drug, row.rank))
    journal_names = {row[0] for row in journal_rows}
    links = [
        [row.drug, link.journal, *(link[s] for s in contract.PUBLICATION_SOURCES)]
        for row in drug_rows
        for link in row.links
        if link.journal in journal_names
    ]
    return {
        "drugs": [[row[c] for c in DRUG_COLUMNS] for row in drug_rows],
        "journals": journal_rows,
        "links": links,
        "publications": [[row[c] for c in PUBLICATION_COLUMNS] for row in latest],
        "totals": {"links": counted.get["links"] or 0, "journals": journal_total},
    }


def _journals(pairs: DataFrame, limits: Limits) -> tuple[list[list[Any]], int]:
    """The top of the journal ranking (:func:`journal_ranking`), and the number of journals."""
    counted = Observation("page-journals")
    journals = journal_ranking(pairs).observe(counted, F.count("*").alias("journals"))
    ranked = journals.orderBy(F.desc("drugs"), F.desc("mentions"), "journal")
    rows = _rows(ranked.limit(limits.journals), JOURNAL_COLUMNS)
    return rows, counted.get["journals"]


def rank_journals(drug_rows: list[Any], limits: Limits) -> tuple[list[list[Any]], int]:
    """:func:`_journals` on the driver, from drug rows holding every link of every drug."""
    counts: dict[str, list[int]] = {}
    for row in drug_rows:
        for link in row.links:
            found = counts.setdefault(link.journal, [0, 0, 0])
            found[0] += 1
            found[1] += link[contract.PUBMED] > 0
            found[2] += sum(link[s] for s in contract.PUBLICATION_SOURCES)
    ranked = sorted(counts.items(), key=lambda item: (-item[1][0], -item[1][2], item[0]))
    return [[journal, *n] for journal, n in ranked[: limits.journals]], len(counts)


def gather(
    spark: SparkSession, settings: Settings, publisher: Any, drugs_mentioned: int
) -> dict[str, Any] | None:
    """The page's data from the run's written ``mentions/`` (``publisher`` is the run's
    :class:`load.Publisher`); None when ``settings.report_html`` is off. Runs before the run
    report is built, so that the report's duration counts it."""
    if not settings.report_html:
        return None
    started = time.time()
    written = spark_path(publisher.path(contract.MENTIONS_DIR))
    mentions = spark.read.schema(contract.MENTIONS_SCHEMA).parquet(written)
    data = collect(mentions, drugs_mentioned, Limits())
    log.info("%s: page data gathered in %.1f s", contract.REPORT_HTML, time.time() - started)
    return data


def publish(settings: Settings, publisher: Any, summary: dict, data: dict | None) -> None:
    """Write ``report.html`` (the run report ``summary`` and what :func:`gather` gave) into
    the run, before its completion marker; nothing when ``data`` is None."""
    if data is None:
        return
    where = {name: join(settings.output, name) for name in page_html.WHERE_ENTRIES}
    text = page_html.render(summary, data, Limits(), where)
    publisher.write_text(contract.REPORT_HTML, text)
    log.info("wrote %s (%d KB)", contract.REPORT_HTML, len(text.encode("utf-8")) // 1024)
