#!/usr/bin/env bash
# `terraform plan` of a pull request (.github/workflows/terraform-plan.yml), with the read-only
# planner identity: no state lock (-lock=false), the deployed code version kept as it is (the
# release workflow owns it), the plan in the job summary. Needs Google Cloud: not run offline.
#
# Inputs (environment): TF_STATE_BUCKET, TF_VAR_FILE (relative to terraform/).
set -euo pipefail
cd "$(dirname "$0")/.."

: "${TF_STATE_BUCKET:?TF_STATE_BUCKET is required}"
: "${TF_VAR_FILE:?TF_VAR_FILE (e.g. environments/prod.tfvars) is required}"
export TF_IN_AUTOMATION=1
summary="${GITHUB_STEP_SUMMARY:-/dev/null}"
max_summary_chars=60000 # the job summary holds 1 MiB; keep the plan readable
plan_txt=$(mktemp)
trap 'rm -f "$plan_txt"' EXIT

terraform -chdir=terraform init -input=false -lockfile=readonly -backend-config="bucket=${TF_STATE_BUCKET}"
plan_args=(-input=false -lock=false -no-color -var-file="${TF_VAR_FILE}")
current=$(terraform -chdir=terraform output -raw code_version 2>/dev/null || true)
if [[ -n "$current" ]]; then
    plan_args+=(-var "code_version=${current}")
fi

set +e
terraform -chdir=terraform plan "${plan_args[@]}" > "$plan_txt" 2>&1
status=$?
set -e
cat "$plan_txt"
{
    echo "### terraform plan ($([[ $status -eq 0 ]] && echo ok || echo "failed, exit $status"))"
    echo
    echo "Code version kept: \`${current:-from ${TF_VAR_FILE}}\`; state not locked (read-only planner)."
    echo
    echo '```'
    head -c "$max_summary_chars" "$plan_txt"
    if [[ $(wc -c < "$plan_txt") -gt $max_summary_chars ]]; then
        echo
        echo "... (cut: the whole plan is in the job log)"
    fi
    echo '```'
} >> "$summary"
exit "$status"
