"""Running one benchmark method under spark-submit and measuring it (wall time, peak RSS).

Peak memory is sampled every 0.2 s over the spark-submit process tree with psutil (java and
python processes only: a JVM's short-lived forks share its pages and would count it twice),
split by role: the JVM (in ``local[*]`` the driver *and* the executors), the Python driver (the
job script, where ``output.json`` is streamed) and the tree total (with Python workers).
"""

from __future__ import annotations

import logging
import os
import platform
import shutil
import signal
import subprocess
import sys
import time

import psutil

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
VENV_BIN = os.path.dirname(sys.executable)
log = logging.getLogger("bench")


def command(method: str, data: str, out: str, args) -> list[str]:
    spark = [
        os.path.join(VENV_BIN, "spark-submit"),
        "--properties-file",
        os.path.join(REPO, "conf", "spark-local.conf"),
        "--conf",
        "spark.ui.enabled=false",
    ]
    for pair in getattr(args, "spark_conf", []):
        spark += ["--conf", pair]
    if args.event_logs:
        logs = os.path.join(args.work, "eventlogs")
        os.makedirs(logs, exist_ok=True)
        spark += [
            "--conf",
            "spark.eventLog.enabled=true",
            "--conf",
            f"spark.eventLog.dir=file://{logs}",
        ]
    io = ["--input", data, "--output", out]
    if method == "floor":
        return [*spark, os.path.join(HERE, "scan_floor.py"), *io]
    if method == "naive":
        return [*spark, os.path.join(HERE, "naive.py"), *io]
    pipeline = [
        os.path.join(args.jobs_dir, "pipeline.py"),
        "--conf",
        os.path.join(REPO, "conf", "local.toml"),
    ]
    extra = ["--no-output-json"] if method == "pipeline_no_json" else []
    return [*spark, *pipeline, *io, "--run-id", "bench", *extra]


def snapshot_jobs(repo: str, work: str, commit: str) -> str:
    """``jobs/`` as committed at ``commit``, extracted under ``work``: what the run measures
    (the shared checkout's working tree may hold someone's unfinished edits)."""
    target = os.path.join(work, f"jobs-{commit[:10]}")
    if not os.path.isdir(os.path.join(target, "jobs")):
        os.makedirs(target, exist_ok=True)
        archive = subprocess.run(
            ["git", "archive", commit, "jobs"], cwd=repo, capture_output=True, check=True
        )
        subprocess.run(["tar", "-x", "-C", target], input=archive.stdout, check=True)
    return os.path.join(target, "jobs")


def _rss(proc: psutil.Process, script: str, cpu: dict[int, float]) -> tuple[int, int, int]:
    """(tree, jvm, python driver) resident bytes right now; updates CPU seconds per pid."""
    tree = jvm = driver = 0
    try:
        members = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0, 0, 0
    for member in members:
        try:
            rss = member.memory_info().rss
            times = member.cpu_times()
            cpu[member.pid] = times.user + times.system
            name = member.name()
            cmdline = member.cmdline() if name.startswith("python") else []
        except psutil.Error:
            continue
        if name != "java" and not name.startswith("python"):
            # A JVM thread forking a helper (Hadoop shell commands): until it execs, the
            # child reports the parent's whole RSS (shared copy-on-write pages). Not memory.
            continue
        tree += rss
        if name == "java":
            jvm += rss
        elif any(arg.endswith(script) for arg in cmdline):
            driver += rss
    return tree, jvm, driver


def run_method(method: str, data: str, out: str, args) -> dict:
    """Run one method; return wall time, in-job time, peak RSS per role, load, status."""
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    cmd = command(method, data, out, args)
    script = os.path.basename(next(arg for arg in cmd if arg.endswith(".py")))
    env = dict(os.environ, PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    env["PYSPARK_PYTHON"] = env["PYSPARK_DRIVER_PYTHON"] = sys.executable
    env["PYTHONPATH"] = args.jobs_dir  # floor and naive import the measured drug_mentions
    log_path = out.rstrip("/") + ".log"
    load_start = os.getloadavg()[0]
    started = time.time()
    peak = [0, 0, 0]
    cpu: dict[int, float] = {}  # last CPU seconds seen per process of the tree
    load_max = load_start
    status = "ok"
    with open(log_path, "w", encoding="utf-8") as log_file:
        proc = subprocess.Popen(
            cmd,
            cwd=REPO,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        ps = psutil.Process(proc.pid)
        while proc.poll() is None:
            peak = [max(p, s) for p, s in zip(peak, _rss(ps, script, cpu), strict=True)]
            load_max = max(load_max, os.getloadavg()[0])
            if time.time() - started > args.timeout:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                status = f"timeout after {args.timeout} s"
                break
            time.sleep(0.2)
        proc.wait()
    wall = time.time() - started
    if status == "ok" and proc.returncode != 0:
        status = f"exit {proc.returncode} (see {os.path.relpath(log_path, REPO)})"
    mb = [round(p / 2**20) for p in peak]
    return {
        "wall_s": round(wall, 1),
        "job_s": _job_seconds(out) if status == "ok" else "",
        "peak_rss_tree_mb": mb[0],
        "peak_rss_jvm_mb": mb[1],
        "peak_rss_pydriver_mb": mb[2],
        "load1_start": round(load_start, 2),
        "load1_max": round(load_max, 2),
        "status": status,
        "cpu_s": round(sum(cpu.values()), 1),
    }


def _job_seconds(out: str) -> float | str:
    """Seconds measured inside the job (no JVM start): run_report.json or timing.json."""
    import json

    for name in ("run_report.json", "timing.json"):
        path = os.path.join(out, name)
        if os.path.exists(path):
            with open(path, encoding="utf-8") as fh:
                return round(json.load(fh)["duration_seconds"], 1)
    return ""


def edge_set(out: str) -> set[tuple[str, str, str]]:
    """(source, id, drug) of every edge in ``out/mentions`` (Parquet, hive-partitioned)."""
    import pyarrow.dataset as ds

    table = ds.dataset(os.path.join(out, "mentions"), format="parquet", partitioning="hive")
    columns = table.to_table(columns=["source", "id", "drug"]).to_pydict()
    return set(zip(columns["source"], columns["id"], columns["drug"], strict=True))


def count_edges(out: str) -> int | str:
    path = os.path.join(out, "mentions")
    if not os.path.isdir(path):
        return ""
    import pyarrow.dataset as ds

    return ds.dataset(path, format="parquet", partitioning="hive").count_rows()


def machine_info(repo: str) -> dict:
    import pyspark

    java = subprocess.run(["java", "-version"], capture_output=True, text=True, check=False)
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True, check=False
    )
    with open(os.path.join(repo, "conf", "spark-local.conf"), encoding="utf-8") as fh:
        spark_conf = [line.strip() for line in fh if line.strip() and not line.startswith("#")]
    return {
        "logical_cores": os.cpu_count(),
        "physical_cores": psutil.cpu_count(logical=False),
        "ram_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "pyspark": pyspark.__version__,
        "java": (java.stderr or java.stdout).splitlines()[0]
        if (java.stderr or java.stdout)
        else "",
        "git_head": head.stdout.strip(),
        "spark_local_conf": spark_conf,
        "load_average_start": list(os.getloadavg()),
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "note": "machine shared with other engineers' test runs: see load1_* per row",
    }


def plot(csv_path: str, png_path: str) -> None:
    """Wall time and CPU seconds vs titles, log-log, one line per (method, drugs).

    A ``_rerun`` row replaces the earlier row of the same method and size (the latest
    measurement is drawn; results.csv keeps both)."""
    import csv

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    lines: dict[tuple[str, int], dict[int, dict]] = {}
    with open(csv_path, encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["status"] == "ok":
                key = (row["method"].removesuffix("_rerun"), int(row["drugs"]))
                lines.setdefault(key, {})[int(row["titles"])] = row
    methods = sorted({method for method, _ in lines})
    colours = {m: f"C{i}" for i, m in enumerate(methods)}
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.5))
    for ax, column, label in (
        (axes[0], "wall_s", "wall time, s (incl. JVM start)"),
        (axes[1], "cpu_s", "CPU seconds (process tree)"),
    ):
        for (method, drugs), by_n in sorted(lines.items()):
            points = sorted((n, float(r[column])) for n, r in by_n.items() if r.get(column))
            if points:
                style = "-" if drugs >= 10_000 else "--"
                ax.plot(
                    *zip(*points, strict=True),
                    style,
                    marker="o",
                    color=colours[method],
                    label=f"{method}, D={drugs:,}",
                )
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("titles (PubMed + clinical trials)")
        ax.set_ylabel(label)
        ax.grid(True, which="both", alpha=0.3)
    axes[0].legend(fontsize=7)
    fig.suptitle("drug-mention graph, 2 shared vCPUs, local[*] (see load in results.csv)")
    fig.tight_layout()
    fig.savefig(png_path, dpi=110)
    plt.close(fig)


def markdown_table(csv_path: str) -> str:
    """results.csv as a Markdown table (results.md; docs/benchmarks.md quotes the current rows)."""
    import csv

    with open(csv_path, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    head = (
        "| method | titles | drugs | input MB | wall s | in-job s | titles/s | peak RSS tree / "
        "JVM / py driver MB | load1 start-max | CPU s | edges | check |"
    )
    lines = [head, "|" + "---|" * 12]
    for r in rows:
        if r["status"] != "ok":
            r["check"] = r["status"]
        lines.append(
            f"| {r['method']} | {int(r['titles']):,} | {int(r['drugs']):,} | {r['input_mb']} | "
            f"{r['wall_s']} | {r['job_s']} | {r['titles_per_s']} | {r['peak_rss_tree_mb']} / "
            f"{r['peak_rss_jvm_mb']} / {r['peak_rss_pydriver_mb']} | {r['load1_start']}-"
            f"{r['load1_max']} | {r.get('cpu_s') or ''} | {r['edges']} | {r['check']} |"
        )
    return "\n".join(lines) + "\n"
