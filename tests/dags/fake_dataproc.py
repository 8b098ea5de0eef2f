"""An in-memory stand-in for the few ``DataprocHook`` methods the DAG calls (no emulator exists).

Batches are real ``google.cloud.dataproc_v1.Batch`` messages. ``list_batches`` understands only
the label filter the DAG sends (anything else is an error, so a changed filter cannot pass
silently). A cancelled batch goes CANCELLING, then CANCELLED after ``polls_to_stop`` reads.
``calls`` records every call in order. ``tests/dags/test_batches.py`` checks that each method
takes only parameters the real ``DataprocHook`` method has.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from google.cloud import dataproc_v1

State = dataproc_v1.Batch.State
_FILTER = re.compile(r'^labels\.app = "([^"]*)" AND labels\.run_id = "([^"]*)"$')


@dataclass
class CreatedOperation:
    """What ``create_batch`` returns: the provider reads ``metadata.batch``."""

    metadata: Any


@dataclass
class FakeDataprocHook:
    project_id: str = "p"
    region: str = "r"
    polls_to_stop: int = 1
    batches: dict[str, dataproc_v1.Batch] = field(default_factory=dict)
    calls: list[tuple[str, str]] = field(default_factory=list)
    _polls: dict[str, int] = field(default_factory=dict)

    def name(self, batch_id: str) -> str:
        return f"projects/{self.project_id}/locations/{self.region}/batches/{batch_id}"

    def add(self, batch_id: str, state: State, **labels: str) -> None:
        name = self.name(batch_id)
        self.batches[name] = dataproc_v1.Batch(
            name=name,
            state=state,
            labels=labels,
            operation=f"projects/{self.project_id}/regions/{self.region}/operations/op-{batch_id}",
        )

    def state(self, batch_id: str) -> str:
        return self.batches[self.name(batch_id)].state.name

    # --- DataprocHook methods -----------------------------------------------------------------

    def list_batches(self, region: str, project_id: str, filter: str) -> list[dataproc_v1.Batch]:
        self.calls.append(("list_batches", filter))
        match = _FILTER.match(filter)
        assert match, f"filter the fake does not understand: {filter!r}"
        app, run_id = match.groups()
        return [
            dataproc_v1.Batch(batch)
            for batch in self.batches.values()
            if batch.labels.get("app") == app and batch.labels.get("run_id") == run_id
        ]

    def get_operations_client(self, region: str) -> FakeDataprocHook:
        return self

    def cancel_operation(self, name: str) -> None:
        self.calls.append(("cancel_operation", name))
        batch = next(b for b in self.batches.values() if b.operation == name)
        batch.state = State.CANCELLING

    def get_batch(self, batch_id: str, region: str, project_id: str) -> dataproc_v1.Batch:
        name = self.name(batch_id)
        self.calls.append(("get_batch", batch_id))
        batch = self.batches[name]
        if batch.state == State.CANCELLING:
            self._polls[name] = self._polls.get(name, 0) + 1
            if self._polls[name] >= self.polls_to_stop:
                batch.state = State.CANCELLED
        return dataproc_v1.Batch(batch)

    def create_batch(
        self,
        region: str,
        project_id: str,
        batch: dict,
        batch_id: str,
        request_id: str | None = None,
        retry: Any = None,
        timeout: float | None = None,
        metadata: Any = (),
    ) -> CreatedOperation:
        self.calls.append(("create_batch", batch_id))
        created = dataproc_v1.Batch(**batch)
        created.name = self.name(batch_id)
        created.state = State.PENDING
        self.batches[created.name] = created
        return CreatedOperation(metadata=dataproc_v1.BatchOperationMetadata(batch=created.name))
