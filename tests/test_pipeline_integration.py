"""The real entry point on data/: complete output, rerun identity, errors, failed runs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.helpers import DATA, load_entry_point, spark_submit
from tests.sample_expected import EXPECTED_OUTPUT, SURROGATE

pipeline = load_entry_point("pipeline")


@pytest.fixture
def sample_run(sample_submit):
    """The session's real spark-submit run on data/ (see conftest)."""
    return sample_submit


def test_output_json_is_the_complete_expected_graph(sample_run):
    out, _ = sample_run
    assert json.loads((out / "output.json").read_text(encoding="utf-8")) == EXPECTED_OUTPUT
    assert sorted(p.name for p in out.iterdir()) == [
        "_SUCCESS",
        "mentions",
        "output.json",
        "rejects",
        "report.html",
        "run_report.json",
    ]


def test_mentions_parquet_has_every_edge(spark, sample_run):
    out, _ = sample_run
    mentions = spark.read.parquet(str(out / "mentions"))
    assert sorted(mentions.columns) == sorted(
        ["drug", "atccode", "source", "id", "title", "journal", "date_mention"]
    )
    assert {f.name: f.dataType.simpleString() for f in mentions.schema}["date_mention"] == "date"
    assert sorted(p.name for p in (out / "mentions").iterdir() if p.is_dir()) == [
        "source=clinical_trials",
        "source=pubmed",
    ]
    edges = sorted((r.source, r.drug, r.id) for r in mentions.collect())
    expected = sorted(
        (source, drug["drug"], m["id"])
        for drug in EXPECTED_OUTPUT["drugs"]
        for source in ("pubmed", "clinical_trials")
        for m in drug[source]
    )
    assert len(edges) == 19
    assert edges == expected


def test_rejects_and_run_report(spark, sample_run):
    out, _ = sample_run
    rejects = [
        json.loads(line)
        for p in sorted((out / "rejects").glob("*.json"))
        for line in p.read_text().splitlines()
    ]
    assert rejects == [
        {
            "source": "clinical_trials",
            "file": "clinical_trials.csv",
            "reason": "missing_title",
            "fields": {
                "id": "NCT04237090",
                "title": "  ",
                "date": "1 January 2020",
                "journal": "Journal of emergency nursing",
            },
        }
    ]
    report = json.loads((out / "run_report.json").read_text())
    assert report["sources"] == {
        "drugs": {
            "rows": 7,
            "kept": 7,
            "rejected": 0,
            "rejected_by_reason": {},
            "merged_duplicates": 0,
        },
        "pubmed": {
            "rows": 13,
            "kept": 13,
            "rejected": 0,
            "rejected_by_reason": {},
            "merged_duplicates": 0,
        },
        "clinical_trials": {
            "rows": 8,
            "kept": 6,
            "rejected": 1,
            "rejected_by_reason": {"missing_title": 1},
            "merged_duplicates": 1,
        },
    }
    assert [
        (f["file"], f["source"], f["rows"], f["blank_lines_ignored"]) for f in report["files"]
    ] == [
        ("clinical_trials.csv", "clinical_trials", 8, 0),
        ("drugs.csv", "drugs", 7, 0),
        ("pubmed.csv", "pubmed", 8, 1),
        ("pubmed.json", "pubmed", 5, 0),
    ]
    assert report["edges"] == {"pubmed": 14, "clinical_trials": 5, "total": 19}
    assert report["rejects_total"] == 1
    assert report["drugs_mentioned"] == 7
    assert report["output_json"] == {"written": True, "drugs": 7}
    assert json.loads((out / "_SUCCESS").read_text()) == report


def test_stage_logs_have_row_counts(sample_run):
    _, result = sample_run
    assert "merge: 20 record(s), labelled on the driver" in result.stderr
    assert "merge: records merged into another, per source: {'clinical_trials': 1}" in result.stderr
    assert "matched 19 edges" in result.stderr
    assert (
        "clinical_trials  rows      8  kept      6  rejected     1  merged     1" in result.stderr
    )


def test_surrogate_id_is_in_the_output(sample_run):
    out, _ = sample_run
    text = (out / "output.json").read_text(encoding="utf-8")
    assert text.count(f'"id": "{SURROGATE}"') == 2  # ATROPINE and BETAMETHASONE
    assert '"id": ""' not in text


def test_rerun_replaces_output_with_identical_bytes(spark, sample_run, tmp_path):
    out, _ = sample_run
    copy = tmp_path / "output"
    shutil.copytree(out, copy)
    (copy / "mentions" / "stale-file.parquet").write_text("left over from an older run")
    assert pipeline.main(["--input", str(DATA), "--output", str(copy)]) == 0
    assert (copy / "output.json").read_bytes() == (out / "output.json").read_bytes()
    assert not (copy / "mentions" / "stale-file.parquet").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["output"]  # no staging left behind
    first = spark.read.parquet(str(out / "mentions")).orderBy("source", "id", "drug").collect()
    second = spark.read.parquet(str(copy / "mentions")).orderBy("source", "id", "drug").collect()
    assert first == second


def test_failed_run_keeps_the_previous_output(sample_run, tmp_path, monkeypatch):
    out, _ = sample_run
    copy = tmp_path / "output"
    shutil.copytree(out, copy)
    before = {p.relative_to(copy): p.read_bytes() for p in copy.rglob("*") if p.is_file()}

    crashed = []

    def crash(*_args, **_kwargs):
        crashed.append(True)
        raise RuntimeError("disk full while writing output.json")

    monkeypatch.setattr("drug_mentions.graph.write_json", crash)
    assert pipeline.main(["--input", str(DATA), "--output", str(copy)]) == 1  # unexpected failure
    assert crashed == [True]
    after = {p.relative_to(copy): p.read_bytes() for p in copy.rglob("*") if p.is_file()}
    assert after == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["output"]


@pytest.mark.spark_submit
def test_missing_input_folder_through_spark_submit(tmp_path):
    out = tmp_path / "output"
    result = spark_submit("pipeline.py", "--input", str(tmp_path / "missing"), "--output", str(out))
    assert result.returncode == 2
    assert (
        result.stderr.strip().splitlines()[-1]
        == f"error: {tmp_path / 'missing'}: input folder not found"
    )
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def _copy_data(tmp_path: Path, replace: dict[str, str | None]) -> Path:
    folder = tmp_path / "in"
    shutil.copytree(DATA, folder)
    for name, content in replace.items():
        if content is None:
            (folder / name).unlink()
        else:
            (folder / name).write_text(content, encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("replace", "message"),
    [
        ({"drugs.csv": None}, "{input}: no drugs file (drugs*.csv) found"),
        (
            {"clinical_trials.csv": "id,title,date,journal\n"},
            "clinical_trials.csv: missing column(s) scientific_title (header has: id, title, date, journal)",
        ),
        (
            {"pubmed.json": "{not json\n"},
            "pubmed.json: no JSON record can be read (not JSON, or no object)",
        ),
        ({"drugs.csv": "atccode,drug\n"}, "drugs.csv: no usable drug row (empty drug list)"),
        (
            {"pubmed.json": '[{"id": 1,}'},
            "pubmed.json: no JSON record can be read (not JSON, or no object)",
        ),
    ],
)
def test_input_errors_exit_2_with_one_line_and_write_nothing(
    spark, tmp_path, capsys, replace, message
):
    folder = _copy_data(tmp_path, replace)
    out = tmp_path / "output"
    code = pipeline.main(["--input", str(folder), "--output", str(out)])
    assert code == 2
    err_lines = capsys.readouterr().err.strip().splitlines()
    assert err_lines[-1] == "error: " + message.format(input=folder)
    assert [line for line in err_lines if line.startswith("error:")] == [err_lines[-1]]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]


def test_refuses_to_replace_a_folder_that_is_not_an_output(spark, tmp_path, capsys):
    precious = tmp_path / "home"
    precious.mkdir()
    (precious / "thesis.tex").write_text("do not delete")
    code = pipeline.main(["--input", str(DATA), "--output", str(precious)])
    assert code == 2
    assert "refusing to replace it" in capsys.readouterr().err
    assert (precious / "thesis.tex").read_text() == "do not delete"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home"]


def test_help_explains_the_options(capsys):
    assert pipeline.main(["--help"]) == 0
    text = capsys.readouterr().out
    flags = ("--input", "--output", "--conf", "--run-id", "--json-format", "--no-output-json")
    for flag in (*flags, "--no-report-html"):
        assert flag in text
    assert "Exit codes: 0 ok, 2 bad input (nothing written), 1 unexpected failure." in " ".join(
        text.split()
    )


def test_no_report_html_flag_and_setting_reach_the_run(spark, tmp_path, monkeypatch):
    given = []
    monkeypatch.setattr(
        pipeline.runner, "run", lambda _spark, settings, run_id: given.append(settings)
    )
    conf = tmp_path / "off.toml"
    conf.write_text("[pipeline]\nreport_html = false\n", encoding="utf-8")
    for argv in ([], ["--no-report-html"], ["--conf", str(conf)]):
        assert pipeline.main(["--input", str(DATA), "--output", str(tmp_path / "o"), *argv]) == 0
    assert [settings.report_html for settings in given] == [True, False, False]
