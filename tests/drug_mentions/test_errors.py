"""Unit tests of drug_mentions.errors: the input error and its exit code."""

from __future__ import annotations

from drug_mentions.errors import EXIT_INPUT_ERROR, InputError


def test_input_error_is_one_line_and_exit_code_2():
    error = InputError("drugs.csv: missing column(s) drug")
    assert isinstance(error, Exception)
    assert str(error) == "drugs.csv: missing column(s) drug"
    assert EXIT_INPUT_ERROR == 2
