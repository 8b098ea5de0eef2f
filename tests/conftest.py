"""Shared fixtures: one local Spark session for the whole run, and helpers to run the jobs."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from tests import helpers

REPO = Path(__file__).resolve().parent.parent

# spark-submit (and the Python workers) must use this interpreter, not the first python3 on PATH.
os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
sys.path.insert(0, str(REPO / "jobs"))


# What `make test-fast` leaves out, by the fixture that starts it: a test using one of these
# (directly or through another fixture) gets the marker. Starting one without the marker
# fails the test (helpers.require_marker), so the fast lane's selection stays honest.
MARKER_OF_FIXTURE = {"sample_submit": "spark_submit", "gcs_server": "emulator"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        for fixture, marker in MARKER_OF_FIXTURE.items():
            if fixture in getattr(item, "fixturenames", ()):
                item.add_marker(marker)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    helpers.RUNNING_TEST = item  # before its fixtures are set up


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
def sample_main(spark, tmp_path_factory) -> Path:
    """The output folder of one in-process ``pipeline.main`` run on data/ (the test session's
    Spark, no spark-submit), shared by the whole session. Tests must not modify it: copy it."""
    out = tmp_path_factory.mktemp("sample-main") / "output"
    pipeline = helpers.load_entry_point("pipeline")
    assert pipeline.main(["--input", str(helpers.DATA), "--output", str(out)]) == 0
    return out


@pytest.fixture(scope="session")
def sample_submit(tmp_path_factory):
    """One real ``spark-submit jobs/pipeline.py`` run on data/, shared by the whole session.

    Returns (output folder, completed process). Tests must not modify the folder: copy it.
    """
    out = tmp_path_factory.mktemp("sample") / "output"
    result = helpers.spark_submit("pipeline.py", "--input", str(helpers.DATA), "--output", str(out))
    assert result.returncode == 0, result.stderr[-3000:]
    return out, result
