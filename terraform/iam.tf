# Least-privilege identities. No primitive roles, no service-account keys anywhere.
#
#   composer SA    - runs Airflow; submits, polls and cancels Dataproc batches that run AS the
#                    batch SA; reads each run's run_report.json (quality gate) and repoints the
#                    analysts' BigLake table through the connection (delegate, no storage role).
#   batch SA       - identity of the Spark driver/executors; reads input/ + code/, writes runs/
#                    and state/; cannot write code/ or input/.
#   connection SA  - Google-managed SA of the BigQuery Cloud Resource connection (bigquery.tf):
#                    the only reader of runs/ for BigQuery; never state/, code/ or input/.
#   analysts       - BigQuery roles only: query the dataset (BigLake delegates the file reads).
#   deployer       - the only writer of code/, create-only (delivery.tf).

resource "google_service_account" "composer" {
  project      = var.project_id
  account_id   = local.composer_sa_account_id
  display_name = "drug-mentions Composer environment"
  description  = "Runs the drug-mentions Airflow environment; submits Dataproc batches as the batch SA."

  depends_on = [google_project_service.enabled]
}

resource "google_service_account" "batch" {
  project      = var.project_id
  account_id   = local.batch_sa_account_id
  display_name = "drug-mentions Dataproc batches"
  description  = "Identity of the drug-mentions Spark batches (Serverless for Apache Spark)."

  depends_on = [google_project_service.enabled]
}

# --- Composer SA ---------------------------------------------------------------------------------

# Required for any Composer environment service account.
resource "google_project_iam_member" "composer_worker" {
  #checkov:skip=CKV_GCP_49:roles/composer.worker is mandatory for a Composer environment's own service account (Composer docs); checkov lists it because the role can act as service accounts, there is no narrower predefined role
  project = var.project_id
  role    = "roles/composer.worker"
  member  = "serviceAccount:${google_service_account.composer.email}"
}

# Exactly the Dataproc calls the DAG makes (dags/drug_mentions_batches.py), instead of
# roles/dataproc.editor, which also manages clusters, jobs and workflow templates:
#   create a batch (+ batches.get, operations.get: status of the create), poll it (batches.get),
#   list this run's batches (batches.list), cancel a leftover through its operation
#   (operations.cancel, which for a batch operation also requires batches.cancel).
# No batches.delete: leftovers are cancelled and kept for their logs.
resource "google_project_iam_custom_role" "dag_batches" {
  project     = var.project_id
  role_id     = local.dag_batches_role_id
  title       = "${var.name_prefix} DAG: Dataproc batches"
  description = "Create, poll, list and cancel the Dataproc Serverless batches of the drug-mentions DAG."
  stage       = "GA"
  permissions = [
    "dataproc.batches.cancel",
    "dataproc.batches.create",
    "dataproc.batches.get",
    "dataproc.batches.list",
    "dataproc.operations.cancel",
    "dataproc.operations.get",
  ]

  depends_on = [google_project_service.enabled]
}

resource "google_project_iam_member" "composer_dag_batches" {
  project = var.project_id
  role    = google_project_iam_custom_role.dag_batches.name
  member  = "serviceAccount:${google_service_account.composer.email}"
}

# The DAG's publish_mentions_table task runs one BigQuery script (a query job) that replaces
# the BigLake table `mentions` and the view `top_journals` of the analytics dataset.
resource "google_project_iam_member" "composer_bigquery_job_user" {
  project = var.project_id
  role    = "roles/bigquery.jobUser"
  member  = "serviceAccount:${google_service_account.composer.email}"
}

# Table create/replace on the analytics dataset only (it holds nothing but that table and view).
resource "google_bigquery_dataset_iam_member" "composer_tables" {
  project    = var.project_id
  dataset_id = google_bigquery_dataset.analytics.dataset_id
  role       = "roles/bigquery.dataEditor"
  member     = "serviceAccount:${google_service_account.composer.email}"
}

# The quality gate reads two small files per run: this run's run_report.json and that of the run
# the table shows (dags/drug_mentions_bigquery.py). Get on those objects only: no list, no data
# file, nothing outside runs/ (a subset of what the connection reads).
resource "google_storage_bucket_iam_member" "composer_run_reports" {
  bucket = google_storage_bucket.data.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.composer.email}"

  condition {
    title       = "run-reports-only"
    description = "Get runs/<run_id>/run_report.json objects only"
    expression  = "resource.name.startsWith(\"${local.runs_objects}\") && resource.name.endsWith(\"/${local.run_report}\")"
  }
}

# The batch runs as the batch SA: the submitter needs actAs on that one account only.
resource "google_service_account_iam_member" "composer_acts_as_batch" {
  service_account_id = google_service_account.batch.name
  role               = "roles/iam.serviceAccountUser"
  member             = "serviceAccount:${google_service_account.composer.email}"
}

# Composer 3: the Cloud Composer Service Agent must manage the environment's SA.
resource "google_service_account_iam_member" "composer_agent_v2_ext" {
  service_account_id = google_service_account.composer.name
  role               = "roles/composer.ServiceAgentV2Ext"
  member             = local.composer_service_agent

  depends_on = [google_project_service.enabled]
}

# --- Batch SA --------------------------------------------------------------------------------------

# Required for the identity of Dataproc (Serverless) workloads: agent communication and logging.
resource "google_project_iam_member" "batch_dataproc_worker" {
  project = var.project_id
  role    = "roles/dataproc.worker"
  member  = "serviceAccount:${google_service_account.batch.email}"
}

# Reads its inputs and its code, nothing else: code/ is written by the deployer alone, so neither a
# job nor the Composer SA (which can act as this one) can replace a release. IAM Conditions on the
# object name, and on the list prefix for listings (locals.tf, object_conditions).
resource "google_storage_bucket_iam_member" "batch_read" {
  bucket = google_storage_bucket.data.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.batch.email}"

  condition {
    title       = "inputs-and-code"
    description = "Read and list input/ and code/ only"
    expression  = "${local.object_conditions.input} || ${local.object_conditions.code}"
  }
}

# Writes (create, overwrite, delete) its run folders and the incremental state: runs/ and state/.
resource "google_storage_bucket_iam_member" "batch_write" {
  bucket = google_storage_bucket.data.name
  role   = "roles/storage.objectUser"
  member = "serviceAccount:${google_service_account.batch.email}"

  condition {
    title       = "runs-and-state"
    description = "Read, write and list runs/ and state/ only"
    expression  = "${local.object_conditions.runs} || ${local.object_conditions.state}"
  }
}

# --- BigQuery connection SA (bigquery.tf) ------------------------------------------------------------

# The BigLake table reads runs/<run_id>/mentions/ as this account: runs/ only, through the managed
# folder (get and list inside it), never state/, code/ or input/.
resource "google_storage_managed_folder_iam_member" "connection_runs" {
  bucket         = google_storage_managed_folder.runs.bucket
  managed_folder = google_storage_managed_folder.runs.name
  role           = "roles/storage.objectViewer"
  member         = "serviceAccount:${google_bigquery_connection.runs.cloud_resource[0].service_account_id}"
}

# storage.buckets.get (bucket metadata, no object): Google lists it with objects.get and
# objects.list for reading Cloud Storage from BigQuery ("Create Cloud Storage external tables").
resource "google_project_iam_custom_role" "bucket_metadata" {
  project     = var.project_id
  role_id     = local.bucket_metadata_role_id
  title       = "${var.name_prefix} bucket metadata reader"
  description = "storage.buckets.get only: bucket metadata, no object."
  stage       = "GA"
  permissions = ["storage.buckets.get"]

  depends_on = [google_project_service.enabled]
}

resource "google_storage_bucket_iam_member" "connection_bucket_metadata" {
  bucket = google_storage_bucket.data.name
  role   = google_project_iam_custom_role.bucket_metadata.name
  member = "serviceAccount:${google_bigquery_connection.runs.cloud_resource[0].service_account_id}"
}

# --- Analysts: BigQuery roles only -----------------------------------------------------------------

# A BigLake table delegates the file reads to the connection: analysts need no storage role (an
# external table without connection would need storage.buckets.get, objects.get and objects.list
# on the bucket for every querying user).
resource "google_bigquery_dataset_iam_member" "analysts" {
  for_each = toset(var.analyst_members)

  project    = var.project_id
  dataset_id = google_bigquery_dataset.analytics.dataset_id
  role       = "roles/bigquery.dataViewer"
  member     = each.value
}

resource "google_project_iam_member" "analysts_job_user" {
  for_each = toset(var.analyst_members)

  project = var.project_id
  role    = "roles/bigquery.jobUser"
  member  = each.value
}
