"""Scan floor: read the inputs with the pipeline's own readers and write them as Parquet.

    spark-submit --properties-file conf/spark-local.conf benchmarks/scan_floor.py \
        --input benchmarks/work/data-1m-10k --output benchmarks/work/out/floor

Same discovery (header peeks) and readers as the pipeline (``jobs/drug_mentions/discover.py``,
``extract.py``): CSV with ``multiLine`` and an explicit schema, JSON Lines as text +
``from_json``. No cleaning, merging or matching: the time it takes is the floor any full
pipeline run on these files pays. Writes ``timing.json`` (seconds inside the job, rows
written) beside the Parquet folders.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from drug_mentions import contract, discover, extract
from job_timing import write_timing
from pyspark.sql import SparkSession


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="read the inputs, write them as Parquet")
    parser.add_argument("--input", required=True)
    parser.add_argument("--output", required=True)
    parser.add_argument("--json-format", default="auto", choices=("auto", "lines", "array"))
    args = parser.parse_args(argv)
    spark = SparkSession.builder.appName("bench-scan-floor").getOrCreate()
    started = time.time()
    inputs = discover.discover(spark, args.input, args.json_format)
    drugs = extract.read_csv(spark, contract.DRUGS_CSV, inputs.drugs)
    publications = extract.read_publications(spark, inputs)
    drugs.write.mode("overwrite").parquet(os.path.join(args.output, "drugs"))
    publications.write.mode("overwrite").parquet(os.path.join(args.output, "publications"))
    write_timing(args.output, started)
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
