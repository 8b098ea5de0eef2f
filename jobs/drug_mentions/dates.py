"""The date rule's steps (:data:`drug_mentions.clean.DATE_STEPS`, after the whitespace step):
an accepted shape, its three parts, the date.

One anchored regex checks the shape (``dd/MM/yyyy`` day first, ``yyyy-MM-dd``,
``yyyy/MM/dd``, ``d MMMM yyyy`` with an English month in any case); the three parts are cut
at the shape's separator and cast as ``yyyy-M-d`` (``try_cast``: an impossible date is NULL,
no date formatter, no exception). All built-in Spark functions, compiled into the stage's
generated code.
"""

from __future__ import annotations

from pyspark.sql import Column
from pyspark.sql import functions as F

# Accepted date shapes: d/M/yyyy (day first), yyyy-M-d, yyyy/M/d, d Month yyyy.
_SHAPE = r"^(?:\d{1,2}/\d{1,2}/\d{4}|\d{4}-\d{1,2}-\d{1,2}|\d{4}/\d{1,2}/\d{1,2}|\d{1,2} [A-Za-z]+ \d{4})$"
# fmt: off
_MONTHS = ("january", "february", "march", "april", "may", "june",
           "july", "august", "september", "october", "november", "december")
# fmt: on


def shaped(text: Column) -> Column:
    """Collapsed text of an accepted shape, else NULL."""
    return F.when(text.rlike(_SHAPE), text)


def fields(text: Column) -> Column:
    """Text of an accepted shape -> [year, month, day] as text (month names as their number).

    The shape regex leaves one separator per shape (``-``, ``/`` or a space) and three parts,
    the year first when the first part has four digits: the parts are cut at the separator,
    no second regex."""
    sep = F.when(text.contains("-"), F.lit("-")).when(text.contains("/"), F.lit("/"))
    sep = sep.otherwise(F.lit(" "))
    first, middle, last = (F.split_part(text, sep, F.lit(index)) for index in (1, 2, 3))
    year_first = F.length(first) == 4
    month_names = F.array(*[F.lit(name) for name in _MONTHS])
    month_name = F.array_position(month_names, F.lower(middle)).cast("string")
    return F.array(
        F.when(year_first, first).otherwise(last),
        F.when(sep == " ", month_name).otherwise(middle),
        F.when(year_first, last).otherwise(first),
    )


def of_fields(parts: Column) -> Column:
    """[year (4 digits), month, day (1-2 digits)] -> the date, or NULL when it does not exist
    or is before year 1: Spark's own string-to-date cast of ``yyyy-M-d``."""
    year = F.element_at(parts, 1)
    return F.when(year != "0000", F.array_join(parts, "-").try_cast("date"))
