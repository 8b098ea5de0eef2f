"""Unit tests of drug_mentions.config: TOML defaults, validation, flag overrides."""

from __future__ import annotations

from pathlib import Path

import pytest
from drug_mentions import config
from drug_mentions.config import Settings, parse_toml
from drug_mentions.errors import InputError

REPO = Path(__file__).resolve().parents[2]


def test_shipped_conf_files_parse():
    local = parse_toml((REPO / "conf" / "local.toml").read_text(), "local.toml")
    assert local == Settings(input="data", output="output")
    gcp = parse_toml((REPO / "conf" / "gcp.toml").read_text(), "gcp.toml")
    assert gcp == Settings()  # paths come from the command line on Dataproc
    assert local.report_html is gcp.report_html is True
    assert parse_toml("[pipeline]\nreport_html = false\n", "x.toml").report_html is False


def test_flags_override_file_values_but_none_does_not():
    base = parse_toml('[paths]\ninput = "in"\n[pipeline]\nmax_merge_rounds = 3\n', "x.toml")
    assert base.with_overrides(input=None, output="out") == Settings(
        input="in", output="out", max_merge_rounds=3
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[paths\n", "x.toml: not valid TOML"),
        (
            '[pipeline]\njson_format = "xml"\n',
            "x.toml: json_format must be one of auto, lines, array",
        ),
        (
            "[pipeline]\nmax_merge_rounds = 0\n",
            "x.toml: max_merge_rounds must be a positive integer",
        ),
        (
            '[pipeline]\nwrite_output_json = "yes"\n',
            "x.toml: write_output_json must be true or false",
        ),
        (
            "[pipeline]\nreport_html = 1\n",
            "x.toml: report_html must be true or false",
        ),
        ("[pipeline]\nspeed = 11\n", "x.toml: unknown setting(s) speed"),
    ],
)
def test_bad_settings_are_one_line_errors(text, message):
    with pytest.raises(InputError) as error:
        parse_toml(text, "x.toml")
    assert str(error.value).startswith(message)
    assert "\n" not in str(error.value)


def test_the_job_sets_the_code_generation_limit_of_hotspot(spark):
    before = spark.conf.get("spark.sql.codegen.hugeMethodLimit")
    try:
        config.tune_code_generation(spark)
        assert spark.conf.get("spark.sql.codegen.hugeMethodLimit") == "8000"
    finally:
        spark.conf.set("spark.sql.codegen.hugeMethodLimit", before)


def test_the_job_keeps_the_last_value_of_a_repeated_json_key(spark):
    config.tune_json_parsing(spark)
    assert spark.conf.get("spark.sql.variant.allowDuplicateKeys") == "true"


@pytest.mark.parametrize("run_id", ["20261125t030000", "20261125t143501z", "bench-test", "R_1.2"])
def test_run_ids_of_the_safe_pattern_pass(run_id):
    assert config.check_run_id(run_id) == run_id


@pytest.mark.parametrize(
    "run_id", ["../escaped", "a/b", "", ".hidden", "-x", "a b", "é", "x" * 129]
)
def test_other_run_ids_are_input_errors(run_id):
    with pytest.raises(InputError) as error:
        config.check_run_id(run_id)
    assert str(error.value) == (
        f"run id {run_id!r}: must be 1 to 128 letters, digits, '.', '_' or '-', "
        "starting with a letter or a digit"
    )


@pytest.mark.parametrize("name", ["input", "output", "graph", "mentions"])
def test_an_empty_path_is_an_input_error(name):
    with pytest.raises(InputError) as error:
        config.validate(config.Settings().with_overrides(**{name: "  "}), "command line")
    assert str(error.value) == f"command line: {name} must be a non-empty path"
