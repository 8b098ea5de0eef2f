#!/usr/bin/env bash
# Offline Terraform checks, run from the repo root by `make test` after pytest:
#   1. `terraform fmt -check -recursive terraform` (skipped, visibly, when terraform is absent);
#   2. checkov static scan with zero failed checks (every skip is justified inline in the .tf).
# checkov lives in its own venv (.venv-checkov/): its bc-python-hcl2 fork breaks python-hcl2,
# which the pytest suite needs in .venv/. It is (re)installed only when the pin below changes.
set -euo pipefail
cd "$(dirname "$0")/.."

TF_DIR=terraform
CHECKOV_VERSION="3.2.533"
CHECKOV_VENV=.venv-checkov
CHECKOV_STAMP="$CHECKOV_VENV/.stamp-checkov-$CHECKOV_VERSION"
PYTHON="${PYTHON:-python3}"

echo "== terraform fmt"
if command -v terraform >/dev/null 2>&1; then
    # No CLI config is needed for fmt; avoid the "Unable to open CLI configuration" warning.
    tf_cli_config="${TF_CLI_CONFIG_FILE:-${HOME:-/nonexistent}/.terraformrc}"
    if [[ ! -f "$tf_cli_config" ]]; then
        export TF_CLI_CONFIG_FILE=/dev/null
    fi
    terraform fmt -check -recursive -diff "$TF_DIR"
    echo "OK: terraform fmt clean"
else
    echo "SKIP: terraform not installed (fmt check not run)"
fi

echo "== checkov $CHECKOV_VERSION"
if [[ ! -f "$CHECKOV_STAMP" ]]; then
    echo "installing checkov==$CHECKOV_VERSION into $CHECKOV_VENV/ (once, ~1 min)"
    rm -rf "$CHECKOV_VENV"
    "$PYTHON" -m venv "$CHECKOV_VENV"
    "$CHECKOV_VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
        "checkov==$CHECKOV_VERSION"
    touch "$CHECKOV_STAMP"
fi

# --skip-download: no Bridgecrew/Prisma platform calls (offline); exit code 1 on any failed check.
"$CHECKOV_VENV/bin/checkov" -d "$TF_DIR" --framework terraform --skip-download --quiet --compact
echo "OK: checkov found no failed checks"
