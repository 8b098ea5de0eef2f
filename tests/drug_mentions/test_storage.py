"""Unit tests of drug_mentions.storage: path helpers and the Hadoop file system wrapper."""

from __future__ import annotations

import dataclasses
import gzip
import os

import pytest
from drug_mentions import storage
from drug_mentions.errors import InputError
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
    assert fs.head(str(tmp_path / "pubmed_b.csv"), 3) == b"id,"


def test_list_entries_tells_every_kind_without_opening_anything(spark, tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "pubmed b [1].csv").write_bytes(b"id,title\n")
    os.mkfifo(tmp_path / "pubmed_fifo.csv")  # opening it would block: it is never opened
    (tmp_path / "pubmed_link.csv").symlink_to(tmp_path / "pubmed b [1].csv")
    (tmp_path / "pubmed_dangling.csv").symlink_to(tmp_path / "gone.csv")
    found = HadoopFS(spark, str(tmp_path)).list_entries(str(tmp_path))
    linked_ms = os.stat(tmp_path / "pubmed_link.csv").st_mtime_ns // 1_000_000
    assert [info.modified for info in found] == [
        os.stat(tmp_path / "pubmed b [1].csv").st_mtime_ns // 1_000_000,
        0,  # a dangling link has no time
        os.stat(tmp_path / "pubmed_fifo.csv").st_mtime_ns // 1_000_000,
        linked_ms,  # the linked file's
        os.stat(tmp_path / "sub").st_mtime_ns // 1_000_000,
    ]
    assert [dataclasses.replace(info, modified=0) for info in found] == [
        FileInfo(f"file://{tmp_path}/pubmed b [1].csv", "pubmed b [1].csv", 9),
        FileInfo(
            f"file://{tmp_path}/pubmed_dangling.csv",
            "pubmed_dangling.csv",
            0,
            "a dangling symbolic link",
        ),
        FileInfo(f"file://{tmp_path}/pubmed_fifo.csv", "pubmed_fifo.csv", 0, "a FIFO (named pipe)"),
        FileInfo(f"file://{tmp_path}/pubmed_link.csv", "pubmed_link.csv", 9),
        FileInfo(f"file://{tmp_path}/sub", "sub", 0, storage.FOLDER),
    ]


def test_spark_path_escapes_glob_characters_only():
    assert storage.spark_path("/in/pubmed [1]{a,b}*?\\x é%20.csv") == (
        "file:///in/pubmed \\[1\\]\\{a,b\\}\\*\\?\\\\x é%20.csv"
    )
    assert storage.spark_path("gs://b/in/pubmed[1].csv") == "gs://b/in/pubmed\\[1\\].csv"


def test_spark_reads_an_escaped_path_as_that_one_file(spark, tmp_path):
    (tmp_path / "pubmed[1].csv").write_text("id\nbracket\n")
    (tmp_path / "pubmed1.csv").write_text("id\nglob match\n")
    paths = [storage.spark_path(str(tmp_path / n)) for n in ("pubmed[1].csv", "pubmed1.csv")]
    frame = spark.read.csv(paths, header=True)
    assert sorted(row.id for row in frame.collect()) == ["bracket", "glob match"]
    alone = spark.read.csv(paths[0], header=True)
    assert [row.id for row in alone.collect()] == ["bracket"]


def test_head_decompresses_gzip_as_spark_reads_it(spark, tmp_path):
    (tmp_path / "pubmed.CSV.GZ").write_bytes(gzip.compress(b"id,title\n1,x\n"))
    fs = HadoopFS(spark, str(tmp_path))
    assert fs.head(str(tmp_path / "pubmed.CSV.GZ"), 8) == b"id,title"


def test_create_new_creates_only_once(spark, tmp_path):
    fs = HadoopFS(spark, str(tmp_path))
    lock = str(tmp_path / "sub" / ".output.lock")
    assert fs.create_new(lock, "first")
    assert not fs.create_new(lock, "second")
    assert (tmp_path / "sub" / ".output.lock").read_text() == "first"
    assert sorted(p.name for p in (tmp_path / "sub").iterdir()) == [".output.lock"]  # no .crc


def test_an_unknown_scheme_is_an_input_error(spark):
    with pytest.raises(InputError, match=r"^s3x://b/in: not a path this job can use \(.*s3x"):
        HadoopFS(spark, "s3x://b/in")


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
