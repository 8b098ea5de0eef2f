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
  bigquery_dataset_id         = "${replace(var.name_prefix, "-", "_")}_analytics"
  mentions_table_id           = "mentions" # created by the DAG (dags/drug_mentions_bigquery.py)
  dag_batches_role_id         = "${replace(var.name_prefix, "-", "_")}_dag_batches"
  connection_delegate_role_id = "${replace(var.name_prefix, "-", "_")}_biglake_creator"
  bucket_metadata_role_id     = "${replace(var.name_prefix, "-", "_")}_bucket_metadata"
  bigquery_connection_id      = "${var.name_prefix}-runs"
  # As the DAG's CREATE EXTERNAL TABLE ... WITH CONNECTION names it: project.location.connection_id.
  bigquery_connection_ref = "${var.project_id}.${var.region}.${local.bigquery_connection_id}"

  # Data-bucket layout (jobs/drug_mentions/contract.py, bucket-layout section; tests/terraform
  # checks they are equal) and the IAM Conditions on it: an object name under the prefix, or a
  # listing whose prefix starts with it.
  input_prefix = "input"
  code_prefix  = "code"
  runs_prefix  = "runs"
  state_prefix = "state"
  run_report   = "run_report.json"
  data_objects = "projects/_/buckets/${google_storage_bucket.data.name}/objects/"
  runs_objects = "${local.data_objects}${local.runs_prefix}/"
  list_prefix  = "api.getAttribute(\"storage.googleapis.com/objectListPrefix\", \"\")"
  # No trailing slash: the GCS connector also stats the object "input" for gs://B/input.
  object_conditions = {
    input = "resource.name.startsWith(\"${local.data_objects}${local.input_prefix}\") || ${local.list_prefix}.startsWith(\"${local.input_prefix}\")"
    code  = "resource.name.startsWith(\"${local.data_objects}${local.code_prefix}\") || ${local.list_prefix}.startsWith(\"${local.code_prefix}\")"
    runs  = "resource.name.startsWith(\"${local.data_objects}${local.runs_prefix}\") || ${local.list_prefix}.startsWith(\"${local.runs_prefix}\")"
    state = "resource.name.startsWith(\"${local.data_objects}${local.state_prefix}\") || ${local.list_prefix}.startsWith(\"${local.state_prefix}\")"
  }

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
    DRUG_MENTIONS_BIGQUERY_CONNECTION   = local.bigquery_connection_ref
  }
}

data "google_project" "this" {
  project_id = var.project_id
}
