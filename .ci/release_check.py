"""Guards of the release pipeline (.ci/release.sh, .ci/release-apply.sh), one sub-command each.

    release_check.py version   --tag v0.2.0                  tag == v + drug_mentions.__version__
    release_check.py manifest  --dist dist --tag v0.2.0 --commit SHA   write dist/release.json
    release_check.py preflight --tf-outputs tf.json --dist dist --version 0.2.0
    release_check.py verify    --tf-outputs tf.json --dist dist --dags dags --version 0.2.0
    release_check.py plan      --plan plan.json --version 0.2.0
    release_check.py published --tf-outputs tf.json --version 0.1.0     (before a rollback)

``preflight`` refuses a version whose ``code/<version>/`` already holds other content (versions
are immutable: a re-run of the same release is fine, a different build under the same version is
not). ``verify`` checks, after the upload, that ``code/<version>/`` is exactly ``dist/`` and the
DAG folder holds exactly the local DAG files. ``plan`` reads ``terraform show -json`` of the
release plan and refuses it unless its only change is DRUG_MENTIONS_CODE_VERSION -> version.

Exit codes: 0 ok, 1 check failed, 2 bad usage. One line per finding on stderr.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
PROG = "release_check"
MANIFEST = "release.json"
COMPOSER = "google_composer_environment.this"
CODE_VERSION_PATH = (
    "config",
    0,
    "software_config",
    0,
    "env_variables",
    "DRUG_MENTIONS_CODE_VERSION",
)


class ReleaseCheckError(Exception):
    """A release guard said no; ``str()`` is the one-line reason."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def package_version() -> str:
    sys.path.insert(0, str(REPO / "jobs"))
    from package_artifact import read_version

    return read_version(REPO / "jobs" / "drug_mentions")


def check_tag(tag: str) -> str:
    version = package_version()
    if tag != f"v{version}":
        raise ReleaseCheckError(
            f"tag {tag!r} does not match the package version {version!r} "
            f"(jobs/drug_mentions/__init__.py): tag v{version}, or bump __version__ first",
            2,
        )
    return version


def local_files(root: Path) -> dict[str, Path]:
    """Files under ``root`` by relative name, as drug-mentions-gcs deploy uploads them."""
    from gcs_cli.transfer import local_files as deployable

    return {p.relative_to(root).as_posix(): p for p in deployable(root)}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_manifest(dist: Path, tag: str, commit: str) -> Path:
    """dist/release.json: what this release is, traceable to its commit (deterministic)."""
    files = {name: sha256(path) for name, path in local_files(dist).items() if name != MANIFEST}
    manifest = {"version": tag.removeprefix("v"), "tag": tag, "commit": commit, "sha256": files}
    target = dist / MANIFEST
    target.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return target


def locations(tf_outputs: Path, version: str) -> tuple[str, str, str, str]:
    """(data bucket, code prefix, DAG bucket, DAG prefix) from `terraform output -json`."""
    from drug_mentions import contract
    from gcs_cli.targets import parse_location, read_tf_outputs

    outputs = read_tf_outputs(tf_outputs)
    dags = parse_location(str(outputs["composer_dag_gcs_prefix"]))
    code_prefix = f"{contract.CODE_PREFIX}/{version}/"
    return str(outputs["data_bucket_name"]), code_prefix, dags.bucket, dags.prefix + "/"


def remote_objects(bucket: str, prefix: str) -> dict[str, Any]:
    from gcs_cli.client import make_client
    from gcs_cli.transfer import list_objects

    found = list_objects(make_client(), bucket, prefix)
    return {name.removeprefix(prefix): blob for name, blob in found.items()}


def differences(local: dict[str, Path], remote: dict[str, Any], exact: bool) -> list[str]:
    from gcs_cli.checksums import same_content

    problems = [
        f"{name}: differs from the local file"
        for name, blob in sorted(remote.items())
        if name in local and not same_content(local[name], blob)
    ]
    problems += [f"{name}: not in the local build" for name in sorted(set(remote) - set(local))]
    if exact:
        problems += [f"{name}: missing" for name in sorted(set(local) - set(remote))]
    return problems


def preflight(tf_outputs: Path, dist: Path, version: str) -> str:
    bucket, prefix, _, _ = locations(tf_outputs, version)
    problems = differences(local_files(dist), remote_objects(bucket, prefix), exact=False)
    if problems:
        raise ReleaseCheckError(
            f"gs://{bucket}/{prefix} already holds a different release ({problems[0]}"
            f"{f', and {len(problems) - 1} more' if len(problems) > 1 else ''}); "
            "a published version is immutable: bump __version__ and tag again"
        )
    return f"preflight: gs://{bucket}/{prefix} is free for this build"


def verify(tf_outputs: Path, dist: Path, dags: Path, version: str) -> list[str]:
    bucket, prefix, dag_bucket, dag_prefix = locations(tf_outputs, version)
    local = local_files(dist)
    code_problems = differences(local, remote_objects(bucket, prefix), exact=True)
    dag_files = {p.name: p for p in sorted(dags.glob("*.py")) if p.is_file()}
    remote_dags = {
        n: b for n, b in remote_objects(dag_bucket, dag_prefix).items() if n in dag_files
    }
    dag_problems = differences(dag_files, remote_dags, exact=True)
    problems = [f"gs://{bucket}/{prefix}{p}" for p in code_problems]
    problems += [f"gs://{dag_bucket}/{dag_prefix}{p}" for p in dag_problems]
    if problems:
        raise ReleaseCheckError("verify failed: " + "; ".join(problems))
    return [
        f"verified: gs://{bucket}/{prefix} = {dist}/ ({len(local)} files)",
        f"verified: gs://{dag_bucket}/{dag_prefix} has {', '.join(dag_files)}",
    ]


def published(tf_outputs: Path, version: str) -> str:
    """A rollback target must be a complete release: code/<version>/release.json names it."""
    bucket, prefix, _, _ = locations(tf_outputs, version)
    remote = remote_objects(bucket, prefix)
    if MANIFEST not in remote:
        raise ReleaseCheckError(
            f"gs://{bucket}/{prefix}{MANIFEST} not found: {version} was never released"
        )
    manifest = json.loads(remote[MANIFEST].download_as_bytes())
    missing = sorted(set(manifest["sha256"]) - set(remote))
    if manifest["version"] != version or missing:
        raise ReleaseCheckError(f"gs://{bucket}/{prefix} is not a complete release of {version}")
    return f"published: gs://{bucket}/{prefix} (tag {manifest['tag']}, commit {manifest['commit']})"


def leaf_changes(before: Any, after: Any, unknown: Any, path: tuple = ()) -> Iterator[tuple]:
    """Paths whose value differs between ``before`` and ``after`` (values unknown until apply
    count as changes, except where ``before`` already had one: computed attributes)."""
    if unknown is True:
        if before is None:
            yield path
        return
    if isinstance(before, dict) and isinstance(after, dict):
        unknown = unknown if isinstance(unknown, dict) else {}
        for key in sorted(set(before) | set(after)):
            yield from leaf_changes(before.get(key), after.get(key), unknown.get(key), (*path, key))
    elif isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        unknown = unknown if isinstance(unknown, list) else [None] * len(after)
        for i, (b, a, u) in enumerate(zip(before, after, unknown, strict=True)):
            yield from leaf_changes(b, a, u, (*path, i))
    elif before != after:
        yield path


def check_plan(plan: dict, version: str) -> str:
    """The release apply may only move DRUG_MENTIONS_CODE_VERSION to ``version``."""
    problems = []
    changed = False
    for rc in plan.get("resource_changes", []):
        actions = rc["change"]["actions"]
        if actions == ["no-op"] or (rc.get("mode") == "data" and actions == ["read"]):
            continue
        address = rc["address"]
        if address != COMPOSER or actions != ["update"]:
            problems.append(f"{address}: {'/'.join(actions)}")
            continue
        change = rc["change"]
        paths = list(leaf_changes(change["before"], change["after"], change["after_unknown"]))
        others = [p for p in paths if p != CODE_VERSION_PATH]
        problems += [f"{address}: {'.'.join(map(str, p))} changes" for p in others]
        if CODE_VERSION_PATH in paths:
            value: Any = change["after"]
            for key in CODE_VERSION_PATH:
                value = value[key]
            if value != version:
                problems.append(
                    f"{address}: DRUG_MENTIONS_CODE_VERSION -> {value!r}, not {version!r}"
                )
            changed = True
    if problems:
        raise ReleaseCheckError(
            "the release plan changes more than DRUG_MENTIONS_CODE_VERSION (apply the pending "
            "infrastructure changes through a reviewed pull request first): " + "; ".join(problems)
        )
    if not changed:
        return f"plan: Composer already runs {version}: nothing to apply"
    return f"plan: only DRUG_MENTIONS_CODE_VERSION -> {version}"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("version").add_argument("--tag", required=True)
    manifest = sub.add_parser("manifest")
    manifest.add_argument("--dist", type=Path, required=True)
    manifest.add_argument("--tag", required=True)
    manifest.add_argument("--commit", required=True)
    for name in ("preflight", "verify"):
        command = sub.add_parser(name)
        command.add_argument("--tf-outputs", type=Path, required=True)
        command.add_argument("--dist", type=Path, required=True)
        command.add_argument("--version", required=True)
        if name == "verify":
            command.add_argument("--dags", type=Path, required=True)
    target = sub.add_parser("published")
    target.add_argument("--tf-outputs", type=Path, required=True)
    target.add_argument("--version", required=True)
    plan = sub.add_parser("plan")
    plan.add_argument("--plan", type=Path, required=True)
    plan.add_argument("--version", required=True)
    return parser


def run(args: argparse.Namespace) -> list[str]:
    if args.command == "version":
        return [check_tag(args.tag)]
    if args.command == "manifest":
        return [f"manifest: {write_manifest(args.dist, args.tag, args.commit)}"]
    if args.command == "preflight":
        return [preflight(args.tf_outputs, args.dist, args.version)]
    if args.command == "verify":
        return verify(args.tf_outputs, args.dist, args.dags, args.version)
    if args.command == "published":
        return [published(args.tf_outputs, args.version)]
    plan = json.loads(args.plan.read_text(encoding="utf-8"))
    return [check_plan(plan, args.version)]


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        lines = run(args)
    except ReleaseCheckError as failed:
        print(f"{PROG}: error: {failed}", file=sys.stderr)
        return failed.code
    except Exception as exc:  # GCS / file errors: the CLI's one-line descriptions
        from gcs_cli.errors import describe

        print(f"{PROG}: error: {describe(exc)}", file=sys.stderr)
        return 1
    for line in lines:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
