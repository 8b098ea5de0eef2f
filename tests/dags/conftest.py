"""Offline Airflow for the DAG tests: a throw-away AIRFLOW_HOME, no examples, no DB.

The whole suite runs in one pytest process (Spark tests too), so only ``AIRFLOW__*`` /
``AIRFLOW_HOME`` variables are set, before any test module here imports Airflow, and they are
restored when the session ends.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest

# The GCS emulator fixtures (fake-gcs-server, marker `emulator`) for the report reading test.
from tests.gcs_cli.conftest import gcs, gcs_server  # noqa: F401

DAGS_DIR = Path(__file__).resolve().parents[2] / "dags"
DAG_FILE = DAGS_DIR / "drug_mentions.py"

_AIRFLOW_HOME = tempfile.mkdtemp(prefix="airflow-home-")
_AIRFLOW_ENV = {
    "AIRFLOW_HOME": _AIRFLOW_HOME,
    "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    "AIRFLOW__CORE__UNIT_TEST_MODE": "True",
    "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_DIR),
    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{_AIRFLOW_HOME}/airflow.db",
}
_SAVED_ENV = {name: os.environ.get(name) for name in _AIRFLOW_ENV}
os.environ.update(_AIRFLOW_ENV)
# As on Composer, where Airflow's BundleDagBag appends the DAG folder to sys.path, the DAG's
# helper modules (dags/drug_mentions_*.py) import by name. Appended, not prepended: the job
# package `drug_mentions` must win over dags/drug_mentions.py.
if str(DAGS_DIR) not in sys.path:
    sys.path.append(str(DAGS_DIR))


@pytest.fixture(scope="session", autouse=True)
def _restore_airflow_env() -> Iterator[None]:
    yield
    for name, value in _SAVED_ENV.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    shutil.rmtree(_AIRFLOW_HOME, ignore_errors=True)


def load_dag_module(module_name: str = "dag_drug_mentions_under_test") -> ModuleType:
    """Import dags/drug_mentions.py under a private name.

    Not via sys.path: a module named ``drug_mentions`` there would shadow the job package.
    """
    spec = importlib.util.spec_from_file_location(module_name, DAG_FILE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        sys.modules.pop(module_name, None)
    return module


@pytest.fixture(scope="session")
def dag_module() -> ModuleType:
    return load_dag_module()


@pytest.fixture(scope="session")
def load_dag() -> Callable[[str], ModuleType]:
    """The loader itself, for tests that import the DAG file again (e.g. with other env)."""
    return load_dag_module


@pytest.fixture(scope="session")
def dags_dir() -> Path:
    return DAGS_DIR
