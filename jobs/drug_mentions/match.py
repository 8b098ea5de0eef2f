"""Drug list clean-up (the one drug-name normaliser) and whole-word matching in titles.

Words are maximal runs of Unicode letters and digits; everything else separates words. A
drug (one or more words) is mentioned when its word sequence occurs in the title's word
sequence, case-insensitively. Scalable form: explode each title's words with their
position, equi-join the word to the **broadcast** drug list on the drug's first word, and
keep the pair when the next words of the title equal the drug's words (the n-gram check).
No cross join, no regex per drug: the cost is one hash lookup per title word.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from drug_mentions import clean
from drug_mentions.contract import DUPLICATE_DRUG, MALFORMED_RECORD, MENTION_COLUMNS, MISSING_DRUG

# A word: a maximal run of letters and digits. (regexp_extract_all compiles its pattern once;
# split would compile it again for every row.)
_WORD = r"[\p{L}\p{N}]+"


def words(text: Column) -> Column:
    """Upper-cased words of a text: ``Tetracycline-resistant`` -> [TETRACYCLINE, RESISTANT].

    Words are found in the text as written, then upper-cased one by one: upper-casing first
    would add word breaks inside a word, as some letters upper-case to a letter plus a
    combining mark (``ǰ`` -> ``J̌``, ``ΐ`` -> ``Ϊ́``), so ``Xǰethanol`` would mention ETHANOL.
    NULL text has no words (an empty array, never NULL). ASCII text (the common case) cannot
    gain a word break by upper-casing, so it is upper-cased whole and split once, without the
    per-word lambda."""
    ascii_words = F.regexp_extract_all(F.upper(text), F.lit(_WORD), 0)
    other_words = F.transform(F.regexp_extract_all(text, F.lit(_WORD), 0), F.upper)
    found = F.when(clean.is_ascii(text), ascii_words).otherwise(other_words)
    return F.coalesce(found, F.array().cast("array<string>"))


def with_drug_name(drugs: DataFrame) -> DataFrame:
    """Add ``drug`` and ``words`` from ``raw_drug``: the one drug-name normaliser.

    The name is cleaned as any text (:data:`drug_mentions.clean.TEXT_STEPS`: escape runs
    decoded, NFC, whitespace trimmed and collapsed), then upper-cased; blank -> NULL. ``words``
    are the words of the name as written (as for titles), not of its upper-cased form. The drug
    list goes through it, and so does the name an ad-hoc ``--related-drug`` asks for
    (:func:`drug_mentions.adhoc.normalise_drug_name`)."""
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


def drug_keys(drugs: DataFrame) -> DataFrame:
    """The kept drugs as join keys: ``first_word``, ``words``, ``n_words``, ``drug``, ``atccode``."""
    return drugs.select(
        F.element_at("words", 1).alias("first_word"),
        "words",
        F.size("words").alias("n_words"),
        "drug",
        "atccode",
    )


def match_mentions(publications: DataFrame, drugs: DataFrame) -> DataFrame:
    """Edges ``drug, atccode, source, id, title, journal, date_mention``, one per
    (publication, drug), from publications and :func:`drug_keys` rows."""
    title_words = publications.withColumn("_words", words(F.col("title")))
    exploded = title_words.select("*", F.posexplode("_words").alias("_pos", "_word"))
    joined = exploded.join(
        F.broadcast(drugs), exploded["_word"] == drugs["first_word"], how="inner"
    )
    following = F.slice(F.col("_words"), F.col("_pos") + 1, F.col("n_words"))
    is_whole_name = (F.col("n_words") == 1) | (following == F.col("words"))
    edges = joined.where(is_whole_name).select(*MENTION_COLUMNS)
    return edges.dropDuplicates(["source", "id", "drug"])
