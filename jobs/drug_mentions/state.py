"""The incremental state (``--state``): what earlier runs absorbed, so a run reads only new files.

Plain Parquet and JSON through Spark and Hadoop's FileSystem (no table format), under the
state location::

    manifest-<N>.json        version N of the state, written last by the run that made it: the
                             greatest N is the state (a run killed earlier leaves N - 1)
    _LOCK                    one run at a time (drug_mentions.lock)
    files/seg=<N>.json       the publication files segment N absorbed, their fingerprints and
                             counts
    groups/seg=<N>/          Parquet: the publications segment N made (summaries, group id)
    keys/seg=<N>/            Parquet: 128-bit key hashes -> group, for the keys segment N saw
    forward/seg=<N>/         Parquet: older groups merged into a group of segment N
    edges/seg=<N>/           Parquet: the edges segment N found (a drug in a group's title)
    rejects/seg=<N>/         JSON Lines: the rows of rejects/ of the files segment N absorbed

Each run that absorbs something writes one new segment and a manifest listing every segment
of the state; nothing is rewritten in place. A group is identified by its segment and the
hashes of its label (``seg, g1, g2``); it is alive until a later segment forwards it (merged
into a new group). ``--rebuild`` starts over with one segment holding everything.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from pyspark.sql import DataFrame, SparkSession

from drug_mentions import lock
from drug_mentions.errors import InputError
from drug_mentions.storage import HadoopFS, join, qualified, spark_path

log = logging.getLogger(__name__)

FORMAT = 1
TABLES = ("groups", "keys", "forward", "edges")
_REP = "STRUCT<no_id: BOOLEAN, title: STRING, date_mention: DATE, no_journal: BOOLEAN, journal: STRING>"
SCHEMAS = {
    "groups": f"source STRING, _label STRING, rep {_REP}, any_journal STRING, records BIGINT, "
    "g1 BIGINT, g2 BIGINT, seg INT",
    "keys": "source STRING, h1 BIGINT, h2 BIGINT, g1 BIGINT, g2 BIGINT, seg INT",
    "forward": "source STRING, fseg INT, f1 BIGINT, f2 BIGINT, t1 BIGINT, t2 BIGINT, seg INT",
    "edges": "drug STRING, source STRING, id STRING, title STRING, journal STRING, "
    "date_mention DATE, gseg INT, g1 BIGINT, g2 BIGINT, seg INT",
}


@dataclass(frozen=True)
class AbsorbedFile:
    """A publication file a segment absorbed: where, its fingerprint (size, modification
    time, CRC32C) and its rows per ``[status, reason]``."""

    name: str
    path: str
    source: str
    size: int
    modified: int
    crc32c: str
    rows: list[list[Any]]


@dataclass(frozen=True)
class Manifest:
    """One version of the state: its segments, the drug list its edges follow (name ->
    ``{"atccode", "since"}``: the segment from which the drug's edges are complete), and the
    live publications per source."""

    version: int
    segments: list[int]
    drugs: dict[str, dict[str, Any]]
    publications: dict[str, int]
    run_id: str
    created_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    format: int = FORMAT

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _manifest_name(version: int) -> str:
    return f"manifest-{version:06d}.json"


_MANIFEST = re.compile(r"manifest-(\d{6})\.json")


class State:
    """The state at ``location`` (a local folder or ``gs://...``)."""

    def __init__(self, spark: SparkSession, location: str) -> None:
        self.spark = spark
        self.location = location.rstrip("/")
        self.fs = HadoopFS(spark, self.location)

    def path(self, *parts: str) -> str:
        return join(self.location, *parts)

    def lock(self, run_id: str) -> lock.Lock:
        """One run at a time on this state (exit 2 naming the holder otherwise)."""
        return lock.acquire(self.spark, self.path("_LOCK"), run_id, "state", self.location)

    def _manifests(self) -> list[str]:
        """The manifests' names, oldest first."""
        return [n for n in self.fs.names(self.location) if _MANIFEST.fullmatch(n)]

    def latest_version(self) -> int:
        """The greatest version on disk (0 for a new state), whatever its format."""
        manifests = self._manifests()
        return int(_MANIFEST.fullmatch(manifests[-1]).group(1)) if manifests else 0

    def current(self) -> Manifest | None:
        """The latest version, or None for a new state. A state of another format version is
        an :class:`InputError` naming ``--rebuild``."""
        manifests = self._manifests()
        if not manifests:
            return None
        text = self.fs.read_text(self.path(manifests[-1]))
        data = json.loads(text)
        if data.get("format") != FORMAT:
            raise InputError(
                f"{self.location}: state format {data.get('format')} is not this version's "
                f"({FORMAT}); run with --rebuild to write a new state from every file"
            )
        return Manifest(**data)

    def next_segment(self, latest: int) -> int:
        """The number of the segment this run writes after version ``latest``; what a killed
        run left of it is removed."""
        number = latest + 1
        self.remove_segments(lambda seg: seg >= number)
        return number

    def remove_segments(self, doomed) -> None:
        """Delete the segments ``doomed(seg)`` selects, in every table."""
        for table in (*TABLES, "rejects"):
            for name in self.fs.names(self.path(table)):
                if name.startswith("seg=") and doomed(int(name[4:])):
                    self.fs.delete(self.path(table, name))
        for name in self.fs.names(self.path("files")):
            if name.startswith("seg=") and doomed(int(name[4:].split(".")[0])):
                self.fs.delete(self.path("files", name))

    def segment_path(self, table: str, seg: int) -> str:
        return qualified(self.path(table, f"seg={seg}"))

    def read(self, table: str, segments: list[int]) -> DataFrame:
        """A table over the given segments (``seg`` is a column), empty when there is none."""
        schema = SCHEMAS[table]
        if not segments:
            return self.spark.createDataFrame([], schema)
        base = spark_path(self.path(table))
        paths = [spark_path(self.path(table, f"seg={seg}")) for seg in segments]
        return self.spark.read.schema(schema).option("basePath", base).parquet(*paths)

    def write(self, table: str, seg: int, frame: DataFrame) -> None:
        """Write one segment of a table (the ``seg`` column is the folder)."""
        frame.drop("seg").write.mode("overwrite").parquet(self.segment_path(table, seg))

    def bytes_of(self, table: str, segments: list[int]) -> int:
        return sum(self.fs.size_of_tree(self.segment_path(table, seg)) for seg in segments)

    def files(self, manifest: Manifest | None) -> list[AbsorbedFile]:
        """Every file the state absorbed, in segment order."""
        found = []
        for seg in manifest.segments if manifest else []:
            entries = json.loads(self.fs.read_text(self.path("files", f"seg={seg}.json")))
            found += [AbsorbedFile(**entry) for entry in entries]
        return found

    def write_files(self, seg: int, files: list[AbsorbedFile]) -> None:
        text = json.dumps([asdict(f) for f in files], indent=1, ensure_ascii=False) + "\n"
        self.fs.write_text(self.path("files", f"seg={seg}.json"), text)

    def commit(self, manifest: Manifest) -> None:
        """Make ``manifest`` the state's version (its file is written last), then drop what
        no version needs any more: older manifests but the previous one, and segments no
        longer listed (after a ``--rebuild``)."""
        self.fs.write_text(self.path(_manifest_name(manifest.version)), manifest.to_json())
        manifests = self._manifests()
        for name in manifests[:-2]:
            self.fs.delete(self.path(name))
        previous = manifests[-2] if len(manifests) > 1 else None
        keep = set(manifest.segments)
        if previous:
            keep |= set(json.loads(self.fs.read_text(self.path(previous)))["segments"])
        self.remove_segments(lambda seg: seg not in keep)
        log.info("state %s is at version %d", self.location, manifest.version)
