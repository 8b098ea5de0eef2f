# Analysts' view of the pipeline output: an external table over one run's mentions Parquet files,
# hive-partitioned on `source` (runs/<run_id>/mentions/source=pubmed|clinical_trials/*.parquet),
# and the saved "top journals" query as a view.

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

resource "google_bigquery_table" "mentions" {
  #checkov:skip=CKV_GCP_80:External table: no data is stored in BigQuery; the Parquet files are in the data bucket
  #checkov:skip=CKV_GCP_121:Metadata only; repointing to a newer run (mentions_run_id) may replace it, and the data is kept by the bucket (prevent_destroy, versioning)
  count = local.mentions_enabled ? 1 : 0

  project     = var.project_id
  dataset_id  = google_bigquery_dataset.analytics.dataset_id
  table_id    = local.mentions_table_id
  description = "Drug mentions of run ${var.mentions_run_id} (columns drug, atccode, id, title, journal, date_mention; partition column source)."
  labels      = local.labels

  deletion_protection = false

  external_data_configuration {
    # Parquet is self-describing: BigQuery takes drug/atccode/id/title/journal (STRING) and
    # date_mention (DATE) from the files written by the pipeline.
    autodetect    = true
    source_format = "PARQUET"
    source_uris   = ["gs://${google_storage_bucket.data.name}/runs/${var.mentions_run_id}/mentions/*"]

    hive_partitioning_options {
      mode                     = "CUSTOM"
      source_uri_prefix        = "gs://${google_storage_bucket.data.name}/runs/${var.mentions_run_id}/mentions/{source:STRING}"
      require_partition_filter = false
    }
  }
}

# The ad-hoc question as a saved view: journal(s) mentioning the most distinct drugs, ties kept.
resource "google_bigquery_table" "top_journals" {
  #checkov:skip=CKV_GCP_80:A view stores no data
  #checkov:skip=CKV_GCP_121:A view is a saved query, recreated from sql/top_journals.sql
  count = local.mentions_enabled ? 1 : 0

  project     = var.project_id
  dataset_id  = google_bigquery_dataset.analytics.dataset_id
  table_id    = "top_journals"
  description = "Journal(s) mentioning the most distinct drugs across PubMed and clinical trials (ties all returned)."
  labels      = local.labels

  deletion_protection = false

  view {
    query          = templatefile("${path.module}/sql/top_journals.sql", { mentions_table = "${var.project_id}.${google_bigquery_dataset.analytics.dataset_id}.${google_bigquery_table.mentions[0].table_id}" })
    use_legacy_sql = false
  }
}
