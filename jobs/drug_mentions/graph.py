"""The consolidated ``output.json``: one document per drug, built in Spark, written by the driver.

This is the one documented step where the driver sees mentions: Spark groups the edges per
drug and sorts each list, then the driver streams the drugs in name order
(``toLocalIterator``: one partition in memory at a time) into a UTF-8 file. The bytes depend
only on the input: keys in a fixed order, lists in the contract's order, no timestamps.
At terabyte scale turn it off (``write_output_json = false``): ``mentions/`` has the same edges.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import IO, Any

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from drug_mentions.contract import JOURNAL_KEYS, MENTION_KEYS, PUBLICATION_SOURCES


def drug_documents(mentions: DataFrame, drugs: DataFrame) -> DataFrame:
    """One row per kept drug, sorted by name, with its sorted mention and journal lists."""
    date_text = F.date_format("date_mention", "yyyy-MM-dd")
    # Field order = sort order: (date_mention, id) for mentions, (journal, date) for journals.
    mention = F.struct(
        date_text.alias("date_mention"),
        F.col("id"),
        F.col("title"),
        F.col("journal"),
    )
    journal = F.when(
        F.col("journal").isNotNull(),
        F.struct(F.col("journal"), date_text.alias("date_mention")),
    )
    per_source = [
        F.array_sort(F.collect_list(F.when(F.col("source") == source, mention))).alias(source)
        for source in PUBLICATION_SOURCES
    ]
    journals = F.array_sort(F.collect_set(journal)).alias("journals")
    per_drug = mentions.groupBy("drug").agg(*per_source, journals)
    listed = drugs.select("drug", "atccode")
    return listed.join(per_drug, on="drug", how="left").orderBy("drug")


def _entries(items: list[Any] | None, keys: tuple[str, ...]) -> list[dict[str, Any]]:
    return [{key: item[key] for key in keys} for item in items or []]


def to_document(row: Any) -> dict[str, Any]:
    """A :func:`drug_documents` row as the contract's JSON object (keys in contract order:
    ``contract.DOCUMENT_KEYS``, ``MENTION_KEYS``, ``JOURNAL_KEYS``)."""
    return {
        "drug": row["drug"],
        "atccode": row["atccode"],
        **{source: _entries(row[source], MENTION_KEYS) for source in PUBLICATION_SOURCES},
        "journals": _entries(row["journals"], JOURNAL_KEYS),
    }


def write_json(documents: Iterable[dict[str, Any]], out: IO[str]) -> int:
    """Write ``{"drugs": [...]}`` with two-space indentation, one drug at a time."""
    out.write('{\n  "drugs": [')
    count = 0
    for document in documents:
        text = json.dumps(document, ensure_ascii=False, indent=2)
        out.write(("," if count else "") + "\n    " + text.replace("\n", "\n    "))
        count += 1
    out.write("\n  ]\n}\n" if count else "]\n}\n")
    return count


def iter_documents(mentions: DataFrame, drugs: DataFrame) -> Iterator[dict[str, Any]]:
    """Stream the per-drug documents to the driver in drug order."""
    for row in drug_documents(mentions, drugs).toLocalIterator():
        yield to_document(row)


def write_graph(out: IO[str], mentions: DataFrame, drugs: DataFrame) -> int:
    """``output.json`` of the edges ``mentions`` and the kept ``drugs`` into ``out``; returns
    the number of drugs written."""
    return write_json(iter_documents(mentions, drugs), out)
