#!/usr/bin/env bash
# Checks of terraform/ and terraform/bootstrap/ that need downloads, so they run on GitHub (job
# `lint` of .github/workflows/terraform-plan.yml) and not in `make test`:
#   1. `terraform init -backend=false -lockfile=readonly`: installs exactly the providers of the
#      committed .terraform.lock.hcl and fails if a package does not match its checksums (or if
#      the lock file would have to change), then `terraform validate` against their schemas;
#   2. TFLint with the Google ruleset (terraform/.tflint.hcl pins the plugin; the workflow pins
#      TFLint). GITHUB_TOKEN (the job's token) avoids GitHub's rate limit when the plugin installs.
set -euo pipefail
cd "$(dirname "$0")/.."
export TF_IN_AUTOMATION=1
config="$PWD/terraform/.tflint.hcl"

for module in terraform terraform/bootstrap; do
    echo "== terraform init + validate: $module"
    terraform -chdir="$module" init -input=false -backend=false -lockfile=readonly
    terraform -chdir="$module" validate -no-color
done

tflint --version
tflint --init --config "$config"
for module in terraform terraform/bootstrap; do
    echo "== tflint: $module"
    tflint --chdir "$module" --config "$config" --format compact
done
