# The Terraform state bucket of the main stack (../backend.tf). Created once, before the first
# `terraform init` of the main stack; its own state is local and tiny (one bucket and one API):
# if that file is lost, `terraform import google_storage_bucket.state <name>` restores it.

locals {
  state_bucket_name = "${var.name_prefix}-${var.project_id}-tfstate"
  labels = merge(var.labels, {
    app        = "drug-mentions"
    managed-by = "terraform"
    purpose    = "terraform-state"
  })
}

resource "google_project_service" "storage" {
  project            = var.project_id
  service            = "storage.googleapis.com"
  disable_on_destroy = false
}

resource "google_storage_bucket" "state" {
  #checkov:skip=CKV_GCP_62:State reads and writes are audited with Cloud Audit Logs (Data Access logs for GCS); legacy usage logs would need a second bucket
  name     = local.state_bucket_name
  project  = var.project_id
  location = upper(var.region)
  labels   = local.labels

  storage_class               = "STANDARD"
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = false

  # Every state write is a new generation: a bad apply or a corrupted state can be rolled back
  # (`gcloud storage cp gs://<bucket>/drug-mentions/default.tfstate#<generation> ...`).
  versioning {
    enabled = true
  }

  # Keep the last state_versions_kept noncurrent versions at least, older ones for
  # state_noncurrent_days days.
  lifecycle_rule {
    condition {
      num_newer_versions         = var.state_versions_kept
      days_since_noncurrent_time = var.state_noncurrent_days
      with_state                 = "ARCHIVED"
    }
    action {
      type = "Delete"
    }
  }

  lifecycle {
    prevent_destroy = true
  }

  depends_on = [google_project_service.storage]
}
