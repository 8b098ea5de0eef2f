"""Unit tests of drug_mentions.console: the real stderr, Spark's log level, the job's logs."""

from __future__ import annotations

import io
import logging
import re
import sys

import pytest
from drug_mentions import console


def test_stderr_is_python_s_own_outside_spark_submit(spark, monkeypatch):
    monkeypatch.delenv("PYSPARK_GATEWAY_PORT", raising=False)
    assert console.stderr_for(spark) is sys.stderr


def test_stderr_goes_through_the_jvm_under_spark_submit(spark, monkeypatch):
    monkeypatch.setenv("PYSPARK_GATEWAY_PORT", "12345")
    stream = console.stderr_for(spark)
    assert isinstance(stream, console._JvmStderr)
    assert stream.writable()
    assert stream.write("") == 0
    assert stream.write("éé") == 2
    stream.flush()


def _root_level(spark) -> str:
    manager = spark.sparkContext._jvm.org.apache.logging.log4j.LogManager
    return manager.getRootLogger().getLevel().toString()


def test_quiet_spark_sets_spark_s_logs_to_warn(spark):
    spark.sparkContext.setLogLevel("INFO")
    try:
        console.quiet_spark(spark)
        assert _root_level(spark) == console.SPARK_LOG_LEVEL == "WARN"
    finally:
        spark.sparkContext.setLogLevel("WARN")


@pytest.fixture
def job_logger():
    logger = logging.getLogger("drug_mentions")
    saved = (logger.handlers[:], logger.level, logger.propagate)
    yield logger
    logger.handlers[:], logger.level, logger.propagate = saved[0], saved[1], saved[2]


def test_setup_logging_writes_the_job_s_info_lines_on_the_stream(job_logger):
    stream = io.StringIO()
    console.setup_logging(stream)
    console.setup_logging(stream)  # twice: still one handler, one line per record
    logging.getLogger("drug_mentions.runner").info("matched %d edges", 19)
    logging.getLogger("drug_mentions.runner").debug("not shown")
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO drug_mentions\.runner: matched 19 edges\n",
        stream.getvalue(),
    )
    assert job_logger.propagate is False
    assert logging.getLogger("py4j").level == logging.WARNING
