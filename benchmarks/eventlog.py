"""Where a Spark run spends its time, from its event log (``run.py --event-logs``).

    .venv/bin/python benchmarks/eventlog.py benchmarks/work/eventlogs/eventlog_v2_local-XXXX
    .venv/bin/python benchmarks/eventlog.py LOG --plans      # also the physical plans
    .venv/bin/python benchmarks/eventlog.py LOG --steps      # task seconds per pipeline step
    .venv/bin/python benchmarks/eventlog.py LOG_1M --marginal LOG_3M 239.1 717.6  # s per added MB

Prints one line per job (start offset, duration, tasks, executor CPU seconds, call site) and
per SQL execution, then the time no job was running (driver-side work: listing, peeks,
Python). Reads plain or zstd-compressed logs (Spark 4 compresses with zstd; ``zstd -dc``).
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import subprocess
import sys


def events(path: str):
    files = sorted(glob.glob(os.path.join(path, "events_*"))) if os.path.isdir(path) else [path]
    for name in files:
        if name.endswith(".zstd"):
            text = subprocess.run(
                ["zstd", "-dc", name], capture_output=True, check=True, text=True
            ).stdout
        else:
            with open(name, encoding="utf-8") as fh:
                text = fh.read()
        for line in text.splitlines():
            if line.strip():
                yield json.loads(line)


STEP_PREFIX = "drug_mentions: "  # drug_mentions.frames.step names its jobs so


def step_of(description: str | None) -> str:
    """The pipeline step a job served (its description), or ``(unnamed)``."""
    if description and description.startswith(STEP_PREFIX):
        return description[len(STEP_PREFIX) :]
    return "(unnamed)"


def task_seconds_per_step(path: str) -> dict[str, float]:
    """Executor run time (task seconds) of each pipeline step, from an event log."""
    step_of_stage: dict[int, str] = {}
    found: dict[str, float] = {}
    for ev in events(path):
        if ev["Event"] == "SparkListenerJobStart":
            step = step_of(ev.get("Properties", {}).get("spark.job.description"))
            for stage in ev["Stage IDs"]:
                step_of_stage[stage] = step
        elif ev["Event"] == "SparkListenerTaskEnd" and ev.get("Task Metrics"):
            step = step_of_stage.get(ev["Stage ID"], "(unnamed)")
            found[step] = found.get(step, 0.0) + ev["Task Metrics"]["Executor Run Time"] / 1000
    return found


def steps_table(path: str) -> str:
    per_step = task_seconds_per_step(path)
    total = sum(per_step.values()) or 1.0
    lines = [f"{'task_s':>8} {'share':>6}  step"]
    for step, seconds in sorted(per_step.items(), key=lambda item: -item[1]):
        lines.append(f"{seconds:8.1f} {100 * seconds / total:5.1f}%  {step}")
    lines.append(f"{total:8.1f} 100.0%  total")
    return "\n".join(lines)


def marginal_table(small: str, large: str, small_mb: float, large_mb: float) -> str:
    """Task seconds per MB each step adds between two runs of different input sizes."""
    one, other = task_seconds_per_step(small), task_seconds_per_step(large)
    added_mb = large_mb - small_mb
    lines = [f"{'small_s':>8} {'large_s':>8} {'s/MB':>7}  step  (+{added_mb:.0f} MB)"]
    rows = []
    for step in sorted(set(one) | set(other)):
        a, b = one.get(step, 0.0), other.get(step, 0.0)
        rows.append((step, a, b, (b - a) / added_mb))
    for step, a, b, per_mb in sorted(rows, key=lambda row: -row[3]):
        lines.append(f"{a:8.1f} {b:8.1f} {per_mb:7.3f}  {step}")
    a, b = sum(one.values()), sum(other.values())
    lines.append(f"{a:8.1f} {b:8.1f} {(b - a) / added_mb:7.3f}  total")
    return "\n".join(lines)


def summarise(path: str, plans: bool = False) -> str:
    jobs: dict[int, dict] = {}
    stage_job: dict[int, int] = {}
    sql: dict[int, dict] = {}
    app = {}
    for ev in events(path):
        kind = ev["Event"]
        if kind == "SparkListenerApplicationStart":
            app["start"] = ev["Timestamp"]
        elif kind == "SparkListenerApplicationEnd":
            app["end"] = ev["Timestamp"]
        elif kind == "SparkListenerJobStart":
            props = ev.get("Properties", {})
            jobs[ev["Job ID"]] = {
                "start": ev["Submission Time"],
                "site": props.get("callSite.short", ""),
                "step": step_of(props.get("spark.job.description")),
                "sql": props.get("spark.sql.execution.id"),
                "tasks": 0,
                "cpu_ms": 0,
            }
            for stage in ev["Stage IDs"]:
                stage_job[stage] = ev["Job ID"]
        elif kind == "SparkListenerJobEnd":
            jobs[ev["Job ID"]]["end"] = ev["Completion Time"]
        elif kind == "SparkListenerTaskEnd":
            job = jobs.get(stage_job.get(ev["Stage ID"]))
            if job is not None and ev.get("Task Metrics"):
                job["tasks"] += 1
                job["cpu_ms"] += ev["Task Metrics"].get("Executor Run Time", 0)
        elif kind.endswith("SparkListenerSQLExecutionStart"):
            sql[ev["executionId"]] = {
                "start": ev["time"],
                "desc": ev.get("description", "")[:60],
                "plan": ev.get("physicalPlanDescription", ""),
            }
        elif kind.endswith("SparkListenerSQLExecutionEnd") and ev["executionId"] in sql:
            sql[ev["executionId"]]["end"] = ev["time"]
    t0 = app.get("start") or min(j["start"] for j in jobs.values())
    t_end = app.get("end") or max(j.get("end", j["start"]) for j in jobs.values())
    out = [f"application: {(t_end - t0) / 1000:.1f} s, {len(jobs)} jobs, {len(sql)} SQL executions"]
    out.append(f"{'job':>4} {'at_s':>7} {'dur_s':>7} {'tasks':>6} {'task_s':>7}  call site")
    busy = []
    for jid, job in sorted(jobs.items()):
        end = job.get("end", job["start"])
        busy.append((job["start"], end))
        out.append(
            f"{jid:>4} {(job['start'] - t0) / 1000:7.1f} {(end - job['start']) / 1000:7.1f} "
            f"{job['tasks']:>6} {job['cpu_ms'] / 1000:7.1f}  [{job['step']}] {job['site']} "
            f"(sql {job['sql']})"
        )
    covered, last = 0, t0
    for start, end in sorted(busy):
        start = max(start, last)
        if end > start:
            covered += end - start
            last = end
    idle = (t_end - t0 - covered) / 1000
    out.append(f"time with no Spark job running (driver work, Python, gaps): {idle:.1f} s")
    out.append(f"{'sql':>4} {'at_s':>7} {'dur_s':>7}  description")
    for sid, ex in sorted(sql.items()):
        dur = (ex.get("end", ex["start"]) - ex["start"]) / 1000
        out.append(f"{sid:>4} {(ex['start'] - t0) / 1000:7.1f} {dur:7.1f}  {ex['desc']}")
        if plans:
            out.append(ex["plan"])
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="job / SQL timings from a Spark event log; task seconds per pipeline step "
        "(--steps); the task seconds per MB each step adds between two sizes (--marginal)"
    )
    parser.add_argument("log", help="event log file or eventlog_v2_* folder")
    parser.add_argument("--plans", action="store_true", help="print physical plans")
    parser.add_argument("--steps", action="store_true", help="task seconds per pipeline step")
    parser.add_argument(
        "--marginal",
        nargs=3,
        metavar=("LARGER_LOG", "MB", "LARGER_MB"),
        help="the larger run's event log and both input sizes in MB: seconds per added MB",
    )
    args = parser.parse_args(argv)
    if args.marginal:
        larger, small_mb, large_mb = args.marginal
        print(marginal_table(args.log, larger, float(small_mb), float(large_mb)))
    elif args.steps:
        print(steps_table(args.log))
    else:
        print(summarise(args.log, args.plans))
    return 0


if __name__ == "__main__":
    sys.exit(main())
