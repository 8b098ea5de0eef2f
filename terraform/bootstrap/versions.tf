# One-time bootstrap, applied by a person with local state: the bucket that holds the main
# stack's state. Same pins as ../versions.tf.
terraform {
  required_version = ">= 1.5.0"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = "~> 7.0"
    }
  }
}

# Credentials: Application Default Credentials of the person bootstrapping. Never a key file.
provider "google" {
  project = var.project_id
  region  = var.region
}
