#!/usr/bin/env bash
# Headless Chromium for the browser tests of report.html (tests/test_report_page.py), from the
# system's packages: Debian's `chromium`. Run by `make test` / `make test-fast` before pytest.
# Idempotent and quick: nothing to do (one `--version`) when a Chromium already runs. It installs
# only as root with apt-get (CI's fresh machine); elsewhere, or when the install fails, it says
# so and exits 0, and the browser tests skip with a message naming this script.
set -euo pipefail

found() {
    local name
    for name in chromium chromium-browser google-chrome google-chrome-stable; do
        # Ubuntu's chromium-browser may be a snap stub that fails: ask for its version.
        if command -v "$name" >/dev/null 2>&1 && "$name" --version >/dev/null 2>&1; then
            echo "OK: $("$name" --version 2>/dev/null) ($(command -v "$name"))"
            return 0
        fi
    done
    return 1
}

if found; then
    exit 0
fi
if [[ "$(id -u)" != 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
    echo "SKIP: no Chromium, and no apt-get as root to install Debian's chromium: the browser tests will skip"
    exit 0
fi
echo "== installing Debian's chromium (apt-get, once)"
export DEBIAN_FRONTEND=noninteractive
if apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium >/dev/null; then
    found || echo "SKIP: chromium installed but does not start: the browser tests will skip"
else
    echo "SKIP: apt-get could not install chromium: the browser tests will skip"
fi
