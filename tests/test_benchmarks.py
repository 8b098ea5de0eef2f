"""Benchmark smoke tests: the generator's manifest is exact, and pipeline = naive baseline.

1. The manifest's expected counts are recounted from the written files with the stdlib only
   (csv, json, datetime, an independent whole-word matcher): rows, rejects by reason, merged
   duplicates, edges, drugs mentioned.
2. On the same tiny inputs, the pipeline (``jobs/pipeline.py`` ``main``, in the test session)
   reports exactly the manifest's counts, and its edges equal, as a set of (source, id, drug),
   those of the naive cross join + ``rlike`` baseline (``benchmarks/naive.py``).
"""

from __future__ import annotations

import csv
import json
import re
import sys
from datetime import datetime
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))

import generate  # noqa: E402

TITLES, DRUGS, SEED = 500, 20, 3
_DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%Y/%m/%d", "%d %B %Y")
_DATE_SHAPES = (
    r"\d{1,2}/\d{1,2}/\d{4}",
    r"\d{4}-\d{1,2}-\d{1,2}",
    r"\d{4}/\d{1,2}/\d{1,2}",
    r"\d{1,2} [A-Za-z]+ \d{4}",
)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> tuple[Path, dict]:
    folder = tmp_path_factory.mktemp("bench") / "data"
    return folder, generate.generate(TITLES, DRUGS, str(folder), SEED, files=2)


def _date(text: str | None):
    """The contract's four date shapes, strictly; None when invalid or impossible."""
    text = " ".join((text or "").split())
    for shape, fmt in zip(_DATE_SHAPES, _DATE_FORMATS, strict=True):
        if re.fullmatch(shape, text):
            try:
                return datetime.strptime(text.title() if " " in text else text, fmt).date()
            except ValueError:
                return None
    return None


def _records(folder: Path):
    """(source, file, fields or None when malformed) for every data row of every input file."""
    for path in sorted(folder.glob("*.csv")):
        if path.name == "drugs.csv":
            continue
        source = "clinical_trials" if path.name.startswith("clinical_trials") else "pubmed"
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))[1:]
        for row in rows:
            yield source, path.name, (row if len(row) == 4 else None)
    for path in sorted(folder.glob("pubmed*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except ValueError:
                yield "pubmed", path.name, None
                continue
            fields = [item.get(key) for key in ("id", "title", "date", "journal")]
            yield "pubmed", path.name, ["" if v is None else str(v) for v in fields]


def _recount(folder: Path) -> dict:
    """The manifest's ``expected`` block, recomputed from the files."""
    with (folder / "drugs.csv").open(encoding="utf-8", newline="") as fh:
        names = [" ".join(row[1].split()).upper() for row in list(csv.reader(fh))[1:]]
    drug_words = {name: name.split(" ") for name in names}
    sources = {
        s: {"rows": 0, "kept": 0, "rejected": 0, "rejected_by_reason": {}, "merged_duplicates": 0}
        for s in ("pubmed", "clinical_trials")
    }
    parent: dict = {}

    def find(key):
        while parent.setdefault(key, key) != key:
            key = parent[key]
        return key

    titles = {}
    files: dict[str, int] = {}
    for source, name, fields in _records(folder):
        files[name] = files.get(name, 0) + 1
        counts = sources[source]
        counts["rows"] += 1
        title = " ".join(fields[1].split()) if fields else ""
        when = _date(fields[2]) if fields else None
        reason = (
            "malformed_record"
            if fields is None
            else "missing_title"
            if not title
            else "invalid_date"
            if when is None
            else None
        )
        if reason:
            counts["rejected"] += 1
            by_reason = counts["rejected_by_reason"]
            by_reason[reason] = by_reason.get(reason, 0) + 1
            continue
        node = ("td", source, title.lower(), when)
        titles[find(node)] = (source, title)
        if fields[0].strip():
            parent[find(("id", source, fields[0].strip()))] = find(node)
    components = {find(node): titles[node] for node in list(titles)}
    edges = {"pubmed": 0, "clinical_trials": 0}
    mentioned = set()
    for source, title in components.values():
        sources[source]["kept"] += 1
        words = re.findall(r"[^\W_]+", title.upper())
        for name, dwords in drug_words.items():
            n = len(dwords)
            if any(words[i : i + n] == dwords for i in range(len(words) - n + 1)):
                edges[source] += 1
                mentioned.add(name)
    for counts in sources.values():
        counts["merged_duplicates"] = counts["rows"] - counts["rejected"] - counts["kept"]
        counts["rejected_by_reason"] = dict(sorted(counts["rejected_by_reason"].items()))
    drugs = {"rows": len(names), "kept": len(set(names)), "rejected": 0}
    drugs.update(rejected_by_reason={}, merged_duplicates=0)
    return {
        "sources": {"drugs": drugs, **sources},
        "edges": {**edges, "total": sum(edges.values())},
        "drugs_mentioned": len(mentioned),
        "files": files,
    }


def test_manifest_counts_equal_a_recount_of_the_written_files(tiny):
    folder, manifest = tiny
    recount = _recount(folder)
    expected = manifest["expected"]
    assert recount["sources"] == expected["sources"]
    assert recount["edges"] == expected["edges"]
    assert recount["drugs_mentioned"] == expected["drugs_mentioned"]
    rows_per_file = {n: f["rows"] for n, f in manifest["files"].items() if n != "drugs.csv"}
    assert recount["files"] == rows_per_file
    # The junk the benchmark promises is really there, and mentions are ~5 %.
    for source in ("pubmed", "clinical_trials"):
        assert expected["sources"][source]["rejected"] > 0
        assert expected["sources"][source]["merged_duplicates"] > 0
    assert 0.02 * TITLES < expected["edges"]["total"] < 0.15 * TITLES
    assert expected["multi_word_drugs"] >= 2


def test_generator_is_deterministic_per_seed(tmp_path):
    def files(seed: int, name: str) -> dict[str, bytes]:
        generate.generate(200, 10, str(tmp_path / name), seed, files=2)
        paths = sorted((tmp_path / name).glob("*.*sv")) + sorted((tmp_path / name).glob("*.jsonl"))
        return {p.name: p.read_bytes() for p in paths}

    assert files(5, "a") == files(5, "b")
    assert files(5, "a") != files(6, "c")


@pytest.mark.slow
def test_pipeline_reports_the_manifest_and_finds_the_naive_edges(spark, tiny, tmp_path):
    import naive
    import pipeline

    folder, manifest = tiny
    output = tmp_path / "out"
    code = pipeline.main(
        ["--input", str(folder), "--output", str(output), "--run-id", "bench-test"]
    )
    assert code == 0
    report = json.loads((output / "run_report.json").read_text(encoding="utf-8"))
    expected = manifest["expected"]
    assert report["sources"] == expected["sources"]
    assert report["edges"] == expected["edges"]
    assert report["drugs_mentioned"] == expected["drugs_mentioned"]

    ours = {
        (row.source, row.id, row.drug)
        for row in spark.read.parquet(str(output / "mentions")).collect()
    }
    baseline: set[tuple] = set()
    naive.naive_edges(
        spark,
        str(folder),
        lambda edges: baseline.update(
            (row.source, row.id, row.drug) for row in edges.select("source", "id", "drug").collect()
        ),
    )
    assert len(ours) == expected["edges"]["total"]
    assert ours == baseline


def test_marginal_rows_compare_what_each_size_adds_with_the_floor():
    import measure

    def row(size, titles, method, mb, wall, cpu, profile="tuned"):
        return {
            "profile": profile,
            "size": size,
            "titles": titles,
            "method": method,
            "input_mb": mb,
            "wall_s": wall,
            "cpu_s": cpu,
            "status": "ok",
        }

    rows = [
        row("1m", 1_000_000, "floor", 150.0, 20.0, 30.0),
        row("1m", 1_000_000, "pipeline_no_json", 150.0, 60.0, 100.0),
        row("3m", 3_000_000, "floor", 450.0, 30.0, 40.0),
        row("3m", 3_000_000, "pipeline_no_json", 450.0, 90.0, 160.0),
        row("5m", 5_000_000, "floor", 750.0, 45.0, 60.0),
        row("5m", 5_000_000, "pipeline_no_json", 750.0, 150.0, 250.0),
        row("5m", 5_000_000, "pipeline_state", 750.0, 170.0, 280.0),  # no 1M/3M partner
        row("10m", 10_000_000, "floor", 1500.0, 80.0, 110.0),
        row("10m", 10_000_000, "pipeline_no_json", 1500.0, 300.0, 500.0),
    ]
    got = measure.marginal_rows(rows)
    assert [(r["from"], r["to"], r["method"]) for r in got] == [
        ("1m", "3m", "pipeline_no_json"),
        ("3m", "5m", "pipeline_no_json"),
        ("5m", "10m", "pipeline_no_json"),
        ("1m", "5m", "pipeline_no_json"),
        ("1m", "10m", "pipeline_no_json"),
    ]
    first, _, _, whole, longest = got
    assert (first["added_mb"], first["added_wall_s"], first["added_cpu_s"]) == (300.0, 30.0, 60.0)
    assert (first["wall_ratio"], first["cpu_ratio"]) == (3.0, 6.0)
    assert (first["cpu_s_per_mb"], first["ref_cpu_s_per_mb"]) == (0.2, 0.033)
    assert (whole["wall_ratio"], whole["cpu_ratio"], whole["cpu_s_per_mb"]) == (3.6, 5.0, 0.25)
    assert (longest["added_mb"], longest["wall_ratio"], longest["cpu_ratio"]) == (1350.0, 4.0, 5.0)
    table = measure.marginal_table(got).splitlines()
    assert (
        table[2]
        == "| tuned | 1m | 3m | pipeline_no_json | 300.0 | 30.0 / 10.0 | 60.0 / 10.0 | 3.0 | 6.0 | 0.2 / 0.033 |"
    )
