"""JSON values read like CSV fields: keys in any case, one kind of value per field, numbers.

Each JSON record (an element of an array, or a line) is parsed into Spark's ``VARIANT`` type,
so its keys are matched in any case (``ID`` is ``id``, as CSV headers are) and each value's
kind is known. :func:`json_record` gives the four raw fields as text and ``malformed``: the
value is not an object, a field holds an object or an array where text is expected (it is
never turned into text and matched), or a key is given in two cases (``id`` and ``ID``). A
JSON number is the decimal text of its value (``1``, ``1.0`` and ``1e0`` are ``"1"``; ``1.50``
is ``"1.5"``); strings are kept as written, booleans are ``true``/``false``. A key repeated
in the same case keeps its last value (:func:`drug_mentions.config.tune_json_parsing`).
"""

from __future__ import annotations

from pyspark.sql import Column
from pyspark.sql import functions as F

from drug_mentions.contract import JSON_KEYS

# Optional comments and whitespace, then the end of the text (after a JSON array's "]").
_COMMENTS = r"(?:\s|//[^\n]*|/\*(?s:.)*?\*/)*"
# A trailing comma before the array's closing "]" (comments around it allowed): removed.
TRAILING_COMMA = rf",{_COMMENTS}\]({_COMMENTS})$"
# A JSON Lines line without a value: blank, or comments only.
NO_VALUE = r"^[\s\uFEFF]*(?:/\*.*?\*/[\s\uFEFF]*)*(?://.*)?$"
JSON_OPTIONS = {"allowComments": "true"}


def _json_text(value: Column) -> Column:
    """A scalar JSON value as text; a number as the decimal text of its value."""
    as_double = F.try_variant_get(value, "$", "double")
    whole = (as_double == F.floor(as_double)) & (F.abs(as_double) < 1e15)
    is_whole_double = (F.schema_of_variant(value) == "DOUBLE") & whole
    as_text = F.try_variant_get(value, "$", "string")
    return F.when(is_whole_double, as_double.cast("long").cast("string")).otherwise(as_text)


def _named(key: str):
    """A ``map_filter`` predicate: the entry's key is ``key`` in any case."""
    return lambda name, _: F.lower(name) == key


def json_record(item: Column) -> list[Column]:
    """The raw fields of a JSON value (keys in any case) and ``malformed``: not an object, a
    field whose value is an object or an array, or a key given in two cases (``id``, ``ID``)."""
    entries = F.try_variant_get(item, "$", "map<string,variant>")
    fields, bad = [], ~F.coalesce(entries.isNotNull(), F.lit(False))
    for raw, key in JSON_KEYS.items():
        values = F.map_values(F.map_filter(entries, _named(key)))
        value = F.get(values, 0)
        kind = F.schema_of_variant(value)
        nested = kind.startswith("OBJECT") | kind.startswith("ARRAY")
        bad = bad | F.coalesce(nested | (F.size(values) > 1), F.lit(False))
        fields.append(_json_text(value).alias(raw))
    return [*fields, bad.alias("malformed")]
