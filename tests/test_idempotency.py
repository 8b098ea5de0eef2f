"""Idempotent reruns: the same input gives the same bytes, whatever the file order or layout.

The reference is the session's spark-submit run on data/ (``sample_submit``). A second run of
the same input (another process, another run id) and a run of the same records shuffled and
split over several files whose listing order differs, with more shuffle partitions, must give a
byte-identical ``output.json`` and the same ``mentions/`` rows.
"""

from __future__ import annotations

import csv
import io
import json
import random
from pathlib import Path

import pytest

from tests.helpers import DATA, load_entry_point

pipeline = load_entry_point("pipeline")


def _mention_rows(spark, out: Path) -> list:
    columns = ["source", "drug", "id", "atccode", "title", "journal", "date_mention"]
    return sorted(
        tuple(row) for row in spark.read.parquet(str(out / "mentions")).select(columns).collect()
    )


def _csv_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    text = path.read_text(encoding="utf-8")
    rows = [row for row in csv.reader(io.StringIO(text)) if "".join(row).strip()]  # no blank lines
    return rows[0], rows[1:]


def _write_csv(path: Path, header: list[str], rows: list[list[str]], newline: str) -> None:
    text = io.StringIO()
    csv.writer(text, quoting=csv.QUOTE_ALL, lineterminator=newline).writerows([header, *rows])
    path.write_text(text.getvalue(), encoding="utf-8")


def _reordered_copy(folder: Path) -> None:
    """data/'s records shuffled, split over files listed in another order (z before a)."""
    rng = random.Random(20261125)
    folder.mkdir()
    for name, parts in [("drugs", 2), ("pubmed", 3), ("clinical_trials", 2)]:
        header, rows = _csv_rows(DATA / f"{name}.csv")
        rng.shuffle(rows)
        for part in range(parts):
            # pubmed_9.csv holds the first rows, pubmed_0.csv the last: listing order is reversed.
            _write_csv(folder / f"{name}_{parts - 1 - part}.csv", header, rows[part::parts], "\r\n")
    records = json.loads(
        DATA.joinpath("pubmed.json").read_text(encoding="utf-8").replace("},\n]", "}\n]")
    )
    rng.shuffle(records)
    (folder / "pubmed_z.json").write_text(json.dumps(records[:2]), encoding="utf-8")
    lines = "\n".join(json.dumps(record) for record in records[2:])
    (folder / "pubmed_a.jsonl").write_text(lines + "\n", encoding="utf-8")


def test_rerun_of_the_same_input_is_byte_identical(spark, sample_submit, tmp_path):
    first, _ = sample_submit
    second = tmp_path / "output"
    assert pipeline.main(["--input", str(DATA), "--output", str(second), "--run-id", "again"]) == 0
    assert (second / "output.json").read_bytes() == (first / "output.json").read_bytes()
    assert _mention_rows(spark, second) == _mention_rows(spark, first)
    assert len(_mention_rows(spark, first)) == 19


@pytest.fixture
def more_shuffle_partitions(spark):
    before = spark.conf.get("spark.sql.shuffle.partitions")
    spark.conf.set("spark.sql.shuffle.partitions", "3")
    yield
    spark.conf.set("spark.sql.shuffle.partitions", before)


def test_shuffled_and_split_input_gives_the_same_bytes(
    spark, sample_submit, tmp_path, more_shuffle_partitions
):
    first, _ = sample_submit
    folder = tmp_path / "in"
    _reordered_copy(folder)
    out = tmp_path / "output"
    assert pipeline.main(["--input", str(folder), "--output", str(out)]) == 0
    report = json.loads((out / "run_report.json").read_text())
    assert len(report["files"]) == 9
    assert {s: n["rows"] for s, n in report["sources"].items()} == {
        "drugs": 7,
        "pubmed": 13,
        "clinical_trials": 8,
    }
    assert (out / "output.json").read_bytes() == (first / "output.json").read_bytes()
    assert _mention_rows(spark, out) == _mention_rows(spark, first)
