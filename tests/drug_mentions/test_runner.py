"""Unit tests of drug_mentions.runner: the steps in order, on a tiny input in the test session."""

from __future__ import annotations

import json
import re

import pytest
from chispa import assert_df_equality
from drug_mentions import contract, discover, runner
from drug_mentions.config import Settings
from drug_mentions.errors import InputError
from pyspark import StorageLevel

from tests.helpers import write_files

TINY = {
    "drugs.csv": "atccode,drug\nA01,ASPIRIN\nB03,Ethanol\nB02, ethanol\n",
    "pubmed.csv": "id,title,date,journal\n1,Aspirin and ethanol,01/02/2020,J1\n2,  ,2020-01-01,J2\n",
    "pubmed.json": '[{"id": 3, "title": "aspirin", "date": "2020-03-01", "journal": "J1"}]',
    "clinical_trials.csv": (
        "id,scientific_title,date,journal\n"
        "NCT1,Ethanol study,1 March 2020,J3\n"
        "NCT2,ethanol study,2020-03-01,\n"  # same title and date: merged into NCT1
    ),
}


def test_new_run_id_is_a_sortable_lower_case_utc_timestamp():
    assert re.fullmatch(r"\d{8}t\d{6}z", runner.new_run_id())


def _persisted(spark) -> set[int]:
    """Ids of the persisted RDDs (compared as sets: Spark's cleaner may drop older ones)."""
    return set(spark.sparkContext._jsc.getPersistentRDDs().keySet())


def _discovered(spark, tmp_path, files):
    return discover.discover(spark, str(write_files(tmp_path / "in", files)), "auto")


def test_read_and_clean_gives_the_checked_cleaned_inputs(spark, tmp_path):
    inputs = _discovered(spark, tmp_path, TINY)
    before = _persisted(spark)
    with runner.read_and_clean(spark, inputs) as cleaned:
        added = _persisted(spark) - before
        assert len(added) == 2  # the records' DISK_ONLY copy, the cached drug list
        assert cleaned.records.storageLevel == StorageLevel.DISK_ONLY
        assert tuple(cleaned.records.columns) == contract.RECORD_COLUMNS
        kept = spark.createDataFrame(
            [("ASPIRIN", "A01"), ("ETHANOL", "B02")], "drug string, atccode string"
        )
        assert_df_equality(
            cleaned.drug_list.kept.select("drug", "atccode"),
            kept,
            ignore_row_order=True,
            ignore_nullable=True,
        )
        assert cleaned.counts.rejected() == {
            "drugs": {"duplicate_drug": 1},
            "pubmed": {"missing_title": 1},
        }
        assert [cleaned.counts.usable(s) for s in contract.SOURCES] == [2, 2, 2]
        assert cleaned.usable_count() == 4
        assert cleaned.usable_records().count() == 4
    assert not _persisted(spark) & added


def test_read_and_clean_releases_the_records_on_bad_input(spark, tmp_path):
    inputs = _discovered(spark, tmp_path, {**TINY, "drugs.csv": "atccode,drug\nA01,  \n"})
    before = _persisted(spark)
    with pytest.raises(InputError) as error, runner.read_and_clean(spark, inputs):
        pytest.fail("bad input must fail before the block")
    assert str(error.value) == "drugs.csv: no usable drug row (empty drug list)"
    assert not _persisted(spark) - before


def test_run_writes_every_output_and_returns_the_report(spark, tmp_path):
    folder = write_files(tmp_path / "in", TINY)
    out = tmp_path / "out"
    summary = runner.run(spark, Settings(input=str(folder), output=str(out)), run_id="r1")
    assert sorted(p.name for p in out.iterdir()) == [
        "_SUCCESS",
        "mentions",
        "output.json",
        "rejects",
        "report.html",
        "run_report.json",
    ]
    assert json.loads((out / "run_report.json").read_text(encoding="utf-8")) == summary
    assert json.loads((out / "_SUCCESS").read_text(encoding="utf-8")) == summary
    counts = {
        s: (n["rows"], n["kept"], n["rejected"], n["merged_duplicates"])
        for s, n in summary["sources"].items()
    }
    assert counts == {
        "drugs": (3, 2, 1, 0),
        "pubmed": (3, 2, 1, 0),
        "clinical_trials": (2, 1, 0, 1),
    }
    assert summary["edges"] == {"pubmed": 3, "clinical_trials": 1, "total": 4}
    assert summary["output_json"] == {"written": True, "drugs": 2}
    assert (summary["run_id"], summary["input"], summary["output"]) == ("r1", str(folder), str(out))
    mention = {"title": "Aspirin and ethanol", "journal": "J1", "date_mention": "2020-02-01"}
    assert json.loads((out / "output.json").read_text(encoding="utf-8")) == {
        "drugs": [
            {
                "drug": "ASPIRIN",
                "atccode": "A01",
                "pubmed": [
                    {"id": "1", **mention},
                    {"id": "3", "title": "aspirin", "journal": "J1", "date_mention": "2020-03-01"},
                ],
                "clinical_trials": [],
                "journals": [
                    {"journal": "J1", "date_mention": "2020-02-01"},
                    {"journal": "J1", "date_mention": "2020-03-01"},
                ],
            },
            {
                "drug": "ETHANOL",
                "atccode": "B02",
                "pubmed": [{"id": "1", **mention}],
                "clinical_trials": [
                    {
                        "id": "NCT1",
                        "title": "Ethanol study",
                        "journal": "J3",
                        "date_mention": "2020-03-01",
                    }
                ],
                "journals": [
                    {"journal": "J1", "date_mention": "2020-02-01"},
                    {"journal": "J3", "date_mention": "2020-03-01"},
                ],
            },
        ]
    }


def test_run_without_output_json_nor_report_html(spark, tmp_path):
    folder = write_files(tmp_path / "in", TINY)
    out = tmp_path / "out"
    settings = Settings(
        input=str(folder), output=str(out), write_output_json=False, report_html=False
    )
    summary = runner.run(spark, settings, run_id="r2")
    assert summary["output_json"] == {"written": False, "drugs": None}
    assert sorted(p.name for p in out.iterdir()) == [
        "_SUCCESS",
        "mentions",
        "rejects",
        "run_report.json",
    ]
    assert summary["edges"]["total"] == 4
