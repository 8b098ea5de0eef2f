"""jobs/adhoc.py on a real pipeline run over data/: answers, --graph vs --mentions, errors."""

from __future__ import annotations

import json

import pytest

from tests.helpers import load_entry_point, spark_submit

adhoc_job = load_entry_point("adhoc")

TOP = {
    "distinct_drugs": 2,
    "journals": [
        "Journal of emergency nursing",
        "Psychopharmacology",
        "The journal of maternal-fetal & neonatal medicine",
    ],
}
TOP_JSON = (
    '{"distinct_drugs": 2, "journals": ["Journal of emergency nursing", "Psychopharmacology", '
    '"The journal of maternal-fetal & neonatal medicine"]}'
)
TOP_4 = {
    "top": [
        {"journal": "Journal of emergency nursing", "distinct_drugs": 2},
        {"journal": "Psychopharmacology", "distinct_drugs": 2},
        {"journal": "The journal of maternal-fetal & neonatal medicine", "distinct_drugs": 2},
        {"journal": "American journal of veterinary research", "distinct_drugs": 1},
        {"journal": "Hôpitaux Universitaires de Genève", "distinct_drugs": 1},
        {"journal": "Journal of back and musculoskeletal rehabilitation", "distinct_drugs": 1},
        {"journal": "Journal of food protection", "distinct_drugs": 1},
        {"journal": "Journal of photochemistry and photobiology. B, Biology", "distinct_drugs": 1},
        {"journal": "The Journal of pediatrics", "distinct_drugs": 1},
        {
            "journal": "The journal of allergy and clinical immunology. In practice",
            "distinct_drugs": 1,
        },
    ]
}


@pytest.fixture
def sample_run(sample_main):
    """The pipeline's output folder for data/ (one in-process run per session, see conftest;
    test_pipeline_integration checks an in-process run gives the spark-submit run's bytes)."""
    return sample_main


def run(capsys, *args: str) -> tuple[int, str, list[str]]:
    """adhoc.main in-process on the test session: (exit code, stdout, error lines of stderr).

    stderr also carries the job's INFO logs; only its ``error:`` lines are the contract.
    """
    code = adhoc_job.main(list(args))
    captured = capsys.readouterr()
    errors = [line for line in captured.err.splitlines() if line.startswith("error:")]
    return code, captured.out, errors


@pytest.mark.spark_submit
def test_spark_submit_prints_exactly_one_json_line(sample_run):
    result = spark_submit("adhoc.py", "--graph", str(sample_run / "output.json"), "--json")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert result.stdout == TOP_JSON + "\n"


@pytest.mark.spark_submit
def test_spark_submit_error_goes_to_stderr_only(tmp_path):
    missing = tmp_path / "output.json"
    result = spark_submit("adhoc.py", "--graph", str(missing), "--json")
    assert result.returncode == 2, result.stdout[-3000:] + result.stderr[-3000:]
    assert result.stdout == ""
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors == [f"error: {missing}: graph file not found"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((), TOP),
        (("--top", "1"), {"top": [{"journal": j, "distinct_drugs": 2} for j in TOP["journals"]]}),
        (("--top", "3"), {"top": [{"journal": j, "distinct_drugs": 2} for j in TOP["journals"]]}),
        (("--top", "4"), TOP_4),
        (
            ("--related-drug", "tetracycline"),
            {"drug": "TETRACYCLINE", "related_drugs": ["ETHANOL"]},
        ),
        # Journal of emergency nursing has EPINEPHRINE only through clinical trials.
        (("--related-drug", "diphenhydramine"), {"drug": "DIPHENHYDRAMINE", "related_drugs": []}),
        (("--related-drug", "atropine"), {"drug": "ATROPINE", "related_drugs": ["BETAMETHASONE"]}),
    ],
)
def test_graph_and_mentions_give_the_same_exact_answers(capsys, sample_run, args, expected):
    graph = run(capsys, "--graph", str(sample_run / "output.json"), "--json", *args)
    mentions = run(capsys, "--mentions", str(sample_run / "mentions"), "--json", *args)
    assert graph == (0, json.dumps(expected, ensure_ascii=False) + "\n", [])
    assert mentions == graph


def test_related_drug_name_is_normalised_and_printed_as_a_table(capsys, sample_run):
    graph = str(sample_run / "output.json")
    assert run(capsys, "--graph", graph, "--related-drug", "  tetraCYCLINE \t") == (
        0,
        "Drugs sharing a journal with TETRACYCLINE (PubMed mentions):\n  ETHANOL\n",
        [],
    )


def test_default_and_top_tables(capsys, sample_run):
    graph = str(sample_run / "output.json")
    assert run(capsys, "--graph", graph) == (
        0,
        "Journal(s) mentioning the most distinct drugs (2):\n"
        "  Journal of emergency nursing\n"
        "  Psychopharmacology\n"
        "  The journal of maternal-fetal & neonatal medicine\n",
        [],
    )
    assert run(capsys, "--graph", graph, "--top", "2") == (
        0,
        "distinct_drugs  journal\n"
        "             2  Journal of emergency nursing\n"
        "             2  Psychopharmacology\n"
        "             2  The journal of maternal-fetal & neonatal medicine\n",
        [],
    )


def test_out_writes_the_printed_json(capsys, sample_run, tmp_path):
    out = tmp_path / "adhoc" / "top_journals.json"
    code, stdout, _ = run(
        capsys, "--mentions", str(sample_run / "mentions"), "--json", "--out", str(out)
    )
    assert (code, stdout) == (0, TOP_JSON + "\n")
    assert out.read_text(encoding="utf-8") == TOP_JSON + "\n"
    assert sorted(p.name for p in out.parent.iterdir()) == ["top_journals.json"]


def test_paths_come_from_the_conf_adhoc_section(capsys, sample_run, tmp_path):
    conf = tmp_path / "adhoc.toml"
    conf.write_text(
        f'[adhoc]\ngraph = "{tmp_path / "nowhere.json"}"\nmentions = "{sample_run / "mentions"}"\n'
    )
    assert run(capsys, "--conf", str(conf), "--mentions", "--json") == (0, TOP_JSON + "\n", [])
    assert run(capsys, "--conf", str(conf), "--json") == (
        2,
        "",
        [f"error: {tmp_path / 'nowhere.json'}: graph file not found"],
    )


def test_unknown_drug_is_an_input_error(capsys, sample_run):
    graph = run(capsys, "--graph", str(sample_run / "output.json"), "--related-drug", "aspirin")
    assert graph == (2, "", ["error: unknown drug 'aspirin': ASPIRIN is not in the graph"])
    mentions = run(capsys, "--mentions", str(sample_run / "mentions"), "--related-drug", "Aspirin ")
    assert mentions == (
        2,
        "",
        ["error: unknown drug 'Aspirin ': ASPIRIN has no mention in mentions/"],
    )


def test_missing_graph_or_mentions_is_an_input_error(capsys, tmp_path):
    missing = tmp_path / "output.json"
    assert run(capsys, "--graph", str(missing)) == (
        2,
        "",
        [f"error: {missing}: graph file not found"],
    )
    assert run(capsys, "--graph", str(tmp_path)) == (
        2,
        "",
        [f"error: {tmp_path}: is a folder, expected the pipeline's output.json"],
    )
    assert run(capsys, "--mentions", str(tmp_path / "mentions"), "--json") == (
        2,
        "",
        [f"error: {tmp_path / 'mentions'}: mentions folder not found"],
    )


@pytest.mark.parametrize(
    "text",
    ["not json at all\n", '{"drugs": 5}\n', '{"nodes": []}\n', "", '{"drugs": [\n'],
    ids=["not-json", "drugs-not-array", "no-drugs", "empty", "truncated"],
)
def test_malformed_graph_is_an_input_error(capsys, tmp_path, text):
    path = tmp_path / "output.json"
    path.write_text(text, encoding="utf-8")
    assert run(capsys, "--graph", str(path), "--json") == (
        2,
        "",
        [f'error: {path}: not a drug-mention graph (expected a JSON object with a "drugs" array)'],
    )


def test_empty_graph_has_no_journal(capsys, tmp_path):
    path = tmp_path / "output.json"
    path.write_text('{"drugs": []}\n', encoding="utf-8")
    assert run(capsys, "--graph", str(path), "--json") == (
        0,
        '{"distinct_drugs": 0, "journals": []}\n',
        [],
    )
    assert run(capsys, "--graph", str(path), "--json", "--top", "3") == (0, '{"top": []}\n', [])


def test_mentions_must_be_a_run_s_mentions_folder_with_rows(capsys, sample_run, tmp_path):
    rejects = sample_run / "rejects"
    code, out, errors = run(capsys, "--mentions", str(rejects), "--json")
    assert (code, out, len(errors)) == (2, "", 1)
    assert errors[0].startswith(f"error: {rejects}: not a mentions/ folder (no Parquet to read: ")
    empty = tmp_path / "empty"
    empty.mkdir()
    code, out, errors = run(capsys, "--mentions", str(empty))
    assert (code, out) == (2, "")
    assert errors[0].startswith(f"error: {empty}: not a mentions/ folder (no Parquet to read: ")


def test_out_must_be_a_file_path_checked_before_reading(capsys, sample_run, tmp_path):
    graph = str(sample_run / "output.json")
    assert run(capsys, "--graph", graph, "--out", str(tmp_path)) == (
        2,
        "",
        [f"error: --out {tmp_path}: is a folder; give a file path (e.g. top_journals.json)"],
    )
    assert run(capsys, "--graph", graph, "--out", graph) == (
        2,
        "",
        [f"error: --out {graph}: is the graph this job reads; give another file path"],
    )
    assert list(tmp_path.iterdir()) == []


def test_an_option_error_is_the_last_line_on_stderr(capsys):
    code = adhoc_job.main(["--top", "0"])
    captured = capsys.readouterr()
    assert (code, captured.out) == (2, "")
    assert captured.err.splitlines()[-1] == "error: argument --top: must be at least 1, got 0"
