"""Generic helpers for Spark frames: materialise on disk (with metrics), run two steps at once.

Nothing here knows the data: :mod:`drug_mentions.components` checkpoints its rounds with
them, :mod:`drug_mentions.merge` its candidates, :mod:`drug_mentions.drugs` the drug list, and
:mod:`drug_mentions.runner` runs independent steps side by side.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from pyspark import StorageLevel
from pyspark.sql import Column, DataFrame, Observation

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
