# Derived names and labels: one place, so every resource is named and labelled the same way.
locals {
  labels = merge(var.labels, {
    app         = "drug-mentions"
    environment = var.environment
    managed-by  = "terraform"
  })

  # Globally unique: the project id is part of the name.
  data_bucket_name = "${var.name_prefix}-${var.project_id}-data"

  composer_environment_name = "${var.name_prefix}-composer"
  composer_sa_account_id    = "${var.name_prefix}-composer"
  batch_sa_account_id       = "${var.name_prefix}-batch"

  network_name    = "${var.name_prefix}-vpc"
  subnetwork_name = "${var.name_prefix}-batches"

  # BigQuery ids and custom role ids take underscores, not hyphens.
  bigquery_dataset_id = "${replace(var.name_prefix, "-", "_")}_analytics"
  mentions_table_id   = "mentions" # created by the DAG (dags/drug_mentions_bigquery.py)
  dag_batches_role_id = "${replace(var.name_prefix, "-", "_")}_dag_batches"

  dag_id = "drug_mentions" # dags/drug_mentions.py

  # Service agent of Cloud Composer, created when composer.googleapis.com is enabled.
  composer_service_agent = "serviceAccount:service-${data.google_project.this.number}@cloudcomposer-accounts.iam.gserviceaccount.com"

  alerts_enabled = var.alert_email != ""

  # Everything the DAG needs, so it runs with no manual Airflow Variables / Connections.
  dag_env_variables = {
    DRUG_MENTIONS_PROJECT_ID            = var.project_id
    DRUG_MENTIONS_REGION                = var.region
    DRUG_MENTIONS_DATA_BUCKET           = google_storage_bucket.data.name
    DRUG_MENTIONS_BATCH_SERVICE_ACCOUNT = google_service_account.batch.email
    DRUG_MENTIONS_SUBNETWORK            = google_compute_subnetwork.batches.id
    DRUG_MENTIONS_CODE_VERSION          = var.code_version
    DRUG_MENTIONS_SCHEDULE              = var.dag_schedule
    DRUG_MENTIONS_BIGQUERY_DATASET      = google_bigquery_dataset.analytics.dataset_id
  }
}

data "google_project" "this" {
  project_id = var.project_id
}
