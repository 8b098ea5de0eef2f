output "state_bucket" {
  description = "Name of the Terraform state bucket: `terraform init -backend-config=bucket=<this>` in terraform/, variable tf_state_bucket, repository variable TF_STATE_BUCKET."
  value       = google_storage_bucket.state.name
}
