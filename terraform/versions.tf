# Terraform and provider pins. .terraform.lock.hcl (committed) records the provider version and
# its checksums; `terraform init` installs exactly that (docs/deploying.md, "Provider lock").
#
# hashicorp/google 7.x: every argument used here is GA in it (Composer 3 `image_version` with a
# `-build.N` suffix, `environment_size`, `workloads_config.triggerer`,
# `software_config.cloud_data_lineage_integration`, subnet `log_config`, `condition_matched_log`,
# `google_bigquery_connection.cloud_resource`, `google_cloud_quotas_quota_preference`,
# `google_billing_budget`). 7.0 made `google_project_service.disable_on_destroy` default to false
# and removed the subnet's `enable_flow_logs` (we use `log_config`). No google-beta needed: the
# Composer 3 beta-only fields (`dag_processor`, `composer_network_attachment`,
# `enable_private_environment`) are deliberately not used.
terraform {
  required_version = ">= 1.5.0"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = "~> 7.0"
    }
  }
}

# Credentials: Application Default Credentials (`gcloud auth application-default login`) or
# impersonation (GOOGLE_IMPERSONATE_SERVICE_ACCOUNT). Never a key file.
provider "google" {
  project = var.project_id
  region  = var.region
}

# Only for the billing budget (budget.tf): the Billing Budgets API needs a quota project when the
# caller uses user credentials ("If you are using User ADCs ... specify a billing_project and set
# user_project_override", google_billing_budget docs). Kept apart so no other call is billed to,
# or needs serviceusage.services.use on, the project.
provider "google" {
  alias                 = "billing"
  project               = var.project_id
  region                = var.region
  billing_project       = var.project_id
  user_project_override = true
}
