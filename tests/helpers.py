"""Helpers shared by test modules (import as ``from helpers import ...``)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "data"
VENV_BIN = Path(sys.executable).parent


def load_entry_point(name: str) -> ModuleType:
    """Import ``jobs/<name>.py`` (an entry script, not a package module) under a private name."""
    spec = importlib.util.spec_from_file_location(f"entry_{name}", REPO / "jobs" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def spark_submit(script: str, *args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    """Run ``jobs/<script>`` through the real spark-submit of the venv; capture output."""
    env = dict(os.environ)
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    command = [
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
    return subprocess.run(
        command, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
