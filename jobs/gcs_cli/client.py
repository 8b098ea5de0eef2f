"""Build the storage client: Application Default Credentials, or the emulator in tests."""

from __future__ import annotations

import os
from collections.abc import Callable

from google.auth.credentials import AnonymousCredentials
from google.cloud import storage

EMULATOR_ENV = "STORAGE_EMULATOR_HOST"

ClientFactory = Callable[[str | None], storage.Client]


def make_client(project: str | None = None) -> storage.Client:
    """Return a storage client for ``project`` (``None``: the one ADC knows, if any).

    When ``STORAGE_EMULATOR_HOST`` is set (fake-gcs-server in tests), the client talks to the
    emulator without credentials, with the project ``test`` unless one is given. Otherwise it
    uses Application Default Credentials (``gcloud auth application-default login`` on a
    laptop, the attached service account on Google Cloud); never a key file. A missing ADC
    raises ``google.auth.exceptions.DefaultCredentialsError``.
    """
    if os.environ.get(EMULATOR_ENV):
        return storage.Client(credentials=AnonymousCredentials(), project=project or "test")
    # project=None: object operations need no project, so a missing default project is fine.
    return storage.Client(project=project)
