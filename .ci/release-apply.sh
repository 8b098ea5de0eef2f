#!/usr/bin/env bash
# Point Composer at a released version (job `apply` of .github/workflows/release.yml, in the
# protected GitHub environment; also a rollback to an older version): plan with -refresh=false, refuse any plan that changes more
# than DRUG_MENTIONS_CODE_VERSION (.ci/release_check.py plan), apply exactly that plan.
#
# Inputs (environment): RELEASE_TAG (v0.2.0), TF_STATE_BUCKET, TF_VAR_FILE (relative to
# terraform/, e.g. environments/prod.tfvars). Credentials: Workload Identity Federation (applier
# service account). Needs Google Cloud: not run by the offline tests (the plan check is).
set -euo pipefail
cd "$(dirname "$0")/.."

: "${RELEASE_TAG:?RELEASE_TAG (e.g. v0.2.0) is required}"
: "${TF_STATE_BUCKET:?TF_STATE_BUCKET is required}"
: "${TF_VAR_FILE:?TF_VAR_FILE (e.g. environments/prod.tfvars) is required}"
if [[ ! "$RELEASE_TAG" =~ ^v[0-9]+\.[0-9]+\.[0-9]+([.+-][0-9A-Za-z.-]+)?$ ]]; then
    echo "release-apply: error: RELEASE_TAG '$RELEASE_TAG' is not v<version>" >&2
    exit 2
fi
version="${RELEASE_TAG#v}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
plan_file="${work}/release-${version}.tfplan"
export TF_IN_AUTOMATION=1

terraform -chdir=terraform init -input=false -lockfile=readonly -backend-config="bucket=${TF_STATE_BUCKET}"
terraform -chdir=terraform plan -input=false -refresh=false -lock-timeout=10m \
    -var-file="${TF_VAR_FILE}" -var "code_version=${version}" -out="${plan_file}"
terraform -chdir=terraform show -json "${plan_file}" > "${plan_file}.json"
python3 .ci/release_check.py plan --plan "${plan_file}.json" --version "${version}"
terraform -chdir=terraform apply -input=false -lock-timeout=10m "${plan_file}"
