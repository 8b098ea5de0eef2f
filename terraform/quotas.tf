# The Compute Engine quota the batches' budget cap is sized to (conf/dataproc.toml, [quota]):
# Serverless for Apache Spark batches consume CPUS and DISKS_TOTAL_GB in their region (standard
# compute and disk tiers; "Serverless for Apache Spark quotas"), and CPUS_ALL_REGIONS project-wide.
# A new project often has 24 CPUS per region: quota, not spark.dynamicAllocation.maxExecutors,
# then decides how far a batch scales. Off by default (request_batch_quota): Google may grant less,
# or ask for a review; `terraform apply` only files the preference (docs/scaling.md, "Quota").
# Cloud Quotas cannot delete a preference: removing it from Terraform leaves the granted quota.

locals {
  batch_quota_preferences = {
    cpus_region = {
      quota_id   = "CPUS-per-project-region"
      name       = "compute_googleapis_com-CPUS-per-project_${var.region}"
      value      = var.batch_quota.cpus
      dimensions = { region = var.region }
    }
    cpus_all_regions = {
      quota_id   = "CPUS-ALL-REGIONS-per-project"
      name       = "compute_googleapis_com-CPUS-ALL-REGIONS-per-project"
      value      = var.batch_quota.cpus
      dimensions = {}
    }
    disks_region = {
      quota_id   = "DISKS-TOTAL-GB-per-project-region"
      name       = "compute_googleapis_com-DISKS-TOTAL-GB-per-project_${var.region}"
      value      = var.batch_quota.disks_total_gb
      dimensions = { region = var.region }
    }
  }
}

resource "google_cloud_quotas_quota_preference" "batch" {
  for_each = var.request_batch_quota ? local.batch_quota_preferences : {}

  parent        = "projects/${var.project_id}"
  name          = each.value.name
  service       = "compute.googleapis.com"
  quota_id      = each.value.quota_id
  dimensions    = each.value.dimensions
  contact_email = var.quota_contact_email
  justification = "drug-mentions: one Serverless for Apache Spark batch at its budget cap (conf/dataproc.toml)"

  quota_config {
    preferred_value = each.value.value
  }

  lifecycle {
    precondition {
      condition     = var.quota_contact_email != ""
      error_message = "request_batch_quota needs quota_contact_email: Google requires a contact for a quota increase."
    }
  }

  depends_on = [google_project_service.enabled]
}
