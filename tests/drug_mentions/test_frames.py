"""Unit tests of drug_mentions.frames: checkpoints with metrics, two steps at once."""

from __future__ import annotations

import threading
import time

import pytest
from drug_mentions import frames
from drug_mentions.errors import InputError
from pyspark.sql import functions as F


def test_checkpoint_keeps_the_rows_and_cuts_the_lineage(spark):
    frame = spark.range(5).selectExpr("id * 2 AS twice").where("twice > 2")
    saved = frames.checkpoint(frame)
    assert [row.twice for row in saved.orderBy("twice").collect()] == [4, 6, 8]
    assert "Filter" not in saved._jdf.queryExecution().analyzed().toString()


def test_materialise_observes_its_metrics_in_the_checkpointing_job(spark):
    frame = spark.range(10).selectExpr("id % 3 AS k")
    saved, seen = frames.materialise(
        frame, rows=F.count(F.lit(1)), zeros=F.count_if(F.col("k") == 0)
    )
    assert (seen["rows"], seen["zeros"]) == (10, 4)
    assert sorted(row.k for row in saved.collect()) == [0, 0, 0, 0, 1, 1, 1, 2, 2, 2]


def test_concurrently_runs_both_at_the_same_time():
    meeting = threading.Barrier(2, timeout=10)  # broken (an error) if one step waits alone

    def first() -> str:
        meeting.wait()
        return "a"

    def second() -> int:
        meeting.wait()
        return 1

    assert frames.concurrently(first, second) == ("a", 1)


def test_concurrently_raises_once_both_are_done():
    finished = []

    def slow() -> str:
        time.sleep(0.3)
        finished.append("slow")
        return "done"

    def failing() -> None:
        raise InputError("bad")

    with pytest.raises(InputError, match="bad"):
        frames.concurrently(failing, slow)
    assert finished == ["slow"]
