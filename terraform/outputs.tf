output "data_bucket_name" {
  description = "Name of the data bucket (no gs:// prefix): input/, code/<version>/, runs/<run_id>/."
  value       = google_storage_bucket.data.name
}

output "data_bucket_url" {
  description = "gs:// URL of the data bucket."
  value       = google_storage_bucket.data.url
}

output "composer_environment_name" {
  description = "Name of the Cloud Composer 3 environment."
  value       = google_composer_environment.this.name
}

output "composer_dag_gcs_prefix" {
  description = "Cloud Storage prefix (gs://.../dags) the DAG files are copied to."
  value       = google_composer_environment.this.config[0].dag_gcs_prefix
}

output "airflow_uri" {
  description = "URL of the Airflow web UI of the Composer environment."
  value       = google_composer_environment.this.config[0].airflow_uri
}

output "composer_service_account_email" {
  description = "Service account the Composer environment (and so the DAG) runs as."
  value       = google_service_account.composer.email
}

output "batch_service_account_email" {
  description = "Service account the Dataproc batches run as (DRUG_MENTIONS_BATCH_SERVICE_ACCOUNT)."
  value       = google_service_account.batch.email
}

output "subnetwork" {
  description = "Subnetwork of the batches, as projects/P/regions/R/subnetworks/S (DRUG_MENTIONS_SUBNETWORK)."
  value       = google_compute_subnetwork.batches.id
}

output "dag_env_variables" {
  description = "Environment variables set on the Composer environment for the DAG."
  value       = local.dag_env_variables
}

output "bigquery_dataset" {
  description = "BigQuery dataset (project:dataset) holding the BigLake mentions table and the top_journals view (both created by the DAG)."
  value       = "${var.project_id}:${google_bigquery_dataset.analytics.dataset_id}"
}

output "mentions_table" {
  description = "BigLake mentions table (project.dataset.table), created and repointed by the DAG after each successful run that passes the quality gate."
  value       = "${var.project_id}.${google_bigquery_dataset.analytics.dataset_id}.${local.mentions_table_id}"
}

output "bigquery_connection" {
  description = "Cloud Resource connection of the BigLake table, as DDL names it (project.location.connection_id; DRUG_MENTIONS_BIGQUERY_CONNECTION)."
  value       = local.bigquery_connection_ref
}

output "bigquery_connection_service_account" {
  description = "Service account of the BigQuery connection: the only reader of runs/ for BigQuery."
  value       = google_bigquery_connection.runs.cloud_resource[0].service_account_id
}

output "billing_budget" {
  description = "Name of the monthly billing budget (null while billing_account_id is empty)."
  value       = one(google_billing_budget.monthly[*].name)
}

output "alert_policy_names" {
  description = "Names of the failure alert policies (empty while alert_email is empty)."
  value       = concat(google_monitoring_alert_policy.batch_failed[*].name, google_monitoring_alert_policy.dag_run_failed[*].name)
}

# --- Continuous delivery: values for the GitHub repository variables (docs/releasing.md) ---------

output "workload_identity_provider" {
  description = "Full name of the GitHub OIDC provider (repository variable GCP_WORKLOAD_IDENTITY_PROVIDER)."
  value       = google_iam_workload_identity_pool_provider.github.name
}

output "deployer_service_account_email" {
  description = "Service account of the tag workflow's deploy job (repository variable GCP_DEPLOYER_SERVICE_ACCOUNT)."
  value       = google_service_account.deployer.email
}

output "planner_service_account_email" {
  description = "Read-only service account of the pull-request plan (repository variable GCP_PLANNER_SERVICE_ACCOUNT)."
  value       = google_service_account.planner.email
}

output "applier_service_account_email" {
  description = "Service account of the protected release apply job (repository variable GCP_APPLIER_SERVICE_ACCOUNT)."
  value       = google_service_account.applier.email
}

output "code_version" {
  description = "Code version the DAG runs (DRUG_MENTIONS_CODE_VERSION); CI plans keep it with -var code_version=$(terraform output -raw code_version)."
  value       = var.code_version
}
