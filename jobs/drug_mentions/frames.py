"""Generic helpers for Spark frames: materialise on disk (with metrics), run two steps at once,
name the step a job serves.

Nothing here knows the data: :mod:`drug_mentions.components` checkpoints its rounds with
them, :mod:`drug_mentions.merge` its candidates, :mod:`drug_mentions.drugs` the drug list, and
:mod:`drug_mentions.runner` runs independent steps side by side.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

from pyspark import StorageLevel
from pyspark.sql import Column, DataFrame, Observation, SparkSession

STEP_PREFIX = "drug_mentions: "
A = TypeVar("A")
B = TypeVar("B")


def checkpoint(frame: DataFrame) -> DataFrame:
    """Materialise a frame on disk and cut its lineage (plans stay the same size)."""
    return frame.localCheckpoint(eager=True, storageLevel=StorageLevel.DISK_ONLY)


def materialise(frame: DataFrame, **metrics: Column) -> tuple[DataFrame, dict[str, Any]]:
    """:func:`checkpoint` the frame; ``metrics`` (aggregates) are observed in the same job."""
    observation = Observation()
    observed = frame.observe(observation, *[value.alias(name) for name, value in metrics.items()])
    return checkpoint(observed), observation.get


def concurrently(first: Callable[[], A], second: Callable[[], B]) -> tuple[A, B]:
    """Two independent steps at the same time, from two driver threads: one's planning and
    small jobs fill the cores the other leaves idle. Both finish before an error is raised."""
    with ThreadPoolExecutor(2, thread_name_prefix="drug-mentions") as pool:
        one, other = pool.submit(first), pool.submit(second)
        return one.result(), other.result()


@contextmanager
def step(spark: SparkSession, name: str) -> Iterator[None]:
    """Jobs started in the block (by this thread) carry the description ``drug_mentions:
    <name>``: Spark's UI and event log then tell which step each job served
    (``benchmarks/eventlog.py --steps`` sums task seconds per step)."""
    context = spark.sparkContext
    previous = context.getLocalProperty("spark.job.description")
    context.setJobDescription(f"{STEP_PREFIX}{name}")
    try:
        yield
    finally:
        context.setJobDescription(previous)


def named(spark: SparkSession, name: str, work: Callable[[], A]) -> Callable[[], A]:
    """``work`` run as :func:`step` ``name`` (for :func:`concurrently`: each thread names its
    own jobs)."""

    def run() -> A:
        with step(spark, name):
            return work()

    return run
