"""Whole-word matching of drug names in titles.

Words are maximal runs of Unicode letters and digits; everything else separates words. A
drug (one or more words) is mentioned when its word sequence occurs in the title's word
sequence, case-insensitively. Scalable form: explode each title's words with their
position, equi-join the word to the **broadcast** drug list on the drug's first word, and
keep the pair when the next words of the title equal the drug's words (the n-gram check).
No cross join, no regex per drug: the cost is one hash lookup per title word.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from drug_mentions import clean
from drug_mentions.contract import MENTION_COLUMNS

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


def match_mentions(publications: DataFrame, drugs: DataFrame) -> DataFrame:
    """Edges ``drug, atccode, source, id, title, journal, date_mention``, one per
    (publication, drug), from publications and the drug list's keys
    (:func:`drug_mentions.drugs.drug_keys`)."""
    title_words = publications.withColumn("_words", words(F.col("title")))
    exploded = title_words.select("*", F.posexplode("_words").alias("_pos", "_word"))
    joined = exploded.join(
        F.broadcast(drugs), exploded["_word"] == drugs["first_word"], how="inner"
    )
    following = F.slice(F.col("_words"), F.col("_pos") + 1, F.col("n_words"))
    is_whole_name = (F.col("n_words") == 1) | (following == F.col("words"))
    edges = joined.where(is_whole_name).select(*MENTION_COLUMNS)
    return edges.dropDuplicates(["source", "id", "drug"])
