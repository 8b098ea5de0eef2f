"""Running one benchmark method under spark-submit and measuring it (wall time, peak RSS).

Peak memory is sampled every 0.2 s over the spark-submit process tree with psutil (java and
python processes only: a JVM's short-lived forks share its pages and would count it twice),
split by role: the JVM (in ``local[*]`` the driver *and* the executors), the Python driver (the
job script, where ``output.json`` is streamed) and the tree total (with Python workers).
"""

from __future__ import annotations

import itertools
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


PROFILES = ("tuned", "defaults")
SCRIPTS = {"floor": "scan_floor.py", "naive": "naive.py", "count": "count_rows.py"}


def command(
    method: str, data: str, out: str, args, profile: str, event_log: str, extra: tuple = ()
) -> list[str]:
    """spark-submit for one run. ``tuned``: ``--properties-file conf/spark-local.conf``;
    ``defaults``: no properties file, Spark's own defaults (local[*], 1 GB heap, 200 shuffle
    partitions), as a user running plain ``spark-submit jobs/pipeline.py`` gets."""
    spark = [os.path.join(VENV_BIN, "spark-submit")]
    if profile == "tuned":
        spark += ["--properties-file", os.path.join(REPO, "conf", "spark-local.conf")]
    spark += ["--conf", "spark.ui.enabled=false"]
    for pair in getattr(args, "spark_conf", []):
        spark += ["--conf", pair]
    os.makedirs(event_log, exist_ok=True)
    spark += [
        "--conf",
        "spark.eventLog.enabled=true",
        "--conf",
        f"spark.eventLog.dir=file://{os.path.abspath(event_log)}",
    ]
    io = ["--input", data, "--output", out]
    if method in SCRIPTS:
        return [*spark, os.path.join(HERE, SCRIPTS[method]), *io]
    pipeline = [os.path.join(args.jobs_dir, "pipeline.py")]
    if profile == "tuned":
        pipeline += ["--conf", os.path.join(REPO, "conf", "local.toml")]
    flags = ["--no-output-json"] if method in ("pipeline_no_json", "pipeline_state") else []
    if method == "pipeline_state":  # a first load: every file into a new incremental state
        flags += ["--state", state_path(out)]
    return [*spark, *pipeline, *io, "--run-id", "bench", *flags, *extra]


def state_path(out: str) -> str:
    """The incremental state of a ``pipeline_state`` run (new for each run)."""
    return out.rstrip("/") + ".state"


def spark_jobs(event_log: str) -> int | str:
    """Spark jobs the run started (``SparkListenerJobStart`` in its event log)."""
    import eventlog

    logs = [os.path.join(event_log, name) for name in os.listdir(event_log)]
    if len(logs) != 1:
        return ""
    return sum(1 for event in eventlog.events(logs[0]) if event["Event"] == "SparkListenerJobStart")


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


def run_method(method: str, data: str, out: str, args, profile: str, extra: tuple = ()) -> dict:
    """Run one method (``extra``: more pipeline flags); return wall time, in-job time, CPU
    seconds, Spark jobs, peak RSS per role, load, status."""
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(state_path(out), ignore_errors=True)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    event_log = out.rstrip("/") + ".eventlog"
    shutil.rmtree(event_log, ignore_errors=True)
    cmd = command(method, data, out, args, profile, event_log, extra)
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
        "spark_jobs": spark_jobs(event_log) if status == "ok" else "",
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
        "note": "load1 per row: the 1-minute load average at the start and its maximum",
    }


def plot(rows: list[dict], png_path: str) -> None:
    """Pipeline / floor ratio (wall and CPU) vs titles, one line per method and profile."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.5))
    lines: dict[tuple[str, str], list[tuple[int, float, float]]] = {}
    for row in rows:
        if row.get("wall_ratio") not in ("", None) and row["method"].startswith("pipeline"):
            key = (row["method"], row["profile"])
            lines.setdefault(key, []).append(
                (int(row["titles"]), float(row["wall_ratio"]), float(row["cpu_ratio"]))
            )
    for index, ((method, profile), points) in enumerate(sorted(lines.items())):
        points.sort()
        style = "-" if profile == "tuned" else "--"
        for ax, column in ((axes[0], 1), (axes[1], 2)):
            ax.plot(
                [p[0] for p in points],
                [p[column] for p in points],
                style,
                marker="o",
                color=f"C{index // 2}",
                label=f"{method}, {profile}",
            )
    for ax, what in ((axes[0], "wall time"), (axes[1], "CPU seconds")):
        ax.axhline(2.0, color="grey", linewidth=0.8)
        ax.set_xscale("log")
        ax.set_xlabel("titles (PubMed + clinical trials); leftmost: the sample data")
        ax.set_ylabel(f"{what}: pipeline / reference")
        ax.grid(True, which="both", alpha=0.3)
    axes[0].legend(fontsize=7)
    fig.suptitle("pipeline / scan floor (sample: / read-and-count), same session; grey: 2x")
    fig.tight_layout()
    fig.savefig(png_path, dpi=110)
    plt.close(fig)


def marginal_rows(rows: list[dict], reference: str = "floor") -> list[dict]:
    """What each pipeline method adds from one size to the next (and from the smallest to
    every size beyond the next), against what its ``reference`` adds between the same sizes,
    per profile: added wall and CPU seconds, their ratios, and CPU seconds per added MB."""
    out = []
    ok = [r for r in rows if r["status"] == "ok" and r.get("input_mb") not in ("", None)]
    for profile in dict.fromkeys(r["profile"] for r in ok):
        mine = [r for r in ok if r["profile"] == profile]
        sizes = sorted({r["titles"] for r in mine})
        # Each step, then from the smallest size to every size beyond the next one (1M -> 5M
        # is the span; 1M -> 10M the longest).
        pairs = list(itertools.pairwise(sizes)) + [(sizes[0], large) for large in sizes[2:]]
        for small, large in pairs:
            at = {(r["titles"], r["method"]): r for r in mine}
            ref_small, ref_large = at.get((small, reference)), at.get((large, reference))
            if not ref_small or not ref_large:
                continue
            mb = ref_large["input_mb"] - ref_small["input_mb"]
            ref_wall = ref_large["wall_s"] - ref_small["wall_s"]
            ref_cpu = ref_large["cpu_s"] - ref_small["cpu_s"]
            methods = dict.fromkeys(r["method"] for r in mine if r["method"].startswith("pipeline"))
            for method in methods:
                one, two = at.get((small, method)), at.get((large, method))
                if not one or not two:
                    continue
                wall, cpu = two["wall_s"] - one["wall_s"], two["cpu_s"] - one["cpu_s"]
                out.append(
                    {
                        "profile": profile,
                        "from": one["size"],
                        "to": two["size"],
                        "method": method,
                        "added_mb": round(mb, 1),
                        "added_wall_s": round(wall, 1),
                        "added_cpu_s": round(cpu, 1),
                        "ref_added_wall_s": round(ref_wall, 1),
                        "ref_added_cpu_s": round(ref_cpu, 1),
                        "wall_ratio": round(wall / ref_wall, 2) if ref_wall > 0 else "",
                        "cpu_ratio": round(cpu / ref_cpu, 2) if ref_cpu > 0 else "",
                        "cpu_s_per_mb": round(cpu / mb, 3) if mb > 0 else "",
                        "ref_cpu_s_per_mb": round(ref_cpu / mb, 3) if mb > 0 else "",
                    }
                )
    return out


def marginal_table(rows: list[dict]) -> str:
    """:func:`marginal_rows` as a Markdown table (results.md, below the runs)."""
    head = (
        "| profile | from | to | method | added MB | added wall s / floor's | "
        "added CPU s / floor's | wall ratio | CPU ratio | CPU s per MB / floor's |"
    )
    lines = [head, "|" + "---|" * 10]
    for r in rows:
        lines.append(
            f"| {r['profile']} | {r['from']} | {r['to']} | {r['method']} | {r['added_mb']} | "
            f"{r['added_wall_s']} / {r['ref_added_wall_s']} | "
            f"{r['added_cpu_s']} / {r['ref_added_cpu_s']} | {r['wall_ratio']} | "
            f"{r['cpu_ratio']} | {r['cpu_s_per_mb']} / {r['ref_cpu_s_per_mb']} |"
        )
    return "\n".join(lines) + "\n"


def markdown_table(rows: list[dict]) -> str:
    """The runs as a Markdown table (results.md; docs/benchmarks.md quotes it)."""
    head = (
        "| profile | titles | drugs | method | wall s | CPU s | wall / ref | CPU / ref | "
        "Spark jobs | peak RSS JVM / py MB | load1 start-max | edges | check |"
    )
    lines = [head, "|" + "---|" * 13]
    for r in rows:
        check = r["status"] if r["status"] != "ok" else r.get("check", "")
        lines.append(
            f"| {r['profile']} | {r['size']} | {r['drugs']} | {r['method']} | {r['wall_s']} | "
            f"{r['cpu_s']} | {r.get('wall_ratio', '')} | {r.get('cpu_ratio', '')} | "
            f"{r['spark_jobs']} | {r['peak_rss_jvm_mb']} / {r['peak_rss_pydriver_mb']} | "
            f"{r['load1_start']}-{r['load1_max']} | {r.get('edges', '')} | {check} |"
        )
    return "\n".join(lines) + "\n"
