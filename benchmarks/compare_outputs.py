"""Compare two pipeline output folders: are they the same result?

    .venv/bin/python benchmarks/compare_outputs.py BEFORE AFTER [--ignore KEY ...]

Checks what a change of the code must not change on an existing input:

* ``output.json``: the same bytes;
* ``mentions/``: the same rows (Parquet, read with pyarrow, partition column included;
  compared as multisets, so file names and row order do not matter);
* ``rejects/``: the same rows (JSON Lines part files, compared as multisets);
* ``run_report.json``: the same document, without the keys that differ between any two runs
  (start, end, duration, output path) and those given with ``--ignore`` (top-level keys).

Prints one line per part (``same`` or what differs) and exits 0 when every part is the same,
1 otherwise (2 on bad arguments). Needs pyarrow (the ``bench`` extra).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow.dataset as ds

RUN_KEYS = ("started_at", "finished_at", "duration_seconds", "output")


def mention_rows(folder: Path) -> Counter:
    """Rows of ``mentions/`` (with the ``source`` partition), as hashable tuples."""
    path = folder / "mentions"
    if not path.is_dir():
        return Counter()
    table = ds.dataset(path, format="parquet", partitioning="hive").to_table()
    columns = sorted(table.column_names)
    rows = table.select(columns).to_pylist()
    return Counter(tuple((c, str(row[c])) for c in columns) for row in rows)


def reject_rows(folder: Path) -> Counter:
    """Rows of ``rejects/`` (every JSON line of every part file), key-sorted JSON text."""
    found: Counter = Counter()
    for part in sorted((folder / "rejects").glob("part-*")):
        for line in part.read_text(encoding="utf-8").splitlines():
            if line.strip():
                found[json.dumps(json.loads(line), sort_keys=True, ensure_ascii=False)] += 1
    return found


def report(folder: Path, ignored: set[str]) -> dict[str, Any]:
    document = json.loads((folder / "run_report.json").read_text(encoding="utf-8"))
    return {key: value for key, value in document.items() if key not in ignored}


def _multiset_difference(before: Counter, after: Counter) -> str:
    lost, gained = before - after, after - before
    if not lost and not gained:
        return "same"
    example = next(iter(lost or gained))
    return f"DIFFERENT: {sum(lost.values())} row(s) only before, {sum(gained.values())} only after (e.g. {example})"


def compare(before: Path, after: Path, ignored: set[str]) -> dict[str, str]:
    """Part name -> ``same`` or a one-line description of the difference."""
    results = {}
    json_before, json_after = (f / "output.json" for f in (before, after))
    if json_before.exists() or json_after.exists():
        same = json_before.exists() and json_after.exists()
        same = same and json_before.read_bytes() == json_after.read_bytes()
        results["output.json"] = "same" if same else "DIFFERENT bytes"
    results["mentions/"] = _multiset_difference(mention_rows(before), mention_rows(after))
    results["rejects/"] = _multiset_difference(reject_rows(before), reject_rows(after))
    report_before, report_after = report(before, ignored), report(after, ignored)
    if report_before == report_after:
        results["run_report.json"] = "same"
    else:
        keys = sorted(
            key
            for key in report_before.keys() | report_after.keys()
            if report_before.get(key) != report_after.get(key)
        )
        results["run_report.json"] = f"DIFFERENT keys: {', '.join(keys)}"
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Compare two pipeline output folders (output.json bytes, mentions/ and "
        "rejects/ rows, run_report.json without timings). Exit 0: same, 1: different."
    )
    parser.add_argument("before", type=Path, help="output folder of the reference run")
    parser.add_argument("after", type=Path, help="output folder of the run to check")
    parser.add_argument(
        "--ignore",
        action="append",
        default=[],
        metavar="KEY",
        help=f"also ignore this top-level key of run_report.json (always: {', '.join(RUN_KEYS)})",
    )
    args = parser.parse_args(argv)
    for folder in (args.before, args.after):
        if not (folder / "run_report.json").is_file():
            parser.error(f"{folder}: not a pipeline output folder (no run_report.json)")
    results = compare(args.before, args.after, set(RUN_KEYS) | set(args.ignore))
    for part, outcome in results.items():
        print(f"{part:16} {outcome}")
    return 0 if all(outcome == "same" for outcome in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
