"""Incremental benchmark: what a drop costs with --state, against a full run over the drop alone.

    .venv/bin/python benchmarks/incremental.py                   # 1M and 3M titles x 10k drugs
    .venv/bin/python benchmarks/incremental.py --sizes 100000x1000 --profiles tuned   # quick

Per history size and start-up profile (``tuned``, ``defaults``), every run ``--no-output-json``
under the same spark-submit as ``run.py`` (:mod:`measure`):

1. ``state build``: a full run with a new ``--state`` over the history, 10 of its drugs held
   out of the list;
2. ``add 10 drugs``: the whole drug list given back (a copy of state 1): every past title is
   matched with the 10 drugs; its report must equal the generator's manifest;
3. ``drop``: 30k new titles (:mod:`drops`: 2 % duplicates of old records, bridges) added to
   the folder (a copy of state 2);
4. ``drop alone``: a full run (no state) over the drug list and the drop's files: the
   reference of the drop's cost;
5. ``full``: a full run (no state) over the history and the drop: the reference of the drug
   addition's cost, and (first profile) the outputs the drop run must equal.

Writes ``incremental.csv`` and ``incremental.md`` into ``--results`` (default
``benchmarks/results``) with the ratios the targets name.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import shutil
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import drops  # noqa: E402
import measure  # noqa: E402
import run as bench  # noqa: E402

log = logging.getLogger("bench")
SIZES = ((1_000_000, 10_000), (3_000_000, 10_000))
STEPS = ("state build", "add 10 drugs", "drop", "drop alone", "full")
COLUMNS = ("profile", "history", "step", "wall_s", "cpu_s", "spark_jobs", "job_s",
           "peak_rss_jvm_mb", "load1_start", "load1_max", "check", "status")  # fmt: skip


def _rows(folder: str) -> list[str]:
    """The rows of ``folder/rejects`` (JSON Lines part files), as sorted JSON texts."""
    found = []
    for root, _, names in os.walk(os.path.join(folder, "rejects")):
        for name in names:
            if name.endswith(".json"):
                with open(os.path.join(root, name), encoding="utf-8") as fh:
                    found += [json.dumps(json.loads(line), sort_keys=True) for line in fh]
    return sorted(found)


def _report(folder: str) -> dict:
    with open(os.path.join(folder, "run_report.json"), encoding="utf-8") as fh:
        report = json.load(fh)
    return {k: report[k] for k in ("files", "sources", "rejects_total", "edges", "drugs_mentioned")}


def _same_outputs(one: str, other: str) -> str:
    """``equal`` when mentions/ (every column) and rejects/ rows and the report's counts are
    the same in both output folders."""
    import pyarrow.dataset as ds

    def mentions(folder):
        table = ds.dataset(os.path.join(folder, "mentions"), format="parquet", partitioning="hive")
        return sorted(map(repr, table.to_table().to_pylist()))

    differ = [
        what
        for what, get in (("mentions", mentions), ("rejects", _rows), ("report", _report))
        if get(one) != get(other)
    ]
    return "equal" if not differ else "DIFFERENT: " + ", ".join(differ)


def measure_history(args, titles: int, drug_count: int) -> list[dict]:
    base, manifest = bench.dataset(args.work, titles, drug_count, args.seed)
    name = bench.label(titles)
    work = os.path.join(args.work, "incremental", name)
    drop = os.path.join(work, "drop")
    if not os.path.exists(os.path.join(drop, "drop.json")):
        drops.make_drop(base, args.drop, drop, seed=args.seed + 13)
    minus, _ = drops.hold_out_drugs(base, 10)
    with open(os.path.join(base, "drugs.csv"), encoding="utf-8") as fh:
        every_drug = fh.read()
    folders = {
        "minus": drops.assemble(os.path.join(work, "in-minus"), [base], drugs_csv=minus),
        "history": drops.assemble(os.path.join(work, "in-history"), [base]),
        "with drop": drops.assemble(os.path.join(work, "in-drop"), [base, drop]),
        "drop alone": drops.assemble(os.path.join(work, "in-alone"), [drop], every_drug),
    }
    rows = []
    for profile in args.profiles:
        out = os.path.join(work, "out", profile)
        states = [os.path.join(work, "state", profile, f"s{i}") for i in range(3)]
        shutil.rmtree(os.path.dirname(states[0]), ignore_errors=True)
        runs: dict[str, dict] = {}
        steps = [
            ("state build", folders["minus"], "build", ("--state", states[0])),
            ("add 10 drugs", folders["history"], "drugs", ("--state", states[1])),
            ("drop", folders["with drop"], "drop", ("--state", states[2])),
            ("drop alone", folders["drop alone"], "alone", ()),
            ("full", folders["with drop"], "full", ()),
        ]
        for number, (step, folder, target, extra) in enumerate(steps):
            if number in (1, 2):  # the next step starts from a copy of the state so far
                shutil.copytree(states[number - 1], states[number])
            result = measure.run_method(
                "pipeline_no_json", folder, f"{out}/{target}", args, profile, extra
            )
            runs[step] = {"profile": profile, "history": name, "step": step, **result}
            log.info("%s %s %s: %s", profile, name, step, result)
        runs["add 10 drugs"]["check"] = bench.check_pipeline(f"{out}/drugs", manifest)
        if profile == args.profiles[0]:
            runs["drop"]["check"] = _same_outputs(f"{out}/drop", f"{out}/full")
        rows += [runs[step] for step in STEPS]
    return rows


def ratios(rows: list[dict]) -> list[str]:
    """The target lines: each ratio, measured in this run."""
    by = {(r["profile"], r["history"], r["step"]): r for r in rows if r["status"] == "ok"}
    lines = []
    histories = sorted({r["history"] for r in rows}, key=lambda h: float(h[:-1]))
    for profile in sorted({r["profile"] for r in rows}):
        for history in histories:
            drop, alone = (
                by.get((profile, history, "drop")),
                by.get((profile, history, "drop alone")),
            )
            added, full = (
                by.get((profile, history, "add 10 drugs")),
                by.get((profile, history, "full")),
            )
            if drop and alone:
                lines.append(
                    f"| {profile} | {history} | drop / drop alone | "
                    f"{drop['wall_s'] / alone['wall_s']:.2f} | {drop['cpu_s'] / alone['cpu_s']:.2f} | <= 1.5 |"
                )
            if added and full:
                lines.append(
                    f"| {profile} | {history} | add 10 drugs / full | "
                    f"{added['wall_s'] / full['wall_s']:.2f} | {added['cpu_s'] / full['cpu_s']:.2f} | <= 0.25 |"
                )
        if len(histories) >= 2:
            small, large = (by.get((profile, h, "drop")) for h in (histories[0], histories[-1]))
            if small and large:
                lines.append(
                    f"| {profile} | {histories[-1]} vs {histories[0]} | drop / drop | "
                    f"{large['wall_s'] / small['wall_s']:.2f} | {large['cpu_s'] / small['cpu_s']:.2f} | <= 1.25 |"
                )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", help="TITLESxDRUGS histories (default 1M, 3M x 10k)")
    parser.add_argument("--profiles", nargs="+", choices=measure.PROFILES, default=measure.PROFILES)
    parser.add_argument("--drop", type=int, default=30_000, help="titles per drop")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--work", default=os.path.join(HERE, "work"))
    parser.add_argument("--results", default=os.path.join(HERE, "results"))
    parser.add_argument("--jobs-dir", help="pipeline code (default: jobs/ of git HEAD)")
    parser.add_argument("--timeout", type=int, default=3600)
    parser.add_argument("--spark-conf", action="append", default=[])
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    machine = measure.machine_info(REPO)
    args.jobs_dir = args.jobs_dir or measure.snapshot_jobs(REPO, args.work, machine["git_head"])
    sizes = [tuple(map(int, s.split("x"))) for s in args.sizes] if args.sizes else SIZES
    rows = [row for size in sizes for row in measure_history(args, *size)]
    os.makedirs(args.results, exist_ok=True)
    with open(
        os.path.join(args.results, "incremental.csv"), "w", newline="", encoding="utf-8"
    ) as fh:
        writer = csv.DictWriter(fh, COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows({k: row.get(k, "") for k in COLUMNS} for row in rows)
    head = "| profile | history | step | wall s | CPU s | Spark jobs | in-job s | peak JVM MB | load1 | check |"
    table = [head, "|" + "---|" * 10]
    table += [
        f"| {r['profile']} | {r['history']} | {r['step']} | {r['wall_s']} | {r['cpu_s']} | "
        f"{r['spark_jobs']} | {r['job_s']} | {r['peak_rss_jvm_mb']} | "
        f"{r['load1_start']}-{r['load1_max']} | {r.get('check', '') or r['status']} |"
        for r in rows
    ]
    targets = ["| profile | history | ratio | wall | CPU | target |", "|---|---|---|---|---|---|"]
    command = " ".join(["benchmarks/incremental.py", *(argv or sys.argv[1:])])
    with open(os.path.join(args.results, "incremental.md"), "w", encoding="utf-8") as fh:
        fh.write(f"`{command}` at {machine['git_head'][:10]}, {time.strftime('%Y-%m-%d')}\n\n")
        fh.write("\n".join(table) + "\n\n" + "\n".join(targets + ratios(rows)) + "\n")
    with open(os.path.join(args.results, "incremental-machine.json"), "w", encoding="utf-8") as fh:
        json.dump(machine, fh, indent=2)
        fh.write("\n")
    failures = [r for r in rows if r["status"] != "ok" or "DIFF" in str(r.get("check", ""))]
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
