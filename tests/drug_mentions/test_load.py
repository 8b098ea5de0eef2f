"""Unit tests of drug_mentions.load.Publisher: local atomic publish and its recovery."""

from __future__ import annotations

import pytest
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


def test_begin_refuses_a_folder_with_foreign_files(spark, tmp_path):
    target = tmp_path / "output"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    with pytest.raises(InputError, match="not a pipeline output folder"):
        Publisher(spark, str(target), "r5").begin()
    assert _tree(tmp_path) == ["output", "output/notes.txt"]


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
