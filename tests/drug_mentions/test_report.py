"""Unit tests of drug_mentions.report: row counts, edge counts, the report and its summary."""

from __future__ import annotations

import logging
from collections import Counter

import pytest
from drug_mentions import report
from drug_mentions.contract import BLANK, REJECTED, USABLE
from drug_mentions.storage import FileInfo
from pyspark.sql import Observation

G = report.RowGroup
ROWS = Counter(
    {
        G("drugs", "drugs.csv", USABLE, None): 3,
        G("drugs", "drugs.csv", REJECTED, "duplicate_drug"): 1,
        G("drugs", "drugs.csv", BLANK, "malformed_record"): 2,  # blank lines
        G("pubmed", "p.csv", USABLE, None): 5,
        G("pubmed", "p.csv", REJECTED, "invalid_date"): 1,
        G("pubmed", "p.json", REJECTED, "missing_title"): 2,
        G("pubmed", "p.json", BLANK, None): 1,
        G("clinical_trials", "c.csv", USABLE, None): 4,
    }
)


def test_row_counts_per_file_source_and_reason():
    counts = report.RowCounts(ROWS)
    assert counts.per_file("p.json", blank=False) == 2
    assert counts.per_file("p.json", blank=True) == 1
    assert counts.per_file("drugs.csv", blank=True) == 2
    assert [counts.rows_of(s) for s in ("drugs", "pubmed", "clinical_trials")] == [4, 8, 4]
    assert [counts.usable(s) for s in ("drugs", "pubmed", "clinical_trials")] == [3, 5, 4]
    assert counts.rejected() == {
        "drugs": {"duplicate_drug": 1},
        "pubmed": {"invalid_date": 1, "missing_title": 2},
    }
    assert counts.in_file("p.csv") == Counter({None: 5, "invalid_date": 1})


def test_row_counts_of_a_frame_take_the_status_the_frame_gives_and_add_up(spark):
    rows = [("pubmed", "p.csv", None, False), ("pubmed", "p.csv", None, False)]
    rows += [
        ("pubmed", "p.csv", "invalid_date", False),
        ("pubmed", "p.csv", "malformed_record", True),
    ]
    rows += [("drugs", "d.csv", "missing_drug", False)]
    frame = spark.createDataFrame(rows, "source string, file string, reason string, blank boolean")
    counted = report.RowCounts.of(frame)
    assert counted.rows == Counter(
        {
            G("pubmed", "p.csv", USABLE, None): 2,
            G("pubmed", "p.csv", REJECTED, "invalid_date"): 1,
            G("pubmed", "p.csv", BLANK, "malformed_record"): 1,
            G("drugs", "d.csv", REJECTED, "missing_drug"): 1,
        }
    )
    assert (counted + counted).rows == Counter({group: 2 * n for group, n in counted.rows.items()})


def test_edges_are_counted_while_written(spark, tmp_path):
    edges = spark.createDataFrame(
        [("A", "pubmed"), ("A", "clinical_trials"), ("B", "pubmed"), ("A", "pubmed")],
        "drug string, source string",
    )
    seen = Observation("edges")
    report.observe_edges(edges, seen).write.parquet(str(tmp_path / "edges"))
    counted = report.edge_counts(seen)
    assert counted == report.EdgeCounts({"pubmed": 3, "clinical_trials": 1}, 2)


FACTS = report.RunFacts(
    sources=("drugs", "pubmed", "clinical_trials"),
    files=[
        FileInfo("file:///in/p.json", "p.json", 30),
        FileInfo("file:///in/c.csv", "c.csv", 40),
        FileInfo("file:///in/drugs.csv", "drugs.csv", 10),
        FileInfo("file:///in/p.csv", "p.csv", 20),
    ],
    source_of={
        "drugs.csv": "drugs",
        "p.csv": "pubmed",
        "p.json": "pubmed",
        "c.csv": "clinical_trials",
    },
    rows=report.RowCounts(ROWS),
    merged={"pubmed": 2},
    edges=report.EdgeCounts({"pubmed": 6, "clinical_trials": 2}, 3),
    output_json_drugs=3,
    ignored={"notes.txt": "no input pattern matches", "archive": "a folder"},
)
INFO = report.RunInfo(
    "r1", "9.9.9", "in", "out", started=1_800_000_000.0, finished=1_800_000_061.25
)


def _file(name, size, rows, blank, source):
    return {
        "file": name,
        "bytes": size,
        "rows": rows,
        "blank_lines_ignored": blank,
        "source": source,
    }


def test_build_states_the_run_and_balances_per_source():
    assert report.build(FACTS, INFO) == {
        "files": [
            _file("c.csv", 40, 4, 0, "clinical_trials"),
            _file("drugs.csv", 10, 4, 2, "drugs"),
            _file("p.csv", 20, 6, 0, "pubmed"),
            _file("p.json", 30, 2, 1, "pubmed"),
        ],
        "ignored": [
            {"name": "archive", "reason": "a folder"},
            {"name": "notes.txt", "reason": "no input pattern matches"},
        ],
        "sources": {
            "drugs": {
                "rows": 4,
                "kept": 3,
                "rejected": 1,
                "rejected_by_reason": {"duplicate_drug": 1},
                "merged_duplicates": 0,
            },
            "pubmed": {
                "rows": 8,
                "kept": 3,  # 5 usable, 2 merged into another record
                "rejected": 3,
                "rejected_by_reason": {"invalid_date": 1, "missing_title": 2},
                "merged_duplicates": 2,
            },
            "clinical_trials": {
                "rows": 4,
                "kept": 4,
                "rejected": 0,
                "rejected_by_reason": {},
                "merged_duplicates": 0,
            },
        },
        "rejects_total": 4,
        "edges": {"pubmed": 6, "clinical_trials": 2, "total": 8},
        "drugs_mentioned": 3,
        "output_json": {"written": True, "drugs": 3},
        "run_id": "r1",
        "version": "9.9.9",
        "input": "in",
        "output": "out",
        "started_at": "2027-01-15T08:00:00+00:00",
        "finished_at": "2027-01-15T08:01:01+00:00",
        "duration_seconds": 61.25,
    }


def test_build_without_output_json():
    facts = report.RunFacts(**{**FACTS.__dict__, "output_json_drugs": None})
    assert report.build(facts, INFO)["output_json"] == {"written": False, "drugs": None}


def test_to_json_is_sorted_indented_utf8_text():
    assert report.to_json({"b": 1, "a": {"é": [1, 2]}}) == (
        '{\n  "a": {\n    "é": [\n      1,\n      2\n    ]\n  },\n  "b": 1\n}\n'
    )


@pytest.fixture
def report_log():
    """The lines ``drug_mentions.report`` logs (whatever handlers a job set up before)."""
    lines: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: lines.append(record.getMessage())
    logger = logging.getLogger("drug_mentions.report")
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.INFO)
    yield lines
    logger.removeHandler(handler)
    logger.setLevel(level)


def test_log_summary(report_log):
    report.log_summary(report.build(FACTS, INFO))
    assert report_log == [
        "---- run r1 summary ----",
        "drugs            rows      4  kept      3  rejected     1  merged     0  {'duplicate_drug': 1}",
        "pubmed           rows      8  kept      3  rejected     3  merged     2  "
        "{'invalid_date': 1, 'missing_title': 2}",
        "clinical_trials  rows      4  kept      4  rejected     0  merged     0  ",
        "edges: {'pubmed': 6, 'clinical_trials': 2} (total 8)",
        "drugs mentioned: 3 of 3",
        "duration: 61.2 s",
    ]
