# Analysts' dataset. Its contents follow the pipeline runs, so the DAG owns them: after each
# successful run, its publish_mentions_table task replaces the external table `mentions` (that
# run's runs/<run_id>/mentions/source=pubmed|clinical_trials/*.parquet, hive-partitioned on
# `source`) and the view `top_journals` (dags/drug_mentions_bigquery.py). BigQuery reads the
# Parquet schema when the table is created, so there is nothing to create before a run exists.

resource "google_bigquery_dataset" "analytics" {
  #checkov:skip=CKV_GCP_81:Holds only an external table and a view; the data stays in the GCS bucket (Google-managed encryption), so a dataset CMEK would protect nothing
  project     = var.project_id
  dataset_id  = local.bigquery_dataset_id
  description = "drug-mentions: external tables over the pipeline outputs in gs://${local.data_bucket_name}"
  # External tables over a regional bucket must live in the same location.
  location                   = var.region
  labels                     = local.labels
  delete_contents_on_destroy = false

  depends_on = [google_project_service.enabled]
}
