"""One-line errors for missing credentials and permission denied, through the real client."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from gcs_cli.main import main

CLI = Path(sys.executable).parent / "drug-mentions-gcs"
FORBIDDEN = {
    "error": {
        "code": 403,
        "message": "ci@p.iam.gserviceaccount.com does not have storage.objects.list access"
        " to the Google Cloud Storage bucket.",
        "errors": [{"reason": "forbidden"}],
    }
}


class _Forbidden(BaseHTTPRequestHandler):
    def _deny(self) -> None:
        body = json.dumps(FORBIDDEN).encode()
        self.send_response(403)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = _deny  # noqa: N815

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def forbidding_server(monkeypatch) -> Iterator[str]:
    """A loopback HTTP server answering 403 to everything, posing as the storage endpoint."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Forbidden)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", url)
    yield url
    server.shutdown()
    server.server_close()


def test_permission_denied_is_one_line(forbidding_server, capsys):
    assert main(["ls-runs", "--data-bucket", "some-bucket"]) == 1
    assert capsys.readouterr().err == (
        "drug-mentions-gcs: error: permission denied (HTTP 403): ci@p.iam.gserviceaccount.com"
        " does not have storage.objects.list access to the Google Cloud Storage bucket.\n"
    )


def test_no_credentials_is_one_line(tmp_path):
    """The console script, with no ADC anywhere: no emulator, empty gcloud config, no GCE."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"STORAGE_EMULATOR_HOST", "GOOGLE_APPLICATION_CREDENTIALS"}
        and not key.startswith("CLOUDSDK_")
    }
    env |= {
        "HOME": str(tmp_path),
        "CLOUDSDK_CONFIG": str(tmp_path / "gcloud"),
        # Keep google-auth off the network: no metadata-server probe, and a loopback
        # address (nothing listening) should it try anyway.
        "NO_GCE_CHECK": "true",
        "GCE_METADATA_HOST": "127.0.0.1:9",
        "GCE_METADATA_IP": "127.0.0.1:9",
    }

    result = subprocess.run(
        [str(CLI), "ls-runs", "--data-bucket", "some-bucket"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (
        "drug-mentions-gcs: error: no Application Default Credentials found:"
        " run `gcloud auth application-default login` (no key files)\n"
    )


def test_usage_error_without_bucket(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["fetch", "--no-such-flag"])
    assert exited.value.code == 2


def test_bucket_required(capsys, monkeypatch):
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", "http://127.0.0.1:9")
    assert main(["ls-runs"]) == 2
    assert capsys.readouterr().err == (
        "drug-mentions-gcs: error: --data-bucket or --tf-outputs is required\n"
    )
