"""Trivial reference for small inputs: read the input files and count their rows.

    spark-submit --properties-file conf/spark-local.conf benchmarks/count_rows.py \
        --input data --output benchmarks/work/out/count-sample

Same discovery (header peeks) and readers as the pipeline, then one ``count()`` per source:
what any Spark job on these files pays (JVM and session start, listing, first queries)
before doing anything useful. On the sample data the pipeline is compared with this, not
with the scan floor. Writes ``timing.json`` (seconds inside the job, rows counted).
"""

from __future__ import annotations

import argparse
import sys
import time

from drug_mentions import contract, discover, extract
from job_timing import write_timing
from pyspark.sql import SparkSession


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="read the input files, count their rows")
    parser.add_argument("--input", required=True)
    parser.add_argument("--output", required=True)
    args = parser.parse_args(argv)
    spark = SparkSession.builder.appName("bench-count-rows").getOrCreate()
    started = time.time()
    inputs = discover.discover(spark, args.input, "auto")
    drugs = extract.read_csv(spark, contract.DRUGS_CSV, inputs.drugs).count()
    publications = extract.read_publications(spark, inputs).count()
    write_timing(args.output, started, rows=drugs + publications)
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
