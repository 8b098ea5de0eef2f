"""Static checks of the keyless delivery Terraform: terraform/delivery.tf, backend.tf, bootstrap/.

Parsed offline with python-hcl2 (8.x keeps the quotes of string literals and escapes inner
quotes as \\"; `text` below turns such a literal back into the string Terraform sees).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import hcl2
import pytest

TF_DIR = Path(__file__).resolve().parents[2] / "terraform"
BOOTSTRAP_DIR = TF_DIR / "bootstrap"
REPOSITORY = "${var.github_repository}"
DEPLOYER = "serviceAccount:${google_service_account.deployer.email}"
PLANNER = "serviceAccount:${google_service_account.planner.email}"
APPLIER = "serviceAccount:${google_service_account.applier.email}"
POOL = "${google_iam_workload_identity_pool.github.name}"
CODE_OBJECTS = "projects/_/buckets/${google_storage_bucket.data.name}/objects/code/"
DAG_OBJECTS = "projects/_/buckets/${local.composer_bucket_name}/objects/dags/"


def text(value: Any) -> Any:
    """The string a python-hcl2 literal stands for ('"a \\"b\\""' -> 'a "b"')."""
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return json.loads(value)
    return value


def load_dir(folder: Path) -> dict[str, dict]:
    return {p.name: hcl2.load(p.open()) for p in sorted(folder.glob("*.tf"))}


def resources_of(parsed: dict[str, dict]) -> dict[tuple[str, str], dict]:
    return {
        (text(rtype), text(name)): body
        for doc in parsed.values()
        for entry in doc.get("resource", [])
        for rtype, named in entry.items()
        for name, body in named.items()
    }


def locals_of(parsed: dict[str, dict]) -> dict[str, Any]:
    return {
        k: v
        for doc in parsed.values()
        for entry in doc.get("locals", [])
        for k, v in entry.items()
        if not k.startswith("__")
    }


@pytest.fixture(scope="module")
def parsed() -> dict[str, dict]:
    return load_dir(TF_DIR)


@pytest.fixture(scope="module")
def resources(parsed: dict[str, dict]) -> dict[tuple[str, str], dict]:
    return resources_of(parsed)


@pytest.fixture(scope="module")
def local_values(parsed: dict[str, dict]) -> dict[str, Any]:
    return locals_of(parsed)


def condition_clauses(condition: str) -> dict[str, str]:
    """`assertion.a == "x" && assertion.b == "y"` -> {"a": "x", "b": "y"}; anything else fails."""
    clauses = [c.strip() for c in condition.split("&&")]
    found = {}
    for clause in clauses:
        match = re.fullmatch(r'assertion\.(\w+) == "([^"]*)"', clause)
        assert match, f"unexpected clause {clause!r} in {condition!r}"
        found[match.group(1)] = match.group(2)
    return found


def admits(condition: str, variables: dict[str, str], claims: dict[str, str]) -> bool:
    """Evaluate the provider's condition (a conjunction of equalities) for a token's claims."""
    rendered = condition
    for name, value in variables.items():
        rendered = rendered.replace(f"${{var.{name}}}", value)
    return all(claims.get(k) == v for k, v in condition_clauses(rendered).items())


def test_provider_admits_only_this_repository(resources: dict) -> None:
    provider = resources[("google_iam_workload_identity_pool_provider", "github")]
    condition = text(provider["attribute_condition"])
    assert condition_clauses(condition) == {
        "repository_id": "${var.github_repository_id}",
        "repository": REPOSITORY,
    }
    oidc = provider["oidc"][0]
    assert text(oidc["issuer_uri"]) == "https://token.actions.githubusercontent.com"
    assert "allowed_audiences" not in oidc  # default audience: this provider's own name
    mapping = {text(k): text(v) for k, v in provider["attribute_mapping"].items()}
    assert mapping == {
        "google.subject": "assertion.sub",
        "attribute.repository": "assertion.repository",
        "attribute.repository_id": "assertion.repository_id",
        "attribute.ref": "assertion.ref",
    }

    ours = {"github_repository": "my-org/drug-mentions", "github_repository_id": "812345678"}
    token = {"repository": "my-org/drug-mentions", "repository_id": "812345678"}
    assert admits(condition, ours, token)
    assert not admits(condition, ours, {**token, "repository": "evil/drug-mentions"})
    assert not admits(condition, ours, {**token, "repository_id": "999"})  # re-created name
    assert not admits(condition, ours, {"repository": "my-org/drug-mentions"})


def test_no_key_resources_anywhere() -> None:
    for path in [*TF_DIR.glob("*.tf"), *BOOTSTRAP_DIR.glob("*.tf")]:
        doc = hcl2.load(path.open())
        for kind in ("resource", "data"):
            for entry in doc.get(kind, []):
                assert '"google_service_account_key"' not in entry, path.name
        assert "google_service_account_key" not in path.read_text(), path.name
        assert "credentials" not in doc.get("provider", [{}])[0].get('"google"', {}), path.name


def test_workload_identity_user_bindings(resources: dict, local_values: dict) -> None:
    bindings = {
        name: body
        for (rtype, name), body in resources.items()
        if rtype == "google_service_account_iam_member"
        and text(body["role"]) == "roles/iam.workloadIdentityUser"
    }
    assert set(bindings) == {
        "deployer_workload_identity",
        "planner_workload_identity",
        "applier_workload_identity",
    }
    # The planner: any workflow run of the repository (pull requests plan).
    planner = bindings["planner_workload_identity"]
    assert planner["service_account_id"] == "${google_service_account.planner.name}"
    assert planner["member"] == "${local.github_repository_principals}"
    assert text(local_values["github_repository_principals"]) == (
        f"principalSet://iam.googleapis.com/{POOL}/attribute.repository/{REPOSITORY}"
    )
    # The deployer and the applier: one principal each, the OIDC subject of a job that runs in
    # their GitHub environment (GitHub's default `sub`: repo:OWNER/REPO:environment:NAME).
    subject = f"principal://iam.googleapis.com/{POOL}/subject/repo:{REPOSITORY}:environment:"
    assert text(local_values["github_environment_subject"]) == subject
    for who, environment in (("deployer", "deploy"), ("applier", "release")):
        binding = bindings[f"{who}_workload_identity"]
        assert binding["service_account_id"] == f"${{google_service_account.{who}.name}}"
        assert binding["member"] == f"${{local.github_{environment}_principal}}"
        assert text(local_values[f"github_{environment}_principal"]) == (
            f"${{local.github_environment_subject}}${{var.github_{environment}_environment}}"
        )


@pytest.mark.parametrize(
    ("sub", "deployer", "applier"),
    [
        ("repo:my-org/drug-mentions:environment:deploy", True, False),
        ("repo:my-org/drug-mentions:environment:release", False, True),
        ("repo:my-org/drug-mentions:ref:refs/heads/main", False, False),
        ("repo:my-org/drug-mentions:ref:refs/heads/feature", False, False),
        ("repo:my-org/drug-mentions:ref:refs/tags/v0.2.0", False, False),  # no environment
        ("repo:my-org/drug-mentions:pull_request", False, False),
        ("repo:evil/drug-mentions:environment:deploy", False, False),
    ],
)
def test_only_a_job_of_the_environment_becomes_the_deployer(
    local_values: dict, sub: str, deployer: bool, applier: bool
) -> None:
    variables = {
        "github_repository": "my-org/drug-mentions",
        "github_deploy_environment": "deploy",
        "github_release_environment": "release",
    }
    pool = "projects/1/locations/global/workloadIdentityPools/dm-github"

    def principal(local: str) -> str:
        value = text(local_values[local]).replace(
            "${local.github_environment_subject}", text(local_values["github_environment_subject"])
        )
        for name, setting in variables.items():
            value = value.replace(f"${{var.{name}}}", setting)
        return value.replace(POOL, pool)

    token_principal = f"principal://iam.googleapis.com/{pool}/subject/{sub}"
    assert (token_principal == principal("github_deploy_principal")) is deployer
    assert (token_principal == principal("github_release_principal")) is applier


def grants_to(resources: dict, member: str) -> set[tuple[str, str, str, str]]:
    """(resource type, target, role, condition expression) of every grant to ``member``."""
    found = set()
    for (rtype, _), body in resources.items():
        if "_iam_" not in rtype or text(body.get("member")) != member:
            continue
        target = body.get("bucket") or body.get("project") or body.get("service_account_id")
        condition = text(body["condition"][0]["expression"]) if "condition" in body else ""
        condition = condition.replace("${local.code_objects}", CODE_OBJECTS)
        condition = condition.replace("${local.dag_objects}", DAG_OBJECTS)
        found.add((rtype, target, text(body["role"]), condition))
    return found


def list_prefix(prefix: str) -> str:
    return f'api.getAttribute("storage.googleapis.com/objectListPrefix", "").startsWith("{prefix}")'


def test_deployer_roles_are_exactly_the_release_needs(resources: dict, local_values: dict) -> None:
    assert text(local_values["code_objects"]) == CODE_OBJECTS
    assert text(local_values["dag_objects"]) == DAG_OBJECTS
    bucket = "google_storage_bucket_iam_member"
    data, composer = "${google_storage_bucket.data.name}", "${local.composer_bucket_name}"
    assert grants_to(resources, DEPLOYER) == {
        # code/: create only (no delete, so no overwrite of a published version), read + list
        (
            bucket,
            data,
            "roles/storage.objectCreator",
            f'resource.name.startsWith("{CODE_OBJECTS}")',
        ),
        (
            bucket,
            data,
            "roles/storage.objectViewer",
            f'resource.name.startsWith("{CODE_OBJECTS}") || {list_prefix("code/")}',
        ),
        # the Composer DAG folder: replace DAG files
        (
            bucket,
            composer,
            "roles/storage.objectUser",
            f'resource.name.startsWith("{DAG_OBJECTS}") || {list_prefix("dags/")}',
        ),
        # the Terraform state: read (terraform output)
        (bucket, "${var.tf_state_bucket}", "roles/storage.objectViewer", ""),
    }


def test_composer_bucket_comes_from_the_dag_prefix(local_values: dict) -> None:
    assert local_values["composer_bucket_name"] == (
        '${split("/", google_composer_environment.this.config[0].dag_gcs_prefix)[2]}'
    )


def test_planner_is_read_only(resources: dict, local_values: dict) -> None:
    bucket, project = "google_storage_bucket_iam_member", "google_project_iam_member"
    assert grants_to(resources, PLANNER) == {
        (project, "${var.project_id}", "${google_project_iam_custom_role.planner.id}", ""),
        (bucket, "${var.tf_state_bucket}", "roles/storage.objectViewer", ""),
    }
    role = resources[("google_project_iam_custom_role", "planner")]
    assert role["permissions"] == "${local.planner_permissions}"
    permissions = [text(p) for p in local_values["planner_permissions"]]
    assert permissions == sorted(set(permissions))
    assert len(permissions) == 24
    # the refresh of the connection, its IAM policy and the quota preferences
    assert {
        "bigquery.connections.get",
        "bigquery.connections.getIamPolicy",
        "cloudquotas.quotas.get",
    } <= set(permissions)
    for permission in permissions:
        assert re.fullmatch(r"[a-z]+\.[A-Za-z]+\.(get|list|getIamPolicy)", permission), permission


def test_applier_can_only_update_composer_and_write_state(
    resources: dict, local_values: dict
) -> None:
    bucket, project = "google_storage_bucket_iam_member", "google_project_iam_member"
    assert grants_to(resources, APPLIER) == {
        (project, "${var.project_id}", "${google_project_iam_custom_role.applier.id}", ""),
        (bucket, "${var.tf_state_bucket}", "roles/storage.objectUser", ""),
        # a rollback target must be a complete release: read and list code/ only
        (
            bucket,
            "${google_storage_bucket.data.name}",
            "roles/storage.objectViewer",
            f'resource.name.startsWith("{CODE_OBJECTS}") || {list_prefix("code/")}',
        ),
    }
    assert [text(p) for p in local_values["applier_permissions"]] == [
        "composer.environments.get",
        "composer.environments.update",
        "composer.operations.get",
        "resourcemanager.projects.get",
    ]


def test_ci_identities_have_no_other_grant(resources: dict) -> None:
    ci_members = {DEPLOYER, PLANNER, APPLIER}
    members = [
        text(body.get("member")) for (rtype, _), body in resources.items() if "_iam_" in rtype
    ]
    assert sum(m in ci_members for m in members) == 9
    for rtype, name in resources:
        assert rtype != "google_project_iam_binding", name
    # service-account-level grants *to* the CI identities: none (no actAs, no token creator)
    for (rtype, name), body in resources.items():
        if rtype == "google_service_account_iam_member":
            assert text(body["member"]) not in ci_members, name


def test_sts_api_enabled_for_token_exchange(resources: dict) -> None:
    sts = resources[("google_project_service", "sts")]
    assert text(sts["service"]) == "sts.googleapis.com"
    assert sts["disable_on_destroy"] is False


def test_state_backend_is_gcs_with_bucket_given_at_init(parsed: dict) -> None:
    backend = parsed["backend.tf"]["terraform"][0]["backend"][0]
    assert list(backend) == ['"gcs"']
    assert {k: v for k, v in backend['"gcs"'].items() if not k.startswith("__")} == {
        "prefix": '"drug-mentions"'
    }


def test_new_variables_are_validated(parsed: dict) -> None:
    variables = {
        text(name): body
        for entry in parsed["variables.tf"]["variable"]
        for name, body in entry.items()
    }

    def pattern(name: str) -> re.Pattern[str]:
        condition = variables[name]["validation"][0]["condition"]
        match = re.search(r'regex\("((?:[^"\\]|\\.)*)"', condition)
        assert match, condition
        return re.compile(json.loads(f'"{match.group(1)}"'))

    assert pattern("github_repository").search("my-org/drug-mentions")
    assert not pattern("github_repository").search("drug-mentions")
    assert not pattern("github_repository").search("my-org/*")
    assert pattern("github_repository_id").search("812345678")
    assert not pattern("github_repository_id").search("my-org/drug-mentions")
    assert pattern("tf_state_bucket").search("drug-mentions-my-project-tfstate")
    assert not pattern("tf_state_bucket").search("gs://drug-mentions-tfstate")
    assert text(variables["github_release_environment"]["default"]) == "release"
    assert text(variables["github_deploy_environment"]["default"]) == "deploy"
    for name in ("github_repository", "github_repository_id", "tf_state_bucket"):
        assert "default" not in variables[name], f"{name} must be set explicitly"


def test_outputs_for_the_workflows(parsed: dict) -> None:
    outputs = {text(n): b for entry in parsed["outputs.tf"]["output"] for n, b in entry.items()}
    assert outputs["workload_identity_provider"]["value"] == (
        "${google_iam_workload_identity_pool_provider.github.name}"
    )
    for who in ("deployer", "planner", "applier"):
        assert outputs[f"{who}_service_account_email"]["value"] == (
            f"${{google_service_account.{who}.email}}"
        )
    assert outputs["code_version"]["value"] == "${var.code_version}"


def test_example_tfvars_sets_the_delivery_variables() -> None:
    example = (TF_DIR / "terraform.tfvars.example").read_text()
    for line in (
        'github_repository          = "my-org/drug-mentions"',
        'github_repository_id       = "812345678"',
        'github_deploy_environment  = "deploy"',
        'github_release_environment = "release"',
        'tf_state_bucket            = "drug-mentions-my-gcp-project-tfstate"',
    ):
        assert line in example.splitlines()


def test_bootstrap_state_bucket_is_versioned_private_and_protected() -> None:
    bootstrap = load_dir(BOOTSTRAP_DIR)
    assert set(bootstrap) == {"main.tf", "outputs.tf", "variables.tf", "versions.tf"}
    resources = resources_of(bootstrap)
    assert set(resources) == {
        ("google_project_service", "storage"),
        ("google_storage_bucket", "state"),
    }
    bucket = resources[("google_storage_bucket", "state")]
    assert bucket["name"] == "${local.state_bucket_name}"
    assert text(locals_of(bootstrap)["state_bucket_name"]) == (
        "${var.name_prefix}-${var.project_id}-tfstate"
    )
    assert bucket["versioning"][0]["enabled"] is True
    assert bucket["uniform_bucket_level_access"] is True
    assert text(bucket["public_access_prevention"]) == "enforced"
    assert bucket["force_destroy"] is False
    assert bucket["lifecycle"][0]["prevent_destroy"] is True
    rule = bucket["lifecycle_rule"][0]
    assert rule["condition"][0] == {
        "num_newer_versions": "${var.state_versions_kept}",
        "days_since_noncurrent_time": "${var.state_noncurrent_days}",
        "with_state": '"ARCHIVED"',
        "__is_block__": True,
    }
    assert "backend" not in json.dumps(bootstrap["versions.tf"])  # bootstrap state is local
    outputs = bootstrap["outputs.tf"]["output"][0]
    assert outputs['"state_bucket"']["value"] == "${google_storage_bucket.state.name}"


def test_bootstrap_checkov_skips_are_justified() -> None:
    skips = [
        line.strip()
        for path in BOOTSTRAP_DIR.glob("*.tf")
        for line in path.read_text().splitlines()
        if "checkov:skip" in line
    ]
    assert skips == [
        "#checkov:skip=CKV_GCP_62:State reads and writes are audited with Cloud Audit Logs"
        " (Data Access logs for GCS); legacy usage logs would need a second bucket"
    ]
