"""End to end on gs://: the real jobs (spark-submit) read and write fake-gcs-server.

data/ reaches ``gs://B/input`` in two drops, each followed by an incremental run (``--state
gs://B/state``) into ``gs://B/runs/<id>``, as the DAG runs it: the second run reads only the new
file and its output.json must be byte-identical to a local full run's. The CLI then lists and
fetches it, and the ad-hoc job runs on its Parquet mentions/, result to gs://. (The plain,
stateless run on gs:// is tests/gcs_cli/test_file_names_on_gcs.py's.)
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
FIRST_RUN_ID = "20261124t030000"  # the first drop's run, the day before
FIRST_DROP = ("drugs.csv", "pubmed.csv", "clinical_trials.csv")
STALE = f"{contract.ADHOC_DIR}/top_journals.json"  # left by an earlier run of the same id
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


def upload(gcs, bucket: str, names: tuple[str, ...]) -> None:
    """Files of data/ uploaded to gs://B/input/ with the CLI's transfer functions."""
    files = [(REPO / "data" / name, f"{contract.INPUT_PREFIX}/{name}") for name in names]
    plan = transfer.plan_uploads(gcs, bucket, f"{contract.INPUT_PREFIX}/", files)
    assert transfer.upload(gcs, plan) == len(names)


def run_pipeline(emulator_url: str, bucket: str, run_id: str) -> None:
    """The pipeline (spark-submit) on gs://B/input into gs://B/runs/<run_id>, with the state
    in gs://B/state."""
    spark_submit(
        emulator_url,
        PIPELINE,
        "--input",
        f"gs://{bucket}/{contract.INPUT_PREFIX}",
        "--output",
        f"gs://{bucket}/{contract.RUNS_PREFIX}/{run_id}",
        "--state",
        f"gs://{bucket}/{contract.STATE_PREFIX}",
        "--run-id",
        run_id,
    )


@pytest.fixture(scope="module")
def gcs_run(gcs, gcs_server) -> tuple[str, set[str]]:
    """data/ in two drops: 3 files and run FIRST_RUN_ID, then pubmed.json and run RUN_ID (whose
    folder held a stale ad-hoc result). Returns the bucket and the names in RUN_ID's folder
    right after its run."""
    bucket = new_bucket(gcs)
    upload(gcs, bucket, FIRST_DROP)
    run_pipeline(gcs_server.url, bucket, FIRST_RUN_ID)
    upload(gcs, bucket, ("pubmed.json",))
    prefix = f"{contract.RUNS_PREFIX}/{RUN_ID}/"
    gcs.bucket(bucket).blob(prefix + STALE).upload_from_string('{"journals": ["stale"]}')
    run_pipeline(gcs_server.url, bucket, RUN_ID)
    return bucket, {b.name.removeprefix(prefix) for b in gcs.list_blobs(bucket, prefix=prefix)}


def test_run_folder_is_complete_with_marker_last(gcs, gcs_run):
    bucket, _ = gcs_run
    prefix = f"{contract.RUNS_PREFIX}/{RUN_ID}/"
    listed = gcs.list_blobs(bucket, prefix=prefix)
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
    gcs, gcs_run, sample_main, tmp_path, capsys
):
    bucket, _ = gcs_run
    dest = tmp_path / "fetched"

    assert main(["fetch", "--data-bucket", bucket, "--dest", str(dest)]) == 0

    assert capsys.readouterr().out == f"run {RUN_ID}: 2 downloaded, 0 unchanged -> {dest}/\n"
    fetched = (dest / contract.OUTPUT_JSON).read_bytes()
    assert fetched == (sample_main / contract.OUTPUT_JSON).read_bytes()
    page = (dest / contract.REPORT_HTML).read_text(encoding="utf-8")
    report = json.loads(
        gcs.bucket(bucket)
        .blob(f"{contract.RUNS_PREFIX}/{RUN_ID}/{contract.RUN_REPORT}")
        .download_as_bytes()
    )
    # The page embeds the run's report (the browser tests check what it shows).
    assert page_html.to_json(report["edges"]) in page and f"gs://{bucket}/" in page


def test_ls_runs_shows_both_runs_complete(gcs_run, capsys):
    bucket, _ = gcs_run
    assert main(["ls-runs", "--data-bucket", bucket, "--json"]) == 0

    runs = json.loads(capsys.readouterr().out)
    assert [(run["run_id"], run["status"]) for run in runs] == [
        (FIRST_RUN_ID, "complete"),
        (RUN_ID, "complete"),
    ]
    assert [run["report"]["run_id"] for run in runs] == [FIRST_RUN_ID, RUN_ID]


def most_drugs_journals(graph: dict) -> dict:
    """Oracle for the ad-hoc default query, straight from output.json."""
    drugs_by_journal: dict[str, set[str]] = {}
    for drug in graph["drugs"]:
        for mention in drug["journals"]:
            drugs_by_journal.setdefault(mention["journal"], set()).add(drug["drug"])
    best = max(len(drugs) for drugs in drugs_by_journal.values())
    tied = sorted(j for j, drugs in drugs_by_journal.items() if len(drugs) == best)
    return {"distinct_drugs": best, "journals": tied}


def test_adhoc_on_the_run_mentions(gcs, gcs_server, gcs_run, sample_main):
    bucket, _ = gcs_run
    run = f"gs://{bucket}/{contract.RUNS_PREFIX}/{RUN_ID}"
    result_name = f"{contract.RUNS_PREFIX}/{RUN_ID}/{contract.ADHOC_DIR}/top_journals.json"

    spark_submit(
        gcs_server.url,
        ADHOC,
        "--mentions",
        f"{run}/{contract.MENTIONS_DIR}",
        "--json",
        "--out",
        f"gs://{bucket}/{result_name}",
    )

    graph = json.loads((sample_main / contract.OUTPUT_JSON).read_bytes())
    result = json.loads(gcs.bucket(bucket).blob(result_name).download_as_bytes())
    assert result == most_drugs_journals(graph)


def test_a_rerun_removes_the_previous_adhoc_result(gcs_run):
    _, names = gcs_run
    assert {name.split("/")[0] for name in names} == {
        contract.OUTPUT_JSON,
        contract.MENTIONS_DIR,
        contract.REJECTS_DIR,
        contract.RUN_REPORT,
        contract.REPORT_HTML,
        contract.SUCCESS_MARKER,
    }


def test_the_second_run_reads_only_the_new_file_and_gives_the_local_full_run(
    gcs, gcs_run, sample_main
):
    bucket, _ = gcs_run
    run = gcs.bucket(bucket)
    output = run.blob(f"{contract.RUNS_PREFIX}/{RUN_ID}/{contract.OUTPUT_JSON}").download_as_bytes()
    assert output == (sample_main / contract.OUTPUT_JSON).read_bytes()
    report = json.loads(
        run.blob(f"{contract.RUNS_PREFIX}/{RUN_ID}/{contract.RUN_REPORT}").download_as_bytes()
    )
    assert (report["incremental"]["new_files"], report["incremental"]["version"]) == (1, 2)
    names = {b.name for b in gcs.list_blobs(bucket, prefix=f"{contract.STATE_PREFIX}/")}
    assert f"{contract.STATE_PREFIX}/manifest-000002.json" in names
    assert f"{contract.STATE_PREFIX}/_LOCK" not in names
