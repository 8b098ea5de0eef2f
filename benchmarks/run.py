"""Benchmark runner: pipeline vs scan floor vs naive baseline, on the same generated files.

    .venv/bin/python benchmarks/run.py --quick          # smoke: N=2k, D=50 (< 3 min)
    .venv/bin/python benchmarks/run.py                  # N in 10k..3M, D in 1k, 10k

For each size it generates inputs (``benchmarks/work/data-<N>-<D>/``, reused when the
manifest matches), then runs each method with spark-submit (``conf/spark-local.conf``,
``local[*]``, UI off), sampling the RSS of the spark-submit process tree with psutil (the
driver JVM and the Python driver are children). Writes ``results.csv``, ``plot.png`` and
``machine.json`` into ``--results`` (default ``benchmarks/results``, ``--quick``:
``benchmarks/work/quick``) and checks every pipeline ``run_report.json`` against the
generator's ``manifest.json`` and the naive edges against the pipeline's.
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
import generate  # noqa: E402
import measure  # noqa: E402

log = logging.getLogger("bench")

FULL_TITLES = (10_000, 100_000, 1_000_000, 3_000_000)
FULL_DRUGS = (1_000, 10_000)
NAIVE_MAX_PAIRS = 100_000 * 1_000  # titles x drugs regex evaluations the naive run may do
OUTPUT_JSON_MAX_TITLES = 1_000_000  # above: only --no-output-json
INVOCATION_KEYS = (
    "command",
    "started_at",
    "finished_at",
    "load_average_start",
    "load_average_end",
    "git_head",
    "jobs_dir",
)
COLUMNS = (
    "method",
    "titles",
    "drugs",
    "input_mb",
    "wall_s",
    "job_s",
    "titles_per_s",
    "peak_rss_tree_mb",
    "peak_rss_jvm_mb",
    "peak_rss_pydriver_mb",
    "load1_start",
    "load1_max",
    "edges",
    "check",
    "status",
    "cpu_s",
)


def label(n: int) -> str:
    """10_000 -> 10k, 3_000_000 -> 3m, 50 -> 50."""
    for size, suffix in ((1_000_000, "m"), (1_000, "k")):
        if n >= size and n % size == 0:
            return f"{n // size}{suffix}"
    return str(n)


def dataset(work: str, titles: int, drugs: int, seed: int) -> tuple[str, dict]:
    """Generated inputs for one size, reused when an earlier run wrote the same ones."""
    folder = os.path.join(work, f"data-{label(titles)}-{label(drugs)}")
    path = os.path.join(folder, "manifest.json")
    if os.path.exists(path):
        with open(path, encoding="utf-8") as fh:
            manifest = json.load(fh)
        if (manifest["titles"], manifest["drugs"], manifest["seed"]) == (titles, drugs, seed):
            return folder, manifest
    shutil.rmtree(folder, ignore_errors=True)
    manifest = generate.generate(titles, drugs, folder, seed)
    log.info("generated %s in %.1f s", folder, manifest["generation_seconds"])
    return folder, manifest


def check_pipeline(output: str, manifest: dict) -> str:
    """``ok`` when run_report.json has exactly the manifest's counts, else what differs."""
    with open(os.path.join(output, "run_report.json"), encoding="utf-8") as fh:
        report = json.load(fh)
    expected = manifest["expected"]
    diffs = [key for key in ("sources", "edges", "drugs_mentioned") if report[key] != expected[key]]
    return "ok" if not diffs else "report differs: " + ",".join(diffs)


def plan(args: argparse.Namespace) -> list[tuple[int, int, list[str]]]:
    """(titles, drugs, methods) in run order, smallest first."""
    if args.quick:
        return [(2_000, 50, ["floor", "pipeline", "naive"])]
    steps = []
    for titles in args.titles:
        for drugs in args.drugs:
            methods = ["floor"]
            if titles < OUTPUT_JSON_MAX_TITLES:
                methods.append("pipeline")
            else:
                methods.append("pipeline_no_json")
                if titles == OUTPUT_JSON_MAX_TITLES:
                    methods.append("pipeline")
            if titles * drugs <= NAIVE_MAX_PAIRS:
                methods.append("naive")
            steps.append((titles, drugs, methods))
    return steps


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="pipeline vs scan floor vs naive baseline")
    parser.add_argument("--quick", action="store_true", help="smoke run: N=2k, D=50")
    parser.add_argument("--titles", type=int, nargs="+", default=list(FULL_TITLES))
    parser.add_argument("--drugs", type=int, nargs="+", default=list(FULL_DRUGS))
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--work", default=os.path.join(HERE, "work"))
    parser.add_argument("--results", help="results folder")
    parser.add_argument(
        "--jobs-dir",
        help="pipeline code to measure (default: jobs/ of git HEAD, extracted under --work)",
    )
    parser.add_argument("--event-logs", action="store_true", help="spark.eventLog.enabled")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds per run")
    parser.add_argument("--variant", default="", help="suffix of the method names (e.g. +fix)")
    parser.add_argument(
        "--spark-conf", action="append", default=[], help="extra KEY=VALUE for spark-submit"
    )
    parser.add_argument("--methods", nargs="+", help="only these (floor, pipeline, ...)")
    parser.add_argument("--append", action="store_true", help="add rows to results.csv")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    results = args.results or os.path.join(
        args.work if args.quick else HERE, "quick" if args.quick else "results"
    )
    os.makedirs(results, exist_ok=True)
    csv_path = os.path.join(results, "results.csv")
    earlier = []
    if args.append and os.path.exists(csv_path):
        with open(csv_path, encoding="utf-8") as fh:
            earlier = list(csv.DictReader(fh))
    with open(csv_path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, COLUMNS)
        writer.writeheader()
        writer.writerows({k: row.get(k) or "" for k in COLUMNS} for row in earlier)
    machine = measure.machine_info(REPO)
    if not args.jobs_dir:
        args.jobs_dir = measure.snapshot_jobs(REPO, args.work, machine["git_head"])
    machine["jobs_dir"] = os.path.relpath(args.jobs_dir, REPO)
    failures = 0
    for titles, drugs, methods in plan(args):
        folder, manifest = dataset(args.work, titles, drugs, args.seed)
        pipeline_out = os.path.join(args.work, "out", f"pipeline-{label(titles)}-{label(drugs)}")
        for method in methods:
            if args.methods and method not in args.methods:
                continue
            name = method + args.variant
            out = os.path.join(args.work, "out", f"{name}-{label(titles)}-{label(drugs)}")
            run = measure.run_method(method, folder, out, args)
            row = {
                "method": name,
                "titles": titles,
                "drugs": drugs,
                "input_mb": round(manifest["bytes_total"] / 1e6, 1),
                **run,
            }
            if run["status"] == "ok":
                row["titles_per_s"] = round(titles / run["wall_s"])
                row["edges"] = measure.count_edges(out)
                if method.startswith("pipeline"):
                    row["check"] = check_pipeline(out, manifest)
                elif method == "naive" and os.path.isdir(pipeline_out):
                    same = measure.edge_set(out) == measure.edge_set(pipeline_out)
                    row["check"] = "edges = pipeline" if same else "EDGES DIFFER"
            failures += run["status"] != "ok" or row.get("check", "ok") not in (
                "ok",
                "edges = pipeline",
            )
            log.info("%s", row)
            with open(csv_path, "a", newline="", encoding="utf-8") as fh:
                csv.DictWriter(fh, COLUMNS).writerow({k: row.get(k, "") for k in COLUMNS})
    machine["load_average_end"] = list(os.getloadavg())
    machine["finished_at"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    machine["command"] = " ".join(["benchmarks/run.py", *(argv or sys.argv[1:])])
    machine_path = os.path.join(results, "machine.json")
    runs = []
    if args.append and os.path.exists(machine_path):
        with open(machine_path, encoding="utf-8") as fh:
            runs = json.load(fh).get("invocations", [])
    invocation = {k: machine.pop(k) for k in list(machine) if k in INVOCATION_KEYS}
    machine["invocations"] = [*runs, invocation]
    with open(machine_path, "w", encoding="utf-8") as fh:
        json.dump(machine, fh, indent=2)
        fh.write("\n")
    measure.plot(csv_path, os.path.join(results, "plot.png"))
    with open(os.path.join(results, "results.md"), "w", encoding="utf-8") as fh:
        fh.write(measure.markdown_table(csv_path))
    log.info("results in %s (%d failed run(s) or check(s))", results, failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
