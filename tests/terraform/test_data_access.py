"""Who can do what in the data bucket, read from terraform/ and evaluated (offline).

Every grant on the data bucket (bucket-level, with its IAM Condition, and on the runs/ managed
folder) is turned into a small access model: a role's object actions, and its condition
evaluated for one request (an object name, or a listing's prefix) the way Cloud Storage does
(``resource.name`` is ``projects/_/buckets/B/objects/NAME`` for an object, the bucket for a
listing, which also sets the ``storage.googleapis.com/objectListPrefix`` attribute). The tests then
ask the questions of issue 23 and 21: who writes code/, who reads state/, who reads runs/.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import hcl2
import pytest
from drug_mentions import contract

TF_DIR = Path(__file__).resolve().parents[2] / "terraform"
BUCKET = "dm-p-data"
DATA_BUCKET = "${google_storage_bucket.data.name}"
COMPOSER_BUCKET = "composer-env-bucket"

# What each role lets a principal do with objects (overwrite = create over an existing object,
# which Cloud Storage allows only with storage.objects.delete too).
ROLE_ACTIONS = {
    "roles/storage.objectViewer": {"get", "list"},
    "roles/storage.objectCreator": {"create"},
    "roles/storage.objectUser": {"get", "list", "create", "overwrite", "delete"},
}
MEMBERS = {
    "batch": "serviceAccount:${google_service_account.batch.email}",
    "composer": "serviceAccount:${google_service_account.composer.email}",
    "deployer": "serviceAccount:${google_service_account.deployer.email}",
    "applier": "serviceAccount:${google_service_account.applier.email}",
    "planner": "serviceAccount:${google_service_account.planner.email}",
    "connection": "serviceAccount:${google_bigquery_connection.runs.cloud_resource[0].service_account_id}",
    "analysts": "${each.value}",
}


def text(value: Any) -> Any:
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return json.loads(value)
    return value


def load() -> tuple[dict, dict]:
    resources, local_values = {}, {}
    for path in sorted(TF_DIR.glob("*.tf")):
        doc = hcl2.load(path.open())
        for entry in doc.get("resource", []):
            for rtype, named in entry.items():
                for name, body in named.items():
                    resources[(text(rtype), text(name))] = body
        for entry in doc.get("locals", []):
            local_values.update({k: v for k, v in entry.items() if not k.startswith("__")})
    return resources, local_values


RESOURCES, LOCALS = load()
_LOCAL_REF = re.compile(r"\$\{local\.(\w+)(?:\.(\w+))?\}")


def render(expression: str) -> str:
    """Substitute ${local.x} / ${local.x.key} until none is left, and the data bucket's name."""
    for _ in range(10):
        rendered = _LOCAL_REF.sub(
            lambda m: text(LOCALS[m.group(1)][m.group(2)] if m.group(2) else LOCALS[m.group(1)]),
            expression,
        )
        if rendered == expression:
            break
        expression = rendered
    rendered = expression.replace(DATA_BUCKET, BUCKET)
    return rendered.replace(
        '${split("/", google_composer_environment.this.config[0].dag_gcs_prefix)[2]}',
        COMPOSER_BUCKET,
    )


_ATOM = re.compile(
    r'(resource\.name|api\.getAttribute\("storage\.googleapis\.com/objectListPrefix", ""\))'
    r'\.(startsWith|endsWith)\("([^"]*)"\)'
)


def evaluate(condition: str, *, name: str | None = None, list_prefix: str | None = None) -> bool:
    """A condition made of startsWith/endsWith atoms joined by && and || (what this stack uses)."""
    resource = f"projects/_/buckets/{BUCKET}" + (f"/objects/{name}" if name is not None else "")
    attribute = list_prefix or ""

    def atom(clause: str) -> bool:
        match = _ATOM.fullmatch(clause.strip())
        assert match, f"not understood: {clause!r}"
        subject = resource if match.group(1) == "resource.name" else attribute
        test = str.startswith if match.group(2) == "startsWith" else str.endswith
        return test(subject, match.group(3))

    return any(all(atom(c) for c in part.split(" && ")) for part in condition.split(" || "))


def can(who: str, action: str, target: str) -> bool:
    """Whether ``who`` may do ``action`` (get, list, create, overwrite, delete) on the data-bucket
    object ``target`` (for list: the listing's prefix)."""
    listing = action == "list"
    for (rtype, _), body in RESOURCES.items():
        if text(body.get("member")) != MEMBERS[who]:
            continue
        role = text(body.get("role"))
        if action not in ROLE_ACTIONS.get(role, set()):
            continue
        if rtype == "google_storage_bucket_iam_member" and body["bucket"] == DATA_BUCKET:
            if "condition" not in body:
                return True
            condition = render(text(body["condition"][0]["expression"]))
            if listing and evaluate(condition, list_prefix=target):
                return True
            if not listing and evaluate(condition, name=target):
                return True
        if rtype == "google_storage_managed_folder_iam_member":
            folder = text(RESOURCES[("google_storage_managed_folder", "runs")]["name"])
            if target.startswith(folder):
                return True
    return False


def test_the_model_reads_the_conditions_it_is_given() -> None:
    condition = 'resource.name.startsWith("projects/_/buckets/dm-p-data/objects/runs/") && resource.name.endsWith("/run_report.json")'
    assert evaluate(condition, name="runs/r1/run_report.json")
    assert not evaluate(condition, name="runs/r1/output.json")
    assert not evaluate(condition, name="state/run_report.json")
    assert not evaluate(condition, list_prefix="runs/")  # a listing is not an object
    with pytest.raises(AssertionError, match="not understood"):
        evaluate('resource.name.matches("x")', name="x")


def test_layout_prefixes_are_the_contracts() -> None:
    assert [text(LOCALS[f"{p}_prefix"]) for p in ("input", "code", "runs", "state")] == [
        contract.INPUT_PREFIX,
        contract.CODE_PREFIX,
        contract.RUNS_PREFIX,
        contract.STATE_PREFIX,
    ]
    assert text(LOCALS["run_report"]) == contract.RUN_REPORT


CODE = f"{contract.CODE_PREFIX}/0.2.0/drug_mentions-0.2.0.zip"
STATE = f"{contract.STATE_PREFIX}/manifest/part-0000.parquet"
MENTIONS = f"{contract.RUNS_PREFIX}/20261125t030000/mentions/source=pubmed/part-0.parquet"
REPORT = f"{contract.RUNS_PREFIX}/20261125t030000/{contract.RUN_REPORT}"
INPUT = f"{contract.INPUT_PREFIX}/pubmed.csv"

# who -> (action, object or list prefix) -> allowed; every principal is asked every question.
EXPECTED = {
    "batch": {
        ("get", INPUT): True,
        ("list", "input/"): True,
        ("get", CODE): True,
        ("list", "code/0.2.0/"): True,
        ("create", CODE): False,
        ("overwrite", CODE): False,
        ("delete", CODE): False,
        ("create", INPUT): False,
        ("create", MENTIONS): True,
        ("overwrite", REPORT): True,
        ("delete", MENTIONS): True,
        ("list", "runs/20261125t030000/"): True,
        ("get", STATE): True,
        ("create", STATE): True,
        ("overwrite", STATE): True,
        ("delete", STATE): True,
        ("list", "state/"): True,
        ("list", ""): False,
    },
    "deployer": {
        ("create", CODE): True,
        ("overwrite", CODE): False,  # create only: a published version is never replaced
        ("delete", CODE): False,
        ("get", CODE): True,
        ("list", "code/0.2.0/"): True,
        ("get", STATE): False,
        ("get", MENTIONS): False,
        ("create", INPUT): False,
    },
    "composer": {
        ("get", REPORT): True,  # the quality gate, nothing more
        ("get", MENTIONS): False,
        ("list", "runs/"): False,
        ("get", STATE): False,
        ("get", CODE): False,
        ("create", CODE): False,
    },
    "connection": {
        ("get", MENTIONS): True,
        ("list", "runs/20261125t030000/mentions/"): True,
        ("get", STATE): False,
        ("list", "state/"): False,
        ("get", CODE): False,
        ("get", INPUT): False,
        ("create", MENTIONS): False,
    },
    "analysts": {
        ("get", MENTIONS): False,  # BigQuery roles only: the BigLake table reads for them
        ("list", "runs/"): False,
        ("get", STATE): False,
        ("get", REPORT): False,
    },
    "applier": {
        ("get", CODE): True,  # rollback check
        ("create", CODE): False,
        ("get", STATE): False,
    },
    "planner": {
        ("get", CODE): False,
        ("get", STATE): False,
        ("get", MENTIONS): False,
    },
}


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_who_can_do_what_in_the_data_bucket(who: str) -> None:
    found = {question: can(who, *question) for question in EXPECTED[who]}
    assert found == EXPECTED[who]


def test_code_is_written_by_the_deployer_alone() -> None:
    writers = {who for who in MEMBERS if can(who, "create", CODE) or can(who, "overwrite", CODE)}
    assert writers == {"deployer"}
    assert not any(can(who, "overwrite", CODE) or can(who, "delete", CODE) for who in MEMBERS)


def test_state_is_the_batch_accounts_alone() -> None:
    readers = {who for who in MEMBERS if can(who, "get", STATE) or can(who, "list", "state/")}
    assert readers == {"batch"}


def test_analysts_hold_bigquery_roles_only() -> None:
    roles = {
        (rtype, text(body["role"]))
        for (rtype, _), body in RESOURCES.items()
        if text(body.get("member")) == MEMBERS["analysts"]
    }
    assert roles == {
        ("google_bigquery_dataset_iam_member", "roles/bigquery.dataViewer"),
        ("google_project_iam_member", "roles/bigquery.jobUser"),
    }
