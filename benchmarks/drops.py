"""Inputs of the incremental benchmark: a generated history, a drop of new titles, drugs added.

    .venv/bin/python benchmarks/drops.py --base benchmarks/work/data-3m-10k --titles 30000 \
        --out benchmarks/work/drop-3m-30k

A *drop* is a set of new files in the input folder: ``pubmed_drop_000.csv``,
``pubmed_drop_000.jsonl`` and ``clinical_trials_drop_000.csv``, titles made like the
history's (:mod:`generate`, same drug list), 2 % of them duplicates of usable records of the
history (same id with the journal left out, or no id with the same title and date), and a few
*bridges*: a record with the id of one old publication and the title and date of another,
which makes the two one publication. New ids never collide with the history's.

Folders are assembled from hard links (no copy of the history): :func:`assemble`.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import random
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import generate
import vocab

log = logging.getLogger("drops")
DUPLICATES = 0.02
BRIDGES = 5
SAMPLE_ROWS = 20_000  # usable history rows read per source to copy duplicates from


def _usable_rows(path: str, limit: int) -> list[list[str]]:
    """Rows of a history CSV file that the pipeline keeps (4 fields, id, title, a valid date)."""
    found = []
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        for row in reader:
            if len(row) == 4 and row[0] and row[1].strip() and row[2] not in vocab.BAD_DATES:
                found.append(row)
                if len(found) == limit:
                    break
    return found


def make_drop(base: str, titles: int, out: str, seed: int) -> dict:
    """Write a drop of ``titles`` rows into ``out``; return its manifest (also written)."""
    with open(os.path.join(base, "manifest.json"), encoding="utf-8") as fh:
        history = json.load(fh)
    rng = random.Random(seed)
    drugs = generate.make_drugs(random.Random(history["seed"]), history["drugs"])
    os.makedirs(out, exist_ok=True)
    pubmed_rows = titles - titles // 5
    written = {"duplicates": 0, "bridges": 0}
    plan = [
        (
            "pubmed",
            pubmed_rows,
            [("pubmed_drop", "csv", "title"), ("pubmed_drop", "jsonl", "title")],
        ),
        (
            "clinical_trials",
            titles - pubmed_rows,
            [("clinical_trials_drop", "csv", "scientific_title")],
        ),
    ]
    for source, count, specs in plan:
        old = _usable_rows(os.path.join(base, f"{source}_000.csv"), SAMPLE_ROWS)
        writers = [generate.Writer(out, stem, kind, 1, key) for stem, kind, key in specs]
        prefix = "D" if source == "pubmed" else "NCTD"
        for n in range(count):
            writer = writers[n % len(writers)]
            u = rng.random()
            if n < BRIDGES and len(old) > 1:  # one old id, another's title and date
                first, second = rng.sample(old, 2)
                record = (first[0], second[1], second[2], None)
                written["bridges"] += 1
            elif u < DUPLICATES and old:
                rid, title, when, journal = rng.choice(old)
                record = (
                    (rid, title, when, None) if rng.random() < 0.5 else (None, title, when, journal)
                )
                written["duplicates"] += 1
            else:
                journal = rng.choice(vocab.JOURNAL_FORMS).format(rng.choice(vocab.JOURNAL_FIELDS))
                when = generate.render_date(
                    rng, rng.randint(generate._FIRST_DAY, generate._LAST_DAY)
                )
                record = (
                    f"{prefix}{seed}-{n}",
                    generate.make_title(rng, drugs, set()),
                    when,
                    journal,
                )
            writer.write(0, rng, record, False)
        for writer in writers:
            writer.close(out)
    manifest = {"base": os.path.abspath(base), "titles": titles, "seed": seed, **written}
    with open(os.path.join(out, "drop.json"), "w", encoding="utf-8") as fh:
        json.dump(manifest, fh, indent=2)
        fh.write("\n")
    return manifest


def hold_out_drugs(base: str, count: int) -> tuple[str, str]:
    """(the history's drug list without its last ``count`` single-word drugs, those drugs) as
    CSV texts: a state built with the first, then given the whole list, adds ``count`` drugs."""
    with open(os.path.join(base, "drugs.csv"), encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    single = [i for i, row in enumerate(body) if " " not in row[1].strip()]
    held = set(single[-count:])

    def text(kept):
        lines = [header, *kept]
        return "".join(",".join(f'"{v}"' if "," in v else v for v in row) + "\n" for row in lines)

    return text([r for i, r in enumerate(body) if i not in held]), text(
        [r for i, r in enumerate(body) if i in held]
    )


def assemble(folder: str, sources: list[str], drugs_csv: str | None = None) -> str:
    """``folder`` made of hard links to the input files of ``sources`` (drug lists left out
    when ``drugs_csv``, a drug list text, is given); ``manifest.json``/``drop.json`` skipped."""
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    for source in sources:
        for name in sorted(os.listdir(source)):
            if name.endswith(".json") and not name.startswith("pubmed"):
                continue
            if drugs_csv is not None and name.startswith("drugs"):
                continue
            os.link(os.path.join(source, name), os.path.join(folder, name))
    if drugs_csv is not None:
        with open(os.path.join(folder, "drugs.csv"), "w", encoding="utf-8") as fh:
            fh.write(drugs_csv)
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True, help="a folder written by generate.py")
    parser.add_argument("--titles", type=int, required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--seed", type=int, default=21)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    print(json.dumps(make_drop(args.base, args.titles, args.out, args.seed), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
