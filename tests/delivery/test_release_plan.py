"""The guard of the release apply (.ci/release_check.py plan): the protected job may only move
DRUG_MENTIONS_CODE_VERSION. Plans are `terraform show -json` documents (format version 1.2)."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / ".ci" / "release_check.py"
ENV_BEFORE = {
    "DRUG_MENTIONS_CODE_VERSION": "0.1.0",
    "DRUG_MENTIONS_DATA_BUCKET": "drug-mentions-p-data",
    "DRUG_MENTIONS_SCHEDULE": "0 3 * * *",
}


def composer(before_version: str = "0.1.0", after_version: str = "0.2.0") -> dict:
    """A resource change of the Composer environment, shaped as terraform show -json has it."""
    before = {
        "name": "drug-mentions-composer",
        "labels": {"app": "drug-mentions"},
        "config": [
            {
                "dag_gcs_prefix": "gs://europe-west1-x-bucket/dags",
                "software_config": [
                    {
                        "image_version": "composer-3-airflow-3.1.7-build.0",
                        "env_variables": {
                            **ENV_BEFORE,
                            "DRUG_MENTIONS_CODE_VERSION": before_version,
                        },
                    }
                ],
            }
        ],
    }
    after = copy.deepcopy(before)
    env = after["config"][0]["software_config"][0]["env_variables"]
    env["DRUG_MENTIONS_CODE_VERSION"] = after_version
    after["config"][0]["dag_gcs_prefix"] = None  # computed, unknown until apply
    return {
        "address": "google_composer_environment.this",
        "mode": "managed",
        "type": "google_composer_environment",
        "name": "this",
        "change": {
            "actions": ["no-op"] if before == after else ["update"],
            "before": before,
            "after": after,
            "after_unknown": {"config": [{"dag_gcs_prefix": True}]},
        },
    }


def unchanged(address: str) -> dict:
    rtype, name = address.split(".")
    body = {"name": name}
    return {
        "address": address,
        "mode": "managed",
        "type": rtype,
        "name": name,
        "change": {"actions": ["no-op"], "before": body, "after": body, "after_unknown": {}},
    }


def plan(*changes: dict) -> dict:
    project = {
        "address": "data.google_project.this",
        "mode": "data",
        "type": "google_project",
        "name": "this",
        "change": {"actions": ["read"], "before": None, "after": {}, "after_unknown": {}},
    }
    return {
        "format_version": "1.2",
        "resource_changes": [project, unchanged("google_storage_bucket.data"), *changes],
        "output_changes": {"code_version": {"actions": ["update"]}},
    }


def check(tmp_path: Path, document: dict, version: str = "0.2.0") -> subprocess.CompletedProcess:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(document))
    return subprocess.run(
        [sys.executable, str(SCRIPT), "plan", "--plan", str(path), "--version", version],
        capture_output=True,
        text=True,
        timeout=60,
    )


REFUSED = (
    "release_check: error: the release plan changes more than DRUG_MENTIONS_CODE_VERSION "
    "(apply the pending infrastructure changes through a reviewed pull request first): "
)


def test_only_the_code_version_changes(tmp_path: Path) -> None:
    result = check(tmp_path, plan(composer()))

    assert (result.returncode, result.stdout, result.stderr) == (
        0,
        "plan: only DRUG_MENTIONS_CODE_VERSION -> 0.2.0\n",
        "",
    )


def test_already_at_the_version_applies_nothing(tmp_path: Path) -> None:
    result = check(tmp_path, plan(composer("0.2.0", "0.2.0")))

    assert (result.returncode, result.stdout) == (
        0,
        "plan: Composer already runs 0.2.0: nothing to apply\n",
    )


@pytest.mark.parametrize(
    ("mutate", "problem"),
    [
        (
            lambda c: c["change"]["after"]["config"][0]["software_config"][0].update(
                image_version="composer-3-airflow-3.2.0-build.1"
            ),
            "google_composer_environment.this: config.0.software_config.0.image_version changes",
        ),
        (
            lambda c: c["change"]["after"]["config"][0]["software_config"][0][
                "env_variables"
            ].update(DRUG_MENTIONS_SCHEDULE="@hourly"),
            "google_composer_environment.this: "
            "config.0.software_config.0.env_variables.DRUG_MENTIONS_SCHEDULE changes",
        ),
        (
            lambda c: c["change"]["after"]["labels"].update(team="data"),
            "google_composer_environment.this: labels.team changes",
        ),
        (
            lambda c: c["change"].update(actions=["delete", "create"]),
            "google_composer_environment.this: delete/create",
        ),
    ],
    ids=["image-version", "other-env-variable", "label", "replacement"],
)
def test_any_other_composer_change_is_refused(tmp_path: Path, mutate, problem: str) -> None:
    change = composer()
    mutate(change)

    result = check(tmp_path, plan(change))

    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == REFUSED + problem + "\n"


def test_pending_infrastructure_changes_are_refused(tmp_path: Path) -> None:
    bucket = unchanged("google_storage_bucket_iam_member.analysts_data")
    bucket["change"]["actions"] = ["create"]
    table = unchanged("google_bigquery_table.mentions")
    table["change"]["actions"] = ["delete"]

    result = check(tmp_path, plan(composer(), bucket, table))

    assert result.returncode == 1
    assert result.stderr == (
        REFUSED + "google_storage_bucket_iam_member.analysts_data: create; "
        "google_bigquery_table.mentions: delete\n"
    )


def test_the_code_version_must_be_the_released_one(tmp_path: Path) -> None:
    result = check(tmp_path, plan(composer(after_version="0.3.0")), version="0.2.0")

    assert result.returncode == 1
    assert result.stderr == (
        REFUSED + "google_composer_environment.this: "
        "DRUG_MENTIONS_CODE_VERSION -> '0.3.0', not '0.2.0'\n"
    )


def test_a_computed_value_that_becomes_unknown_is_a_change(tmp_path: Path) -> None:
    change = composer()
    change["change"]["before"]["config"][0]["dag_gcs_prefix"] = None

    result = check(tmp_path, plan(change))

    assert result.returncode == 1
    assert (
        result.stderr
        == REFUSED + "google_composer_environment.this: config.0.dag_gcs_prefix changes\n"
    )
