"""Ad-hoc queries on the drug-mention graph a pipeline run published.

Run locally (from the repository root, after `make run`)::

    .venv/bin/spark-submit jobs/adhoc.py                       # journal(s) with most drugs
    .venv/bin/spark-submit jobs/adhoc.py --top 3 --json        # the 3 best, ties included
    .venv/bin/spark-submit jobs/adhoc.py --related-drug tetracycline --json

On Dataproc Serverless (the DAG does this), reading the run's Parquet edges::

    adhoc.py --mentions gs://BUCKET/runs/RUN_ID/mentions --json \
        --out gs://BUCKET/runs/RUN_ID/adhoc/top_journals.json \
        --conf gs://BUCKET/code/VERSION/conf/gcp.toml

The result is the only thing on stdout (a table, or one JSON line with --json); logs and errors
go to stderr. Exit codes: 0 success, 2 bad input (missing or malformed graph, unknown drug, bad
settings; one line on stderr), 1 unexpected failure. Steps: drug_mentions.adhoc and .queries.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from drug_mentions import __version__, adhoc, config, launcher
from pyspark.sql import SparkSession

DEFAULT_CONF = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "conf", "local.toml")
USE_CONF_MENTIONS = "<conf>"


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="spark-submit jobs/adhoc.py",
        description=(
            "Query the drug-mention graph. Default: the journal(s) mentioning the most distinct "
            "drugs (PubMed and clinical trials), every tied journal, sorted by name."
        ),
        epilog="Exit codes: 0 ok, 2 bad input (one line on stderr), 1 unexpected failure.",
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--graph", help="a run's output.json, local or gs:// (default: conf)")
    source.add_argument(
        "--mentions",
        nargs="?",
        const=USE_CONF_MENTIONS,
        metavar="PATH",
        help="read the Parquet mentions/ folder, not output.json (default PATH: from the conf)",
    )
    parser.add_argument("--conf", help="settings (TOML, local or gs://); default conf/local.toml")
    ask = parser.add_mutually_exclusive_group()
    ask.add_argument("--related-drug", metavar="NAME", help="drugs with a PubMed journal in common")
    ask.add_argument(
        "--top",
        type=positive_int,
        metavar="K",
        help="the K journals with the most distinct drugs and their counts, ties at the cut kept",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    parser.add_argument("--out", help="also write the JSON result to this file (local or gs://)")
    parser.add_argument("--version", action="version", version=f"drug_mentions {__version__}")
    return parser


def job(spark: SparkSession, args: argparse.Namespace) -> None:
    mentions = None if args.mentions == USE_CONF_MENTIONS else args.mentions
    settings = config.load_settings(
        spark, args.conf, DEFAULT_CONF, graph=args.graph, mentions=mentions
    )
    query = adhoc.Query(args.related_drug, args.top)
    result = adhoc.run(
        spark, settings, query, from_mentions=args.mentions is not None, out=args.out
    )
    print(json.dumps(result, ensure_ascii=False) if args.json else adhoc.as_table(result))


def main(argv: list[str] | None = None) -> int:
    return launcher.launch("drug-mentions-adhoc", parser(), argv, job)


if __name__ == "__main__":
    sys.exit(main())
