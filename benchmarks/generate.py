"""Seeded synthetic inputs for the benchmarks, with the expected counts in ``manifest.json``.

    .venv/bin/python benchmarks/generate.py --titles 1000000 --drugs 10000 \
        --out benchmarks/work/data-1m-10k --seed 8

Writes ``drugs.csv``, ``pubmed_NNN.csv``, ``pubmed_NNN.jsonl`` and ``clinical_trials_NNN.csv``
(``--files`` of each, so Spark reads them in parallel): 80 % of the titles are PubMed (half CSV,
half JSON Lines), 20 % clinical trials. Dates mix dd/MM/yyyy, yyyy-MM-dd, yyyy/MM/dd and
"d Month yyyy". Junk comes in fixed proportions (``RATES``): rows with the wrong number of
fields or truncated JSON (malformed_record), blank titles (missing_title), impossible or
unsupported dates (invalid_date), and duplicates (same id; or no id with the same title and
date; or same id without its journal). Drug names are synthetic, unique and never filler
words, so every mention is one the generator placed; ``manifest.json`` records what the
contract says the pipeline must report: rows, kept, rejects by reason, merged duplicates,
edges per source and distinct drugs mentioned.
"""

from __future__ import annotations

import argparse
import bisect
import csv
import itertools
import json
import logging
import os
import random
import sys
import time
from dataclasses import dataclass, field
from datetime import date

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vocab

log = logging.getLogger("generate")

RATES = {
    "mention": 0.05,  # share of new titles that mention 1-3 drugs
    "duplicate": 0.02,
    "invalid_date": 0.01,
    "missing_title": 0.005,
    "malformed": 0.003,
    "no_id": 0.005,  # new valid records without an id (surrogate id)
    "no_journal": 0.05,
    "multi_word_drugs": 0.12,
    "glued_near_miss": 0.01,  # "oxy<drug>": not a whole-word mention
    "embedded_newline": 0.002,  # CSV only: a quoted title spanning two lines
}
PUBMED_SHARE = 0.8
_FIRST_DAY = date(2015, 1, 1).toordinal()
_LAST_DAY = date(2024, 12, 31).toordinal()


@dataclass
class Drugs:
    """The drug list: names (upper-case, single spaces), and for each the drugs it mentions."""

    names: list[str]
    mentions: list[tuple[int, ...]]  # drug i's name mentions these drugs (itself + prefixes)
    cum_weights: list[float]  # Zipf-like popularity: a few very common drugs (skew)


def make_drugs(rng: random.Random, count: int) -> Drugs:
    combos = [
        (p + m + s).upper()
        for p, m, s in itertools.product(
            vocab.DRUG_PREFIXES, vocab.DRUG_MIDDLES, vocab.DRUG_SUFFIXES
        )
    ]
    forbidden = {w.upper() for w in vocab.FILLER} | {"RESISTANT", "INDUCED", "BASED"}
    combos = sorted(set(combos) - forbidden)
    multi = max(int(count * RATES["multi_word_drugs"]), min(2, count // 5))
    spare = (multi + 1) // 2
    if count - multi + spare > len(combos):
        raise SystemExit(f"--drugs {count}: at most {len(combos)} distinct names available")
    picked = rng.sample(combos, count - multi + spare)
    singles, spare_bases = picked[: count - multi], picked[count - multi :]
    names, seen = list(singles), set(singles)
    while len(names) < count:
        # Half the multi-word names extend a listed drug (n-gram check), half a new base.
        base = rng.choice(singles) if rng.random() < 0.5 else rng.choice(spare_bases)
        name = f"{base} {rng.choice(vocab.QUALIFIERS)}"
        if name not in seen:
            seen.add(name)
            names.append(name)
    rng.shuffle(names)
    index = {name: i for i, name in enumerate(names)}
    mentions = []
    for name in names:
        words = name.split(" ")
        prefixes = (" ".join(words[:k]) for k in range(1, len(words) + 1))
        mentions.append(tuple(index[p] for p in prefixes if p in index))
    weights = itertools.accumulate(1.0 / (rank + 1) ** 0.9 for rank in range(count))
    return Drugs(names, mentions, list(weights))


def write_drugs(rng: random.Random, drugs: Drugs, path: str) -> None:
    """drugs.csv with the casing and spacing variants the pipeline normalises."""
    letters = "ABCDGHJLMNPRSV"
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["atccode", "drug"])
        for name in drugs.names:
            atc = f"{rng.choice(letters)}{rng.randint(1, 16):02d}{rng.choice(letters)}{rng.choice(letters)}"
            style = rng.random()
            shown = name.lower() if style < 0.1 else name.title() if style < 0.2 else name
            if rng.random() < 0.05:
                shown = f"  {shown.replace(' ', '  ')} "
            writer.writerow([atc, shown])


@dataclass
class Expected:
    rows: int = 0
    kept: int = 0
    merged: int = 0
    edges: int = 0
    rejected: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "rows": self.rows,
            "kept": self.kept,
            "rejected": sum(self.rejected.values()),
            "rejected_by_reason": dict(sorted(self.rejected.items())),
            "merged_duplicates": self.merged,
        }


def render_date(rng: random.Random, day: int) -> str:
    d = date.fromordinal(day)
    shape = rng.randrange(4)
    if shape == 0:
        return f"{d.day:02d}/{d.month:02d}/{d.year}"
    if shape == 1:
        return d.isoformat()
    if shape == 2:
        return f"{d.year}/{d.month:02d}/{d.day:02d}"
    month = vocab.MONTHS[d.month - 1]
    return f"{d.day} {month.lower() if rng.random() < 0.1 else month} {d.year}"


def make_title(rng: random.Random, drugs: Drugs, mentioned: set[int]) -> str:
    """A title of filler words; with probability RATES["mention"], 1-3 drug mentions."""
    words = rng.choices(vocab.FILLER, k=rng.randint(8, 16))
    if rng.random() < RATES["mention"]:
        for _ in range(1 + (rng.random() < 0.2) + (rng.random() < 0.05)):
            i = bisect.bisect(drugs.cum_weights, rng.random() * drugs.cum_weights[-1])
            i = min(i, len(drugs.names) - 1)
            mentioned.update(drugs.mentions[i])
            style = rng.random()
            name = drugs.names[i]
            shown = name.lower() if style < 0.5 else name.title() if style < 0.8 else name
            words.insert(rng.randint(0, len(words)), rng.choice(vocab.DECORATIONS).format(shown))
    if rng.random() < RATES["glued_near_miss"]:
        first = rng.choice(drugs.names).split(" ")[0].lower()
        words.insert(rng.randint(0, len(words)), rng.choice(vocab.GLUED_PREFIXES) + first)
    if rng.random() < 0.3:
        j = rng.randrange(len(words) - 1)
        words[j] += ","
    text = " ".join(words)
    return text[0].upper() + text[1:] + "."


class Writer:
    """Spreads one source's rows over ``files`` CSV or JSON Lines files; counts rows per file."""

    def __init__(self, folder: str, stem: str, kind: str, files: int, title_key: str) -> None:
        self.kind, self.title_key = kind, title_key
        ext = "csv" if kind == "csv" else "jsonl"
        self.names = [f"{stem}_{k:03d}.{ext}" for k in range(files)]
        # Closed by close(): one handle per output file, written round-robin.
        self.handles = [
            open(os.path.join(folder, n), "w", encoding="utf-8", newline="")  # noqa: SIM115
            for n in self.names
        ]
        self.rows = [0] * files
        self.csv = [csv.writer(h, lineterminator="\n") for h in self.handles]
        if kind == "csv":
            for w in self.csv:
                w.writerow(["id", title_key, "date", "journal"])

    def write(self, k: int, rng: random.Random, rec: tuple, malformed: bool) -> None:
        rid, title, when, journal = rec
        self.rows[k] += 1
        if self.kind == "csv":
            row = [rid or "", title, when, journal or ""]
            if malformed:
                row = [*row, "extra field"] if rng.random() < 0.5 else row[:2]
            self.csv[k].writerow(row)
            return
        item: dict = {}
        if rid:
            item["id"] = int(rid) if rid.isdigit() and rng.random() < 0.6 else rid
        elif rng.random() < 0.5:
            item["id"] = ""
        item.update({"title": title, "date": when, "journal": journal})
        line = json.dumps(item, ensure_ascii=False)
        self.handles[k].write((line[: len(line) * 2 // 3] if malformed else line) + "\n")

    def close(self, folder: str) -> dict:
        for h in self.handles:
            h.close()
        return {
            n: {"rows": r, "bytes": os.path.getsize(os.path.join(folder, n))}
            for n, r in zip(self.names, self.rows, strict=True)
        }


def generate_source(rng, drugs, writers, count, make_id, expected, mentioned) -> None:
    """``count`` rows of one source over its writers (CSV first, then JSON Lines)."""
    pool: list[tuple] = []  # usable originals that duplicates copy (reservoir)
    per_writer = [count // len(writers) + (w < count % len(writers)) for w in range(len(writers))]
    cut = [0, *itertools.accumulate(per_writer)]
    t_dup = RATES["duplicate"]
    t_date = t_dup + RATES["invalid_date"]
    t_title = t_date + RATES["missing_title"]
    t_malformed = t_title + RATES["malformed"]
    for n in range(count):
        w = bisect.bisect_right(cut, n) - 1
        writer = writers[w]
        k = (n - cut[w]) * len(writer.names) // per_writer[w]
        expected.rows += 1
        u = rng.random()
        if u < t_dup and pool:
            rid, title, day, journal = rng.choice(pool)
            variant = rng.randrange(3)
            if variant == 1:  # no id: one publication through the same title and date
                rid, title = None, title.lower() if rng.random() < 0.5 else title
            elif variant == 2:  # same id, journal missing: the merge keeps the journal
                journal = None
            writer.write(k, rng, (rid, title, render_date(rng, day), journal), False)
            expected.merged += 1
            continue
        rid = make_id()
        journal = None
        if rng.random() >= RATES["no_journal"]:
            field_ = rng.choice(vocab.JOURNAL_FIELDS)
            journal = rng.choice(vocab.JOURNAL_FORMS).format(field_)
        day = rng.randint(_FIRST_DAY, _LAST_DAY)
        when = render_date(rng, day)
        found: set[int] = set()
        title = make_title(rng, drugs, found)
        if writer.kind == "csv" and rng.random() < RATES["embedded_newline"]:
            cut_at = title.index(" ")
            title = title[:cut_at] + "\n" + title[cut_at + 1 :]
        reason = None
        if u < t_date:
            reason, when = "invalid_date", rng.choice(vocab.BAD_DATES)
        elif u < t_title:
            reason, title = "missing_title", rng.choice(("", "   "))
        elif u < t_malformed:
            reason = "malformed_record"
        writer.write(k, rng, (rid, title, when, journal), reason == "malformed_record")
        if reason:
            expected.rejected[reason] = expected.rejected.get(reason, 0) + 1
            continue
        expected.kept += 1
        expected.edges += len(found)
        mentioned.update(found)
        original = (rid, title, day, journal)
        if len(pool) < 5000:
            pool.append(original)
        else:
            pool[rng.randrange(5000)] = original


def generate(titles: int, drug_count: int, out: str, seed: int, files: int = 4) -> dict:
    """Write the inputs into ``out`` and return the manifest (also written as manifest.json)."""
    started = time.time()
    rng = random.Random(seed)
    os.makedirs(out, exist_ok=True)
    drugs = make_drugs(rng, drug_count)
    write_drugs(rng, drugs, os.path.join(out, "drugs.csv"))
    mentioned: set[int] = set()
    files_out: dict[str, dict] = {"drugs.csv": {"rows": drug_count, "source": "drugs"}}
    expected = {}
    pubmed_rows = titles - titles // 5 if titles >= 5 else titles
    sources = [
        ("pubmed", pubmed_rows, [("pubmed", "csv", "title"), ("pubmed", "jsonl", "title")]),
        ("clinical_trials", titles - pubmed_rows, [("clinical_trials", "csv", "scientific_title")]),
    ]
    for source, count, specs in sources:
        writers = [Writer(out, stem, kind, files, key) for stem, kind, key in specs]
        counter = itertools.count(1)
        if source == "pubmed":

            def make_id(counter=counter):
                return None if rng.random() < RATES["no_id"] else str(next(counter))
        else:

            def make_id(counter=counter):
                return None if rng.random() < RATES["no_id"] else f"NCT{next(counter):08d}"

        exp = Expected()
        generate_source(rng, drugs, writers, count, make_id, exp, mentioned)
        expected[source] = exp
        for writer in writers:
            for name, info in writer.close(out).items():
                files_out[name] = {**info, "source": source}
    files_out["drugs.csv"]["bytes"] = os.path.getsize(os.path.join(out, "drugs.csv"))
    manifest = {
        "generator": "benchmarks/generate.py",
        "seed": seed,
        "titles": titles,
        "drugs": drug_count,
        "files_per_format": files,
        "rates": RATES,
        "files": dict(sorted(files_out.items())),
        "expected": {
            "sources": {
                "drugs": {
                    "rows": drug_count,
                    "kept": drug_count,
                    "rejected": 0,
                    "rejected_by_reason": {},
                    "merged_duplicates": 0,
                },
                **{s: e.as_dict() for s, e in expected.items()},
            },
            "edges": {
                "pubmed": expected["pubmed"].edges,
                "clinical_trials": expected["clinical_trials"].edges,
                "total": expected["pubmed"].edges + expected["clinical_trials"].edges,
            },
            "drugs_mentioned": len(mentioned),
            "multi_word_drugs": sum(" " in name for name in drugs.names),
        },
        "bytes_total": sum(f["bytes"] for f in files_out.values()),
        "generation_seconds": round(time.time() - started, 2),
    }
    with open(os.path.join(out, "manifest.json"), "w", encoding="utf-8") as fh:
        json.dump(manifest, fh, indent=2)
        fh.write("\n")
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--titles", type=int, required=True, help="PubMed + clinical-trial rows")
    parser.add_argument("--drugs", type=int, required=True, help="distinct drug names")
    parser.add_argument("--out", required=True, help="folder to write (created)")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--files", type=int, default=4, help="files per source and format")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    manifest = generate(args.titles, args.drugs, args.out, args.seed, args.files)
    log.info("wrote %s in %.1f s", args.out, manifest["generation_seconds"])
    print(json.dumps(manifest["expected"], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
