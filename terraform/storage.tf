# The data bucket: input/ (raw exports), code/<version>/ (packaged job), runs/<run_id>/ (outputs).
resource "google_storage_bucket" "data" {
  #checkov:skip=CKV_GCP_62:Access is audited with Cloud Audit Logs (Data Access logs for GCS) instead of legacy usage/storage logs, which would need a second bucket
  name     = local.data_bucket_name
  project  = var.project_id
  location = upper(var.region)
  labels   = local.labels

  storage_class               = "STANDARD"
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = false

  versioning {
    enabled = true
  }

  # Per-run outputs are reproducible from input/ + code/: expire them.
  lifecycle_rule {
    condition {
      age            = var.runs_retention_days
      matches_prefix = ["runs/"]
      with_state     = "LIVE"
    }
    action {
      type = "Delete"
    }
  }

  # Versioning keeps overwritten / deleted objects: bound how long.
  lifecycle_rule {
    condition {
      days_since_noncurrent_time = var.noncurrent_version_retention_days
      with_state                 = "ARCHIVED"
    }
    action {
      type = "Delete"
    }
  }

  lifecycle {
    prevent_destroy = true
  }

  depends_on = [google_project_service.enabled]
}

# runs/ as a managed folder: read access to the run outputs is granted on it (analysts, and the
# Composer SA for BigQuery), so those principals see nothing of code/ or input/.
resource "google_storage_managed_folder" "runs" {
  bucket        = google_storage_bucket.data.name
  name          = "runs/"
  force_destroy = false
}
