# APIs the stack needs (tests/terraform/test_terraform.py maps every resource type and every
# Google API the DAG and the batches call to its service, and checks each one is here).
# disable_on_destroy = false: destroying this stack must never switch off an API other workloads
# in the project may use. Enabled once by hand before the first apply (docs/deploying.md):
# serviceusage and cloudresourcemanager, which Terraform needs to enable the others.
locals {
  services = toset([
    "composer.googleapis.com",             # Cloud Composer 3 environment
    "dataproc.googleapis.com",             # Serverless for Apache Spark batches
    "dataprocrm.googleapis.com",           # required by runtime 3.0 ("New dataprocrm.googleapis.com API enablement is required")
    "compute.googleapis.com",              # VPC, subnet, firewall used by the batches; their CPU and disk quota
    "storage.googleapis.com",              # data bucket
    "iam.googleapis.com",                  # service accounts, custom roles and their IAM policies
    "iamcredentials.googleapis.com",       # impersonation (Composer SA -> batch SA; operators' GOOGLE_IMPERSONATE_SERVICE_ACCOUNT)
    "cloudresourcemanager.googleapis.com", # project IAM bindings, project number lookup
    "bigquery.googleapis.com",             # analysts' dataset, BigLake table, the DAG's query jobs
    "bigqueryconnection.googleapis.com",   # the Cloud Resource connection of the BigLake table
    "datalineage.googleapis.com",          # lineage of the batches (spark.dataproc.lineage.enabled) and of Composer
    "logging.googleapis.com",              # Composer / batch logs, log-based alerts
    "monitoring.googleapis.com",           # alert policies and notification channels
    "cloudquotas.googleapis.com",          # quota preferences (request_batch_quota)
    "billingbudgets.googleapis.com",       # the billing budget (billing_account_id), called with this project as quota project
  ])
}

resource "google_project_service" "enabled" {
  for_each = local.services

  project            = var.project_id
  service            = each.value
  disable_on_destroy = false
}
