#!/usr/bin/env bash
# The release steps of the tag workflow (.github/workflows/release.yml, job `deploy`, through
# `make release`), and exactly what tests/gcs_cli/test_release.py runs against fake-gcs-server:
#
#   1. the tag must be v<drug_mentions.__version__>;
#   2. `make package` builds dist/ (reproducible), plus dist/release.json (version, tag, commit,
#      sha256 of every file);
#   3. preflight: gs://<data>/code/<version>/ is empty or holds this very build (a published
#      version is never overwritten: the deployer identity cannot delete, hence not overwrite);
#   4. drug-mentions-gcs deploy of that dist/ to code/<version>/, then the DAG files;
#   5. verify: code/<version>/ is exactly dist/, the DAG folder holds these DAG files.
#
# Inputs (environment): RELEASE_TAG (v0.2.0), TF_OUTPUTS (a `terraform output -json` file),
# optional DIST (default dist), DAGS (default dags), RELEASE_COMMIT (default: the checked-out
# commit, git HEAD). Credentials: Application Default Credentials (in CI: Workload Identity Federation),
# or STORAGE_EMULATOR_HOST in tests. Never a key.
set -euo pipefail
cd "$(dirname "$0")/.."

: "${RELEASE_TAG:?RELEASE_TAG (e.g. v0.2.0) is required}"
: "${TF_OUTPUTS:?TF_OUTPUTS (terraform output -json file) is required}"
DIST="${DIST:-dist}"
DAGS="${DAGS:-dags}"
RELEASE_COMMIT="${RELEASE_COMMIT:-$(git rev-parse HEAD)}"
BIN=.venv/bin

version=$("$BIN/python" .ci/release_check.py version --tag "$RELEASE_TAG")
echo "release $RELEASE_TAG: version $version, commit $RELEASE_COMMIT"

rm -rf "$DIST"
make --no-print-directory package DIST="$DIST" >/dev/null
"$BIN/python" .ci/release_check.py manifest --dist "$DIST" --tag "$RELEASE_TAG" \
    --commit "$RELEASE_COMMIT"

"$BIN/python" .ci/release_check.py preflight --tf-outputs "$TF_OUTPUTS" --dist "$DIST" \
    --version "$version"
"$BIN/drug-mentions-gcs" deploy --tf-outputs "$TF_OUTPUTS" --dist "$DIST" --dags "$DAGS" \
    --code-version "$version" --no-progress
"$BIN/python" .ci/release_check.py verify --tf-outputs "$TF_OUTPUTS" --dist "$DIST" \
    --dags "$DAGS" --version "$version"
