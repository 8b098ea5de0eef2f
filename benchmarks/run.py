"""Benchmark runner: the pipeline against its reference, on the same files, in the same session.

    .venv/bin/python benchmarks/run.py --quick     # smoke: sample + 2k titles (< 5 min)
    .venv/bin/python benchmarks/run.py             # sample, 10k, 100k, 1M, 3M, 5M, 10M titles

Each size runs its methods one after the other, in both start-up profiles (``measure.command``):
``tuned`` (``--properties-file conf/spark-local.conf``) and ``defaults`` (plain
``spark-submit``: Spark's 1 GB heap and 200 shuffle partitions). The reference of a size is
the scan floor (``scan_floor.py``: read the inputs, write them as Parquet); on the sample data
it is ``count_rows.py`` (read the four files and count them), and ``--rounds`` alternating
rounds are run and the median kept. Per run: wall time, CPU seconds of the process tree, Spark
jobs (event log), peak RSS of the JVM and of the Python driver, and the ratio to the reference
of the same size and profile. Every pipeline ``run_report.json`` is checked against the
generator's ``manifest.json``, the naive edges against the pipeline's.

Between sizes, what the pipeline adds is compared with what the floor adds (``marginal.csv``
and the second table of ``results.md``: added wall and CPU seconds, their ratio, CPU seconds
per added MB), per profile and pipeline method: ``pipeline_no_json`` and, from 1M to 5M
titles, ``pipeline_state`` (the same with ``--state``: a first load into a new state).

Writes ``results.csv``, ``marginal.csv``, ``results.md``, ``plot.png`` and ``machine.json`` into ``--results``
(default ``benchmarks/results``; ``--quick``: ``benchmarks/work/quick``), replacing them.
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

SAMPLE = "sample"
# (titles, drugs): the sizes of the targets.
FULL_SIZES = (
    (10_000, 1_000),
    (100_000, 1_000),
    (1_000_000, 10_000),
    (3_000_000, 10_000),
    (5_000_000, 10_000),
    (10_000_000, 10_000),
)
NAIVE_MAX_PAIRS = 100_000 * 1_000  # titles x drugs regex evaluations the naive run may do
OUTPUT_JSON_MAX_TITLES = 1_000_000  # above: only --no-output-json
# From this size up to STATE_MAX_TITLES, the pipeline also runs with --state (a first load
# into a new incremental state); above, only without (the 10M size checks memory).
STATE_MIN_TITLES, STATE_MAX_TITLES = 1_000_000, 5_000_000
COLUMNS = (
    "profile",
    "size",
    "titles",
    "drugs",
    "method",
    "input_mb",
    "wall_s",
    "cpu_s",
    "wall_ratio",
    "cpu_ratio",
    "spark_jobs",
    "job_s",
    "peak_rss_tree_mb",
    "peak_rss_jvm_mb",
    "peak_rss_pydriver_mb",
    "load1_start",
    "load1_max",
    "edges",
    "check",
    "status",
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


def check_pipeline(output: str, manifest: dict | None) -> str:
    """``ok`` when run_report.json has exactly the manifest's counts, else what differs."""
    if manifest is None:
        return ""
    with open(os.path.join(output, "run_report.json"), encoding="utf-8") as fh:
        report = json.load(fh)
    expected = manifest["expected"]
    diffs = [key for key in ("sources", "edges", "drugs_mentioned") if report[key] != expected[key]]
    return "ok" if not diffs else "report differs: " + ",".join(diffs)


def methods_for(titles: int, drugs: int, profile: str) -> list[str]:
    """Reference first, then the pipeline variants (and naive where it is affordable)."""
    methods = ["floor"]
    if titles <= OUTPUT_JSON_MAX_TITLES:
        methods.append("pipeline")
    methods.append("pipeline_no_json")
    if STATE_MIN_TITLES <= titles <= STATE_MAX_TITLES:
        methods.append("pipeline_state")
    if profile == "tuned" and titles * drugs <= NAIVE_MAX_PAIRS:
        methods.append("naive")
    return methods


def median_run(runs: list[dict]) -> dict:
    """The run with the median wall time (odd count: a real run, not an average)."""
    ok = [r for r in runs if r["status"] == "ok"] or runs
    return sorted(ok, key=lambda r: r["wall_s"])[len(ok) // 2]


def with_ratios(rows: list[dict], reference: str) -> None:
    """Pipeline rows get wall and CPU time divided by their ``reference`` row's."""
    ref = next((r for r in rows if r["method"] == reference and r["status"] == "ok"), None)
    for row in rows:
        if ref and row["method"].startswith("pipeline") and row["status"] == "ok":
            row["wall_ratio"] = round(row["wall_s"] / ref["wall_s"], 2)
            row["cpu_ratio"] = round(row["cpu_s"] / ref["cpu_s"], 2)


def measure_size(args, profile: str, size: str, data: str, manifest: dict | None) -> list[dict]:
    """Every method of one size and profile (``--rounds`` alternating rounds on the sample)."""
    titles = manifest["titles"] if manifest else 0
    drugs = manifest["drugs"] if manifest else 0
    if size == SAMPLE:
        methods, rounds, reference = ["count", "pipeline"], args.rounds, "count"
    else:
        methods, rounds, reference = methods_for(titles, drugs, profile), 1, "floor"
    if args.methods:
        methods = [m for m in methods if m in args.methods or m == reference]
    runs: dict[str, list[dict]] = {method: [] for method in methods}
    for _ in range(rounds):
        for method in methods:
            out = os.path.join(args.work, "out", f"{profile}-{size}-{method}")
            run = measure.run_method(method, data, out, args, profile)
            if run["status"] == "ok":
                run["edges"] = measure.count_edges(out)
                if method.startswith("pipeline"):
                    run["check"] = check_pipeline(out, manifest)
                elif method == "naive":
                    pipeline_out = os.path.join(args.work, "out", f"{profile}-{size}-pipeline")
                    same = measure.edge_set(out) == measure.edge_set(pipeline_out)
                    run["check"] = "edges = pipeline" if same else "EDGES DIFFER"
            log.info("%s %s %s: %s", profile, size, method, run)
            runs[method].append(run)
    mb = round(manifest["bytes_total"] / 1e6, 1) if manifest else ""
    rows = [
        {
            "profile": profile,
            "size": size,
            "titles": titles,
            "drugs": drugs,
            "method": method,
            "input_mb": mb,
            **median_run(method_runs),
        }
        for method, method_runs in runs.items()
    ]
    with_ratios(rows, reference)
    return rows


def failed(row: dict) -> bool:
    return row["status"] != "ok" or row.get("check", "ok") not in ("ok", "", "edges = pipeline")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="pipeline vs its scan floor, both profiles")
    parser.add_argument("--quick", action="store_true", help="smoke run: sample + 2k x 50")
    parser.add_argument(
        "--sizes", nargs="+", help="TITLESxDRUGS (e.g. 1000000x10000) or 'sample'; default all"
    )
    parser.add_argument("--profiles", nargs="+", choices=measure.PROFILES, default=measure.PROFILES)
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds on the sample")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--work", default=os.path.join(HERE, "work"))
    parser.add_argument("--results", help="results folder")
    parser.add_argument(
        "--jobs-dir",
        help="pipeline code to measure (default: jobs/ of git HEAD, extracted under --work)",
    )
    parser.add_argument("--timeout", type=int, default=1800, help="seconds per run")
    parser.add_argument(
        "--spark-conf", action="append", default=[], help="extra KEY=VALUE for spark-submit"
    )
    parser.add_argument("--methods", nargs="+", help="only these (and the reference)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    results = args.results or os.path.join(
        args.work if args.quick else HERE, "quick" if args.quick else "results"
    )
    os.makedirs(results, exist_ok=True)
    machine = measure.machine_info(REPO)
    if not args.jobs_dir:
        args.jobs_dir = measure.snapshot_jobs(REPO, args.work, machine["git_head"])
    machine["jobs_dir"] = os.path.relpath(args.jobs_dir, REPO)
    if args.quick:
        sizes: list = [SAMPLE, (2_000, 50)]
    elif args.sizes:
        sizes = [s if s == SAMPLE else tuple(map(int, s.split("x"))) for s in args.sizes]
    else:
        sizes = [SAMPLE, *FULL_SIZES]
    rows: list[dict] = []
    for size in sizes:
        if size == SAMPLE:
            data, manifest, name = os.path.join(REPO, "data"), None, SAMPLE
        else:
            data, manifest = dataset(args.work, *size, args.seed)
            name = label(size[0])
        for profile in args.profiles:
            rows += measure_size(args, profile, name, data, manifest)
    machine["load_average_end"] = list(os.getloadavg())
    machine["finished_at"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    machine["command"] = " ".join(["benchmarks/run.py", *(argv or sys.argv[1:])])
    with open(os.path.join(results, "machine.json"), "w", encoding="utf-8") as fh:
        json.dump(machine, fh, indent=2)
        fh.write("\n")
    with open(os.path.join(results, "results.csv"), "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows({k: row.get(k, "") for k in COLUMNS} for row in rows)
    measure.plot(rows, os.path.join(results, "plot.png"))
    marginal = measure.marginal_rows([r for r in rows if r["size"] != SAMPLE])
    with open(os.path.join(results, "marginal.csv"), "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, list(marginal[0]) if marginal else ["profile"])
        writer.writeheader()
        writer.writerows(marginal)
    with open(os.path.join(results, "results.md"), "w", encoding="utf-8") as fh:
        fh.write(measure.markdown_table(rows))
        if marginal:
            fh.write("\nWhat each size adds (pipeline vs floor, between two sizes):\n\n")
            fh.write(measure.marginal_table(marginal))
    failures = sum(failed(row) for row in rows)
    log.info("results in %s (%d failed run(s) or check(s))", results, failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
