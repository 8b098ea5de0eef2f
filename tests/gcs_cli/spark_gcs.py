"""Run Spark jobs on gs:// against the emulator: the connector jar and the spark-submit line.

The jar is the GCS connector (hadoop3, shaded) that PyPI's ``pyspark-gcs`` ships (test extra);
Dataproc has its own connector, so this is test-only.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

from tests.helpers import require_marker

SPARK_SUBMIT = Path(sys.executable).parent / "spark-submit"


def connector_jar() -> Path:
    """Path of the connector jar inside the installed pyspark-gcs (without importing it)."""
    spec = importlib.util.find_spec("pyspark_gcs")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("pyspark-gcs is not installed: run `make setup-test`")
    jars = sorted(Path(spec.submodule_search_locations[0], "jars").glob("gcs-connector-*.jar"))
    if not jars:
        raise RuntimeError("pyspark-gcs ships no gcs-connector jar")
    return jars[-1]


def gcs_conf(emulator_url: str) -> dict[str, str]:
    """Spark conf for gs:// on fake-gcs-server (no credentials, emulator as root URL)."""
    return {
        "spark.jars": str(connector_jar()),
        "spark.hadoop.fs.gs.impl": "com.google.cloud.hadoop.fs.gcs.GoogleHadoopFileSystem",
        "spark.hadoop.fs.gs.storage.root.url": emulator_url,
        "spark.hadoop.fs.gs.auth.null.enable": "true",
        "spark.hadoop.fs.gs.auth.service.account.enable": "false",
        # Hadoop 3.4 (Spark 4) defaults gs:// to the manifest committer, which fails with this
        # old connector when a task writes no file; the classic FileOutputCommitter works.
        "spark.hadoop.mapreduce.outputcommitter.factory.scheme.gs": (
            "org.apache.hadoop.mapreduce.lib.output.PathOutputCommitterFactory"
        ),
    }


def spark_submit_command(emulator_url: str, script: Path | str, *args: str) -> list[str]:
    """``spark-submit --master local[1] --conf ... SCRIPT ARGS`` with a small, quiet setup."""
    require_marker("spark_submit")
    conf = {
        **gcs_conf(emulator_url),
        "spark.ui.enabled": "false",
        "spark.sql.shuffle.partitions": "1",
    }
    flags = [item for key, value in conf.items() for item in ("--conf", f"{key}={value}")]
    return [str(SPARK_SUBMIT), "--master", "local[1]", *flags, str(script), *args]


def spark_env() -> dict[str, str]:
    """Environment for spark-submit: this venv's Python (first on PATH, for find-spark-home)
    for the launcher, the driver and the workers."""
    env = dict(os.environ)
    env |= {
        "PATH": f"{SPARK_SUBMIT.parent}{os.pathsep}{env.get('PATH', '')}",
        "PYSPARK_PYTHON": sys.executable,
        "PYSPARK_DRIVER_PYTHON": sys.executable,
    }
    env.pop("SPARK_HOME", None)
    return env
