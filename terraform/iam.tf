# Least-privilege identities. No primitive roles, no service-account keys anywhere.
#
#   composer SA  - runs Airflow; submits, polls and cancels Dataproc batches that run AS the
#                  batch SA; repoints the analysts' BigQuery table (reads runs/ for that).
#   batch SA     - identity of the Spark driver/executors; reads input/ + code/, writes runs/.
#   analysts     - query the analytics dataset; read runs/ (BigQuery external tables read GCS
#                  as the caller); nothing of code/ or input/.

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
# the external table `mentions` and the view `top_journals` of the analytics dataset.
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

# BigQuery reads the run's Parquet files with the caller's identity when it creates the external
# table (schema, partitions): read access to runs/ only, through the managed folder.
resource "google_storage_managed_folder_iam_member" "composer_runs" {
  bucket         = google_storage_managed_folder.runs.bucket
  managed_folder = google_storage_managed_folder.runs.name
  role           = "roles/storage.objectViewer"
  member         = "serviceAccount:${google_service_account.composer.email}"
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

# No data-bucket access by default: the DAG passes gs:// URIs to Dataproc, it reads no data.
resource "google_storage_bucket_iam_member" "composer_data" {
  count = var.composer_sa_data_bucket_role == "" ? 0 : 1

  bucket = google_storage_bucket.data.name
  role   = var.composer_sa_data_bucket_role
  member = "serviceAccount:${google_service_account.composer.email}"
}

# --- Batch SA --------------------------------------------------------------------------------------

# Required for the identity of Dataproc (Serverless) workloads: agent communication and logging.
resource "google_project_iam_member" "batch_dataproc_worker" {
  project = var.project_id
  role    = "roles/dataproc.worker"
  member  = "serviceAccount:${google_service_account.batch.email}"
}

# Object read/write/delete on the data bucket only (no bucket or IAM administration).
resource "google_storage_bucket_iam_member" "batch_data" {
  bucket = google_storage_bucket.data.name
  role   = "roles/storage.objectUser"
  member = "serviceAccount:${google_service_account.batch.email}"
}

# --- Analysts --------------------------------------------------------------------------------------

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

# External tables read Cloud Storage with the querying user's identity: analysts read the run
# outputs (runs/, a managed folder: get and list inside it), not code/ or input/.
resource "google_storage_managed_folder_iam_member" "analysts_runs" {
  for_each = toset(var.analyst_members)

  bucket         = google_storage_managed_folder.runs.bucket
  managed_folder = google_storage_managed_folder.runs.name
  role           = "roles/storage.objectViewer"
  member         = each.value
}
