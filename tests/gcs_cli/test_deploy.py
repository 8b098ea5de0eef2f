"""drug-mentions-gcs deploy against fake-gcs-server with the real client."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from drug_mentions import __version__
from gcs_cli import transfer
from gcs_cli.main import main
from google.cloud import storage

from .conftest import REPO, new_bucket, snapshot

DATA_FILES = ["clinical_trials.csv", "drugs.csv", "pubmed.csv", "pubmed.json"]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A checkout-like folder: dist/ (as `make package` builds it), dags/, data/."""
    dist = tmp_path / "dist"
    (dist / "conf").mkdir(parents=True)
    (dist / "pipeline.py").write_text("print('pipeline')\n")
    (dist / "adhoc.py").write_text("print('adhoc')\n")
    (dist / f"drug_mentions-{__version__}.zip").write_bytes(b"PK\x05\x06" + b"\0" * 18)
    (dist / "conf" / "gcp.toml").write_text("[paths]\n")
    (tmp_path / "dags").mkdir()
    (tmp_path / "dags" / "drug_mentions_dag.py").write_text("# dag\n")
    (tmp_path / "dags" / "README.md").write_text("not a DAG\n")
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "dataproc.toml").write_text('[properties]\n"spark.executor.cores" = "4"\n')
    data = tmp_path / "data"
    data.mkdir()
    for name in DATA_FILES:
        (data / name).write_bytes((REPO / "data" / name).read_bytes())
    return tmp_path


@pytest.fixture
def composer_bucket(gcs: storage.Client) -> str:
    return new_bucket(gcs)


def deploy_argv(project: Path, bucket: str, composer_bucket: str, *extra: str) -> list[str]:
    tf_outputs = project / "tf.json"
    tf_outputs.write_text(
        json.dumps(
            {
                "data_bucket_name": {"value": bucket, "type": "string", "sensitive": False},
                "composer_dag_gcs_prefix": {
                    "value": f"gs://{composer_bucket}/dags",
                    "type": "string",
                    "sensitive": False,
                },
            }
        )
    )
    return [
        "deploy",
        "--tf-outputs",
        str(tf_outputs),
        "--dist",
        str(project / "dist"),
        "--dags",
        str(project / "dags"),
        "--data",
        str(project / "data"),
        "--batch-conf",
        str(project / "conf" / "dataproc.toml"),
        "--with-data",
        *extra,
    ]


def expected_code(bucket: str) -> set[str]:
    prefix = f"code/{__version__}/"
    names = ["adhoc.py", "conf/gcp.toml", f"drug_mentions-{__version__}.zip", "pipeline.py"]
    return {prefix + n for n in names}


def test_deploy_twice_uploads_once(gcs, bucket, composer_bucket, project, capsys):
    argv = deploy_argv(project, bucket, composer_bucket)

    assert main(argv) == 0
    first = capsys.readouterr()
    assert first.out.splitlines() == [
        f"code: 4 uploaded, 0 unchanged -> gs://{bucket}/code/{__version__}/",
        f"input: 4 uploaded, 0 unchanged -> gs://{bucket}/input/",
        f"dags: 2 uploaded, 0 unchanged -> gs://{composer_bucket}/dags/",
    ]
    data_objects = snapshot(gcs, bucket)
    assert set(data_objects) == expected_code(bucket) | {f"input/{n}" for n in DATA_FILES}
    assert set(snapshot(gcs, composer_bucket)) == {
        "dags/drug_mentions_dag.py",
        "dags/drug_mentions_dataproc.toml",
    }
    uploaded = gcs.bucket(bucket).blob("input/drugs.csv").download_as_bytes()
    assert uploaded == (REPO / "data" / "drugs.csv").read_bytes()

    assert main(argv) == 0
    second = capsys.readouterr()
    assert second.out.splitlines() == [
        f"code: 0 uploaded, 4 unchanged -> gs://{bucket}/code/{__version__}/",
        f"input: 0 uploaded, 4 unchanged -> gs://{bucket}/input/",
        f"dags: 0 uploaded, 2 unchanged -> gs://{composer_bucket}/dags/",
    ]
    assert snapshot(gcs, bucket) == data_objects  # same generations: nothing rewritten


def test_deploy_uploads_only_the_changed_file(gcs, bucket, composer_bucket, project, capsys):
    argv = deploy_argv(project, bucket, composer_bucket)
    assert main(argv) == 0
    before = snapshot(gcs, bucket)
    capsys.readouterr()

    (project / "data" / "drugs.csv").write_text("atccode,drug\nA04AD,DIPHENHYDRAMINE\n")
    assert main(argv) == 0

    assert capsys.readouterr().out.splitlines()[1] == (
        f"input: 1 uploaded, 3 unchanged -> gs://{bucket}/input/"
    )
    after = snapshot(gcs, bucket)
    changed = {name for name in after if after[name] != before[name]}
    assert changed == {"input/drugs.csv"}
    blob = gcs.bucket(bucket).blob("input/drugs.csv")
    assert blob.download_as_text() == "atccode,drug\nA04AD,DIPHENHYDRAMINE\n"


def test_dry_run_changes_nothing(gcs, bucket, composer_bucket, project, capsys):
    argv = deploy_argv(project, bucket, composer_bucket)
    gcs.bucket(bucket).blob("input/drugs.csv").upload_from_filename(project / "data" / "drugs.csv")
    gcs.bucket(bucket).blob("input/pubmed.csv").upload_from_string("stale")
    before = snapshot(gcs, bucket), snapshot(gcs, composer_bucket)

    assert main([*argv, "--dry-run"]) == 0

    assert (snapshot(gcs, bucket), snapshot(gcs, composer_bucket)) == before
    data, dist, dags = project / "data", project / "dist", project / "dags"
    sizing = project / "conf" / "dataproc.toml"
    code = f"gs://{bucket}/code/{__version__}"
    assert capsys.readouterr().out.splitlines() == [
        f"would upload {dist}/adhoc.py -> {code}/adhoc.py (new)",
        f"would upload {dist}/conf/gcp.toml -> {code}/conf/gcp.toml (new)",
        f"would upload {dist}/drug_mentions-{__version__}.zip"
        f" -> {code}/drug_mentions-{__version__}.zip (new)",
        f"would upload {dist}/pipeline.py -> {code}/pipeline.py (new)",
        f"code: would upload 4, 0 unchanged -> {code}/",
        f"would upload {data}/clinical_trials.csv -> gs://{bucket}/input/clinical_trials.csv (new)",
        f"would upload {data}/pubmed.csv -> gs://{bucket}/input/pubmed.csv (changed)",
        f"would upload {data}/pubmed.json -> gs://{bucket}/input/pubmed.json (new)",
        f"input: would upload 3, 1 unchanged -> gs://{bucket}/input/",
        f"would upload {dags}/drug_mentions_dag.py"
        f" -> gs://{composer_bucket}/dags/drug_mentions_dag.py (new)",
        f"would upload {sizing} -> gs://{composer_bucket}/dags/drug_mentions_dataproc.toml (new)",
        f"dags: would upload 2, 0 unchanged -> gs://{composer_bucket}/dags/",
    ]


@pytest.mark.parametrize("existing", [False, True], ids=["created-meanwhile", "changed-meanwhile"])
def test_object_changed_after_listing_is_not_overwritten(
    gcs, bucket, composer_bucket, project, capsys, monkeypatch, existing
):
    target = gcs.bucket(bucket).blob("input/pubmed.csv")
    if existing:
        target.upload_from_string("old version")
    real_plan = transfer.plan_uploads

    def plan_then_someone_writes(*args, **kwargs):
        plan = real_plan(*args, **kwargs)
        if any(t.name == "input/pubmed.csv" for t in plan.transfers):
            gcs.bucket(bucket).blob("input/pubmed.csv").upload_from_string("someone else's")
        return plan

    monkeypatch.setattr(transfer, "plan_uploads", plan_then_someone_writes)

    code = main(deploy_argv(project, bucket, composer_bucket))

    captured = capsys.readouterr()
    assert code == 3
    assert captured.err == (
        f"drug-mentions-gcs: error: conflict: gs://{bucket}/input/pubmed.csv changed since it"
        " was listed (generation precondition failed, HTTP 412); not overwritten, re-run to retry\n"
    )
    assert gcs.bucket(bucket).blob("input/pubmed.csv").download_as_text() == "someone else's"
    # The other files of that batch were uploaded; the DAG (deployed last) was not.
    assert "input/drugs.csv" in snapshot(gcs, bucket)
    assert snapshot(gcs, composer_bucket) == {}
    assert captured.out.splitlines() == [
        f"code: 4 uploaded, 0 unchanged -> gs://{bucket}/code/{__version__}/"
    ]


def test_missing_dags_bucket_fails_before_any_upload(gcs, bucket, project, capsys):
    code = main(deploy_argv(project, bucket, "no-such-composer-bucket"))

    assert code == 1
    assert capsys.readouterr().err == (
        "drug-mentions-gcs: error: bucket gs://no-such-composer-bucket not found\n"
    )
    assert snapshot(gcs, bucket) == {}


def test_missing_artifact_asks_for_make_package(gcs, bucket, composer_bucket, project, capsys):
    zip_path = project / "dist" / f"drug_mentions-{__version__}.zip"
    zip_path.unlink()

    assert main(deploy_argv(project, bucket, composer_bucket)) == 2
    assert capsys.readouterr().err == (
        f"drug-mentions-gcs: error: {zip_path} not found: run `make package` first\n"
    )


def test_tf_outputs_without_dag_prefix_is_a_usage_error(gcs, bucket, project, capsys):
    tf_outputs = project / "tf.json"
    tf_outputs.write_text(json.dumps({"data_bucket_name": {"value": bucket}}))

    code = main(["deploy", "--tf-outputs", str(tf_outputs), "--dist", str(project / "dist")])

    assert code == 2
    assert capsys.readouterr().err == (
        "drug-mentions-gcs: error: --tf-outputs has no string output 'composer_dag_gcs_prefix'\n"
    )


def test_progress_bar_goes_to_stderr_only(gcs, bucket, composer_bucket, project, capsys):
    assert main([*deploy_argv(project, bucket, composer_bucket), "--progress"]) == 0

    captured = capsys.readouterr()
    assert "upload:" in captured.err
    assert "upload:" not in captured.out


def test_many_files_span_several_batches(gcs, bucket, composer_bucket, project, capsys):
    count = 2 * transfer.BATCH_FILES + 3
    for i in range(count):
        (project / "data" / "extra" / f"pubmed_{i:03d}.csv").parent.mkdir(exist_ok=True)
        (project / "data" / "extra" / f"pubmed_{i:03d}.csv").write_text(f"id\n{i}\n")
    argv = deploy_argv(project, bucket, composer_bucket)

    assert main(argv) == 0
    assert capsys.readouterr().out.splitlines()[1] == (
        f"input: {count + 4} uploaded, 0 unchanged -> gs://{bucket}/input/"
    )
    blob = gcs.bucket(bucket).blob("input/extra/pubmed_017.csv")
    assert blob.download_as_text() == "id\n17\n"

    dest = project / "fetched-inputs"
    plan = transfer.plan_downloads(gcs.list_blobs(bucket, prefix="input/extra/"), dest, "input/")
    assert transfer.download(plan) == count
    assert (dest / "extra" / f"pubmed_{count - 1:03d}.csv").read_text() == f"id\n{count - 1}\n"


def test_redeploy_never_changes_a_released_version(gcs, bucket, composer_bucket, project, capsys):
    argv = deploy_argv(project, bucket, composer_bucket)
    assert main(argv) == 0
    before = snapshot(gcs, bucket), snapshot(gcs, composer_bucket)
    capsys.readouterr()
    (project / "dist" / "pipeline.py").write_text("print('pipeline, rebuilt')\n")
    (project / "dist" / "adhoc.py").write_text("print('adhoc, rebuilt')\n")
    (project / "data" / "drugs.csv").write_text("atccode,drug\nA04AD,DIPHENHYDRAMINE\n")

    code = main(argv)

    captured = capsys.readouterr()
    assert code == 4
    assert captured.err == (
        f"drug-mentions-gcs: error: gs://{bucket}/code/{__version__}/adhoc.py (and 1 more)"
        " already exists with other content: a released version is immutable; bump the"
        " version, or pass --force to overwrite it\n"
    )
    assert captured.out == ""
    # Refused before any write: not even the input or the DAG folder changed.
    assert (snapshot(gcs, bucket), snapshot(gcs, composer_bucket)) == before


def test_force_overwrites_a_released_version(gcs, bucket, composer_bucket, project, capsys):
    argv = deploy_argv(project, bucket, composer_bucket)
    assert main(argv) == 0
    capsys.readouterr()
    (project / "dist" / "pipeline.py").write_text("print('pipeline, hotfix')\n")

    assert main([*argv, "--force"]) == 0

    assert capsys.readouterr().out.splitlines()[0] == (
        f"code: 1 uploaded, 3 unchanged -> gs://{bucket}/code/{__version__}/"
    )
    blob = gcs.bucket(bucket).blob(f"code/{__version__}/pipeline.py")
    assert blob.download_as_text() == "print('pipeline, hotfix')\n"


def test_a_new_file_completes_an_interrupted_release(gcs, bucket, composer_bucket, project, capsys):
    gcs.bucket(bucket).blob(f"code/{__version__}/pipeline.py").upload_from_filename(
        project / "dist" / "pipeline.py"
    )

    assert main(deploy_argv(project, bucket, composer_bucket)) == 0

    assert capsys.readouterr().out.splitlines()[0] == (
        f"code: 3 uploaded, 1 unchanged -> gs://{bucket}/code/{__version__}/"
    )


def test_the_real_dag_folder_ships_with_its_modules_and_sizing(
    gcs, bucket, composer_bucket, project, capsys
):
    argv = deploy_argv(project, bucket, composer_bucket)
    argv[argv.index("--dags") + 1] = str(REPO / "dags")
    argv[argv.index("--batch-conf") + 1] = str(REPO / "conf" / "dataproc.toml")

    assert main(argv) == 0

    assert set(snapshot(gcs, composer_bucket)) == {
        "dags/.airflowignore",
        "dags/drug_mentions.py",
        "dags/drug_mentions_batches.py",
        "dags/drug_mentions_bigquery.py",
        "dags/drug_mentions_dataproc.toml",
    }
    shipped = gcs.bucket(composer_bucket).blob("dags/drug_mentions_dataproc.toml")
    assert shipped.download_as_bytes() == (REPO / "conf" / "dataproc.toml").read_bytes()


def test_missing_sizing_file_is_a_usage_error(gcs, bucket, composer_bucket, project, capsys):
    (project / "conf" / "dataproc.toml").unlink()

    assert main(deploy_argv(project, bucket, composer_bucket)) == 2
    assert capsys.readouterr().err == (
        f"drug-mentions-gcs: error: {project}/conf/dataproc.toml not found:"
        " the DAG reads its Spark properties from it\n"
    )
    assert snapshot(gcs, bucket) == {}
