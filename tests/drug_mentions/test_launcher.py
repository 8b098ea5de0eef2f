"""Unit tests of drug_mentions.launcher: arguments, session, the error line and exit codes."""

from __future__ import annotations

import argparse

import pytest
from drug_mentions import launcher
from drug_mentions.errors import InputError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="spark-submit jobs/x.py")
    parser.add_argument("--top", type=int)
    parser.add_argument("--version", action="version", version="x 1")
    return parser


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def test_the_job_gets_the_session_and_the_arguments(spark, capsys):
    seen = {}

    def job(session, args):
        seen.update(session=session, top=args.top)
        print("the result")

    assert launcher.launch("t", _parser(), ["--top", "3"], job) == 0
    assert seen == {"session": spark, "top": 3}
    assert capsys.readouterr().out == "the result\n"


def test_the_session_gets_the_job_s_sql_settings(spark):
    launcher.launch("t", _parser(), [], lambda session, args: None)
    assert spark.conf.get("spark.sql.codegen.hugeMethodLimit") == "8000"
    assert spark.conf.get("spark.sql.variant.allowDuplicateKeys") == "true"


def test_an_input_error_is_one_line_last_on_stderr_and_exit_2(spark, capsys):
    def job(session, args):
        raise InputError("pubmed\n.csv: a FIFO (named pipe), not a regular file")

    assert launcher.launch("t", _parser(), [], job) == 2
    captured = capsys.readouterr()
    assert (
        _lines(captured.err)[-1] == "error: pubmed\\n.csv: a FIFO (named pipe), not a regular file"
    )
    assert "Traceback" not in captured.err
    assert captured.out == ""


def test_an_unexpected_failure_has_its_traceback_then_one_line_and_exit_1(spark, capsys):
    def job(session, args):
        raise RuntimeError("no such column\nsecond line")

    assert launcher.launch("t", _parser(), [], job) == 1
    captured = capsys.readouterr()
    err = _lines(captured.err)
    assert err[0] == "Traceback (most recent call last):"
    assert err[-1] == "error: unexpected failure: RuntimeError: no such column"
    assert captured.out == ""


def test_a_jvm_failure_is_named_by_its_java_class(spark, capsys):
    def job(session, args):
        session.sparkContext._jvm.java.lang.Integer.parseInt("twelve")

    assert launcher.launch("t", _parser(), [], job) == 1
    err = _lines(capsys.readouterr().err)
    assert "Traceback (most recent call last):" in err
    assert err[-1] == (
        'error: unexpected failure: NumberFormatException: For input string: "twelve"'
    )


def test_a_long_message_is_cut_on_one_line():
    text = launcher.describe(ValueError("x" * 1000))
    assert len(text) == 500
    assert text.startswith("ValueError: xxx")
    assert text.endswith("...")


@pytest.mark.parametrize(
    ("argv", "last"),
    [
        (["--bogus"], "error: unrecognized arguments: --bogus"),
        (["--top", "many"], "error: argument --top: invalid int value: 'many'"),
    ],
)
def test_an_argument_error_is_last_on_stderr_with_exit_2_and_no_session(capsys, argv, last):
    ran = []
    assert launcher.launch("t", _parser(), argv, lambda s, a: ran.append(1)) == 2
    captured = capsys.readouterr()
    err = _lines(captured.err)
    assert err[0].startswith("usage: spark-submit jobs/x.py")
    assert err[-1] == last
    assert (captured.out, ran) == ("", [])


def test_version_and_help_print_on_stdout_with_exit_0(capsys):
    assert launcher.launch("t", _parser(), ["--version"], lambda s, a: None) == 0
    assert capsys.readouterr() == ("x 1\n", "")
    assert launcher.launch("t", _parser(), ["--help"], lambda s, a: None) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("usage: spark-submit jobs/x.py")
    assert captured.err == ""
