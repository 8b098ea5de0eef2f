"""The three sub-commands: deploy, fetch, ls-runs. Each prints its result lines on stdout."""

from __future__ import annotations

import argparse
import json
import logging
from dataclasses import dataclass
from pathlib import Path

import drug_mentions
from drug_mentions import contract
from google.cloud import storage

from gcs_cli import runs, transfer
from gcs_cli.errors import EXIT_OK, EXIT_USAGE, CliError, ImmutableReleaseError
from gcs_cli.targets import Location, read_tf_outputs, resolve

log = logging.getLogger(__name__)

# Name of conf/dataproc.toml in the Composer DAG folder, where the DAG reads its Spark properties
# (dags/drug_mentions_batches.SIZING_FILE; tests/dags checks they are equal).
DAG_SIZING_NAME = "drug_mentions_dataproc.toml"
# What of --dags goes to the DAG folder: the DAG, the modules it imports, and .airflowignore.
AIRFLOW_IGNORE = ".airflowignore"


@dataclass(frozen=True)
class Target:
    label: str
    location: Location
    files: list[tuple[Path, str]]  # (local file, object name)


def _data_bucket(args: argparse.Namespace) -> str:
    tf = read_tf_outputs(Path(args.tf_outputs)) if args.tf_outputs else None
    location = resolve(args.data_bucket, tf, "data_bucket_name", "--data-bucket")
    if location.prefix:
        raise CliError("--data-bucket takes a bucket name, not a path", EXIT_USAGE)
    return location.bucket


def _files_under(root: Path, location: Location) -> list[tuple[Path, str]]:
    return [(p, location.name(p.relative_to(root).as_posix())) for p in transfer.local_files(root)]


def _deploy_targets(args: argparse.Namespace) -> list[Target]:
    tf = read_tf_outputs(Path(args.tf_outputs)) if args.tf_outputs else None
    bucket = _data_bucket(args)
    dags_location = resolve(args.dags_prefix, tf, "composer_dag_gcs_prefix", "--dags-prefix")
    version = args.code_version or drug_mentions.__version__
    dist, dags, data = Path(args.dist), Path(args.dags), Path(args.data)

    artifact = dist / f"drug_mentions-{version}.zip"
    if not artifact.is_file():
        raise CliError(f"{artifact} not found: run `make package` first", EXIT_USAGE)
    dag_files = sorted(p for p in dags.glob("*.py") if p.is_file())
    if not dag_files:
        raise CliError(f"no DAG file (*.py) in {dags}/", EXIT_USAGE)
    if (dags / AIRFLOW_IGNORE).is_file():
        dag_files.append(dags / AIRFLOW_IGNORE)
    sizing = Path(args.batch_conf)
    if not sizing.is_file():
        raise CliError(
            f"{sizing} not found: the DAG reads its Spark properties from it", EXIT_USAGE
        )

    code = Location(bucket, f"{contract.CODE_PREFIX}/{version}")
    targets = [Target("code", code, _files_under(dist, code))]
    if args.with_data:
        if not data.is_dir():
            raise CliError(f"--with-data: {data}/ not found", EXIT_USAGE)
        inputs = Location(bucket, contract.INPUT_PREFIX)
        targets.append(Target("input", inputs, _files_under(data, inputs)))
    # DAGs last: Composer may schedule a DAG as soon as it appears; its code must be there.
    dag_pairs = [(p, dags_location.name(p.name)) for p in dag_files]
    dag_pairs.append((sizing, dags_location.name(DAG_SIZING_NAME)))
    targets.append(Target("dags", dags_location, dag_pairs))
    return targets


def _refuse_changing_a_release(target: Target, plan: transfer.Plan, force: bool) -> None:
    """A released code/<version>/ object is never replaced by other bytes unless --force.

    A batch reads pipeline.py, the package zip and conf/gcp.toml of its version when it starts:
    rewriting them one by one while batches may run mixes two builds. Identical files are
    skipped anyway; new files (e.g. after an interrupted deploy) are allowed.
    """
    changed = [t.name for t in plan.transfers if t.reason == "changed"]
    if target.label != "code" or not changed or force:
        return
    more = f" (and {len(changed) - 1} more)" if len(changed) > 1 else ""
    raise ImmutableReleaseError(
        f"gs://{plan.bucket}/{changed[0]}{more} already exists with other content: a released "
        "version is immutable; bump the version, or pass --force to overwrite it"
    )


def deploy(args: argparse.Namespace, client: storage.Client) -> int:
    targets = _deploy_targets(args)
    # Plan everything first: a missing bucket or a bad listing fails before any write.
    plans = [
        transfer.plan_uploads(client, t.location.bucket, t.location.name(""), t.files)
        for t in targets
    ]
    for target, plan in zip(targets, plans, strict=True):
        _refuse_changing_a_release(target, plan, args.force)
    for target, plan in zip(targets, plans, strict=True):
        if args.dry_run:
            for t in plan.transfers:
                print(f"would upload {t.local} -> gs://{plan.bucket}/{t.name} ({t.reason})")
            print(
                f"{target.label}: would upload {len(plan.transfers)}, "
                f"{plan.unchanged} unchanged -> {target.location.uri}"
            )
            continue
        uploaded = transfer.upload(client, plan, args.progress)
        print(
            f"{target.label}: {uploaded} uploaded, {plan.unchanged} unchanged "
            f"-> {target.location.uri}"
        )
    return EXIT_OK


def fetch(args: argparse.Namespace, client: storage.Client) -> int:
    bucket = _data_bucket(args)
    run_id = runs.check_run_id(args.run) if args.run else None
    run = runs.pick_run(
        runs.list_runs(client, bucket, with_reports=False), bucket, run_id, args.allow_incomplete
    )
    prefix = runs.run_prefix(run.run_id)
    # The graph and the page that shows it (a run may turn either off), and maybe mentions/.
    wanted = [prefix + contract.OUTPUT_JSON, prefix + contract.REPORT_HTML]
    found = {
        n: b for name in wanted for n, b in transfer.list_objects(client, bucket, name).items()
    }
    blobs = [found[name] for name in wanted if name in found]
    if args.with_mentions:
        mentions = transfer.list_objects(client, bucket, f"{prefix}{contract.MENTIONS_DIR}/")
        blobs += [b for name, b in sorted(mentions.items()) if not name.endswith("/")]
    if not blobs:
        raise CliError(
            f"run {run.run_id} has no {contract.OUTPUT_JSON} nor {contract.REPORT_HTML} "
            f"in gs://{bucket}/{prefix}"
        )

    dest = Path(args.dest) if args.dest else Path("fetched") / run.run_id
    plan = transfer.plan_downloads(blobs, dest, prefix)
    if args.dry_run:
        for t in plan.transfers:
            print(f"would download gs://{bucket}/{t.name} -> {t.local} ({t.reason})")
        print(
            f"run {run.run_id}: would download {len(plan.transfers)}, "
            f"{plan.unchanged} unchanged -> {dest}/"
        )
        return EXIT_OK
    downloaded = transfer.download(plan, args.progress)
    print(f"run {run.run_id}: {downloaded} downloaded, {plan.unchanged} unchanged -> {dest}/")
    return EXIT_OK


def ls_runs(args: argparse.Namespace, client: storage.Client) -> int:
    bucket = _data_bucket(args)
    found = runs.list_runs(client, bucket)
    if args.json:
        rows = [
            {
                "run_id": r.run_id,
                "status": r.status,
                "uri": f"gs://{bucket}/{runs.run_prefix(r.run_id)}",
                "report": r.report,
            }
            for r in found
        ]
        print(json.dumps(rows, indent=2, sort_keys=True))
        return EXIT_OK
    if not found:
        print(f"no runs under gs://{bucket}/{contract.RUNS_PREFIX}/")
        return EXIT_OK
    width = max(len(r.run_id) for r in found)
    for r in found:
        counts = runs.summarize(r.report) if r.complete else ""
        print(f"{r.run_id:<{width}}  {r.status:<10}  {counts}".rstrip())
    return EXIT_OK
