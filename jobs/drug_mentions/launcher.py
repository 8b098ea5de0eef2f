"""The start and end shared by both entry points: arguments, Spark session, logs, exit code.

``jobs/pipeline.py`` and ``jobs/adhoc.py`` are each an argument parser and one call::

    return launcher.launch("drug-mentions-pipeline", parser(), argv, job)

:func:`launch` parses the arguments, builds the Spark session (Spark's own logs at WARN, the
SQL settings the job needs), sends the job's logs to the real stderr and runs
``job(spark, args)``. Exit codes and what the last line on stderr says:

* ``0``: success (the job's result, if any, is on stdout);
* ``2``: bad input or misuse: an argument error (usage, then ``error: <message>``) or an
  :class:`~drug_mentions.errors.InputError` (``error: <message>``);
* ``1``: an unexpected failure: its traceback, then
  ``error: unexpected failure: <type>: <message>`` (one line).

All of it goes to the real stderr, also under spark-submit, which merges the Python driver's
own stderr into stdout (:mod:`drug_mentions.console`).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
import traceback
from collections.abc import Callable
from typing import TextIO

from pyspark.sql import SparkSession

from drug_mentions import config, console
from drug_mentions.errors import EXIT_INPUT_ERROR, InputError

EXIT_OK = 0
EXIT_UNEXPECTED = 1
_MESSAGE_LIMIT = 500

Job = Callable[[SparkSession, argparse.Namespace], None]


def parse(parser: argparse.ArgumentParser, argv: list[str] | None) -> argparse.Namespace | int:
    """The parsed ``argv``, or the exit code when parsing ends the run: ``--help`` and
    ``--version`` print on stdout (0); an error goes to the real stderr as the usage, then
    ``error: <message>`` (2)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            return parser.parse_args(argv)
    except SystemExit as done:
        sys.stdout.write(out.getvalue())
        sys.stdout.flush()
        if err.getvalue():
            lines = err.getvalue().rstrip("\n").split("\n")
            lines[-1] = lines[-1].replace(f"{parser.prog}: error: ", "error: ", 1)
            stderr = console.stderr_without_session()
            print("\n".join(lines), file=stderr, flush=True)
        return done.code if isinstance(done.code, int) else EXIT_INPUT_ERROR


def describe(exc: BaseException) -> str:
    """``<type>: <message>`` on one line: for a JVM exception, the Java class and message."""
    java = getattr(exc, "java_exception", None)
    if java is not None:
        kind, message = java.getClass().getName(), str(java.getMessage() or "")
    else:
        kind, message = type(exc).__name__, str(exc)
    first = next((line.strip() for line in message.splitlines() if line.strip()), "")
    text = f"{kind}: {first}" if first else kind
    return text if len(text) <= _MESSAGE_LIMIT else text[: _MESSAGE_LIMIT - 3] + "..."


def one_line(text: str) -> str:
    """``text`` with its unprintable characters escaped (a file name may hold a newline)."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def start_session(app_name: str) -> tuple[SparkSession, TextIO]:
    """The Spark session of a job, and the real stderr its logs and errors go to."""
    spark = SparkSession.builder.appName(app_name).getOrCreate()
    console.quiet_spark(spark)
    config.tune_code_generation(spark)
    config.tune_json_parsing(spark)
    stderr = console.stderr_for(spark)
    console.setup_logging(stderr)
    return spark, stderr


def launch(app_name: str, parser: argparse.ArgumentParser, argv: list[str] | None, job: Job) -> int:
    """Run ``job`` as an entry point does; return the exit code (0, 1 or 2)."""
    args = parse(parser, argv)
    if isinstance(args, int):
        return args
    stderr: TextIO = sys.stderr
    try:
        spark, stderr = start_session(app_name)
        job(spark, args)
    except InputError as exc:
        print(f"error: {one_line(str(exc))}", file=stderr, flush=True)
        return EXIT_INPUT_ERROR
    except Exception as exc:
        traceback.print_exc(file=stderr)
        print(f"error: unexpected failure: {one_line(describe(exc))}", file=stderr, flush=True)
        return EXIT_UNEXPECTED
    return EXIT_OK
