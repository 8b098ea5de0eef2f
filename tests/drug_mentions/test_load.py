"""Unit tests of drug_mentions.load: local atomic publish, its recovery, the writers."""

from __future__ import annotations

import pytest
from drug_mentions import load
from drug_mentions.errors import InputError
from drug_mentions.load import Publisher


def _tree(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_commit_swaps_the_staging_folder_in(spark, tmp_path):
    target = tmp_path / "output"
    target.mkdir()
    (target / "output.json").write_text("old")
    publisher = Publisher(spark, str(target), "r2")
    publisher.begin()
    publisher.write_text("output.json", "new")
    assert (target / "output.json").read_text() == "old"  # nothing visible before commit
    publisher.commit({"run_id": "r2"})
    assert (target / "output.json").read_text() == "new"
    assert (target / "_SUCCESS").read_text() == '{\n  "run_id": "r2"\n}\n'
    assert _tree(tmp_path) == ["output", "output/_SUCCESS", "output/output.json"]


def test_abort_leaves_the_previous_output(spark, tmp_path):
    target = tmp_path / "output"
    target.mkdir()
    (target / "output.json").write_text("old")
    publisher = Publisher(spark, str(target), "r3")
    publisher.begin()
    publisher.write_text("output.json", "half")
    publisher.abort()
    assert _tree(tmp_path) == ["output", "output/output.json"]
    assert (target / "output.json").read_text() == "old"


def test_begin_restores_an_output_left_aside_by_a_crash(spark, tmp_path):
    aside = tmp_path / ".output.previous-r1"
    aside.mkdir()
    (aside / "output.json").write_text("kept")
    (tmp_path / ".output.staging-r1").mkdir()
    Publisher(spark, str(tmp_path / "output"), "r4").begin()
    assert _tree(tmp_path) == [".output.staging-r4", "output", "output/output.json"]
    assert (tmp_path / "output" / "output.json").read_text() == "kept"


def test_check_refuses_a_folder_with_foreign_files(spark, tmp_path):
    target = tmp_path / "output"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    with pytest.raises(InputError) as error:
        Publisher(spark, str(target), "r5").check(str(tmp_path / "in"))
    assert str(error.value) == (
        f"{target}: exists and is not a pipeline output folder (unexpected: notes.txt); "
        "refusing to replace it"
    )
    assert _tree(tmp_path) == ["output", "output/notes.txt"]


def _check_error(spark, output, input_dir) -> str:
    with pytest.raises(InputError) as error:
        Publisher(spark, str(output), "r").check(str(input_dir))
    return str(error.value)


def test_check_refuses_outputs_that_overlap_the_input(spark, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    assert _check_error(spark, data, data) == (
        f"{data}: is the input folder {data}; write the output elsewhere"
    )
    assert _check_error(spark, data / "out", data) == (
        f"{data}/out: is inside the input folder {data}; write the output elsewhere"
    )
    assert _check_error(spark, tmp_path, data) == (
        f"{tmp_path}: holds the input folder {data} (publishing would replace it); "
        "write the output elsewhere"
    )
    (tmp_path / "data2").mkdir()
    Publisher(spark, str(tmp_path / "data2"), "r").check(str(data))  # a common prefix is fine
    assert _check_error(spark, "gs://b/in/out", "gs://b/in/") == (
        "gs://b/in/out: is inside the input folder gs://b/in; write the output elsewhere"
    )
    assert _check_error(spark, "gs://b", "gs://b/in") == "gs://b: name a folder inside the bucket"


def test_check_refuses_a_file_or_an_unwritable_place(spark, tmp_path):
    (tmp_path / "report.txt").write_text("x")
    assert _check_error(spark, tmp_path / "report.txt", tmp_path / "in") == (
        f"{tmp_path}/report.txt: is a file, not an output folder"
    )
    assert _check_error(spark, tmp_path / "report.txt" / "out" / "x", tmp_path / "in") == (
        f"{tmp_path}/report.txt/out/x: cannot be written ({tmp_path}/report.txt is not a "
        "writable folder)"
    )


def test_a_symbolic_link_output_is_followed(spark, tmp_path):
    real = tmp_path / "disk" / "output"
    real.mkdir(parents=True)
    (real / "output.json").write_text("old")
    link = tmp_path / "output"
    link.symlink_to(real)
    publisher = Publisher(spark, str(link), "r8")
    publisher.check(str(tmp_path / "in"))
    assert publisher.lock_path == str(tmp_path / "disk" / ".output.lock")
    publisher.begin()
    publisher.write_text("output.json", "new")
    publisher.commit({})
    assert link.is_symlink() and (link / "output.json").read_text() == "new"
    assert _tree(tmp_path / "disk") == ["output", "output/_SUCCESS", "output/output.json"]
    # the link points at a folder inside the input: refused like the folder itself
    assert _check_error(spark, link, tmp_path / "disk") == (
        f"{link}: is inside the input folder {tmp_path}/disk; write the output elsewhere"
    )


def test_lock_path_is_beside_the_output(spark, tmp_path):
    assert Publisher(spark, str(tmp_path / "out"), "r").lock_path == str(tmp_path / ".out.lock")
    assert Publisher(spark, "gs://b/runs/r1/", "r1").lock_path == "gs://b/runs/.r1.lock"


def test_a_rerun_drops_the_previous_adhoc_result(spark, tmp_path):
    # jobs/adhoc.py --out <run>/adhoc/top_journals.json writes inside the run folder.
    target = tmp_path / "output"
    (target / "adhoc").mkdir(parents=True)
    (target / "adhoc" / "top_journals.json").write_text('{"journals": ["stale"]}')
    (target / "output.json").write_text("old")
    publisher = Publisher(spark, str(target), "r6")
    publisher.begin()
    publisher.write_text("output.json", "new")
    publisher.commit({"run_id": "r6"})
    assert _tree(tmp_path) == ["output", "output/_SUCCESS", "output/output.json"]


def test_a_rerun_replaces_the_previous_report_page(spark, tmp_path):
    target = tmp_path / "output"
    target.mkdir()
    (target / "report.html").write_text("old page")
    publisher = Publisher(spark, str(target), "r8")
    publisher.begin()  # report.html is one of the pipeline's own entries: not refused
    publisher.write_text("report.html", "new page")
    publisher.commit({"run_id": "r8"})
    assert (target / "report.html").read_text() == "new page"
    assert "report.html" in load.OUR_ENTRIES


def test_write_with_streams_a_file_into_the_staging_folder(spark, tmp_path):
    target = tmp_path / "output"
    publisher = Publisher(spark, str(target), "r7")
    publisher.begin()

    def write(out) -> int:
        out.write("é\n")
        out.write("line 2\n")
        return 42

    assert publisher.write_with("output.json", write) == 42
    assert (tmp_path / ".output.staging-r7" / "output.json").read_bytes() == "é\nline 2\n".encode()
    publisher.commit({})
    assert _tree(tmp_path) == ["output", "output/_SUCCESS", "output/output.json"]


def test_write_parquet_edges_and_rejects_layout(spark, tmp_path):
    edges = spark.createDataFrame(
        [("A", "a", "pubmed", "1"), ("A", "a", "clinical_trials", "N")],
        "drug string, atccode string, source string, id string",
    )
    load.write_parquet_edges(edges, str(tmp_path / "mentions"))
    rejects = spark.createDataFrame(
        [("drugs", "d.csv", "missing_drug")], "source string, file string, reason string"
    )
    load.write_rejects(rejects, str(tmp_path / "rejects"))
    partitions = sorted(p.name for p in (tmp_path / "mentions").iterdir() if p.is_dir())
    assert partitions == ["source=clinical_trials", "source=pubmed"]
    lines = [p.read_text() for p in (tmp_path / "rejects").glob("*.json") if p.stat().st_size]
    assert lines == ['{"source":"drugs","file":"d.csv","reason":"missing_drug"}\n']
