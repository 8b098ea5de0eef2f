"""The tag workflow's release steps (.ci/release.sh: package -> deploy -> verify), run as the
workflow runs them (`make release` calls the same script), against fake-gcs-server."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path

import package_artifact  # jobs/ is on sys.path (tests/conftest.py)
import pytest
from drug_mentions import __version__
from google.cloud import storage

from .conftest import REPO, new_bucket, snapshot

TAG = f"v{__version__}"
COMMIT = "0123456789abcdef0123456789abcdef01234567"
CODE = f"code/{__version__}/"
ZIP = f"drug_mentions-{__version__}.zip"
DIST_FILES = ["adhoc.py", "conf/gcp.toml", ZIP, "pipeline.py"]
DAG_FILES = sorted(p.name for p in (REPO / "dags").glob("*.py"))
# What deploy writes to the DAG folder: the DAG and its modules, .airflowignore, the batch sizing.
DAG_FOLDER = sorted([*DAG_FILES, ".airflowignore", "drug_mentions_dataproc.toml"])


@pytest.fixture
def composer_bucket(gcs: storage.Client) -> str:
    return new_bucket(gcs)


@pytest.fixture
def tf_outputs(tmp_path: Path, bucket: str, composer_bucket: str) -> Path:
    """What `terraform output -json` gives the workflow (the two values deploy reads)."""
    path = tmp_path / "tf.json"
    outputs = {
        "data_bucket_name": {"value": bucket, "type": "string", "sensitive": False},
        "composer_dag_gcs_prefix": {
            "value": f"gs://{composer_bucket}/dags",
            "type": "string",
            "sensitive": False,
        },
    }
    path.write_text(json.dumps(outputs))
    return path


def release(
    tmp_path: Path,
    tf_outputs: Path,
    server_url: str,
    tag: str = TAG,
    commit: str = COMMIT,
    dist: str = "dist",
):
    """Run .ci/release.sh exactly as `make release` does in the deploy job."""
    env = {
        **os.environ,
        "STORAGE_EMULATOR_HOST": server_url,
        "RELEASE_TAG": tag,
        "TF_OUTPUTS": str(tf_outputs),
        "DIST": str(tmp_path / dist),
        "RELEASE_COMMIT": commit,
    }
    env.pop("MAKEFLAGS", None)  # the outer `make test` must not leak -j or -s into `make package`
    return subprocess.run(
        ["bash", str(REPO / ".ci" / "release.sh")],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def expected_manifest(dist: Path) -> dict:
    return {
        "commit": COMMIT,
        "sha256": {n: hashlib.sha256((dist / n).read_bytes()).hexdigest() for n in DIST_FILES},
        "tag": TAG,
        "version": __version__,
    }


def test_release_deploys_the_built_package_and_dag_then_verifies(
    gcs, gcs_server, bucket, composer_bucket, tf_outputs, tmp_path
):
    result = release(tmp_path, tf_outputs, gcs_server.url)

    assert result.returncode == 0, result.stderr
    dist = tmp_path / "dist"
    dags = ", ".join(DAG_FILES)
    assert result.stdout.splitlines() == [
        f"release {TAG}: version {__version__}, commit {COMMIT}",
        f"manifest: {dist}/release.json",
        f"preflight: gs://{bucket}/{CODE} is free for this build",
        f"code: 5 uploaded, 0 unchanged -> gs://{bucket}/{CODE}",
        f"dags: {len(DAG_FOLDER)} uploaded, 0 unchanged -> gs://{composer_bucket}/dags/",
        f"verified: gs://{bucket}/{CODE} = {dist}/ (5 files)",
        f"verified: gs://{composer_bucket}/dags/ has {dags}",
    ]
    # The exact artifact: byte-identical to a fresh `package_artifact.build` of the same sources.
    reference = tmp_path / "reference"
    package_artifact.build(reference)
    data = gcs.bucket(bucket)
    assert set(snapshot(gcs, bucket)) == {CODE + n for n in [*DIST_FILES, "release.json"]}
    for name in DIST_FILES:
        assert data.blob(CODE + name).download_as_bytes() == (reference / name).read_bytes()
    manifest = json.loads(data.blob(CODE + "release.json").download_as_bytes())
    assert manifest == expected_manifest(reference)
    assert set(snapshot(gcs, composer_bucket)) == {f"dags/{n}" for n in DAG_FOLDER}
    for name in DAG_FILES:
        remote = gcs.bucket(composer_bucket).blob(f"dags/{name}").download_as_bytes()
        assert remote == (REPO / "dags" / name).read_bytes()


def test_rerun_of_the_same_release_rewrites_nothing(
    gcs, gcs_server, bucket, composer_bucket, tf_outputs, tmp_path
):
    assert release(tmp_path, tf_outputs, gcs_server.url).returncode == 0
    before = snapshot(gcs, bucket), snapshot(gcs, composer_bucket)

    result = release(tmp_path, tf_outputs, gcs_server.url)

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[3:5] == [
        f"code: 0 uploaded, 5 unchanged -> gs://{bucket}/{CODE}",
        f"dags: 0 uploaded, {len(DAG_FOLDER)} unchanged -> gs://{composer_bucket}/dags/",
    ]
    assert (snapshot(gcs, bucket), snapshot(gcs, composer_bucket)) == before  # same generations


def test_a_published_version_is_never_overwritten(
    gcs, gcs_server, bucket, composer_bucket, tf_outputs, tmp_path
):
    gcs.bucket(bucket).blob(CODE + "pipeline.py").upload_from_string("print('an older build')\n")
    before = snapshot(gcs, bucket)

    result = release(tmp_path, tf_outputs, gcs_server.url)

    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        f"release_check: error: gs://{bucket}/{CODE} already holds a different release "
        "(pipeline.py: differs from the local file); a published version is immutable: "
        "bump __version__ and tag again"
    )
    assert snapshot(gcs, bucket) == before
    assert snapshot(gcs, composer_bucket) == {}  # the DAG never points at a foreign build


def test_a_build_of_another_commit_under_the_same_version_is_refused(
    gcs, gcs_server, bucket, composer_bucket, tf_outputs, tmp_path
):
    assert release(tmp_path, tf_outputs, gcs_server.url).returncode == 0
    before = snapshot(gcs, bucket)

    result = release(tmp_path, tf_outputs, gcs_server.url, commit="f" * 40, dist="dist-other")

    assert result.returncode == 1
    assert "(release.json: differs from the local file)" in result.stderr.splitlines()[-1]
    assert snapshot(gcs, bucket) == before


def test_tag_must_match_the_package_version(
    gcs, gcs_server, bucket, composer_bucket, tf_outputs, tmp_path
):
    result = release(tmp_path, tf_outputs, gcs_server.url, tag="v99.0.0")

    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"release_check: error: tag 'v99.0.0' does not match the package version "
        f"'{__version__}' (jobs/drug_mentions/__init__.py): tag v{__version__}, "
        "or bump __version__ first"
    ]
    assert result.stdout == ""
    assert (snapshot(gcs, bucket), snapshot(gcs, composer_bucket)) == ({}, {})
    assert not (tmp_path / "dist").exists()


def test_verify_catches_an_object_changed_after_the_upload(
    gcs, gcs_server, bucket, composer_bucket, tf_outputs, tmp_path
):
    assert release(tmp_path, tf_outputs, gcs_server.url).returncode == 0
    gcs.bucket(composer_bucket).blob(f"dags/{DAG_FILES[0]}").upload_from_string("# tampered\n")
    gcs.bucket(bucket).blob(CODE + "extra.py").upload_from_string("x = 1\n")

    result = release_check(
        gcs_server.url,
        "verify",
        "--tf-outputs",
        str(tf_outputs),
        "--dist",
        str(tmp_path / "dist"),
        "--dags",
        str(REPO / "dags"),
        "--version",
        __version__,
    )

    assert result.returncode == 1
    assert result.stderr == (
        f"release_check: error: verify failed: gs://{bucket}/{CODE}extra.py: not in the local "
        f"build; gs://{composer_bucket}/dags/{DAG_FILES[0]}: differs from the local file\n"
    )


def release_check(server_url: str, *args: str) -> subprocess.CompletedProcess:
    """``.ci/release_check.py ARGS`` against the emulator, as the workflows run it."""
    return subprocess.run(
        [str(REPO / ".venv" / "bin" / "python"), str(REPO / ".ci" / "release_check.py"), *args],
        cwd=REPO,
        env={**os.environ, "STORAGE_EMULATOR_HOST": server_url},
        capture_output=True,
        text=True,
        timeout=120,
    )


def published(tf_outputs: Path, server_url: str, version: str) -> subprocess.CompletedProcess:
    """The rollback workflow's check that code/<version>/ is a complete release."""
    return release_check(
        server_url, "published", "--tf-outputs", str(tf_outputs), "--version", version
    )


def test_rollback_target_must_be_a_complete_release(
    gcs, gcs_server, bucket, composer_bucket, tf_outputs, tmp_path
):
    gcs.bucket(bucket).blob("code/0.0.9/pipeline.py").upload_from_string("print('partial')\n")
    assert release(tmp_path, tf_outputs, gcs_server.url).returncode == 0

    ok = published(tf_outputs, gcs_server.url, __version__)
    partial = published(tf_outputs, gcs_server.url, "0.0.9")
    gcs.bucket(bucket).blob(CODE + ZIP).delete()
    incomplete = published(tf_outputs, gcs_server.url, __version__)

    assert (ok.returncode, ok.stdout) == (
        0,
        f"published: gs://{bucket}/{CODE} (tag {TAG}, commit {COMMIT})\n",
    )
    assert (partial.returncode, partial.stderr) == (
        1,
        f"release_check: error: gs://{bucket}/code/0.0.9/release.json not found:"
        " 0.0.9 was never released\n",
    )
    assert (incomplete.returncode, incomplete.stderr) == (
        1,
        f"release_check: error: gs://{bucket}/{CODE} is not a complete release of {__version__}\n",
    )
