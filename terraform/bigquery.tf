# Analysts' dataset and the connection its BigLake table reads through. The table's contents follow
# the pipeline runs, so the DAG owns them: after each successful run that passes the quality gate,
# its publish_mentions_table task replaces the BigLake table `mentions` (an external table WITH
# CONNECTION over that run's runs/<run_id>/mentions/source=pubmed|clinical_trials/*.parquet,
# hive-partitioned on `source`) and the view `top_journals` (dags/drug_mentions_bigquery.py).
# BigQuery reads the Parquet schema when the table is created: nothing to create before a run.

resource "google_bigquery_dataset" "analytics" {
  #checkov:skip=CKV_GCP_81:Holds only a BigLake table and a view; the data stays in the GCS bucket (Google-managed encryption), so a dataset CMEK would protect nothing
  project     = var.project_id
  dataset_id  = local.bigquery_dataset_id
  description = "drug-mentions: BigLake table over the pipeline outputs in gs://${local.data_bucket_name}"
  # External tables over a regional bucket must live in the same location.
  location                   = var.region
  labels                     = local.labels
  delete_contents_on_destroy = false

  depends_on = [google_project_service.enabled]
}

# A Cloud Resource connection: Google creates its service account (cloud_resource[0].
# service_account_id), which alone reads runs/ for BigQuery (iam.tf); queries of the BigLake table
# are authorised on the table, so analysts and the DAG need no storage role ("Create Cloud Storage
# BigLake tables", access delegation). Same location as the dataset.
resource "google_bigquery_connection" "runs" {
  project       = var.project_id
  location      = var.region
  connection_id = local.bigquery_connection_id
  friendly_name = "${var.name_prefix} run outputs"
  description   = "drug-mentions: BigLake tables over gs://${local.data_bucket_name}/runs/ (read-only)"

  cloud_resource {}

  depends_on = [google_project_service.enabled]
}

# Creating a BigLake table needs bigquery.tables.create on the dataset (the Composer SA's data
# editor role) and bigquery.connections.delegate on the connection: that one permission, on this
# connection only, instead of roles/bigquery.connectionAdmin (which also edits and shares it).
resource "google_project_iam_custom_role" "connection_delegate" {
  project     = var.project_id
  role_id     = local.connection_delegate_role_id
  title       = "${var.name_prefix} BigLake table creator"
  description = "bigquery.connections.delegate: create BigLake tables that read through a connection."
  stage       = "GA"
  permissions = ["bigquery.connections.delegate"]

  depends_on = [google_project_service.enabled]
}

resource "google_bigquery_connection_iam_member" "composer_delegate" {
  project       = google_bigquery_connection.runs.project
  location      = google_bigquery_connection.runs.location
  connection_id = google_bigquery_connection.runs.connection_id
  role          = google_project_iam_custom_role.connection_delegate.name
  member        = "serviceAccount:${google_service_account.composer.email}"
}
