"""Ad-hoc queries on the drug-mention graph a pipeline run published.

Run locally (from the repository root, after `make run`)::

    .venv/bin/spark-submit jobs/adhoc.py                       # journal(s) with most drugs
    .venv/bin/spark-submit jobs/adhoc.py --top 3 --json        # the 3 best, ties included
    .venv/bin/spark-submit jobs/adhoc.py --related-drug tetracycline --json

On Dataproc Serverless (the DAG does this), reading the run's Parquet edges::

    adhoc.py --mentions gs://BUCKET/runs/RUN_ID/mentions --json \
        --out gs://BUCKET/runs/RUN_ID/adhoc/top_journals.json \
        --conf gs://BUCKET/code/VERSION/conf/gcp.toml

The result is the only thing written on stdout (a table, or one JSON line with --json). Logs
and errors go to stderr (through the JVM's System.err under spark-submit, which merges the
Python driver's own stderr into stdout). Exit codes: 0 success, 2 bad input (missing or
malformed graph, unknown drug, bad settings; one line on stderr), 1 unexpected failure.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from typing import Any

from drug_mentions import __version__, adhoc, config, console
from drug_mentions.errors import EXIT_INPUT_ERROR, InputError
from drug_mentions.storage import HadoopFS, is_local, local_path
from pyspark.sql import SparkSession

log = logging.getLogger("drug_mentions")

DEFAULT_CONF = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "conf", "local.toml")
USE_CONF_MENTIONS = "<conf>"


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="spark-submit jobs/adhoc.py",
        description=(
            "Query the drug-mention graph. Default: the journal(s) mentioning the most distinct "
            "drugs (PubMed and clinical trials), every tied journal, sorted by name."
        ),
        epilog="Exit codes: 0 ok, 2 bad input (one line on stderr), 1 unexpected failure.",
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--graph", help="the pipeline's output.json, local or gs:// (default from --conf)"
    )
    source.add_argument(
        "--mentions",
        nargs="?",
        const=USE_CONF_MENTIONS,
        metavar="PATH",
        help=(
            "read the Parquet mentions/ folder instead of output.json (scales without the "
            "consolidated JSON); without PATH, the conf's [adhoc] mentions"
        ),
    )
    parser.add_argument(
        "--conf", help="settings file (TOML, local or gs://); default conf/local.toml when present"
    )
    query = parser.add_mutually_exclusive_group()
    query.add_argument(
        "--related-drug",
        metavar="NAME",
        help="drugs sharing a journal with NAME through PubMed mentions (case/space-insensitive)",
    )
    query.add_argument(
        "--top",
        type=positive_int,
        metavar="K",
        help="the K journals with the most distinct drugs and their counts, ties at the cut kept",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    parser.add_argument("--out", help="also write the JSON result to this file (local or gs://)")
    parser.add_argument("--version", action="version", version=f"drug_mentions {__version__}")
    return parser.parse_args(argv)


def load_settings(spark: SparkSession, args: argparse.Namespace) -> config.Settings:
    """Defaults < conf file < flags (as jobs/pipeline.py)."""
    mentions = None if args.mentions == USE_CONF_MENTIONS else args.mentions
    return config.load_settings(spark, args.conf, DEFAULT_CONF, graph=args.graph, mentions=mentions)


def load_graph(spark: SparkSession, args: argparse.Namespace) -> adhoc.Graph:
    settings = load_settings(spark, args)
    if args.mentions is not None:
        log.info("Reading the Parquet edges of %s", settings.mentions)
        return adhoc.read_mentions(spark, settings.mentions)
    log.info("Reading the graph %s", settings.graph)
    return adhoc.read_graph(spark, settings.graph)


def query(graph: adhoc.Graph, args: argparse.Namespace) -> dict[str, Any]:
    """Run the requested query; the result as the JSON object --json prints."""
    if args.related_drug is not None:
        drug = adhoc.normalise_drug_name(args.related_drug)
        if not adhoc.has_drug(graph.drugs, drug):
            where = "has no mention in mentions/" if args.mentions else "is not in the graph"
            raise InputError(f"unknown drug {args.related_drug!r}: {drug} {where}")
        rows = adhoc.related_drugs(graph.edges, drug).collect()
        return {"drug": drug, "related_drugs": [row.drug for row in rows]}
    rows = adhoc.top_journals(graph.edges, args.top or 1).collect()
    if args.top is not None:
        return {"top": [{"journal": r.journal, "distinct_drugs": r.distinct_drugs} for r in rows]}
    return {
        "distinct_drugs": rows[0].distinct_drugs if rows else 0,
        "journals": [row.journal for row in rows],
    }


def as_table(result: dict[str, Any]) -> str:
    """The result for a reader of the terminal."""
    if "related_drugs" in result:
        lines = [f"Drugs sharing a journal with {result['drug']} (PubMed mentions):"]
        lines += [f"  {drug}" for drug in result["related_drugs"]] or ["  (none)"]
    elif "top" in result:
        lines = ["distinct_drugs  journal"]
        lines += [f"{row['distinct_drugs']:>14}  {row['journal']}" for row in result["top"]]
    else:
        lines = [f"Journal(s) mentioning the most distinct drugs ({result['distinct_drugs']}):"]
        lines += [f"  {journal}" for journal in result["journals"]] or ["  (none)"]
    return "\n".join(lines)


def write_result(spark: SparkSession, path: str, text: str) -> None:
    if is_local(path):
        target = local_path(path)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "w", encoding="utf-8") as out:
            out.write(text)
    else:
        HadoopFS(spark, path).write_text(path, text)
    log.info("Result written to %s", path)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    spark = SparkSession.builder.appName("drug-mentions-adhoc").getOrCreate()
    console.quiet_spark(spark)
    stderr = console.stderr_for(spark)  # the real stderr, also under spark-submit
    console.setup_logging(stderr)
    try:
        result = query(load_graph(spark, args), args)
    except InputError as exc:
        print(f"error: {exc}", file=stderr, flush=True)
        return EXIT_INPUT_ERROR
    text = json.dumps(result, ensure_ascii=False)
    if args.out:
        write_result(spark, args.out, text + "\n")
    print(text if args.json else as_table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
