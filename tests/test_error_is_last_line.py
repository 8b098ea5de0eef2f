"""A user's bad input: the one-line ``error:`` message is the last line printed on stderr.

Both entry points run through plain ``spark-submit`` (no ``--properties-file``, no
``spark.log.level``), as a new user types them: Spark then logs at INFO, and without
``console.quiet_spark`` its shutdown hooks print a dozen INFO lines after the error.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.helpers import REPO, VENV_BIN, require_marker, spark_submit_env


def plain_spark_submit(script: str, *args: str) -> subprocess.CompletedProcess:
    """``spark-submit jobs/<script> ARGS``: Spark's defaults, nothing from conf/."""
    require_marker("spark_submit")
    return subprocess.run(
        [str(VENV_BIN / "spark-submit"), str(REPO / "jobs" / script), *args],
        cwd=REPO,
        env=spark_submit_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def last_line(text: str) -> str:
    return [line for line in text.splitlines() if line.strip()][-1]


@pytest.mark.spark_submit
def test_pipeline_missing_input_folder_error_is_the_last_line(tmp_path):
    missing = tmp_path / "missing"
    result = plain_spark_submit(
        "pipeline.py", "--input", str(missing), "--output", str(tmp_path / "output")
    )
    assert result.returncode == 2, result.stderr[-3000:]
    assert last_line(result.stderr) == f"error: {missing}: input folder not found"
    assert result.stdout == ""
    assert list(tmp_path.iterdir()) == []


@pytest.mark.spark_submit
def test_adhoc_unknown_drug_error_is_the_last_line(tmp_path):
    graph = tmp_path / "output.json"
    drug = {"drug": "ETHANOL", "atccode": "V03AB16", "pubmed": [], "clinical_trials": []}
    graph.write_text(json.dumps({"drugs": [{**drug, "journals": []}]}), encoding="utf-8")
    result = plain_spark_submit("adhoc.py", "--graph", str(graph), "--related-drug", "aspirin")
    assert result.returncode == 2, result.stderr[-3000:]
    assert last_line(result.stderr) == "error: unknown drug 'aspirin': ASPIRIN is not in the graph"
    assert result.stdout == ""
