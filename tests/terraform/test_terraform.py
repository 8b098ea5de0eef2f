"""Static security and contract checks of terraform/ (offline: python-hcl2, no provider).

python-hcl2 8.x keeps the quotes of block labels and string literals ('"google_storage_bucket"',
'"enforced"') and wraps expressions in ${...}; the helpers below normalise that.
"""

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import hcl2
import pytest

REPO = Path(__file__).resolve().parents[2]
TF_DIR = REPO / "terraform"
PRIMITIVE_ROLES = {"roles/owner", "roles/editor", "roles/viewer"}
DAG_ENV_VARS = {
    "DRUG_MENTIONS_PROJECT_ID",
    "DRUG_MENTIONS_REGION",
    "DRUG_MENTIONS_DATA_BUCKET",
    "DRUG_MENTIONS_BATCH_SERVICE_ACCOUNT",
    "DRUG_MENTIONS_SUBNETWORK",
    "DRUG_MENTIONS_CODE_VERSION",
    "DRUG_MENTIONS_SCHEDULE",
    "DRUG_MENTIONS_BIGQUERY_DATASET",
    "DRUG_MENTIONS_BIGQUERY_CONNECTION",
}
LABELLED = {  # resource type -> its labels argument
    "google_storage_bucket": "labels",
    "google_composer_environment": "labels",
    "google_bigquery_dataset": "labels",
    "google_bigquery_table": "labels",
    "google_monitoring_notification_channel": "user_labels",
    "google_monitoring_alert_policy": "user_labels",
}


def unquote(value: Any) -> Any:
    """'"x"' -> 'x'; anything else unchanged."""
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def block(body: dict, name: str) -> dict:
    """The single nested block `name` of a parsed body."""
    blocks = body.get(name)
    assert isinstance(blocks, list) and len(blocks) == 1, f"expected one {name!r} block"
    return blocks[0]


def regex_in(condition: str) -> re.Pattern[str]:
    """The pattern of the first regex("...") in a validation condition."""
    match = re.search(r'regex\("((?:[^"\\]|\\.)*)"', condition)
    assert match, f"no regex() in {condition!r}"
    return re.compile(json.loads(f'"{match.group(1)}"'))


@pytest.fixture(scope="module")
def parsed() -> dict[str, dict]:
    files = sorted(TF_DIR.glob("*.tf"))
    assert files, f"no .tf files in {TF_DIR}"
    out = {}
    for path in files:
        with path.open() as handle:
            out[path.name] = hcl2.load(handle)
    return out


@pytest.fixture(scope="module")
def resources(parsed: dict[str, dict]) -> dict[tuple[str, str], dict]:
    found = {}
    for doc in parsed.values():
        for entry in doc.get("resource", []):
            for rtype, named in entry.items():
                for name, body in named.items():
                    found[(unquote(rtype), unquote(name))] = body
    return found


@pytest.fixture(scope="module")
def variables(parsed: dict[str, dict]) -> dict[str, dict]:
    return {
        unquote(name): body
        for doc in parsed.values()
        for entry in doc.get("variable", [])
        for name, body in entry.items()
    }


@pytest.fixture(scope="module")
def local_values(parsed: dict[str, dict]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for doc in parsed.values():
        for entry in doc.get("locals", []):
            merged.update({k: v for k, v in entry.items() if not k.startswith("__")})
    return merged


def of_type(resources: dict, rtype: str) -> dict[str, dict]:
    return {name: body for (t, name), body in resources.items() if t == rtype}


def test_expected_files_exist() -> None:
    names = {p.name for p in TF_DIR.glob("*.tf")}
    assert {"versions.tf", "variables.tf", "outputs.tf", "locals.tf"} <= names
    assert (TF_DIR / "terraform.tfvars.example").is_file()
    assert not (TF_DIR / "terraform.tfvars").exists(), "real tfvars must not be committed"


def test_terraform_and_provider_pinned(parsed: dict[str, dict]) -> None:
    terraform = block(parsed["versions.tf"], "terraform")
    assert unquote(terraform["required_version"]) == ">= 1.5.0"
    google = block(terraform, "required_providers")["google"]
    assert unquote(google["source"]) == "hashicorp/google"
    assert re.fullmatch(r"~> \d+\.0", unquote(google["version"])), google["version"]


def test_data_bucket_is_private_versioned_and_protected(resources: dict) -> None:
    bucket = resources[("google_storage_bucket", "data")]
    assert unquote(bucket["public_access_prevention"]) == "enforced"
    assert bucket["uniform_bucket_level_access"] is True
    assert block(bucket, "versioning")["enabled"] is True
    assert block(bucket, "lifecycle")["prevent_destroy"] is True
    assert bucket["force_destroy"] is False


def test_runs_prefix_expires_after_configured_age(resources: dict) -> None:
    rules = resources[("google_storage_bucket", "data")]["lifecycle_rule"]
    runs_rules = [r for r in rules if block(r, "condition").get("matches_prefix") == ['"runs/"']]
    assert len(runs_rules) == 1
    assert block(runs_rules[0], "condition")["age"] == "${var.runs_retention_days}"
    assert unquote(block(runs_rules[0], "action")["type"]) == "Delete"


# Every IAM grant of the stack (type, name, role): a new grant is a reviewed change of this list.
IAM_GRANTS = [
    (
        "google_bigquery_connection_iam_member",
        "composer_delegate",
        "${google_project_iam_custom_role.connection_delegate.name}",
    ),
    ("google_bigquery_dataset_iam_member", "analysts", '"roles/bigquery.dataViewer"'),
    ("google_bigquery_dataset_iam_member", "composer_tables", '"roles/bigquery.dataEditor"'),
    ("google_project_iam_member", "analysts_job_user", '"roles/bigquery.jobUser"'),
    ("google_project_iam_member", "applier", "${google_project_iam_custom_role.applier.id}"),
    ("google_project_iam_member", "batch_dataproc_worker", '"roles/dataproc.worker"'),
    ("google_project_iam_member", "composer_bigquery_job_user", '"roles/bigquery.jobUser"'),
    (
        "google_project_iam_member",
        "composer_dag_batches",
        "${google_project_iam_custom_role.dag_batches.name}",
    ),
    ("google_project_iam_member", "composer_worker", '"roles/composer.worker"'),
    ("google_project_iam_member", "planner", "${google_project_iam_custom_role.planner.id}"),
    (
        "google_service_account_iam_member",
        "applier_workload_identity",
        '"roles/iam.workloadIdentityUser"',
    ),
    (
        "google_service_account_iam_member",
        "composer_acts_as_batch",
        '"roles/iam.serviceAccountUser"',
    ),
    (
        "google_service_account_iam_member",
        "composer_agent_v2_ext",
        '"roles/composer.ServiceAgentV2Ext"',
    ),
    (
        "google_service_account_iam_member",
        "deployer_workload_identity",
        '"roles/iam.workloadIdentityUser"',
    ),
    (
        "google_service_account_iam_member",
        "planner_workload_identity",
        '"roles/iam.workloadIdentityUser"',
    ),
    ("google_storage_bucket_iam_member", "applier_code_read", '"roles/storage.objectViewer"'),
    ("google_storage_bucket_iam_member", "applier_state_write", '"roles/storage.objectUser"'),
    ("google_storage_bucket_iam_member", "batch_read", '"roles/storage.objectViewer"'),
    ("google_storage_bucket_iam_member", "batch_write", '"roles/storage.objectUser"'),
    ("google_storage_bucket_iam_member", "composer_run_reports", '"roles/storage.objectViewer"'),
    (
        "google_storage_bucket_iam_member",
        "connection_bucket_metadata",
        "${google_project_iam_custom_role.bucket_metadata.name}",
    ),
    ("google_storage_bucket_iam_member", "deployer_code_create", '"roles/storage.objectCreator"'),
    ("google_storage_bucket_iam_member", "deployer_code_read", '"roles/storage.objectViewer"'),
    ("google_storage_bucket_iam_member", "deployer_dags", '"roles/storage.objectUser"'),
    ("google_storage_bucket_iam_member", "deployer_state_read", '"roles/storage.objectViewer"'),
    ("google_storage_bucket_iam_member", "planner_state_read", '"roles/storage.objectViewer"'),
    (
        "google_storage_managed_folder_iam_member",
        "connection_runs",
        '"roles/storage.objectViewer"',
    ),
]
VARIABLES = [
    "alert_email",
    "analyst_members",
    "batch_id_prefix",
    "batch_quota",
    "billing_account_id",
    "budget_currency_code",
    "code_version",
    "composer_environment_size",
    "composer_image_version",
    "composer_workloads",
    "dag_schedule",
    "environment",
    "github_deploy_environment",
    "github_release_environment",
    "github_repository",
    "github_repository_id",
    "labels",
    "monthly_budget",
    "name_prefix",
    "noncurrent_version_retention_days",
    "project_id",
    "quota_contact_email",
    "region",
    "request_batch_quota",
    "runs_retention_days",
    "subnet_cidr",
    "tf_state_bucket",
]


def test_no_primitive_roles_in_any_iam_resource(resources: dict, variables: dict) -> None:
    roles = [
        (rtype, name, body["role"])
        for (rtype, name), body in resources.items()
        if "_iam_" in rtype and "role" in body
    ]
    assert sorted(roles) == IAM_GRANTS
    for rtype, name, role in roles:
        ref = re.fullmatch(r"\$\{var\.(\w+)\}", role)
        if re.fullmatch(r"\$\{google_project_iam_custom_role\.\w+\.name\}", role):
            continue  # a custom role: its permissions are checked below
        if ref:  # a role from a variable: every value its validation allows must be narrow
            allowed = set(
                re.findall(r"roles/[\w.]+", variables[ref.group(1)]["validation"][0]["condition"])
            )
            assert allowed and not allowed & PRIMITIVE_ROLES, (rtype, name, allowed)
        elif re.fullmatch(r"\$\{google_project_iam_custom_role\.\w+\.id\}", role):
            continue  # a custom role: its permissions are checked in test_delivery.py
        else:
            assert unquote(role).startswith("roles/"), (rtype, name, role)
            assert unquote(role) not in PRIMITIVE_ROLES, (rtype, name, role)
    assert not [t for t, _ in resources if t.endswith("_iam_policy") or t.endswith("_iam_binding")]


def test_no_service_account_keys(parsed: dict[str, dict]) -> None:
    for fname, doc in parsed.items():
        for kind in ("resource", "data"):
            for entry in doc.get(kind, []):
                assert '"google_service_account_key"' not in entry, fname
    for path in TF_DIR.glob("*.tf"):
        assert "google_service_account_key" not in path.read_text(), path.name


def test_every_variable_has_type_and_description(variables: dict) -> None:
    assert sorted(variables) == VARIABLES
    for name, body in variables.items():
        assert body.get("type"), f"{name} has no type"
        assert len(unquote(body.get("description", ""))) > 10, f"{name} has no description"


@pytest.mark.parametrize(
    ("variable", "good", "bad"),
    [
        ("project_id", ["my-project-123", "abcdef"], ["My-Project", "ab", "1project", "proj-"]),
        ("region", ["europe-west1", "us-central1", "europe-west10"], ["europe-west1-b", "EU"]),
        ("name_prefix", ["drug-mentions", "dm1"], ["Drug", "a", "x" * 21, "dm-"]),
        (
            "composer_image_version",
            ["composer-3-airflow-3.1.7-build.0", "composer-3-airflow-2.10.5-build.33"],
            ["composer-3-airflow-3.1.7", "composer-latest-airflow-3", "composer-2-airflow-2.10.5"],
        ),
    ],
)
def test_variable_regex_validations(variables: dict, variable: str, good: list, bad: list) -> None:
    pattern = regex_in(variables[variable]["validation"][0]["condition"])
    for value in good:
        assert pattern.search(value), f"{variable} should accept {value!r}"
    for value in bad:
        assert not pattern.search(value), f"{variable} should reject {value!r}"


def test_environment_size_is_an_enum(variables: dict) -> None:
    size = variables["composer_environment_size"]
    condition = size["validation"][0]["condition"]
    assert set(re.findall(r"ENVIRONMENT_SIZE_[A-Z]+", condition)) == {
        "ENVIRONMENT_SIZE_SMALL",
        "ENVIRONMENT_SIZE_MEDIUM",
        "ENVIRONMENT_SIZE_LARGE",
    }
    assert unquote(size["default"]) == "ENVIRONMENT_SIZE_SMALL"


def test_composer_image_is_pinned(resources: dict, variables: dict) -> None:
    default = unquote(variables["composer_image_version"]["default"])
    assert re.fullmatch(r"composer-3-airflow-3\.\d+\.\d+-build\.\d+", default), default
    assert "latest" not in default
    software = block(
        block(resources[("google_composer_environment", "this")], "config"), "software_config"
    )
    assert software["image_version"] == "${var.composer_image_version}"
    example = (TF_DIR / "terraform.tfvars.example").read_text()
    assert f'composer_image_version    = "{default}"' in example


def test_composer_has_triggerer_and_dedicated_sa(resources: dict, variables: dict) -> None:
    config = block(resources[("google_composer_environment", "this")], "config")
    triggerer = block(block(config, "workloads_config"), "triggerer")
    assert triggerer["count"] == "${var.composer_workloads.triggerer.count}"
    assert variables["composer_workloads"]["default"]["triggerer"]["count"] == 1
    assert config["environment_size"] == "${var.composer_environment_size}"
    node = block(config, "node_config")
    assert node["service_account"] == "${google_service_account.composer.email}"


def test_dag_env_vars_are_exactly_the_contract(resources: dict, local_values: dict) -> None:
    env = local_values["dag_env_variables"]
    assert set(env) == DAG_ENV_VARS
    assert env["DRUG_MENTIONS_DATA_BUCKET"] == "${google_storage_bucket.data.name}"
    assert env["DRUG_MENTIONS_BATCH_SERVICE_ACCOUNT"] == "${google_service_account.batch.email}"
    assert env["DRUG_MENTIONS_SUBNETWORK"] == "${google_compute_subnetwork.batches.id}"
    assert env["DRUG_MENTIONS_BIGQUERY_DATASET"] == (
        "${google_bigquery_dataset.analytics.dataset_id}"
    )
    assert env["DRUG_MENTIONS_BIGQUERY_CONNECTION"] == "${local.bigquery_connection_ref}"
    assert unquote(local_values["bigquery_connection_ref"]) == (
        "${var.project_id}.${var.region}.${local.bigquery_connection_id}"
    )
    # The DAG's default when the variable is unset: the same name for the default prefix.
    assert unquote(local_values["bigquery_connection_id"]) == "${var.name_prefix}-runs"
    config = block(resources[("google_composer_environment", "this")], "config")
    assert block(config, "software_config")["env_variables"] == "${local.dag_env_variables}"


def test_act_as_only_on_the_batch_service_account(resources: dict) -> None:
    act_as = [
        (t, body)
        for (t, _), body in resources.items()
        if unquote(body.get("role"))
        in {"roles/iam.serviceAccountUser", "roles/iam.serviceAccountTokenCreator"}
    ]
    assert len(act_as) == 1
    rtype, body = act_as[0]
    assert rtype == "google_service_account_iam_member"
    assert body["service_account_id"] == "${google_service_account.batch.name}"
    assert unquote(body["member"]) == "serviceAccount:${google_service_account.composer.email}"


def test_composer_service_agent_extension(resources: dict, local_values: dict) -> None:
    binding = resources[("google_service_account_iam_member", "composer_agent_v2_ext")]
    assert unquote(binding["role"]) == "roles/composer.ServiceAgentV2Ext"
    assert binding["service_account_id"] == "${google_service_account.composer.name}"
    assert binding["member"] == "${local.composer_service_agent}"
    assert (
        "@cloudcomposer-accounts.iam.gserviceaccount.com" in local_values["composer_service_agent"]
    )


def test_batch_sa_object_access_on_data_bucket_only(resources: dict) -> None:
    # Read input/ + code/, write runs/ + state/ (tests/terraform/test_data_access.py evaluates
    # the conditions); no bucket-wide object role any more.
    batch = "serviceAccount:${google_service_account.batch.email}"
    bucket_grants = {
        name: (b["bucket"], unquote(b["role"]), unquote(b["condition"][0]["expression"]))
        for name, b in of_type(resources, "google_storage_bucket_iam_member").items()
        if unquote(b["member"]) == batch
    }
    data = "${google_storage_bucket.data.name}"
    assert bucket_grants == {
        "batch_read": (
            data,
            "roles/storage.objectViewer",
            "${local.object_conditions.input} || ${local.object_conditions.code}",
        ),
        "batch_write": (
            data,
            "roles/storage.objectUser",
            "${local.object_conditions.runs} || ${local.object_conditions.state}",
        ),
    }
    project_roles = {
        unquote(b["role"])
        for b in of_type(resources, "google_project_iam_member").values()
        if unquote(b["member"]) == batch
    }
    # dataproc.worker also lets a custom batch SA produce lineage (Serverless data lineage page).
    assert project_roles == {"roles/dataproc.worker"}


# The service behind every resource type of the stack (and data source), and the Google APIs the
# DAG and the batches call at run time: each must be enabled by apis.tf (or delivery.tf: sts).
API_OF_RESOURCE = {
    "google_bigquery_connection": "bigqueryconnection",
    "google_bigquery_connection_iam_member": "bigqueryconnection",
    "google_bigquery_dataset": "bigquery",
    "google_bigquery_dataset_iam_member": "bigquery",
    "google_billing_budget": "billingbudgets",
    "google_cloud_quotas_quota_preference": "cloudquotas",
    "google_composer_environment": "composer",
    "google_compute_firewall": "compute",
    "google_compute_network": "compute",
    "google_compute_subnetwork": "compute",
    "google_iam_workload_identity_pool": "iam",
    "google_iam_workload_identity_pool_provider": "iam",
    "google_monitoring_alert_policy": "monitoring",
    "google_monitoring_notification_channel": "monitoring",
    "google_project_iam_custom_role": "iam",
    "google_project_iam_member": "cloudresourcemanager",
    "google_project_service": "serviceusage",  # enabled by hand before the first apply
    "google_service_account": "iam",
    "google_service_account_iam_member": "iam",
    "google_storage_bucket": "storage",
    "google_storage_bucket_iam_member": "storage",
    "google_storage_managed_folder": "storage",
    "google_storage_managed_folder_iam_member": "storage",
}
API_AT_RUN_TIME = {
    "DataprocCreateBatchOperator, DataprocHook (dags/)": "dataproc",
    "runtime 3.0 batches (runtime 3.0 page: dataprocrm enablement required)": "dataprocrm",
    "batch VMs, their CPU and disk quota": "compute",
    "GCSHook / storage client (run reports), the GCS connector": "storage",
    "BigQueryHook: the publish script": "bigquery",
    "CREATE EXTERNAL TABLE ... WITH CONNECTION": "bigqueryconnection",
    "spark.dataproc.lineage.enabled, Composer lineage integration": "datalineage",
    "batch SA impersonation (actAs), GOOGLE_IMPERSONATE_SERVICE_ACCOUNT": "iamcredentials",
    "google-github-actions/auth token exchange": "sts",
    "batch and Airflow logs, log-based alerts": "logging",
}
ENABLED_BY_HAND = {"serviceusage.googleapis.com", "cloudresourcemanager.googleapis.com"}


def test_every_api_the_stack_uses_is_enabled(
    resources: dict, local_values: dict, parsed: dict[str, dict]
) -> None:
    services = set(re.findall(r'"([a-z]+\.googleapis\.com)"', str(local_values["services"])))
    services.add(unquote(resources[("google_project_service", "sts")]["service"]))
    data_sources = {
        unquote(t) for doc in parsed.values() for entry in doc.get("data", []) for t in entry
    }
    types = {rtype for rtype, _ in resources} | data_sources
    assert types - {"google_project"} == set(API_OF_RESOURCE)
    needed = {
        f"{api}.googleapis.com" for api in [*API_OF_RESOURCE.values(), *API_AT_RUN_TIME.values()]
    }
    assert needed - ENABLED_BY_HAND <= services
    assert "dataprocrm.googleapis.com" in services
    assert services - needed == {"monitoring.googleapis.com"} - needed  # nothing unused
    api = resources[("google_project_service", "enabled")]
    assert api["disable_on_destroy"] is False


def test_labels_on_every_labellable_resource(resources: dict) -> None:
    checked = 0
    for (rtype, name), body in resources.items():
        if rtype in LABELLED:
            assert body.get(LABELLED[rtype]) == "${local.labels}", (rtype, name)
            checked += 1
    assert checked == 6


def test_batch_network(resources: dict) -> None:
    assert resources[("google_compute_network", "this")]["auto_create_subnetworks"] is False
    subnet = resources[("google_compute_subnetwork", "batches")]
    assert subnet["private_ip_google_access"] is True
    assert block(subnet, "log_config")
    rule = resources[("google_compute_firewall", "batches_internal")]
    subnet_range = ["${google_compute_subnetwork.batches.ip_cidr_range}"]
    assert unquote(rule["direction"]) == "INGRESS"
    assert rule["source_ranges"] == subnet_range
    assert rule["destination_ranges"] == subnet_range


def test_alerting_is_off_without_an_email(resources: dict, local_values: dict) -> None:
    assert local_values["alerts_enabled"] == '${var.alert_email != ""}'
    for key in [
        ("google_monitoring_notification_channel", "email"),
        ("google_monitoring_alert_policy", "batch_failed"),
        ("google_monitoring_alert_policy", "dag_run_failed"),
    ]:
        assert resources[key]["count"] == "${local.alerts_enabled ? 1 : 0}", key
    for policy in of_type(resources, "google_monitoring_alert_policy").values():
        assert block(block(policy, "conditions"), "condition_matched_log")["filter"]


COMPOSER = "serviceAccount:${google_service_account.composer.email}"
# What dags/drug_mentions_batches.py calls, and the permissions Google documents for each
# (Serverless for Apache Spark IAM page: create also needs batches.get + operations.get for its
# status; cancelling a batch operation also needs batches.cancel).
DAG_DATAPROC_PERMISSIONS = {
    "DataprocHook.create_batch": {
        "dataproc.batches.create",
        "dataproc.batches.get",
        "dataproc.operations.get",
    },
    "DataprocHook.get_batch (trigger polling, leftover wait)": {"dataproc.batches.get"},
    "DataprocHook.list_batches (leftovers of the run)": {"dataproc.batches.list"},
    "OperationsClient.cancel_operation (leftover)": {
        "dataproc.operations.cancel",
        "dataproc.batches.cancel",
    },
}


def test_no_dataproc_editor_anywhere(resources: dict) -> None:
    roles = {
        unquote(body.get("role")) for (rtype, _), body in resources.items() if "_iam_" in rtype
    }
    assert "roles/dataproc.editor" not in roles


def test_dag_custom_role_has_exactly_the_batch_permissions_it_uses(resources: dict) -> None:
    role = resources[("google_project_iam_custom_role", "dag_batches")]
    permissions = [unquote(p) for p in role["permissions"]]
    assert permissions == sorted(set().union(*DAG_DATAPROC_PERMISSIONS.values()))
    assert unquote(role["stage"]) == "GA"
    assert role["role_id"] == "${local.dag_batches_role_id}"


def test_composer_sa_roles_are_exactly_what_the_dag_needs(resources: dict) -> None:
    project_roles = {
        unquote(b["role"])
        for b in of_type(resources, "google_project_iam_member").values()
        if unquote(b["member"]) == COMPOSER
    }
    assert project_roles == {
        "roles/composer.worker",
        "${google_project_iam_custom_role.dag_batches.name}",
        "roles/bigquery.jobUser",
    }
    dataset_grants = [
        (unquote(b["role"]), b["dataset_id"])
        for b in of_type(resources, "google_bigquery_dataset_iam_member").values()
        if unquote(b["member"]) == COMPOSER
    ]
    assert dataset_grants == [
        ("roles/bigquery.dataEditor", "${google_bigquery_dataset.analytics.dataset_id}")
    ]
    connection_grants = [
        b["role"]
        for b in of_type(resources, "google_bigquery_connection_iam_member").values()
        if unquote(b["member"]) == COMPOSER
    ]
    assert connection_grants == ["${google_project_iam_custom_role.connection_delegate.name}"]


CONNECTION_SA = (
    "serviceAccount:${google_bigquery_connection.runs.cloud_resource[0].service_account_id}"
)


def test_biglake_connection_alone_reads_runs(resources: dict, local_values: dict) -> None:
    connection = resources[("google_bigquery_connection", "runs")]
    assert connection["location"] == "${var.region}"  # the dataset's location
    assert connection["connection_id"] == "${local.bigquery_connection_id}"
    assert block(connection, "cloud_resource") == {"__is_block__": True}
    dataset = resources[("google_bigquery_dataset", "analytics")]
    assert dataset["location"] == connection["location"]
    folder = resources[("google_storage_managed_folder", "runs")]
    assert (unquote(folder["name"]), folder["bucket"]) == (
        "runs/",
        "${google_storage_bucket.data.name}",
    )
    folder_grants = {
        name: (unquote(b["role"]), unquote(b["member"]), b["managed_folder"])
        for name, b in of_type(resources, "google_storage_managed_folder_iam_member").items()
    }
    assert folder_grants == {
        "connection_runs": (
            "roles/storage.objectViewer",
            CONNECTION_SA,
            "${google_storage_managed_folder.runs.name}",
        )
    }
    metadata = resources[("google_storage_bucket_iam_member", "connection_bucket_metadata")]
    assert unquote(metadata["member"]) == CONNECTION_SA


def test_custom_roles_hold_one_narrow_permission(resources: dict) -> None:
    roles = {
        name: [unquote(p) for p in body["permissions"]]
        for name, body in of_type(resources, "google_project_iam_custom_role").items()
        if isinstance(body["permissions"], list)
    }
    assert roles["connection_delegate"] == ["bigquery.connections.delegate"]
    assert roles["bucket_metadata"] == ["storage.buckets.get"]
    delegate = resources[("google_bigquery_connection_iam_member", "composer_delegate")]
    assert delegate["connection_id"] == "${google_bigquery_connection.runs.connection_id}"
    assert unquote(delegate["member"]) == COMPOSER


def test_composer_reads_run_reports_only(resources: dict, local_values: dict) -> None:
    grant = resources[("google_storage_bucket_iam_member", "composer_run_reports")]
    assert unquote(grant["role"]) == "roles/storage.objectViewer"
    assert json.loads(grant["condition"][0]["expression"]) == (
        'resource.name.startsWith("${local.runs_objects}")'
        ' && resource.name.endsWith("/${local.run_report}")'
    )


def test_lineage_is_on(resources: dict) -> None:
    software = block(
        block(resources[("google_composer_environment", "this")], "config"), "software_config"
    )
    assert block(software, "cloud_data_lineage_integration")["enabled"] is True
    conf = tomllib.loads((REPO / "conf" / "dataproc.toml").read_text())
    assert conf["properties"]["spark.dataproc.lineage.enabled"] == "true"


def test_quota_request_matches_the_stated_quota(
    resources: dict, variables: dict, local_values: dict
) -> None:
    conf = tomllib.loads((REPO / "conf" / "dataproc.toml").read_text())["quota"]
    default = variables["batch_quota"]["default"]
    assert default == {"cpus": conf["cpus"], "disks_total_gb": conf["disks_total_gb"]}
    assert variables["request_batch_quota"]["default"] is False  # off by default
    assert local_values["batch_quota_count"] == "${var.request_batch_quota ? 1 : 0}"
    wanted = {}
    for name, preference in of_type(resources, "google_cloud_quotas_quota_preference").items():
        assert preference["count"] == "${local.batch_quota_count}"
        assert unquote(preference["service"]) == "compute.googleapis.com"
        assert preference["contact_email"] == "${var.quota_contact_email}"
        wanted[name] = (
            unquote(preference["quota_id"]),
            preference.get("dimensions"),
            block(preference, "quota_config")["preferred_value"],
        )
    region = {"region": "${var.region}"}
    assert wanted == {
        "cpus_region": ("CPUS-per-project-region", region, "${var.batch_quota.cpus}"),
        "cpus_all_regions": ("CPUS-ALL-REGIONS-per-project", None, "${var.batch_quota.cpus}"),
        "disks_region": (
            "DISKS-TOTAL-GB-per-project-region",
            region,
            "${var.batch_quota.disks_total_gb}",
        ),
    }


def test_budget_is_optional_and_alerts(
    resources: dict, variables: dict, local_values: dict
) -> None:
    budget = resources[("google_billing_budget", "monthly")]
    assert budget["count"] == "${local.budget_enabled ? 1 : 0}"
    assert local_values["budget_enabled"] == '${var.billing_account_id != ""}'
    assert unquote(variables["billing_account_id"]["default"]) == ""
    assert budget["provider"] == "${google.billing}"
    assert block(budget, "budget_filter")["projects"] == [
        '"projects/${data.google_project.this.number}"'
    ]
    rules = block(budget, "all_updates_rule")
    assert rules["monitoring_notification_channels"] == (
        "${google_monitoring_notification_channel.email[*].id}"
    )
    assert [(t["percent"], unquote(t["basis"])) for t in local_values["budget_thresholds"]] == [
        (0.5, "CURRENT_SPEND"),
        (0.9, "CURRENT_SPEND"),
        (1.0, "CURRENT_SPEND"),
        (1.0, "FORECASTED_SPEND"),
    ]


@pytest.mark.parametrize("module", [TF_DIR, TF_DIR / "bootstrap"], ids=["root", "bootstrap"])
def test_provider_lock_file_is_committed(module: Path) -> None:
    lock = hcl2.load((module / ".terraform.lock.hcl").open())
    (provider,) = lock["provider"]
    (address,) = provider
    body = provider[address]
    assert unquote(address) == "registry.terraform.io/hashicorp/google"
    assert unquote(body["version"]) == "7.45.0"  # within versions.tf's "~> 7.0"
    assert unquote(body["constraints"]) == "~> 7.0"
    hashes = [unquote(h) for h in body["hashes"]]
    # one h1: (linux_amd64, CI's platform) and the zh: (SHA-256 of each platform's zip)
    assert len([h for h in hashes if h.startswith("h1:")]) == 1
    assert len([h for h in hashes if re.fullmatch(r"zh:[0-9a-f]{64}", h)]) == 12
    assert (TF_DIR / ".terraform.lock.hcl").read_bytes() == (
        TF_DIR / "bootstrap" / ".terraform.lock.hcl"
    ).read_bytes()
    versions = block(hcl2.load((module / "versions.tf").open()), "terraform")
    assert unquote(block(versions, "required_providers")["google"]["version"]) == "~> 7.0"


def test_analytics_tables_are_the_dags_not_terraforms(
    resources: dict, variables: dict, parsed: dict[str, dict]
) -> None:
    # The DAG replaces the BigLake table and the view after each run: no run id to hand-edit.
    assert of_type(resources, "google_bigquery_table") == {}
    assert "mentions_run_id" not in variables
    outputs = {unquote(n): b for entry in parsed["outputs.tf"]["output"] for n, b in entry.items()}
    assert unquote(outputs["mentions_table"]["value"]) == (
        "${var.project_id}.${google_bigquery_dataset.analytics.dataset_id}"
        ".${local.mentions_table_id}"
    )


def test_outputs_have_descriptions(parsed: dict[str, dict]) -> None:
    outputs = {unquote(n): b for entry in parsed["outputs.tf"]["output"] for n, b in entry.items()}
    expected = {"data_bucket_name", "composer_dag_gcs_prefix", "airflow_uri"}
    assert expected | {"composer_service_account_email", "batch_service_account_email"} <= set(
        outputs
    )
    for name, body in outputs.items():
        assert len(unquote(body.get("description", ""))) > 10, name


def test_every_checkov_skip_is_justified() -> None:
    skips = [
        line.strip()
        for path in TF_DIR.glob("*.tf")
        for line in path.read_text().splitlines()
        if "checkov:skip" in line
    ]
    assert skips, "expected the justified skips to be found"
    for line in skips:
        assert re.fullmatch(r"#checkov:skip=CKV2?_GCP_\d+:\S.{20,}", line), line
