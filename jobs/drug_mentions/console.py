"""Logs and error lines on the real stderr, also under spark-submit.

spark-submit starts the Python driver with its stderr merged into stdout (Spark's
``PythonRunner`` redirects the error stream), so a plain ``print(..., file=sys.stderr)``
would land on stdout and mix with a job's result. Under spark-submit (the driver then has
``PYSPARK_GATEWAY_PORT`` in its environment) these helpers write through the JVM's
``System.err`` instead, which is the stderr the user or the scheduler sees.

Spark's own log4j output is kept at WARN and above once the session exists
(:func:`quiet_spark`), whatever the properties file says: otherwise the INFO lines that
``SparkContext.stop()`` and the JVM shutdown hooks print at exit follow the job's one-line
``error:`` message, which must be the last line a user sees.
"""

from __future__ import annotations

import io
import logging
import os
import sys
from typing import Any, TextIO

from pyspark.sql import SparkSession

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
SPARK_LOG_LEVEL = "WARN"


class _JvmStderr(io.TextIOBase):
    """A text stream that writes to the driver JVM's ``System.err``."""

    def __init__(self, jvm: Any) -> None:
        self._err = jvm.java.lang.System.err

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self._err.print(text)
        return len(text)

    def flush(self) -> None:
        self._err.flush()


def stderr_for(spark: SparkSession) -> TextIO:
    """The stream that reaches the real stderr for this driver."""
    if "PYSPARK_GATEWAY_PORT" in os.environ:
        return _JvmStderr(spark.sparkContext._jvm)
    return sys.stderr


def stderr_without_session() -> TextIO:
    """The real stderr before any Spark session exists (an argument error): under
    spark-submit, through a connection to the JVM that launched the driver."""
    if "PYSPARK_GATEWAY_PORT" in os.environ:
        from pyspark.java_gateway import launch_gateway  # connects to spark-submit's JVM

        jvm = launch_gateway().jvm
        # No session will set Spark's level: its shutdown hooks would log INFO lines after
        # the error, which must stay the last line.
        level = jvm.org.apache.logging.log4j.Level.toLevel(SPARK_LOG_LEVEL)
        jvm.org.apache.logging.log4j.core.config.Configurator.setRootLevel(level)
        return _JvmStderr(jvm)
    return sys.stderr


# Reading one path, Spark looks for a streaming sink's "_spark_metadata" folder under it; when
# the path is an escaped file name (storage.spark_path: "pubmed\[1\].csv"), that text is not
# a path, and Spark logs a WARN with a stack trace before reading the file all the same.
_NOISY_LOGGERS = ("org.apache.spark.sql.execution.streaming.FileStreamSink",)


def quiet_spark(spark: SparkSession) -> None:
    """Spark's own logs at WARN and above from now on (the job's logs are not Spark's), and
    at ERROR for the loggers whose warnings are false alarms for this job."""
    spark.sparkContext.setLogLevel(SPARK_LOG_LEVEL)
    jvm = spark.sparkContext._jvm
    error = jvm.org.apache.logging.log4j.Level.ERROR
    for name in _NOISY_LOGGERS:
        jvm.org.apache.logging.log4j.core.config.Configurator.setLevel(name, error)


def setup_logging(stream: TextIO) -> None:
    """INFO logs of the job on ``stream``; py4j's connection chatter silenced."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    job_logger = logging.getLogger("drug_mentions")
    job_logger.handlers[:] = [handler]
    job_logger.setLevel(logging.INFO)
    job_logger.propagate = False
    logging.getLogger("py4j").setLevel(logging.WARNING)
