"""Property-based tests (Hypothesis) of the text cleaner, the date parser and the matcher.

A Spark evaluation costs ~0.1-1 s, so one Hypothesis example is a BATCH of a few hundred
inputs evaluated in one DataFrame (one Spark job), and ``max_examples`` is small: every
property sees well over 1,000 inputs per CI run (``MIN_BATCH * max_examples``). Profiles:
``ci`` (default: derandomized, so CI is reproducible) and ``dev`` (random, more examples);
pick one with ``HYPOTHESIS_PROFILE=dev``.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import unicodedata

from drug_mentions import clean, drugs, match
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from pyspark.sql import functions as F

_SLOW_BATCHES = [
    HealthCheck.too_slow,
    HealthCheck.data_too_large,
    HealthCheck.large_base_example,
    HealthCheck.function_scoped_fixture,
]
settings.register_profile(
    "ci",
    max_examples=5,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=_SLOW_BATCHES,
    # No shrinking in CI: each step is a Spark job, and the assertions already list the
    # failing inputs of the batch. Use the dev profile to shrink.
    phases=[Phase.explicit, Phase.generate],
)
settings.register_profile(
    "dev", max_examples=25, deadline=None, print_blob=True, suppress_health_check=_SLOW_BATCHES
)
PROFILE = settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
MIN_BATCH = 250
MAX_BATCH = 400


def batches(element: st.SearchStrategy) -> st.SearchStrategy:
    return st.lists(element, min_size=MIN_BATCH, max_size=MAX_BATCH)


def _assert_none(failures: list, what: str) -> None:
    """Fail with the count and the first few failing inputs of the batch (not all of it)."""
    assert not failures, f"{len(failures)} {what}, e.g. {failures[:3]!r}"


def _evaluate(spark, rows: list[tuple], schema: str, *columns, **rules) -> list:
    """One Spark job over the rows, in input order (``_i``): the ``rules`` (``name=(source
    column, steps)``) applied the pipeline's way (:func:`drug_mentions.clean.with_steps`),
    one after the other (a rule may read an earlier one's result), then ``select(*columns)``."""
    frame = spark.createDataFrame([(i, *row) for i, row in enumerate(rows)], f"_i int, {schema}")
    for name, rule in rules.items():
        frame = clean.with_steps(frame, {name: rule})
    return frame.select("_i", *columns, *rules).orderBy("_i").collect()


# ---------------------------------------------------------------------------------------------
# Text: TEXT_STEPS and decode_escape_runs
# ---------------------------------------------------------------------------------------------

HEX = "0123456789abcdefABCDEF"
ESCAPE_PATTERN = re.compile(r"\\x[0-9A-Fa-f]{2}")
# Unicode White_Space (plus the zero-width space and BOM the cleaner also treats as spaces):
# a clean text has none of them at either end, and only single plain spaces inside.
_WHITE = "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\ufeff"
COLLAPSED = re.compile(f"[^{_WHITE}]+( [^{_WHITE}]+)*")


def _escape(raw: bytes, upper: bool = False) -> str:
    return "".join(f"\\x{b:02X}" if upper else f"\\x{b:02x}" for b in raw)


# Pieces that make escape runs likely: valid UTF-8 of arbitrary text, arbitrary (mostly
# invalid) bytes, half escapes, backslashes and hex digits, separators.
escape_run = st.one_of(
    st.text(max_size=3).map(lambda s: _escape(s.encode("utf-8"))),
    st.binary(min_size=1, max_size=4).map(_escape),
    st.binary(min_size=1, max_size=3).map(lambda b: _escape(b, upper=True)),
    st.sampled_from([r"\x5c", r"\x78", r"\x34\x31", r"\x5cx41", r"\x", "\\", r"\x4"]),
)
text_piece = st.one_of(
    escape_run,
    st.text(max_size=6),
    st.text(alphabet="\\x" + HEX + " \t", max_size=6),
    st.sampled_from([" ", "\u00a0", "\u2003", "\t\n", "\u200b", "\ufeff", "e\u0301", "\u0301"]),
    st.sampled_from(["\x00", "\x1b", "\x7f", "\r", "\x0b", "\\\x00x41", r"\x00", r"\x1f"]),
)
# Control characters a clean text never holds: C0 but tab, line feed, vertical tab, form feed
# and carriage return (whitespace: they become spaces), and DEL.
CONTROLS = re.compile("[\x00-\x08\x0e-\x1f\x7f]")
messy_text = st.one_of(st.none(), st.lists(text_piece, max_size=8).map("".join))


def _reference_decode(text: str) -> str:
    """The contract's decoding rule in plain Python (the oracle of the Spark columns)."""

    def decode(run: re.Match) -> str:
        raw = bytes.fromhex(run.group(0).replace("\\x", ""))
        try:
            return CONTROLS.sub("", raw.decode("utf-8"))
        except UnicodeDecodeError:
            return ""

    return _drop_created_escapes(re.sub(r"(?:\\x[0-9A-Fa-f]{2})+", decode, text))


def _drop_created_escapes(decoded: str) -> str:
    """Decoding is a single pass: an escape that only exists after decoding is not decoded
    again; its backslash(es) are dropped, so the result holds no escape (idempotence)."""
    return re.sub(r"\\+(?=x[0-9A-Fa-f]{2})", "", decoded)


@PROFILE
@given(batches(messy_text))
def test_text_rule_is_idempotent_and_leaves_no_escape_or_control(spark, texts):
    rows = _evaluate(
        spark,
        [(t,) for t in texts],
        "s string",
        once=("s", clean.TEXT_STEPS),
        twice=("once", clean.TEXT_STEPS),
        decoded=("s", (clean.decode_escape_runs,)),
    )
    not_idempotent = [
        (t, r.once, r.twice) for t, r in zip(texts, rows, strict=True) if r.once != r.twice
    ]
    _assert_none(not_idempotent, "not idempotent (input, once, twice)")
    left_escapes = [
        (t, r.once) for t, r in zip(texts, rows, strict=True) if ESCAPE_PATTERN.search(r.once or "")
    ]
    _assert_none(left_escapes, "escapes left (input, cleaned)")
    left_controls = [
        (t, r.once) for t, r in zip(texts, rows, strict=True) if CONTROLS.search(r.once or "")
    ]
    _assert_none(left_controls, "control characters left (input, cleaned)")
    untrimmed = [r.once for r in rows if r.once is not None and not COLLAPSED.fullmatch(r.once)]
    _assert_none(untrimmed, "not trimmed/collapsed")
    decoded_wrong = [
        (t, r.decoded, _reference_decode(t))
        for t, r in zip(texts, rows, strict=True)
        if t is not None and r.decoded != _reference_decode(t)
    ]
    _assert_none(decoded_wrong, "decoded wrong (input, got, want)")
    assert [r.decoded for t, r in zip(texts, rows, strict=True) if t is None] == [
        None
    ] * texts.count(None)


@PROFILE
@given(batches(st.one_of(messy_text, st.from_regex(r"[ !-~]{0,12}", fullmatch=True))))
def test_plain_text_fast_path_changes_no_result(spark, texts):
    frame = spark.createDataFrame(list(enumerate(texts)), "i int, s string")
    rules = {"text": ("s", clean.TEXT_STEPS), "id": ("s", clean.ID_STEPS)}
    fast = clean.with_steps(frame, rules).orderBy("i").collect()
    slow = clean.with_steps(frame, rules, fast_path=False).orderBy("i").collect()
    differ = [(t, f, s) for t, f, s in zip(texts, fast, slow, strict=True) if f != s]
    _assert_none(differ, "changed by the fast path (input, fast, slow)")


# A payload that is not itself escape-like (no backslash), around a valid or invalid run.
plain = st.text(
    alphabet=st.characters(exclude_characters="\\", exclude_categories=["Cs"]), max_size=8
)


@PROFILE
@given(
    batches(
        st.tuples(
            plain,
            st.one_of(st.text(min_size=1, max_size=4), st.binary(min_size=1, max_size=4)),
            plain,
            st.booleans(),
        )
    )
)
def test_escape_runs_decode_as_utf8_or_vanish(spark, cases):
    raws, expected = [], []
    for before, payload, after, upper in cases:
        data = payload.encode("utf-8") if isinstance(payload, str) else payload
        try:
            text = CONTROLS.sub("", data.decode("utf-8"))  # controls decoded are dropped
        except UnicodeDecodeError:
            text = ""  # not valid UTF-8: the run is removed entirely
        raws.append(before + _escape(data, upper) + after)
        expected.append(_drop_created_escapes(before + text + after))
    rows = _evaluate(spark, [(r,) for r in raws], "s string", d=("s", (clean.decode_escape_runs,)))
    wrong = [
        (raw, r.d, want) for raw, r, want in zip(raws, rows, expected, strict=True) if r.d != want
    ]
    _assert_none(wrong, "wrong (input, got, want)")


def test_contract_examples_of_escape_decoding(spark):
    rows = _evaluate(
        spark,
        [(r"Journal of emergency nursing\xc3\x28",), (r"\xc3\xb1",), (r"\x5cx41",)],
        "s string",
        c=("s", clean.TEXT_STEPS),
    )
    assert [r.c for r in rows] == ["Journal of emergency nursing", "ñ", "x41"]


# ---------------------------------------------------------------------------------------------
# Dates: DATE_STEPS
# ---------------------------------------------------------------------------------------------

MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
_SPACE_CHARS = " \t\n\r\x0b\x0c\u0085\u200b\ufeff"
_DATE_SHAPES = [
    re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})"),  # day first
    re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})"),
    re.compile(r"([0-9]{4})/([0-9]{1,2})/([0-9]{1,2})"),
    re.compile(r"([0-9]{1,2}) ([A-Za-z]+) ([0-9]{4})"),
]


def _reference_date(raw: str | None) -> dt.date | None:
    """The accepted formats of the contract, in plain Python (surrounding/inner spaces
    collapsed like every text field); None for anything else or an impossible date."""
    if raw is None:
        return None
    text = " ".join(
        "".join(
            " " if c in _SPACE_CHARS or unicodedata.category(c).startswith("Z") else c for c in raw
        ).split()
    )
    for shape_number, shape in enumerate(_DATE_SHAPES):
        found = shape.fullmatch(text)
        if not found:
            continue
        a, b, c = found.groups()
        if shape_number == 0:
            year, month, day = int(c), int(b), int(a)
        elif shape_number == 3:
            if b.lower() not in MONTHS:
                return None
            year, month, day = int(c), MONTHS.index(b.lower()) + 1, int(a)
        else:
            year, month, day = int(a), int(b), int(c)
        try:
            return dt.date(year, month, day)
        except ValueError:
            return None
    return None


def _random_case(text: str, flips: list[bool]) -> str:
    return "".join(
        c.upper() if f else c.lower()
        for c, f in zip(text, flips + [False] * len(text), strict=False)
    )


@st.composite
def formatted_date(draw) -> tuple[str, dt.date]:
    day = draw(st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)))
    pad = draw(st.booleans())
    d, m = (f"{day.day:02d}", f"{day.month:02d}") if pad else (str(day.day), str(day.month))
    month_name = _random_case(MONTHS[day.month - 1], draw(st.lists(st.booleans(), max_size=9)))
    shape = draw(
        st.sampled_from(
            [
                f"{d}/{m}/{day.year:04d}",
                f"{day.year:04d}-{m}-{d}",
                f"{day.year:04d}/{m}/{d}",
                f"{d} {month_name} {day.year:04d}",
                f"{d}  {month_name}\t{day.year:04d}",
            ]
        )
    )
    around = draw(st.sampled_from(["", " ", "\t", "\u00a0", " \r\n"]))
    return around + shape + around, day


def _mutate(text: str, position: int, char: str) -> str:
    position = position % (len(text) + 1)
    return text[:position] + char + text[position + 1 :]


impossible_date = st.tuples(
    st.integers(0, 99), st.integers(0, 99), st.integers(0, 9999), st.sampled_from("/-ds")
).map(
    lambda t: {
        "/": f"{t[0]:02d}/{t[1]:02d}/{t[2]:04d}",
        "-": f"{t[2]:04d}-{t[1]:02d}-{t[0]:02d}",
        "d": f"{t[2]:04d}/{t[1]}/{t[0]}",
        "s": f"{t[0]} {MONTHS[t[1] % 12]}x {t[2]:04d}",
    }[t[3]]
)
date_input = st.one_of(
    formatted_date().map(lambda pair: pair[0]),
    st.tuples(formatted_date(), st.integers(0, 20), st.sampled_from("0/-9 aX.\u0661")).map(
        lambda t: _mutate(t[0][0], t[1], t[2])
    ),
    impossible_date,
    st.text(alphabet="0123456789/- ", max_size=12),
    st.text(max_size=12),
    st.none(),
)


@PROFILE
@given(batches(formatted_date()))
def test_valid_dates_round_trip_in_every_accepted_format(spark, cases):
    rows = _evaluate(
        spark,
        [(raw,) for raw, _ in cases],
        "s string",
        d=("s", clean.DATE_STEPS),
        iso=("d", (lambda d: F.date_format(d, "yyyy-MM-dd"),)),
    )
    wrong = [(raw, r.d, want) for (raw, want), r in zip(cases, rows, strict=True) if r.d != want]
    _assert_none(wrong, "wrong (input, got, want)")
    assert [r.iso for r in rows] == [want.isoformat() for _, want in cases]


@PROFILE
@given(batches(date_input))
def test_any_text_parses_as_the_contract_says_or_gives_null(spark, raws):
    raws = [*raws, "31/02/2021", "29/02/2020"]  # never vacuous: one rejected, one accepted
    rows = _evaluate(spark, [(r,) for r in raws], "s string", d=("s", clean.DATE_STEPS))
    wrong = [
        (raw, r.d, _reference_date(raw))
        for raw, r in zip(raws, rows, strict=True)
        if r.d != _reference_date(raw)
    ]
    _assert_none(wrong, "wrong (input, got, want)")
    assert [r.d for r in rows[-2:]] == [None, dt.date(2020, 2, 29)]


def test_impossible_and_foreign_dates_are_null(spark):
    raws = [
        "31/02/2021",
        "29/02/2021",
        "2021-13-01",
        "0000-01-01",
        "00/01/2020",
        "12/31/2020",
        "2020-01-01T00:00:00",
        "2020.01.01",
        "1 Janvier 2020",
        "January 1 2020",
        "",
        None,
    ]
    rows = _evaluate(spark, [(r,) for r in raws], "s string", d=("s", clean.DATE_STEPS))
    assert [r.d for r in rows] == [None] * len(raws)


# ---------------------------------------------------------------------------------------------
# Words and matching: match.words, match.match_mentions
# ---------------------------------------------------------------------------------------------

# Letters and digits the JVM (Java 17: Unicode 13) and Python agree on: everything below
# U+0800 plus a few old scripts (Devanagari, Thai, Hangul syllables and jamo, CJK), and
# tricky letters on purpose: upper case with combining marks (ΐ -> Ϊ́) or several letters
# (ß -> SS). Separators: punctuation, symbols, spaces and controls (not the backslash, which
# could start an escape once glued to a name; not combining marks, which NFC composes).
TRICKY_LETTERS = "ΐǰßŉİıſﬁǅᾳ"
letter = st.one_of(
    st.characters(categories=["Lu", "Ll", "Lt", "Lo", "Nd"], max_codepoint=0x7FF),
    st.characters(categories=["Lo"], min_codepoint=0x0905, max_codepoint=0x0939),
    st.characters(categories=["Lo"], min_codepoint=0x0E01, max_codepoint=0x0E30),
    st.characters(min_codepoint=0x1100, max_codepoint=0x1112),  # Hangul leading jamo
    st.characters(min_codepoint=0x1161, max_codepoint=0x1175),  # Hangul vowel jamo
    st.characters(min_codepoint=0xAC00, max_codepoint=0xAFFF),
    st.characters(min_codepoint=0x4E00, max_codepoint=0x4FFF),
    st.sampled_from(TRICKY_LETTERS),
)
# Control characters (Cc) separate words only where they are whitespace (tab, line breaks, NEL);
# the others are removed by the cleaning (TEXT_STEPS), so they glue what they stood between.
separator = st.text(
    alphabet=st.characters(
        categories=["Zs", "Po", "Pd", "Ps", "Pe", "Sm", "Sc", "So", "Cc"],
        exclude_characters="\\" + "".join(map(chr, [*range(0x09), *range(0x0E, 0x20), 0x7F])),
        max_codepoint=0x2FFF,
    ),
    min_size=1,
    max_size=3,
)
word = st.text(alphabet=letter, min_size=1, max_size=8)
drug_name = st.lists(word, min_size=1, max_size=3)


def _is_word_char(char: str) -> bool:
    return unicodedata.category(char)[0] in "LN"


def _variant(name: str, flips: list[bool]) -> str:
    """The name in another case, when that is still the same words in every case mapping."""
    other = _random_case(name, flips)
    same = other.upper() == name.upper() and len(other) == len(name)
    return other if same and all(_is_word_char(c) for c in other) else name


@st.composite
def title_cases(draw) -> list[tuple[str, str, bool]]:
    """One drug name in four titles: (name, title, whether the title mentions it).

    Between separators (mentioned, any text around), and with letters or digits glued before,
    after, or both (a longer word, nothing else around: not mentioned)."""
    words_of_name = draw(drug_name)
    name = " ".join(words_of_name)
    glued = [draw(separator) for _ in words_of_name[1:]]
    cased = [_variant(w, draw(st.lists(st.booleans(), max_size=8))) for w in words_of_name]
    in_title = cased[0] + "".join(s + w for s, w in zip(glued, cased[1:], strict=True))
    before = draw(st.text(max_size=10)) + draw(separator)
    after = draw(separator) + draw(st.text(max_size=10))
    prefix, suffix = draw(word), draw(word)
    edge = draw(st.one_of(st.just(""), separator))
    return [
        (name, before + in_title + after, True),
        (name, edge + prefix + in_title + edge, False),
        (name, edge + in_title + suffix + edge, False),
        (name, prefix + in_title + suffix, False),
    ]


@PROFILE
@given(
    batches(
        st.one_of(
            st.text(max_size=20),
            st.lists(st.one_of(word, separator), max_size=5).map("".join),
            st.none(),
        )
    )
)
def test_words_are_nonempty_runs_of_letters_and_digits(spark, texts):
    rows = _evaluate(spark, [(t,) for t in texts], "s string", match.words(F.col("s")).alias("w"))
    empty = [(t, r.w) for t, r in zip(texts, rows, strict=True) if "" in r.w]
    _assert_none(empty, "with an empty word (input, words)")
    known = re.compile(f"[\u0000-\u07ff{TRICKY_LETTERS}]*")
    counted = [(t, r.w) for t, r in zip(texts, rows, strict=True) if t and known.fullmatch(t)]
    miscounted = [(t, w) for t, w in counted if len(w) != len(re.findall(r"[^\W_]+", t))]
    _assert_none(miscounted, "split wrong (input, words)")
    assert [r.w for t, r in zip(texts, rows, strict=True) if t is None] == [[]] * texts.count(None)


@PROFILE
@given(st.lists(title_cases(), min_size=MIN_BATCH // 4 + 1, max_size=MAX_BATCH // 4))
def test_a_name_between_separators_is_found_and_never_inside_a_longer_word(spark, groups):
    """Drug i against title i (drugs and titles cleaned as the pipeline does)."""
    cases = [case for group in groups for case in group]
    drug_rows = [(n, str(i)) for i, (n, _, _) in enumerate(cases)]
    raw_drugs = spark.createDataFrame(drug_rows, "raw_drug string, raw_atccode string")
    drug_rows = drugs.with_drug_fields(
        raw_drugs.select("*", F.lit("drugs.csv").alias("file"), F.lit(False).alias("malformed"))
    )
    keys = drugs.drug_keys(drug_rows.where(F.col("reason").isNull()))
    titles = spark.createDataFrame(
        [(str(i), t, n) for i, (n, t, _) in enumerate(cases)], "id string, raw string, name string"
    )
    cleaned = clean.with_steps(
        titles, {"title": ("raw", clean.TEXT_STEPS), "own_name": ("name", clean.TEXT_STEPS)}
    )
    publications = cleaned.select(
        "id",
        "title",
        F.lit("pubmed").alias("source"),
        F.lit(None).cast("string").alias("journal"),
        F.lit(None).cast("date").alias("date_mention"),
        F.upper("own_name").alias("own_drug"),
    )
    edges = match.match_mentions(publications, keys).select(
        "id", F.col("drug").alias("own_drug"), F.lit(True).alias("found")
    )
    found = publications.join(edges, on=["id", "own_drug"], how="left").select(
        F.col("id").cast("int").alias("i"), F.coalesce("found", F.lit(False)).alias("found")
    )
    got = {row.i: row.found for row in found.collect()}
    wrong = [(n, t, want) for i, (n, t, want) in enumerate(cases) if got[i] != want]
    _assert_none(wrong, "wrong (input, got, want)")
