# Terraform and provider pins.
#
# hashicorp/google 7.x: every argument used here is GA in it (Composer 3 `image_version` with a
# `-build.N` suffix, `environment_size`, `workloads_config.triggerer`, subnet `log_config`,
# `condition_matched_log`). 7.0 made `google_project_service.disable_on_destroy` default to false
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
