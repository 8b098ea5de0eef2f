"""A publication as the summary of its records, and the keys that join records into one.

Two records of a source are one publication when they share a key: ``id:<id>``, or
``td:<title, lower-case>|<date>`` (:mod:`drug_mentions.merge`). A publication (a *group*)
is summarised by:

``label``        its smallest key (ids sort before titles): its id, or with no id at all its
                 title and date, hashed into a surrogate id;
``rep``          its representative record: the one with an id, then the smallest title,
                 date and journal (the smallest ``struct(no_id, title, date_mention,
                 no_journal, journal)``);
``any_journal``  its smallest journal (for a representative without one);
``records``      how many input records it merged.

Summaries combine by ``min``, ``min`` and ``sum``: the summary of a union of groups is the
summary of their summaries, so a group can grow by new records without its old records
(:mod:`drug_mentions.absorb`), and a single record is the summary of itself.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

SEP = "\u0001"
ID_PREFIX = "id:"
TITLE_DATE_PREFIX = "td:"
SUMMARY_COLUMNS = ("source", "_label", "rep", "any_journal", "records")


def title_date_text() -> Column:
    return F.concat(F.lower(F.col("title")), F.lit(SEP), F.col("date_mention").cast("string"))


def title_date_key() -> Column:
    """A record's title-and-date key, ``td:<title>|<date>``."""
    return F.concat(F.lit(TITLE_DATE_PREFIX), title_date_text())


def id_key() -> Column:
    """A record's id key, ``id:<id>`` (NULL without an id)."""
    return F.concat(F.lit(ID_PREFIX), F.col("id"))


def own_label() -> Column:
    """The smallest key of a record alone: its id key, else its title-and-date key."""
    return F.coalesce(id_key(), title_date_key())


def key_hashes(key: Column) -> tuple[Column, Column]:
    """128 bits identifying ``key`` within its source: two seeded 64-bit xxHash64 values. Two of
    a billion distinct keys share both with a probability below 10^-20."""
    return (
        F.xxhash64(F.lit("k1"), F.col("source"), key),
        F.xxhash64(F.lit("k2"), F.col("source"), key),
    )


def surrogate_id(source: Column, title_date: Column, prefix: str) -> Column:
    """Deterministic id of a publication without one: prefix + 16 hex digits of a SHA-256
    of its source, title (lower-case) and date."""
    digest = F.sha2(F.concat_ws(SEP, source, title_date), 256)
    return F.concat(F.lit(prefix), F.substring(digest, 1, 16))


def record_summaries(records: DataFrame, label: Column) -> DataFrame:
    """Each record (``PUBLICATION_COLUMNS``) as the summary of itself, labelled ``label``."""
    rep = F.struct(
        F.col("id").isNull().alias("no_id"),
        F.col("title"),
        F.col("date_mention"),
        F.col("journal").isNull().alias("no_journal"),
        F.col("journal"),
    )
    return records.select(
        "source",
        label.alias("_label"),
        rep.alias("rep"),
        F.col("journal").alias("any_journal"),
        F.lit(1).cast("long").alias("records"),
    )


def summarise(summaries: DataFrame) -> DataFrame:
    """One summary per ``source, _label``: the summaries of a group combined."""
    return summaries.groupBy("source", "_label").agg(
        F.min("rep").alias("rep"),
        F.min("any_journal").alias("any_journal"),
        F.sum("records").alias("records"),
    )


def publication_columns(surrogate_prefix: str) -> list[Column]:
    """A summary's publication: ``PUBLICATION_COLUMNS`` (id from the label) and ``records``."""
    label_text = F.substring(F.col("_label"), len(ID_PREFIX) + 1, 1 << 30)
    surrogate = surrogate_id(F.col("source"), label_text, surrogate_prefix)
    publication_id = F.when(F.col("_label").startswith(ID_PREFIX), label_text).otherwise(surrogate)
    return [
        F.col("source"),
        publication_id.alias("id"),
        F.col("rep.title").alias("title"),
        F.coalesce(F.col("rep.journal"), F.col("any_journal")).alias("journal"),
        F.col("rep.date_mention").alias("date_mention"),
        F.col("records"),
    ]
