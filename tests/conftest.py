"""Shared fixtures: one local Spark session for the whole run, and helpers to run the jobs."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

# spark-submit (and the Python workers) must use this interpreter, not the first python3 on PATH.
os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
sys.path.insert(0, str(REPO / "jobs"))


@pytest.fixture(scope="session")
def spark():
    """A small local Spark: one core, one shuffle partition, no UI."""
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[1]")
        .appName("drug-mentions-tests")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.default.parallelism", "1")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.log.level", "WARN")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    yield session
    session.stop()


@pytest.fixture(scope="session")
def sample_submit(tmp_path_factory):
    """One real ``spark-submit jobs/pipeline.py`` run on data/, shared by the whole session.

    Returns (output folder, completed process). Tests must not modify the folder: copy it.
    """
    from tests.helpers import DATA, spark_submit

    out = tmp_path_factory.mktemp("sample") / "output"
    result = spark_submit("pipeline.py", "--input", str(DATA), "--output", str(out))
    assert result.returncode == 0, result.stderr[-3000:]
    return out, result
