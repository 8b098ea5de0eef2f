"""Normalisation of text, dates and ids, the reject reason of each record, the rows of rejects/.

Each rule is a tuple of steps (``TEXT_STEPS``, ``ID_STEPS``, ``DATE_STEPS``: ``Column ->
Column``), and rules are applied one way only, :func:`with_steps` (one projection per step):
the publication records (:func:`with_clean_fields`), the drug list
(:mod:`drug_mentions.drugs`) and the tests all go through it.

All built-in Spark functions (no Python UDF): escape runs are decoded with ``unhex`` +
``is_valid_utf8`` + ``decode`` inside higher-order functions, Unicode NFC comes from ICU4J
(bundled with Spark 4 for collations) through ``reflect``, dates are matched by shape, cut
at their separator and cast (:mod:`drug_mentions.dates`).

This is the hot path (every field of every record). Nearly every field is plain text that no
step changes: one test (:func:`is_plain`) lets it skip every step of its rule
(:func:`with_steps`). Elsewhere each step has a cheap byte-level test for its common case and
runs its regular expression only when that test fails: Java regexes decode the UTF-8 text
and, for ``regexp_replace``, rebuild it, which cost several times the read of the record.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from drug_mentions import contract, dates

# A run of literal escapes such as \xc3\xb1 (backslash, x, two hex digits), repeated.
_ESCAPE_RUN = r"(?:\\x[0-9A-Fa-f]{2})+"
# After decoding: the backslash(es) of an escape the decoding itself produced.
_CREATED_ESCAPE = r"\\+(?=x[0-9A-Fa-f]{2})"
# Any Unicode whitespace or separator (NBSP, ideographic space...) and control separators.
_SPACES = r"[\s\p{Z}\u0085\u200B\uFEFF]+"

# The ASCII characters of _SPACES besides " " (Java's \s; \p{Z} has no other ASCII one).
_ASCII_SPACES = ("\t", "\n", "\x0b", "\x0c", "\r")
# Control characters removed from text and ids: C0 but the whitespace ones above (tab, line
# feed, vertical tab, form feed, carriage return, which become spaces) and DEL.
_CONTROLS = r"[\x00-\x08\x0E-\x1F\x7F]"

# Plain text: printable ASCII words separated by single spaces (no control, no tab or line
# break, nothing to trim, not blank). Possessive quantifiers: one pass, no backtracking; \z,
# not $, which in Java also matches before a final line break ("730\r").
_PLAIN = r"^[!-~]++(?: [!-~]++)*+\z"


def is_ascii(text: Column) -> Column:
    """True when every character is ASCII (as many characters as UTF-8 bytes): a byte count,
    no decoding."""
    return F.length(text) == F.octet_length(text)


def is_plain(text: Column) -> Column:
    """True when the text is plain (:data:`_PLAIN`) and holds no ``\\x``: nearly every field,
    and a text every step of :data:`TEXT_STEPS` and :data:`ID_STEPS` leaves as it is. One
    regex pass instead of each step's own tests (a regex, a dozen byte scans)."""
    return text.rlike(_PLAIN) & ~text.contains("\\x")


def decode_escape_runs(text: Column) -> Column:
    """Decode literal ``\\xNN`` runs as UTF-8; drop a run that is not valid UTF-8 entirely.

    ``nursing\\xc3\\x28`` -> ``nursing``; ``\\xc3\\xb1`` -> ``ñ``. Text between runs is kept.
    Decoding is a single pass: an escape that only appears once decoded (``\\x5cx41``
    decodes to a backslash before ``x41``; a backslash left before a removed run) is not
    decoded again, its backslash(es) are dropped (``\\x5cx41`` -> ``x41``). Control
    characters a run decodes to are dropped (``\\x00`` -> nothing), as
    :func:`remove_controls`, which runs before, drops the literal ones. So the result never
    holds an escape or a control character, and cleaning a clean text changes nothing.
    """
    runs = F.regexp_extract_all(text, F.lit(_ESCAPE_RUN), 0)
    pieces = F.split(text, _ESCAPE_RUN, -1)
    as_bytes = F.transform(runs, lambda run: F.unhex(F.regexp_replace(run, r"\\x", "")))
    decoded = F.transform(
        as_bytes,
        lambda raw: F.when(
            F.is_valid_utf8(raw), F.regexp_replace(F.decode(raw, "UTF-8"), _CONTROLS, "")
        ).otherwise(F.lit("")),
    )
    glued = F.zip_with(pieces, F.concat(decoded, F.array(F.lit(""))), lambda p, d: F.concat(p, d))
    once = F.regexp_replace(F.array_join(glued, ""), _CREATED_ESCAPE, "")
    return F.when(text.contains("\\x"), once).otherwise(text)


def remove_controls(text: Column) -> Column:
    """Remove control characters (:data:`_CONTROLS`: NUL, BEL, ESC, DEL...): ``J\\x00B`` ->
    ``JB``. The whitespace controls (tab, line breaks) are left for :func:`collapse_spaces`."""
    return F.when(text.rlike(_CONTROLS), F.regexp_replace(text, _CONTROLS, "")).otherwise(text)


def nfc(text: Column) -> Column:
    """Unicode NFC through ICU4J's ``Normalizer.compose(s, false)``; ASCII is left alone."""
    composed = F.call_function(
        "reflect", F.lit("com.ibm.icu.text.Normalizer"), F.lit("compose"), text, F.lit(False)
    )
    return F.when(~is_ascii(text), composed).otherwise(text)  # NULL never reaches ICU


def collapse_spaces(text: Column) -> Column:
    """Trim and collapse every run of (Unicode) whitespace to one space; blank -> NULL.

    Fast path: ASCII text with no tab or line break, no double space and no space at either
    end is already collapsed (substring tests on the bytes, no regex)."""
    already = is_ascii(text) & ~text.contains("  ") & ~text.startswith(" ") & ~text.endswith(" ")
    for space in _ASCII_SPACES:
        already = already & ~text.contains(space)
    squeezed = F.when(already, text).otherwise(F.trim(F.regexp_replace(text, _SPACES, " ")))
    return F.when(squeezed != "", squeezed)


Step = Callable[[Column], Column]


def with_steps(
    frame: DataFrame, targets: dict[str, tuple[str, tuple[Step, ...]]], fast_path: bool = True
) -> DataFrame:
    """Add each ``target: (source column, steps)`` column, one projection per step.

    Spark keeps a projection whose result the next one refers to more than once (it does
    not inline non-trivial expressions), so each step's result is computed once per row in
    generated code, however many times the next step reads it.

    ``fast_path``: for the rules of :data:`PLAIN_IS_FINAL`, a plain text (:func:`is_plain`,
    tested once, on the source) skips every step: the result is the same, for a fraction
    of the cost (``False``: every step runs on every row, for tests to compare)."""
    plain = {
        target: f"_plain_{target}"
        for target, (_, steps) in targets.items()
        if fast_path and steps in PLAIN_IS_FINAL
    }
    frame = frame.withColumns(
        {target: F.col(source) for target, (source, _) in targets.items()}
        | {flag: is_plain(F.col(targets[target][0])) for target, flag in plain.items()}
    )
    for depth in range(max(len(steps) for _, steps in targets.values())):
        columns = {}
        for target, (_, steps) in targets.items():
            if depth < len(steps):
                column = steps[depth](F.col(target))
                if target in plain:
                    column = F.when(F.col(plain[target]), F.col(target)).otherwise(column)
                columns[target] = column
        frame = frame.withColumns(columns)
    return frame.drop(*plain.values())


def decode_and_compose(text: Column) -> Column:
    """:func:`decode_escape_runs`, then :func:`nfc`, in one step: both hold expressions Spark
    cannot compile into a stage's generated code (lambdas, ``reflect``), so the projection of
    each is evaluated on its own, copying every row once more; one projection for both
    copies it once."""
    return nfc(decode_escape_runs(text))


# Titles, journals, drug names and atccodes: remove control characters, decode escape runs,
# NFC, trim and collapse whitespace; blank -> NULL.
TEXT_STEPS: tuple[Step, ...] = (remove_controls, decode_and_compose, collapse_spaces)
# Ids are strings (JSON ints arrive as their decimal text); control characters removed,
# whitespace trimmed and collapsed; blank -> NULL.
ID_STEPS: tuple[Step, ...] = (remove_controls, collapse_spaces)
# Dates: one anchored regex checks the shape (dd/MM/yyyy day first, yyyy-MM-dd, yyyy/MM/dd,
# d MMMM yyyy with an English month in any case), then the three parts are cut at the shape's
# separator and cast as yyyy-M-d: no date formatter, no exception.
DATE_STEPS: tuple[Step, ...] = (collapse_spaces, dates.shaped, dates.fields, dates.of_fields)
# The rules that leave a plain text (:func:`is_plain`) as it is: with_steps skips their steps
# for it.
PLAIN_IS_FINAL: tuple[tuple[Step, ...], ...] = (TEXT_STEPS, ID_STEPS)


# A publication record's clean fields: field -> (raw column, rule).
PUBLICATION_RULES: dict[str, tuple[str, tuple[Step, ...]]] = {
    "id": ("raw_id", ID_STEPS),
    "title": ("raw_title", TEXT_STEPS),
    "journal": ("raw_journal", TEXT_STEPS),
    "date_mention": ("raw_date", DATE_STEPS),
}


def with_clean_fields(records: DataFrame) -> DataFrame:
    """Add ``id``, ``title``, ``journal``, ``date_mention`` (date) from the raw string fields
    (:data:`PUBLICATION_RULES`)."""
    return with_steps(records, PUBLICATION_RULES)


def with_reject_reason(records: DataFrame) -> DataFrame:
    """Add ``reason``: why the record cannot be used (NULL when it can), first failing rule."""
    reason = (
        F.when(F.col("malformed"), F.lit(contract.MALFORMED_RECORD))
        .when(F.col("title").isNull(), F.lit(contract.MISSING_TITLE))
        .when(F.col("date_mention").isNull(), F.lit(contract.INVALID_DATE))
    )
    return records.withColumn("reason", reason)


def is_usable() -> Column:
    """A record to keep: no reject reason and not a blank line (blank lines are not records)."""
    return F.col("reason").isNull() & ~F.col("blank")


def is_rejected() -> Column:
    """A record that goes to ``rejects/``: a reject reason, and not a blank line."""
    return F.col("reason").isNotNull() & ~F.col("blank")


def row_status() -> Column:
    """What becomes of a row: ``contract.BLANK`` (a blank line, not a record),
    ``contract.USABLE`` or ``contract.REJECTED`` (:func:`is_usable`, :func:`is_rejected`)."""
    return (
        F.when(F.col("blank"), F.lit(contract.BLANK))
        .when(is_usable(), F.lit(contract.USABLE))
        .otherwise(F.lit(contract.REJECTED))
    )


def with_reject_fields(records: DataFrame, fields: dict[str, str]) -> DataFrame:
    """Keep what ``rejects/`` needs, and only on rejected rows: ``fields`` (contract field name
    -> raw string, from the ``fields`` raw columns) and ``raw_line``; both NULL elsewhere. The
    raw columns are dropped, so a persisted copy holds the raw text of the rejects only."""
    pairs = [part for name, raw in fields.items() for part in (F.lit(name), F.col(raw))]
    rejected = is_rejected()
    return records.withColumns(
        {
            "fields": F.when(rejected, F.create_map(*pairs)),
            "raw_line": F.when(rejected, F.col("raw_line")),
        }
    ).drop(*fields.values())


def clean_records(raw: DataFrame) -> DataFrame:
    """Raw publication records -> ``contract.RECORD_COLUMNS``: clean fields, reject reason,
    and the raw fields and line of the rejected ones only (:func:`with_reject_fields`)."""
    cleaned = raw.transform(with_clean_fields).transform(with_reject_reason)
    fields = with_reject_fields(cleaned, contract.PUBLICATION_FIELDS)
    return fields.select(*contract.RECORD_COLUMNS)


def rejects(*frames: DataFrame) -> DataFrame:
    """The rows of ``rejects/``: the rejected, non-blank rows of each frame (drug rows,
    publication records: each after :func:`with_reject_fields`) as ``contract.REJECT_COLUMNS``."""
    found = [frame.where(is_rejected()).select(*contract.REJECT_COLUMNS) for frame in frames]
    return functools.reduce(DataFrame.unionByName, found)
