"""Helpers shared by test modules (import as ``from tests.helpers import ...``)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "data"
VENV_BIN = Path(sys.executable).parent

# The test being set up or run (set by tests/conftest.py), for :func:`require_marker`.
RUNNING_TEST: pytest.Item | None = None


def require_marker(marker: str) -> None:
    """Fail the running test unless it carries ``marker``: it is about to start what the
    marker names (``spark_submit``: a spark-submit JVM, ``emulator``: fake-gcs-server), and
    ``make test-fast`` leaves tests out by marker."""
    test = RUNNING_TEST
    if test is not None and test.get_closest_marker(marker) is None:
        pytest.fail(f"{test.nodeid} starts a {marker} process: mark it {marker}", pytrace=False)


def load_entry_point(name: str) -> ModuleType:
    """Import ``jobs/<name>.py`` (an entry script, not a package module) under a private name."""
    spec = importlib.util.spec_from_file_location(f"entry_{name}", REPO / "jobs" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_files(folder: Path, files: dict[str, str | bytes]) -> Path:
    """Create ``folder`` with the given files (text as UTF-8, bytes as they are)."""
    folder.mkdir(exist_ok=True)
    for name, content in files.items():
        data = content if isinstance(content, bytes) else content.encode("utf-8")
        (folder / name).write_bytes(data)
    return folder


def spark_submit_env() -> dict[str, str]:
    """The environment spark-submit needs: the venv first on PATH (find-spark-home uses python3)."""
    env = dict(os.environ)
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    return env


def spark_submit_command(script: str, *args: str) -> list[str]:
    """The real spark-submit of the venv on ``jobs/<script>``: one core, small, no UI."""
    require_marker("spark_submit")
    return [
        str(VENV_BIN / "spark-submit"),
        "--master",
        "local[1]",
        "--conf",
        "spark.sql.shuffle.partitions=1",
        "--conf",
        "spark.ui.enabled=false",
        "--conf",
        "spark.log.level=WARN",
        "--conf",
        "spark.ui.showConsoleProgress=false",
        str(REPO / "jobs" / script),
        *args,
    ]


def spark_submit(script: str, *args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    """Run :func:`spark_submit_command` to completion; capture stdout and stderr as text."""
    return subprocess.run(
        spark_submit_command(script, *args),
        cwd=REPO,
        env=spark_submit_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
