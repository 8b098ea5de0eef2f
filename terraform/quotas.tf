# The Compute Engine quota the batches' budget cap is sized to (conf/dataproc.toml, [quota]):
# Serverless for Apache Spark batches consume CPUS and DISKS_TOTAL_GB in their region (standard
# compute and disk tiers; "Serverless for Apache Spark quotas"), and CPUS_ALL_REGIONS project-wide.
# A new project often has 24 CPUS per region: quota, not spark.dynamicAllocation.maxExecutors,
# then decides how far a batch scales. Off by default (request_batch_quota): Google may grant less,
# or ask for a review; `terraform apply` only files the preference (docs/scaling.md, "Quota").
# Cloud Quotas cannot delete a preference: removing it from Terraform leaves the granted quota.

# Three resources rather than one for_each: the global preference has no region dimension, and a
# conditional over objects of different shapes is not a valid Terraform expression.
locals {
  batch_quota_count         = var.request_batch_quota ? 1 : 0
  batch_quota_justification = "drug-mentions: one Serverless for Apache Spark batch at its budget cap (conf/dataproc.toml [quota])"
}

resource "google_cloud_quotas_quota_preference" "cpus_region" {
  count = local.batch_quota_count

  parent        = "projects/${var.project_id}"
  name          = "compute_googleapis_com-CPUS-per-project_${var.region}"
  service       = "compute.googleapis.com"
  quota_id      = "CPUS-per-project-region"
  dimensions    = { region = var.region }
  contact_email = var.quota_contact_email
  justification = local.batch_quota_justification

  quota_config {
    preferred_value = var.batch_quota.cpus
  }

  lifecycle {
    precondition {
      condition     = var.quota_contact_email != ""
      error_message = "request_batch_quota needs quota_contact_email: Google requires a contact for a quota increase."
    }
  }

  depends_on = [google_project_service.enabled]
}

resource "google_cloud_quotas_quota_preference" "cpus_all_regions" {
  count = local.batch_quota_count

  parent        = "projects/${var.project_id}"
  name          = "compute_googleapis_com-CPUS-ALL-REGIONS-per-project"
  service       = "compute.googleapis.com"
  quota_id      = "CPUS-ALL-REGIONS-per-project"
  contact_email = var.quota_contact_email
  justification = local.batch_quota_justification

  quota_config {
    preferred_value = var.batch_quota.cpus
  }

  lifecycle {
    precondition {
      condition     = var.quota_contact_email != ""
      error_message = "request_batch_quota needs quota_contact_email: Google requires a contact for a quota increase."
    }
  }

  depends_on = [google_project_service.enabled]
}

resource "google_cloud_quotas_quota_preference" "disks_region" {
  count = local.batch_quota_count

  parent        = "projects/${var.project_id}"
  name          = "compute_googleapis_com-DISKS-TOTAL-GB-per-project_${var.region}"
  service       = "compute.googleapis.com"
  quota_id      = "DISKS-TOTAL-GB-per-project-region"
  dimensions    = { region = var.region }
  contact_email = var.quota_contact_email
  justification = local.batch_quota_justification

  quota_config {
    preferred_value = var.batch_quota.disks_total_gb
  }

  lifecycle {
    precondition {
      condition     = var.quota_contact_email != ""
      error_message = "request_batch_quota needs quota_contact_email: Google requires a contact for a quota increase."
    }
  }

  depends_on = [google_project_service.enabled]
}
