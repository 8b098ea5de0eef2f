"""Where a Spark run spends its time, from its event log (``run.py --event-logs``).

    .venv/bin/python benchmarks/eventlog.py benchmarks/work/eventlogs/eventlog_v2_local-XXXX
    .venv/bin/python benchmarks/eventlog.py LOG --plans      # also the physical plans

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
            f"{job['tasks']:>6} {job['cpu_ms'] / 1000:7.1f}  {job['site']} (sql {job['sql']})"
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
    parser = argparse.ArgumentParser(description="job / SQL timings from a Spark event log")
    parser.add_argument("log", help="event log file or eventlog_v2_* folder")
    parser.add_argument("--plans", action="store_true", help="print physical plans")
    args = parser.parse_args(argv)
    print(summarise(args.log, args.plans))
    return 0


if __name__ == "__main__":
    sys.exit(main())
