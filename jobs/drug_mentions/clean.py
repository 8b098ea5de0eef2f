"""Normalisation of text, dates and ids, and the reject reason of each record.

All built-in Spark functions (no Python UDF): escape runs are decoded with ``unhex`` +
``is_valid_utf8`` + ``decode`` inside higher-order functions, Unicode NFC comes from ICU4J
(bundled with Spark 4 for collations) through ``reflect``, dates are matched by shape and
validated by Spark's strict parser.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

# Reject reasons (contract section "Normalisation"); order = precedence.
MALFORMED_RECORD = "malformed_record"
MISSING_TITLE = "missing_title"
INVALID_DATE = "invalid_date"
MISSING_DRUG = "missing_drug"
DUPLICATE_DRUG = "duplicate_drug"

# A run of literal escapes such as \xc3\xb1 (backslash, x, two hex digits), repeated.
_ESCAPE_RUN = r"(?:\\x[0-9A-Fa-f]{2})+"
# After decoding: the backslash(es) of an escape the decoding itself produced.
_CREATED_ESCAPE = r"\\+(?=x[0-9A-Fa-f]{2})"
_NON_ASCII = r"[^\x00-\x7F]"
# Any Unicode whitespace or separator (NBSP, ideographic space...) and control separators.
_SPACES = r"[\s\p{Z}\u0085\u200B\uFEFF]+"

_DAY_FIRST = r"^(\d{1,2})/(\d{1,2})/(\d{4})$"
_ISO_DASH = r"^(\d{4})-(\d{1,2})-(\d{1,2})$"
_ISO_SLASH = r"^(\d{4})/(\d{1,2})/(\d{1,2})$"
_TEXTUAL = r"^(\d{1,2}) ([A-Za-z]+) (\d{4})$"


def decode_escape_runs(text: Column) -> Column:
    """Decode literal ``\\xNN`` runs as UTF-8; drop a run that is not valid UTF-8 entirely.

    ``nursing\\xc3\\x28`` -> ``nursing``; ``\\xc3\\xb1`` -> ``ñ``. Text between runs is kept.
    Decoding is a single pass: an escape that only appears once decoded (``\\x5cx41``
    decodes to a backslash before ``x41``; a backslash left before a removed run) is not
    decoded again, its backslash(es) are dropped (``\\x5cx41`` -> ``x41``). So the result
    never holds an escape and cleaning a clean text changes nothing.
    """
    runs = F.regexp_extract_all(text, F.lit(_ESCAPE_RUN), 0)
    pieces = F.split(text, _ESCAPE_RUN, -1)
    as_bytes = F.transform(runs, lambda run: F.unhex(F.regexp_replace(run, r"\\x", "")))
    decoded = F.transform(
        as_bytes,
        lambda raw: F.when(F.is_valid_utf8(raw), F.decode(raw, "UTF-8")).otherwise(F.lit("")),
    )
    glued = F.zip_with(pieces, F.concat(decoded, F.array(F.lit(""))), lambda p, d: F.concat(p, d))
    once = F.regexp_replace(F.array_join(glued, ""), _CREATED_ESCAPE, "")
    return F.when(text.contains("\\x"), once).otherwise(text)


def nfc(text: Column) -> Column:
    """Unicode NFC through ICU4J's ``Normalizer.compose(s, false)``; ASCII is left alone."""
    composed = F.call_function(
        "reflect", F.lit("com.ibm.icu.text.Normalizer"), F.lit("compose"), text, F.lit(False)
    )
    return F.when(text.rlike(_NON_ASCII), composed).otherwise(text)


def collapse_spaces(text: Column) -> Column:
    """Trim and collapse every run of (Unicode) whitespace to one space; blank -> NULL."""
    squeezed = F.trim(F.regexp_replace(text, _SPACES, " "))
    return F.when(squeezed != "", squeezed)


def clean_text(text: Column) -> Column:
    """Titles and journals: decode escape runs, NFC, trim and collapse whitespace."""
    return collapse_spaces(nfc(decode_escape_runs(text)))


def clean_id(raw_id: Column) -> Column:
    """Ids are strings (JSON ints arrive as their decimal text); blank -> NULL."""
    return collapse_spaces(raw_id)


def parse_date(raw: Column) -> Column:
    """ISO date from ``dd/MM/yyyy`` (day first), ``yyyy-MM-dd``, ``yyyy/MM/dd`` or
    ``d MMMM yyyy`` (English month, any case); NULL for anything else or an impossible date.

    The shape regex picks the one pattern Spark's strict parser tries, so a valid date costs
    one parse and no exception (only impossible dates throw, inside ``try_to_timestamp``)."""
    text = collapse_spaces(raw)
    parsed = (
        F.when(text.rlike(_DAY_FIRST), F.try_to_timestamp(text, F.lit("d/M/yyyy")))
        .when(text.rlike(_ISO_DASH), F.try_to_timestamp(text, F.lit("yyyy-M-d")))
        .when(text.rlike(_ISO_SLASH), F.try_to_timestamp(text, F.lit("yyyy/M/d")))
        .when(text.rlike(_TEXTUAL), F.try_to_timestamp(text, F.lit("d MMMM yyyy")))
    ).cast("date")
    return F.when(F.year(parsed) >= 1, parsed)


def with_clean_fields(records: DataFrame) -> DataFrame:
    """Add ``id``, ``title``, ``journal``, ``date_mention`` (date) from the raw string fields."""
    return records.select(
        "*",
        clean_id(F.col("raw_id")).alias("id"),
        clean_text(F.col("raw_title")).alias("title"),
        clean_text(F.col("raw_journal")).alias("journal"),
        parse_date(F.col("raw_date")).alias("date_mention"),
    )


def with_reject_reason(records: DataFrame) -> DataFrame:
    """Add ``reason``: why the record cannot be used (NULL when it can), first failing rule."""
    reason = (
        F.when(F.col("malformed"), F.lit(MALFORMED_RECORD))
        .when(F.col("title").isNull(), F.lit(MISSING_TITLE))
        .when(F.col("date_mention").isNull(), F.lit(INVALID_DATE))
    )
    return records.withColumn("reason", reason)


def is_usable() -> Column:
    """A record to keep: no reject reason and not a blank line (blank lines are not records)."""
    return F.col("reason").isNull() & ~F.col("blank")


def is_rejected() -> Column:
    """A record that goes to ``rejects/``: a reject reason, and not a blank line."""
    return F.col("reason").isNotNull() & ~F.col("blank")
