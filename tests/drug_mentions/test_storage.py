"""Unit tests of drug_mentions.storage: path helpers and the Hadoop file system wrapper."""

from __future__ import annotations

import os

import pytest
from drug_mentions import storage
from drug_mentions.storage import FileInfo, HadoopFS


@pytest.mark.parametrize(
    ("path", "local"),
    [
        ("data", True),
        ("/abs/data", True),
        ("file:/abs/data", True),
        ("file:///abs/data", True),
        ("gs://bucket/runs", False),
        ("hdfs://nn/x", False),
    ],
)
def test_is_local(path, local):
    assert storage.is_local(path) is local


def test_local_path_and_qualified(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert storage.local_path("file:///abs/x") == "/abs/x"
    assert storage.local_path("file:/abs/x") == "/abs/x"
    assert storage.local_path("rel/x") == os.path.join(str(tmp_path), "rel", "x")
    assert storage.qualified("rel/x") == f"file://{tmp_path}/rel/x"
    assert storage.qualified("gs://b/x") == "gs://b/x"


def test_join_works_for_paths_and_uris():
    assert storage.join("gs://b/runs/", "r1", "/mentions/") == "gs://b/runs/r1/mentions"
    assert storage.join("/out", "output.json") == "/out/output.json"


def test_hadoop_fs_on_a_local_folder(spark, tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "pubmed_b.csv").write_bytes(b"id,title\n")
    (tmp_path / "pubmed_a.json").write_bytes(b"[]")
    (tmp_path / "notes.txt").write_bytes(b"x")
    fs = HadoopFS(spark, str(tmp_path))
    assert fs.exists(str(tmp_path / "notes.txt"))
    assert not fs.exists(str(tmp_path / "nope"))
    assert fs.is_dir(str(tmp_path / "sub"))
    assert not fs.is_dir(str(tmp_path / "notes.txt"))
    assert not fs.is_dir(str(tmp_path / "nope"))
    found = fs.list_files(str(tmp_path), ["pubmed*.csv", "pubmed*.json", "sub*"])
    assert found == [
        FileInfo(f"file:{tmp_path}/pubmed_a.json", "pubmed_a.json", 2),
        FileInfo(f"file:{tmp_path}/pubmed_b.csv", "pubmed_b.csv", 9),
    ]
    assert fs.head(str(tmp_path / "pubmed_b.csv"), 3) == b"id,"


def test_hadoop_fs_writes_copies_and_deletes(spark, tmp_path):
    fs = HadoopFS(spark, str(tmp_path))
    target = str(tmp_path / "run" / "run_report.json")
    fs.write_text(target, "é\n")
    assert fs.read_text(target) == "é\n"
    fs.write_text(target, "replaced")
    assert (tmp_path / "run" / "run_report.json").read_text(encoding="utf-8") == "replaced"
    local = tmp_path / "local.json"
    local.write_text("{}", encoding="utf-8")
    fs.copy_from_local(str(local), str(tmp_path / "run" / "output.json"))
    assert (tmp_path / "run" / "output.json").read_text(encoding="utf-8") == "{}"
    fs.delete(str(tmp_path / "run"))
    fs.delete(str(tmp_path / "never-there"))  # nothing to delete: no error
    assert sorted(p.name for p in tmp_path.iterdir()) == ["local.json"]
