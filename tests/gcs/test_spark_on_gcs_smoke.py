"""Smoke test of the test harness: Spark reads and writes gs:// on fake-gcs-server."""

from __future__ import annotations

import subprocess
import textwrap

import pytest

from .conftest import snapshot
from .spark_gcs import spark_env, spark_submit_command

JOB = textwrap.dedent(
    """
    import sys
    from pyspark.sql import SparkSession, types as T

    source, target = sys.argv[1], sys.argv[2]
    spark = SparkSession.builder.appName("gcs-smoke").getOrCreate()
    schema = T.StructType(
        [T.StructField("atccode", T.StringType()), T.StructField("drug", T.StringType())]
    )
    drugs = spark.read.csv(source, header=True, schema=schema)
    drugs.write.mode("overwrite").partitionBy("atccode").parquet(target)
    back = spark.read.parquet(target)
    print("ROWS", back.count(), sorted(r.drug for r in back.collect()))
    spark.stop()
    """
)


@pytest.mark.spark_submit
def test_spark_reads_and_writes_gs(gcs, gcs_server, bucket, tmp_path):
    gcs.bucket(bucket).blob("input/drugs.csv").upload_from_string(
        "atccode,drug\nA04AD,DIPHENHYDRAMINE\nS03AA,TETRACYCLINE\n"
    )
    job = tmp_path / "smoke.py"
    job.write_text(JOB)

    result = subprocess.run(
        spark_submit_command(
            gcs_server.url, job, f"gs://{bucket}/input/drugs.csv", f"gs://{bucket}/out"
        ),
        env=spark_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert result.returncode == 0, result.stderr[-3000:]
    assert "ROWS 2 ['DIPHENHYDRAMINE', 'TETRACYCLINE']" in result.stdout
    written = {name for name in snapshot(gcs, bucket) if name.startswith("out/")}
    assert "out/_SUCCESS" in written
    assert {n.split("/")[1] for n in written if n.endswith(".parquet")} == {
        "atccode=A04AD",
        "atccode=S03AA",
    }
