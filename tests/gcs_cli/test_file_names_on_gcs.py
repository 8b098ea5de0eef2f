"""Any legal file name on gs://: the pipeline (spark-submit) on fake-gcs-server counts exactly
the records written into files with random names (Hypothesis), and refuses a colon up front.

Each example is one spark-submit run on gs:// (~60 s), so there is one per suite run (a new
random one each time); the same property runs in-process on local folders with more examples
(tests/test_real_world_inputs.py).
Also on gs://: a run folder whose lock another run holds is refused.
"""

from __future__ import annotations

import json
import subprocess

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.test_real_world_inputs import expected_rows, input_files, write_inputs

from .conftest import REPO, new_bucket
from .spark_gcs import spark_env, spark_submit_command

PIPELINE = REPO / "jobs" / "pipeline.py"

pytestmark = pytest.mark.spark_submit

# Object names: no carriage return or line feed (Cloud Storage refuses them), no control
# character (Google's naming guidelines); otherwise as random as a local name.
GCS_NAMES = input_files(
    min_files=3,
    alphabet=st.characters(
        blacklist_categories=("Cs", "Cc"), blacklist_characters="/:\u2028\u2029\u0085"
    ),
)


def run_on_gcs(emulator_url: str, bucket: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        spark_submit_command(
            emulator_url,
            PIPELINE,
            "--input",
            f"gs://{bucket}/input",
            "--output",
            f"gs://{bucket}/runs/r1",
            "--run-id",
            "r1",
            *args,
        ),
        cwd=REPO,
        env=spark_env(),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def upload(gcs, bucket: str, contents: dict[str, bytes]) -> None:
    for name, data in contents.items():
        gcs.bucket(bucket).blob(f"input/{name}").upload_from_string(data)


@settings(
    max_examples=1, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(files=GCS_NAMES)
def test_any_legal_object_name_is_read_and_counted(gcs, gcs_server, files):
    bucket = new_bucket(gcs)
    upload(gcs, bucket, write_inputs(files))
    result = run_on_gcs(gcs_server.url, bucket)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(gcs.bucket(bucket).blob("runs/r1/run_report.json").download_as_bytes())
    assert {f["file"]: f["rows"] for f in report["files"]} == expected_rows(files)
    assert report["ignored"] == []
    assert [b.name for b in gcs.list_blobs(bucket, prefix="runs/.")] == []  # lock released


def test_a_colon_in_an_object_name_is_refused_up_front(gcs, gcs_server):
    bucket = new_bucket(gcs)
    contents = write_inputs({})
    contents["pubmed_2020-01-01T10:00:00.csv"] = contents["pubmed_base.csv"]
    upload(gcs, bucket, contents)
    result = run_on_gcs(gcs_server.url, bucket)
    assert result.returncode == 2, result.stderr[-3000:]
    last = [line for line in result.stderr.splitlines() if line.strip()][-1]
    assert last == (
        "error: pubmed_2020-01-01T10:00:00.csv: Hadoop cannot read a file whose name holds a "
        "colon (':'); rename it"
    )
    assert [b.name for b in gcs.list_blobs(bucket, prefix="runs/")] == []


def test_a_run_folder_in_use_is_refused_naming_the_holder(gcs, gcs_server):
    bucket = new_bucket(gcs)
    upload(gcs, bucket, write_inputs({}))
    holder = {
        "run_id": "r0",
        "host": "dataproc-driver",
        "pid": 7,
        "since": "2026-12-04T03:00:00+00:00",
    }
    gcs.bucket(bucket).blob("runs/.r1.lock").upload_from_string(json.dumps(holder))
    result = run_on_gcs(gcs_server.url, bucket)
    assert result.returncode == 2, result.stderr[-3000:]
    last = [line for line in result.stderr.splitlines() if line.strip()][-1]
    assert last == (
        f"error: output gs://{bucket}/runs/r1 is in use by run r0 on dataproc-driver (pid 7) "
        f"since 2026-12-04T03:00:00+00:00; if no run is active, delete gs://{bucket}/runs/.r1.lock "
        "(a stale lock)"
    )
    assert [b.name for b in gcs.list_blobs(bucket, prefix="runs/")] == ["runs/.r1.lock"]
    assert json.loads(gcs.bucket(bucket).blob("runs/.r1.lock").download_as_bytes()) == holder
