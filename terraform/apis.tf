# APIs the stack needs. disable_on_destroy = false: destroying this stack must never switch off
# an API other workloads in the project may use.
locals {
  services = toset([
    "composer.googleapis.com",             # Cloud Composer 3 environment
    "dataproc.googleapis.com",             # Serverless for Apache Spark batches (runtime 3.0)
    "compute.googleapis.com",              # VPC, subnet, firewall used by the batches
    "storage.googleapis.com",              # data bucket
    "iam.googleapis.com",                  # service accounts and their IAM policies
    "iamcredentials.googleapis.com",       # impersonation (Composer SA -> batch SA; operators' GOOGLE_IMPERSONATE_SERVICE_ACCOUNT)
    "cloudresourcemanager.googleapis.com", # project IAM bindings, project number lookup
    "bigquery.googleapis.com",             # analysts' dataset and external table
    "logging.googleapis.com",              # Composer / batch logs, log-based alerts
    "monitoring.googleapis.com",           # alert policies and notification channels
  ])
}

resource "google_project_service" "enabled" {
  for_each = local.services

  project            = var.project_id
  service            = each.value
  disable_on_destroy = false
}
