"""Unit tests of the drug_mentions package: its version, its module list, no PySpark on import."""

from __future__ import annotations

import re
import subprocess
import sys

import drug_mentions

from tests.helpers import REPO

PACKAGE = REPO / "jobs" / "drug_mentions"


def test_docstring_lists_every_module_once():
    module_list = drug_mentions.__doc__.split("Modules, in pipeline order:")[1]
    listed = re.findall(r"``(\w+)``", module_list)
    modules = sorted(p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__")
    assert sorted(listed) == modules


def test_every_module_is_at_most_250_lines():
    lengths = {
        p.name: len(p.read_text(encoding="utf-8").splitlines()) for p in PACKAGE.glob("*.py")
    }
    assert {name: n for name, n in lengths.items() if n > 250} == {}


def test_version_and_import_without_pyspark():
    assert re.fullmatch(r"\d+\.\d+\.\d+", drug_mentions.__version__)
    code = "import sys, drug_mentions; print('pyspark' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO / "jobs", capture_output=True, text=True, check=True
    )
    assert result.stdout == "False\n"
