"""drug-mentions-gcs ls-runs / fetch against fake-gcs-server with the real client."""

from __future__ import annotations

import json

import pytest
from gcs_cli.main import main
from google.cloud import storage

from .conftest import new_bucket, snapshot

OLDER, NEWER, RUNNING = "20261101t000000", "20261102t000000", "20261103t000000"
REPORT_OLDER = {"edges": {"pubmed": 3, "clinical_trials": 1}, "rejects": {"invalid_date": 1}}
REPORT_NEWER = {
    "input_rows": {"drugs.csv": 7, "pubmed.csv": 8},
    "rows_kept": 14,
    "rejects": {"invalid_date": 1, "missing_title": 1},
    "edges": {"pubmed": 9, "clinical_trials": 4},
    "duration_s": 17.5,
}
MENTIONS = {
    "mentions/source=pubmed/part-00000.parquet": b"PAR1 pubmed",
    "mentions/source=clinical_trials/part-00000.parquet": b"PAR1 trials",
}


def put(client: storage.Client, bucket: str, name: str, data: bytes | str) -> None:
    client.bucket(bucket).blob(name).upload_from_string(data)


@pytest.fixture(scope="module")
def runs_bucket(gcs: storage.Client) -> str:
    """One complete older run, one complete newer run, and a newest run without marker."""
    bucket = new_bucket(gcs)
    put(gcs, bucket, "input/drugs.csv", "atccode,drug\n")
    for run_id, report in [(OLDER, REPORT_OLDER), (NEWER, REPORT_NEWER)]:
        put(gcs, bucket, f"runs/{run_id}/output.json", f'{{"run": "{run_id}"}}\n')
        for name, data in MENTIONS.items():
            put(gcs, bucket, f"runs/{run_id}/{name}", data)
        put(gcs, bucket, f"runs/{run_id}/rejects/part-00000.json", "{}\n")
        put(gcs, bucket, f"runs/{run_id}/run_report.json", json.dumps(report))
        put(gcs, bucket, f"runs/{run_id}/_SUCCESS", json.dumps(report))
    put(gcs, bucket, f"runs/{RUNNING}/output.json", '{"partial": true}\n')
    put(gcs, bucket, f"runs/{RUNNING}/mentions/source=pubmed/part-00000.parquet", b"PAR1")
    return bucket


def test_ls_runs_text(runs_bucket, capsys):
    assert main(["ls-runs", "--data-bucket", runs_bucket]) == 0

    assert capsys.readouterr().out == (
        f"{OLDER}  complete    edges=4 rejects=1\n"
        f"{NEWER}  complete    input_rows=15 rows_kept=14 rejects=2 edges=13\n"
        f"{RUNNING}  incomplete\n"
    )


def test_ls_runs_json(runs_bucket, capsys):
    assert main(["ls-runs", "--data-bucket", f"gs://{runs_bucket}", "--json"]) == 0

    assert json.loads(capsys.readouterr().out) == [
        {
            "run_id": OLDER,
            "status": "complete",
            "uri": f"gs://{runs_bucket}/runs/{OLDER}/",
            "report": REPORT_OLDER,
        },
        {
            "run_id": NEWER,
            "status": "complete",
            "uri": f"gs://{runs_bucket}/runs/{NEWER}/",
            "report": REPORT_NEWER,
        },
        {
            "run_id": RUNNING,
            "status": "incomplete",
            "uri": f"gs://{runs_bucket}/runs/{RUNNING}/",
            "report": None,
        },
    ]


def test_ls_runs_empty_bucket(bucket, capsys):
    assert main(["ls-runs", "--data-bucket", bucket]) == 0
    assert capsys.readouterr().out == f"no runs under gs://{bucket}/runs/\n"


def test_fetch_latest_complete_run_by_default(runs_bucket, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)

    assert main(["fetch", "--data-bucket", runs_bucket]) == 0

    assert capsys.readouterr().out == (
        f"run {NEWER}: 1 downloaded, 0 unchanged -> fetched/{NEWER}/\n"
    )
    fetched = tmp_path / "fetched" / NEWER
    assert sorted(p.name for p in fetched.rglob("*")) == ["output.json"]
    assert (fetched / "output.json").read_text() == f'{{"run": "{NEWER}"}}\n'

    assert main(["fetch", "--data-bucket", runs_bucket]) == 0
    assert capsys.readouterr().out == (
        f"run {NEWER}: 0 downloaded, 1 unchanged -> fetched/{NEWER}/\n"
    )


def test_fetch_run_by_id_with_mentions(runs_bucket, tmp_path, capsys):
    dest = tmp_path / "out"
    argv = ["fetch", "--data-bucket", runs_bucket, "--run", OLDER, "--dest", str(dest)]

    assert main([*argv, "--with-mentions"]) == 0

    assert capsys.readouterr().out == f"run {OLDER}: 3 downloaded, 0 unchanged -> {dest}/\n"
    files = {p.relative_to(dest).as_posix(): p.read_bytes() for p in dest.rglob("*") if p.is_file()}
    assert files == {"output.json": f'{{"run": "{OLDER}"}}\n'.encode(), **MENTIONS}


def test_fetch_gives_the_report_page_with_or_without_output_json(gcs, bucket, tmp_path, capsys):
    page = "<!DOCTYPE html><title>run</title>\n"
    put(gcs, bucket, f"runs/{OLDER}/output.json", "{}\n")
    put(gcs, bucket, f"runs/{NEWER}/report.html", page)  # a --no-output-json run
    for run_id in (OLDER, NEWER):
        put(gcs, bucket, f"runs/{run_id}/report.html", page)
        put(gcs, bucket, f"runs/{run_id}/_SUCCESS", "{}")
    put(gcs, bucket, f"runs/{RUNNING}/_SUCCESS", "{}")  # complete, with nothing to fetch

    for run_id, files in [(OLDER, ["output.json", "report.html"]), (NEWER, ["report.html"])]:
        dest = tmp_path / run_id
        assert main(["fetch", "--data-bucket", bucket, "--run", run_id, "--dest", str(dest)]) == 0
        assert sorted(p.name for p in dest.iterdir()) == files
        assert (dest / "report.html").read_text() == page
    assert capsys.readouterr().out == (
        f"run {OLDER}: 2 downloaded, 0 unchanged -> {tmp_path / OLDER}/\n"
        f"run {NEWER}: 1 downloaded, 0 unchanged -> {tmp_path / NEWER}/\n"
    )
    assert main(["fetch", "--data-bucket", bucket, "--dest", str(tmp_path / "x")]) == 1
    assert capsys.readouterr().err == (
        f"drug-mentions-gcs: error: run {RUNNING} has no output.json nor report.html"
        f" in gs://{bucket}/runs/{RUNNING}/\n"
    )


def test_fetch_overwrites_a_locally_changed_file(runs_bucket, tmp_path, capsys):
    dest = tmp_path / "out"
    dest.mkdir()
    (dest / "output.json").write_text("edited locally")

    assert main(["fetch", "--data-bucket", runs_bucket, "--dest", str(dest)]) == 0

    assert capsys.readouterr().out == f"run {NEWER}: 1 downloaded, 0 unchanged -> {dest}/\n"
    assert (dest / "output.json").read_text() == f'{{"run": "{NEWER}"}}\n'
    assert sorted(p.name for p in dest.iterdir()) == ["output.json"]  # no .part left


def test_fetch_refuses_run_without_marker(runs_bucket, tmp_path, capsys):
    dest = tmp_path / "out"
    argv = ["fetch", "--data-bucket", runs_bucket, "--run", RUNNING, "--dest", str(dest)]

    assert main(argv) == 1
    assert capsys.readouterr().err == (
        f"drug-mentions-gcs: error: run {RUNNING} has no _SUCCESS marker (still running or"
        " failed); pass --allow-incomplete to fetch it anyway\n"
    )
    assert not dest.exists()

    assert main([*argv, "--allow-incomplete"]) == 0
    assert (dest / "output.json").read_text() == '{"partial": true}\n'


def test_fetch_unknown_run(runs_bucket, tmp_path, capsys):
    argv = ["fetch", "--data-bucket", runs_bucket, "--run", "20200101t000000"]
    assert main([*argv, "--dest", str(tmp_path)]) == 1
    assert capsys.readouterr().err == (
        f"drug-mentions-gcs: error: run 20200101t000000 not found under gs://{runs_bucket}/runs/\n"
    )


def test_fetch_without_completed_run(gcs, bucket, tmp_path, capsys):
    put(gcs, bucket, f"runs/{RUNNING}/output.json", "{}")
    assert main(["fetch", "--data-bucket", bucket, "--dest", str(tmp_path / "x")]) == 1
    assert capsys.readouterr().err == (
        f"drug-mentions-gcs: error: no completed run under gs://{bucket}/runs/ (1 incomplete)\n"
    )


def test_fetch_dry_run_writes_nothing(runs_bucket, tmp_path, capsys):
    dest = tmp_path / "out"
    argv = ["fetch", "--data-bucket", runs_bucket, "--dest", str(dest), "--with-mentions"]

    assert main([*argv, "--dry-run"]) == 0

    assert not dest.exists()
    prefix = f"gs://{runs_bucket}/runs/{NEWER}"
    assert capsys.readouterr().out.splitlines() == [
        f"would download {prefix}/output.json -> {dest}/output.json (new)",
        f"would download {prefix}/mentions/source=clinical_trials/part-00000.parquet"
        f" -> {dest}/mentions/source=clinical_trials/part-00000.parquet (new)",
        f"would download {prefix}/mentions/source=pubmed/part-00000.parquet"
        f" -> {dest}/mentions/source=pubmed/part-00000.parquet (new)",
        f"run {NEWER}: would download 3, 0 unchanged -> {dest}/",
    ]


@pytest.mark.parametrize("command", ["ls-runs", "fetch"])
def test_missing_bucket(gcs_server, command, capsys):
    code = main([command, "--data-bucket", "no-such-bucket"])

    assert code == 1
    assert (
        capsys.readouterr().err
        == "drug-mentions-gcs: error: bucket gs://no-such-bucket not found\n"
    )


def test_reading_runs_changes_nothing(gcs, runs_bucket, tmp_path, capsys):
    before = snapshot(gcs, runs_bucket)
    main(["ls-runs", "--data-bucket", runs_bucket])
    main(["fetch", "--data-bucket", runs_bucket, "--dest", str(tmp_path), "--with-mentions"])
    assert snapshot(gcs, runs_bucket) == before


def test_fetch_without_any_run(bucket, tmp_path, capsys):
    assert main(["fetch", "--data-bucket", bucket, "--dest", str(tmp_path / "x")]) == 1
    assert (
        capsys.readouterr().err == f"drug-mentions-gcs: error: no runs under gs://{bucket}/runs/\n"
    )
