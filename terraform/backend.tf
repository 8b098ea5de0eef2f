# Team state in Cloud Storage (the bucket comes from terraform/bootstrap/, versioned, with
# locking). The bucket name is per project, so it is given at init (partial configuration):
#
#   terraform init -backend-config="bucket=$(terraform -chdir=bootstrap output -raw state_bucket)"
#
# Offline checks (fmt, `terraform init -backend=false && terraform validate`) need no bucket.
terraform {
  backend "gcs" {
    prefix = "drug-mentions"
  }
}
