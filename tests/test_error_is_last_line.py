"""The one-line ``error:`` message is the last line printed on stderr: bad input, an option
error (after the usage), an unexpected failure (after its traceback, on stderr, not stdout).

Both entry points run through plain ``spark-submit`` (no ``--properties-file``, no
``spark.log.level``), as a new user types them: Spark then logs at INFO, and without
``console.quiet_spark`` its shutdown hooks print a dozen INFO lines after the error.
"""

from __future__ import annotations

import gzip
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


@pytest.mark.spark_submit
def test_pipeline_unexpected_failure_traceback_on_stderr_and_last_line(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "drugs.csv").write_text("atccode,drug\nA1,ETHANOL\n")
    (folder / "clinical_trials.csv").write_text("id,scientific_title,date,journal\n")
    rows = "".join(f"{n},Ethanol study {n},01/01/2020,J\n" for n in range(20_000))
    whole = gzip.compress(("id,title,date,journal\n" + rows).encode())
    (folder / "pubmed.csv.gz").write_bytes(whole[: len(whole) // 2])  # truncated mid-stream
    result = plain_spark_submit(
        "pipeline.py", "--input", str(folder), "--output", str(tmp_path / "output")
    )
    assert result.returncode == 1, result.stderr[-3000:]
    assert result.stdout == ""
    assert "Traceback (most recent call last):" in result.stderr
    last = last_line(result.stderr)
    assert last.startswith("error: unexpected failure: "), result.stderr[-3000:]
    assert "pubmed.csv.gz" in last
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]  # no output, lock released


@pytest.mark.spark_submit
def test_adhoc_option_error_is_the_last_line_on_stderr(tmp_path):
    result = plain_spark_submit("adhoc.py", "--top", "0")
    assert result.returncode == 2, result.stderr[-3000:]
    assert result.stdout == ""
    assert last_line(result.stderr) == "error: argument --top: must be at least 1, got 0"
    assert "usage: spark-submit jobs/adhoc.py" in result.stderr
