# Continuous delivery without keys: GitHub Actions authenticates with its OIDC token through
# Workload Identity Federation and impersonates one of three dedicated service accounts.
#
#   planner  SA - pull requests: `terraform plan -lock=false` (read-only custom role, state read).
#   deployer SA - the deploy job of a v* tag, in the GitHub environment `deploy` (restricted to v*
#                 tags in the repository settings): uploads the package to code/<version>/ (create
#                 only: a published version can never be overwritten or deleted) and the DAG
#                 files; reads the state (`terraform output`). The only writer of code/.
#   applier  SA - after a manual approval in the protected GitHub environment `release`: points
#                 Composer at the new version (`terraform apply -refresh=false`, a plan that
#                 .ci/release_check.py has checked changes DRUG_MENTIONS_CODE_VERSION only); for a
#                 rollback, first checks code/<version>/ is a complete release (reads code/).
#
# GitHub uses one OIDC issuer for every repository: the provider's attribute_condition admits
# tokens of this repository only (numeric id, which is never reused, and name). The deployer and
# the applier are bound to the subject of their environment (`repo:OWNER/REPO:environment:NAME`,
# GitHub's default `sub` claim for a job that references an environment), so a workflow on a
# branch or a pull request cannot become them. No key anywhere.

locals {
  github_pool_id     = "${var.name_prefix}-github"
  github_provider_id = "github-actions"
  deployer_sa_id     = "${var.name_prefix}-deployer"
  planner_sa_id      = "${var.name_prefix}-planner"
  applier_sa_id      = "${var.name_prefix}-applier"
  planner_role_id    = "${replace(var.name_prefix, "-", "_")}_tf_planner"
  applier_role_id    = "${replace(var.name_prefix, "-", "_")}_release_applier"

  # Every workflow run of this repository (the provider admits no other repository): the planner.
  github_repository_principals = "principalSet://iam.googleapis.com/${google_iam_workload_identity_pool.github.name}/attribute.repository/${var.github_repository}"
  # Only jobs that run in one environment (GitHub's default `sub` claim names it).
  github_environment_subject = "principal://iam.googleapis.com/${google_iam_workload_identity_pool.github.name}/subject/repo:${var.github_repository}:environment:"
  github_deploy_principal    = "${local.github_environment_subject}${var.github_deploy_environment}"
  github_release_principal   = "${local.github_environment_subject}${var.github_release_environment}"

  # The Composer environment bucket, from gs://<bucket>/dags.
  composer_bucket_name = split("/", google_composer_environment.this.config[0].dag_gcs_prefix)[2]

  code_objects = "projects/_/buckets/${google_storage_bucket.data.name}/objects/code/"
  dag_objects  = "projects/_/buckets/${local.composer_bucket_name}/objects/dags/"

  # What `terraform plan` reads to refresh every resource type of this stack; get/list only.
  planner_permissions = [
    "bigquery.connections.get",
    "bigquery.connections.getIamPolicy",
    "bigquery.datasets.get",
    "bigquery.datasets.getIamPolicy",
    "cloudquotas.quotas.get",
    "composer.environments.get",
    "compute.firewalls.get",
    "compute.networks.get",
    "compute.subnetworks.get",
    "iam.roles.get",
    "iam.serviceAccounts.get",
    "iam.serviceAccounts.getIamPolicy",
    "iam.workloadIdentityPoolProviders.get",
    "iam.workloadIdentityPools.get",
    "monitoring.alertPolicies.get",
    "monitoring.notificationChannels.get",
    "resourcemanager.projects.get",
    "resourcemanager.projects.getIamPolicy",
    "serviceusage.services.get",
    "serviceusage.services.list",
    "storage.buckets.get",
    "storage.buckets.getIamPolicy",
    "storage.managedFolders.get",
    "storage.managedFolders.getIamPolicy",
  ]

  # The release apply plans with -refresh=false: it reads the project (data source) and updates
  # the Composer environment, nothing else.
  applier_permissions = [
    "composer.environments.get",
    "composer.environments.update",
    "composer.operations.get",
    "resourcemanager.projects.get",
  ]
}

# Workload Identity Federation needs the Security Token Service (token exchange); IAM Credentials
# (impersonation) is already enabled in apis.tf.
resource "google_project_service" "sts" {
  project            = var.project_id
  service            = "sts.googleapis.com"
  disable_on_destroy = false
}

resource "google_iam_workload_identity_pool" "github" {
  project                   = var.project_id
  workload_identity_pool_id = local.github_pool_id
  display_name              = "GitHub Actions"
  description               = "drug-mentions: GitHub Actions workflows of ${var.github_repository}"

  depends_on = [google_project_service.enabled, google_project_service.sts]
}

resource "google_iam_workload_identity_pool_provider" "github" {
  #checkov:skip=CKV_GCP_125:Admission is by assertion.repository_id (immutable, never reused) and assertion.repository, Google's recommended condition; an exact `sub` equality cannot admit the PR plan and the two environments' jobs together: each service account's binding narrows further (deployer and applier: subject repo:<repo>:environment:<env>)
  project                            = var.project_id
  workload_identity_pool_id          = google_iam_workload_identity_pool.github.workload_identity_pool_id
  workload_identity_pool_provider_id = local.github_provider_id
  display_name                       = "GitHub Actions OIDC"
  description                        = "OIDC tokens of GitHub Actions, admitted for ${var.github_repository} only"

  # The numeric id survives a rename and is never given to another repository; the name makes
  # the condition readable and fails closed if the repository is renamed or transferred.
  attribute_condition = "assertion.repository_id == \"${var.github_repository_id}\" && assertion.repository == \"${var.github_repository}\""

  attribute_mapping = {
    "google.subject"          = "assertion.sub"
    "attribute.repository"    = "assertion.repository"
    "attribute.repository_id" = "assertion.repository_id"
    "attribute.ref"           = "assertion.ref"
  }

  oidc {
    issuer_uri = "https://token.actions.githubusercontent.com"
  }
}

# --- Service accounts (no keys: tokens are minted from the GitHub OIDC token) ---------------------

resource "google_service_account" "deployer" {
  project      = var.project_id
  account_id   = local.deployer_sa_id
  display_name = "drug-mentions release deployer (GitHub Actions)"
  description  = "Deploy environment (v* tags): uploads code/<version>/ (create only) and the DAG files; reads the Terraform state."

  depends_on = [google_project_service.enabled]
}

resource "google_service_account" "planner" {
  project      = var.project_id
  account_id   = local.planner_sa_id
  display_name = "drug-mentions Terraform planner (GitHub Actions)"
  description  = "Pull requests: read-only terraform plan of this stack."

  depends_on = [google_project_service.enabled]
}

resource "google_service_account" "applier" {
  project      = var.project_id
  account_id   = local.applier_sa_id
  display_name = "drug-mentions release applier (GitHub Actions)"
  description  = "Protected release environment: points Composer at the released code version."

  depends_on = [google_project_service.enabled]
}

# Only a job of the deploy environment (v* tags only) can become the deployer.
resource "google_service_account_iam_member" "deployer_workload_identity" {
  service_account_id = google_service_account.deployer.name
  role               = "roles/iam.workloadIdentityUser"
  member             = local.github_deploy_principal
}

resource "google_service_account_iam_member" "planner_workload_identity" {
  service_account_id = google_service_account.planner.name
  role               = "roles/iam.workloadIdentityUser"
  member             = local.github_repository_principals
}

# Only a job of the protected environment (manual approval) can become the applier.
resource "google_service_account_iam_member" "applier_workload_identity" {
  service_account_id = google_service_account.applier.name
  role               = "roles/iam.workloadIdentityUser"
  member             = local.github_release_principal
}

# --- Deployer: code/ (create only), the DAG folder, the state ----------------------------------

# objectCreator has storage.objects.create but not delete: GCS refuses to overwrite an existing
# object without delete, so a published code/<version>/ is immutable for the release pipeline.
resource "google_storage_bucket_iam_member" "deployer_code_create" {
  bucket = google_storage_bucket.data.name
  role   = "roles/storage.objectCreator"
  member = "serviceAccount:${google_service_account.deployer.email}"

  condition {
    title       = "code-prefix-only"
    description = "Create objects under code/ only"
    expression  = "resource.name.startsWith(\"${local.code_objects}\")"
  }
}

# Listing and checksums of code/ (deploy skips unchanged files; the release verifies the upload).
resource "google_storage_bucket_iam_member" "deployer_code_read" {
  bucket = google_storage_bucket.data.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.deployer.email}"

  condition {
    title       = "code-prefix-only"
    description = "Read and list objects under code/ only"
    expression  = "resource.name.startsWith(\"${local.code_objects}\") || api.getAttribute(\"storage.googleapis.com/objectListPrefix\", \"\").startsWith(\"code/\")"
  }
}

# DAG files are replaced on every release: create, overwrite, read, list under dags/ only.
resource "google_storage_bucket_iam_member" "deployer_dags" {
  bucket = local.composer_bucket_name
  role   = "roles/storage.objectUser"
  member = "serviceAccount:${google_service_account.deployer.email}"

  condition {
    title       = "dags-prefix-only"
    description = "Objects under the Composer DAG folder only"
    expression  = "resource.name.startsWith(\"${local.dag_objects}\") || api.getAttribute(\"storage.googleapis.com/objectListPrefix\", \"\").startsWith(\"dags/\")"
  }
}

resource "google_storage_bucket_iam_member" "deployer_state_read" {
  bucket = var.tf_state_bucket
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.deployer.email}"
}

# --- Planner: read-only ------------------------------------------------------------------------

resource "google_project_iam_custom_role" "planner" {
  project     = var.project_id
  role_id     = local.planner_role_id
  title       = "drug-mentions Terraform planner"
  description = "Read-only: what terraform plan of the drug-mentions stack refreshes (get/list only)."
  permissions = local.planner_permissions
}

resource "google_project_iam_member" "planner" {
  project = var.project_id
  role    = google_project_iam_custom_role.planner.id
  member  = "serviceAccount:${google_service_account.planner.email}"
}

# plan runs with -lock=false: reading the state is enough.
resource "google_storage_bucket_iam_member" "planner_state_read" {
  bucket = var.tf_state_bucket
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.planner.email}"
}

# --- Applier: the Composer environment, the state, reading code/ (rollback check) ----------------

# A rollback target must be a complete release (.ci/release_check.py published): read code/ only.
resource "google_storage_bucket_iam_member" "applier_code_read" {
  bucket = google_storage_bucket.data.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.applier.email}"

  condition {
    title       = "code-prefix-only"
    description = "Read and list objects under code/ only"
    expression  = "resource.name.startsWith(\"${local.code_objects}\") || api.getAttribute(\"storage.googleapis.com/objectListPrefix\", \"\").startsWith(\"code/\")"
  }
}

resource "google_project_iam_custom_role" "applier" {
  project     = var.project_id
  role_id     = local.applier_role_id
  title       = "drug-mentions release applier"
  description = "Update the Composer environment (DRUG_MENTIONS_CODE_VERSION) through terraform apply -refresh=false."
  permissions = local.applier_permissions
}

resource "google_project_iam_member" "applier" {
  project = var.project_id
  role    = google_project_iam_custom_role.applier.id
  member  = "serviceAccount:${google_service_account.applier.email}"
}

# apply writes the state and takes the lock (a .tflock object it creates and deletes).
resource "google_storage_bucket_iam_member" "applier_state_write" {
  bucket = var.tf_state_bucket
  role   = "roles/storage.objectUser"
  member = "serviceAccount:${google_service_account.applier.email}"
}
