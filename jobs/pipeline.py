"""Build the drug-mention graph from the input folder and publish it to the output folder.

Run locally (from the repository root, after `make setup`)::

    .venv/bin/spark-submit jobs/pipeline.py --input data --output output

On Dataproc Serverless (the DAG does this), with the package zip in ``python_file_uris``::

    pipeline.py --input gs://BUCKET/input --output gs://BUCKET/runs/RUN_ID \
        --state gs://BUCKET/state --conf gs://BUCKET/code/VERSION/conf/gcp.toml

Exit codes: 0 success, 2 bad input or configuration (one line on stderr, nothing written),
1 unexpected failure (the previous output is left intact).
"""

from __future__ import annotations

import argparse
import os
import sys

from drug_mentions import __version__, config, contract, incremental, launcher, runner
from drug_mentions.errors import InputError
from pyspark.sql import SparkSession

DEFAULT_CONF = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "conf", "local.toml")


def run_id(text: str) -> str:
    """An argparse type: a run id of the safe pattern (config.RUN_ID_PATTERN)."""
    try:
        return config.check_run_id(text)
    except InputError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="spark-submit jobs/pipeline.py",
        description=(
            "Build the drug-mention graph (which publication and journal mentions which drug, "
            "and when) from drugs*.csv, pubmed*.csv|json and clinical_trials*.csv. Writes "
            f"{contract.OUTPUT_JSON}, {contract.MENTIONS_DIR}/ (Parquet), {contract.REJECTS_DIR}/ "
            f"(JSON Lines), {contract.RUN_REPORT} and the {contract.SUCCESS_MARKER} marker."
        ),
        epilog=(
            "Local outputs are published atomically (written beside, then renamed); on gs:// "
            f"the run folder is complete only once {contract.SUCCESS_MARKER} exists. "
            "Exit codes: 0 ok, 2 bad input (nothing written), 1 unexpected failure."
        ),
    )
    parser.add_argument("--input", help="input folder or gs:// prefix (default from --conf: data)")
    parser.add_argument(
        "--output", help="output folder or gs:// run prefix (default from --conf: output)"
    )
    parser.add_argument(
        "--conf",
        help="settings file (TOML, local or gs://); default conf/local.toml when present",
    )
    parser.add_argument(
        "--run-id",
        type=run_id,
        help=f"run id recorded in the report (default: UTC timestamp); {config.RUN_ID_RULE}",
    )
    parser.add_argument(
        "--json-format",
        choices=config.JSON_FORMATS,
        help="how to read pubmed*.json: auto (peek), lines, array",
    )
    parser.add_argument(
        "--no-output-json",
        dest="write_output_json",
        action="store_const",
        const=False,
        help="skip the consolidated output.json (mentions/ still has every edge)",
    )
    parser.add_argument(
        "--no-report-html",
        dest="report_html",
        action="store_const",
        const=False,
        help=f"skip {contract.REPORT_HTML} (the run at a glance and the drug-journal graph)",
    )
    parser.add_argument(
        "--state",
        help="incremental runs: a folder or gs:// prefix where runs keep what they absorbed; "
        "only publication files the state has not seen are read (default from --conf: none)",
    )
    parser.add_argument(
        "--rebuild",
        action="store_true",
        help="with --state: ignore the existing state and write a new one from every file",
    )
    parser.add_argument("--version", action="version", version=f"drug_mentions {__version__}")
    return parser


def job(spark: SparkSession, args: argparse.Namespace) -> None:
    settings = config.load_settings(
        spark,
        args.conf,
        DEFAULT_CONF,
        input=args.input,
        output=args.output,
        json_format=args.json_format,
        write_output_json=args.write_output_json,
        report_html=args.report_html,
        state=args.state,
    )
    if args.rebuild and not settings.state:
        raise InputError("--rebuild needs a state (--state, or state in the settings file)")
    if settings.state:
        incremental.run(spark, settings, args.run_id or runner.new_run_id(), rebuild=args.rebuild)
    else:
        runner.run(spark, settings, run_id=args.run_id)


def main(argv: list[str] | None = None) -> int:
    return launcher.launch("drug-mentions-pipeline", parser(), argv, job)


if __name__ == "__main__":
    sys.exit(main())
