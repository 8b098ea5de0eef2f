"""End to end on gs://: the real jobs (spark-submit) read and write fake-gcs-server.

The input is data/ uploaded to ``gs://B/input``; the run goes to ``gs://B/runs/<id>``; the
CLI then lists and fetches it, and its output.json must be byte-identical to a local run's.
The ad-hoc job then runs as the DAG runs it: on the run's Parquet mentions/, result to gs://.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from drug_mentions import contract, page_html
from gcs_cli import transfer
from gcs_cli.main import main

from .conftest import REPO, new_bucket
from .spark_gcs import spark_env, spark_submit_command

RUN_ID = "20261125t030000"
PIPELINE = REPO / "jobs" / "pipeline.py"
ADHOC = REPO / "jobs" / "adhoc.py"

pytestmark = pytest.mark.spark_submit


def spark_submit(emulator_url: str, script: Path, *args: str) -> subprocess.CompletedProcess:
    result = subprocess.run(
        spark_submit_command(emulator_url, script, *args),
        cwd=REPO,
        env=spark_env(),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return result


def upload_sample_input(gcs, bucket: str) -> None:
    """data/ (4 files) uploaded to gs://B/input/ with the CLI's transfer functions."""
    data = REPO / "data"
    files = [
        (p, f"{contract.INPUT_PREFIX}/{p.relative_to(data)}") for p in transfer.local_files(data)
    ]
    plan = transfer.plan_uploads(gcs, bucket, f"{contract.INPUT_PREFIX}/", files)
    assert transfer.upload(gcs, plan) == len(files) == 4


def run_pipeline(emulator_url: str, bucket: str, output: str) -> None:
    """The pipeline (spark-submit) on gs://B/input into gs://B/<output>, as run RUN_ID."""
    spark_submit(
        emulator_url,
        PIPELINE,
        "--input",
        f"gs://{bucket}/{contract.INPUT_PREFIX}",
        "--output",
        f"gs://{bucket}/{output}",
        "--run-id",
        RUN_ID,
    )


@pytest.fixture(scope="module")
def local_output(gcs_server, tmp_path_factory) -> Path:
    """The pipeline on data/ into a local folder: the reference output."""
    out = tmp_path_factory.mktemp("local") / "output"
    spark_submit(gcs_server.url, PIPELINE, "--input", "data", "--output", str(out))
    return out


@pytest.fixture(scope="module")
def gcs_run(gcs, gcs_server) -> str:
    """data/ uploaded to gs://B/input, then the pipeline run into gs://B/runs/RUN_ID."""
    bucket = new_bucket(gcs)
    upload_sample_input(gcs, bucket)
    run_pipeline(gcs_server.url, bucket, f"{contract.RUNS_PREFIX}/{RUN_ID}")
    return bucket


def test_run_folder_is_complete_with_marker_last(gcs, gcs_run):
    prefix = f"{contract.RUNS_PREFIX}/{RUN_ID}/"
    listed = gcs.list_blobs(gcs_run, prefix=prefix)
    blobs = {b.name.removeprefix(prefix): b for b in listed}
    blobs = {name: b for name, b in blobs.items() if not name.startswith(f"{contract.ADHOC_DIR}/")}
    top_level = {name.split("/")[0] for name in blobs}

    assert {
        contract.OUTPUT_JSON,
        contract.MENTIONS_DIR,
        contract.REJECTS_DIR,
        contract.RUN_REPORT,
        contract.REPORT_HTML,
        contract.SUCCESS_MARKER,
    } <= top_level
    partitions = {n.split("/")[1] for n in blobs if n.startswith(f"{contract.MENTIONS_DIR}/")}
    assert {"source=pubmed", "source=clinical_trials"} <= partitions
    marker = blobs[contract.SUCCESS_MARKER]
    report = json.loads(blobs[contract.RUN_REPORT].download_as_bytes())
    assert json.loads(marker.download_as_bytes()) == report
    # Written last: no object of the run is newer than the marker.
    assert max(b.generation for b in blobs.values()) == marker.generation


def test_fetch_gives_the_local_output_json_and_the_page(
    gcs, gcs_run, local_output, tmp_path, capsys
):
    dest = tmp_path / "fetched"

    assert main(["fetch", "--data-bucket", gcs_run, "--dest", str(dest)]) == 0

    assert capsys.readouterr().out == f"run {RUN_ID}: 2 downloaded, 0 unchanged -> {dest}/\n"
    fetched = (dest / contract.OUTPUT_JSON).read_bytes()
    assert fetched == (local_output / contract.OUTPUT_JSON).read_bytes()
    page = (dest / contract.REPORT_HTML).read_text(encoding="utf-8")
    report = json.loads(
        gcs.bucket(gcs_run)
        .blob(f"{contract.RUNS_PREFIX}/{RUN_ID}/{contract.RUN_REPORT}")
        .download_as_bytes()
    )
    # The page embeds the run's report (the browser tests check what it shows).
    assert page_html.to_json(report["edges"]) in page and f"gs://{gcs_run}/" in page


def test_ls_runs_shows_the_run_complete(gcs_run, capsys):
    assert main(["ls-runs", "--data-bucket", gcs_run, "--json"]) == 0

    [run] = json.loads(capsys.readouterr().out)
    assert (run["run_id"], run["status"]) == (RUN_ID, "complete")
    assert isinstance(run["report"], dict)


def most_drugs_journals(graph: dict) -> dict:
    """Oracle for the ad-hoc default query, straight from output.json."""
    drugs_by_journal: dict[str, set[str]] = {}
    for drug in graph["drugs"]:
        for mention in drug["journals"]:
            drugs_by_journal.setdefault(mention["journal"], set()).add(drug["drug"])
    best = max(len(drugs) for drugs in drugs_by_journal.values())
    tied = sorted(j for j, drugs in drugs_by_journal.items() if len(drugs) == best)
    return {"distinct_drugs": best, "journals": tied}


def test_adhoc_on_the_run_mentions(gcs, gcs_server, gcs_run, local_output):
    run = f"gs://{gcs_run}/{contract.RUNS_PREFIX}/{RUN_ID}"
    result_name = f"{contract.RUNS_PREFIX}/{RUN_ID}/{contract.ADHOC_DIR}/top_journals.json"

    spark_submit(
        gcs_server.url,
        ADHOC,
        "--mentions",
        f"{run}/{contract.MENTIONS_DIR}",
        "--json",
        "--out",
        f"gs://{gcs_run}/{result_name}",
    )

    graph = json.loads((local_output / contract.OUTPUT_JSON).read_bytes())
    result = json.loads(gcs.bucket(gcs_run).blob(result_name).download_as_bytes())
    assert result == most_drugs_journals(graph)


def test_a_rerun_removes_the_previous_adhoc_result(gcs, gcs_server):
    bucket = new_bucket(gcs)
    upload_sample_input(gcs, bucket)
    prefix = f"{contract.RUNS_PREFIX}/{RUN_ID}/"
    stale = f"{prefix}{contract.ADHOC_DIR}/top_journals.json"
    gcs.bucket(bucket).blob(stale).upload_from_string('{"journals": ["stale"]}')

    run_pipeline(gcs_server.url, bucket, prefix)

    names = {b.name.removeprefix(prefix) for b in gcs.list_blobs(bucket, prefix=prefix)}
    assert {name.split("/")[0] for name in names} == {
        contract.OUTPUT_JSON,
        contract.MENTIONS_DIR,
        contract.REJECTS_DIR,
        contract.RUN_REPORT,
        contract.REPORT_HTML,
        contract.SUCCESS_MARKER,
    }


def test_incremental_runs_on_gs_give_the_local_full_run(gcs, gcs_server, local_output):
    """data/ in two drops on gs://B/input, each run with --state gs://B/state: the second
    run reads only the new file, and its output.json is the local full run's."""
    bucket = new_bucket(gcs)
    data = REPO / "data"
    state = f"gs://{bucket}/{contract.STATE_PREFIX}"
    for number, names in enumerate(
        [("drugs.csv", "pubmed.csv", "clinical_trials.csv"), ("pubmed.json",)]
    ):
        files = [(data / name, f"{contract.INPUT_PREFIX}/{name}") for name in names]
        transfer.upload(gcs, transfer.plan_uploads(gcs, bucket, f"{contract.INPUT_PREFIX}/", files))
        spark_submit(
            gcs_server.url,
            PIPELINE,
            "--input",
            f"gs://{bucket}/{contract.INPUT_PREFIX}",
            "--output",
            f"gs://{bucket}/{contract.RUNS_PREFIX}/r{number}",
            "--state",
            state,
            "--run-id",
            f"r{number}",
        )
    run = gcs.bucket(bucket)
    output = run.blob(f"{contract.RUNS_PREFIX}/r1/{contract.OUTPUT_JSON}").download_as_bytes()
    assert output == (local_output / contract.OUTPUT_JSON).read_bytes()
    report = json.loads(
        run.blob(f"{contract.RUNS_PREFIX}/r1/{contract.RUN_REPORT}").download_as_bytes()
    )
    assert (report["incremental"]["new_files"], report["incremental"]["version"]) == (1, 2)
    names = {b.name for b in gcs.list_blobs(bucket, prefix=f"{contract.STATE_PREFIX}/")}
    assert f"{contract.STATE_PREFIX}/manifest-000002.json" in names
    assert f"{contract.STATE_PREFIX}/_LOCK" not in names
