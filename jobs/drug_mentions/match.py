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
_NOT_WORD = r"[^\p{L}\p{N}]+"
_NOT_SPACE = "[^ ]+"


def words(text: Column) -> Column:
    """Upper-cased words of a text: ``Tetracycline-resistant`` -> [TETRACYCLINE, RESISTANT].

    Words are found in the text as written, then upper-cased one by one: upper-casing first
    would add word breaks inside a word, as some letters upper-case to a letter plus a
    combining mark (``ǰ`` -> ``J̌``, ``ΐ`` -> ``Ϊ́``), so ``Xǰethanol`` would mention ETHANOL.
    NULL text has no words (an empty array, never NULL). ASCII text (the common case) cannot
    gain a word break by upper-casing, so it is upper-cased whole and split once. Other text
    has every run of non-word characters replaced by one space first, then is upper-cased and
    split at the spaces: upper-casing maps each character on its own and never makes a space,
    so that is each word upper-cased, with no per-word lambda (a lambda would keep Spark from
    compiling the matching into one generated function)."""
    ascii_words = F.regexp_extract_all(F.upper(text), F.lit(_WORD), 0)
    spaced = F.regexp_replace(text, _NOT_WORD, " ")
    other_words = F.regexp_extract_all(F.upper(spaced), F.lit(_NOT_SPACE), 0)
    found = F.when(clean.is_ascii(text), ascii_words).otherwise(other_words)
    return F.coalesce(found, F.array().cast("array<string>"))


def match_mentions(
    publications: DataFrame, drugs: DataFrame, carry: tuple[str, ...] = ()
) -> DataFrame:
    """Edges ``drug, atccode, source, id, title, journal, date_mention`` (and the ``carry``
    columns of the publication), one per (publication, drug), from publications and the drug
    list's keys (:func:`drug_mentions.drugs.drug_keys`)."""
    title_words = publications.withColumn("_words", words(F.col("title")))
    # posexplode_outer: with posexplode, Spark would infer a filter ``size(_words) > 0`` and
    # push it below the projection that computes the words, computing them twice per title.
    # (A title without words gets one row with no word, which joins no drug.)
    exploded = title_words.select("*", F.posexplode_outer("_words").alias("_pos", "_word"))
    joined = exploded.join(
        F.broadcast(drugs), exploded["_word"] == drugs["first_word"], how="inner"
    )
    following = F.slice(F.col("_words"), F.col("_pos") + 1, F.col("n_words"))
    is_whole_name = (F.col("n_words") == 1) | (following == F.col("words"))
    edges = joined.where(is_whole_name).select(*MENTION_COLUMNS, *carry)
    return edges.dropDuplicates(["source", "id", "drug"])


# Up to this many new first words, the titles that may mention a new drug are found by plain
# substring tests before any title is split into words.
PREFILTER_MAX_WORDS = 64


def match_new_drugs(
    publications: DataFrame, drugs: DataFrame, first_words: list[str], carry: tuple[str, ...]
) -> DataFrame:
    """:func:`match_mentions` of drugs added to the list, against publications already
    matched with the others. With few new first words, only titles whose upper-cased text
    contains one of them are split into words: a word equal to a drug's first word, once
    upper-cased, is a substring of the upper-cased title (upper-casing maps each character
    on its own), so no mention is missed."""
    if len(first_words) <= PREFILTER_MAX_WORDS:
        upper = F.upper(F.col("title"))
        may_mention = F.lit(False)
        for word in sorted(set(first_words)):
            may_mention = may_mention | upper.contains(word)
        publications = publications.where(may_mention)
    return match_mentions(publications, drugs, carry)
