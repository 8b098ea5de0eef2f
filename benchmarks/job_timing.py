"""``timing.json`` of a reference job (floor, count, naive): seconds inside the job, which
``measure._job_seconds`` reads as the pipeline's ``run_report.json`` duration."""

from __future__ import annotations

import json
import os
import time


def write_timing(output: str, started: float, **extra: int) -> None:
    """Write ``{"duration_seconds": now - started, **extra}`` into ``output``/timing.json."""
    timing = {"duration_seconds": round(time.time() - started, 3), **extra}
    os.makedirs(output, exist_ok=True)
    with open(os.path.join(output, "timing.json"), "w", encoding="utf-8") as out:
        json.dump(timing, out)
