"""Names that two parts of the project must agree on, checked across folders."""

from __future__ import annotations

import re

import hcl2
from helpers import REPO


def _terraform_variable_default(name: str) -> str:
    with open(REPO / "terraform" / "variables.tf") as handle:
        parsed = hcl2.load(handle)
    for block in parsed["variable"]:
        for key, body in block.items():
            if key.strip('"') == name:
                return body["default"].strip('"')
    raise AssertionError(f"variable {name} not found")


def test_alerting_batch_prefix_matches_the_dag_batch_ids():
    prefix = _terraform_variable_default("batch_id_prefix")
    dag_source = (REPO / "dags" / "drug_mentions.py").read_text()
    batch_ids = re.findall(r'batch_id=f"([a-z-]+)-\{RUN_ID\}', dag_source)
    assert batch_ids == ["dm-pipeline", "dm-adhoc"]
    assert all(batch_id.startswith(prefix) for batch_id in batch_ids)


def test_terraform_code_version_default_is_the_package_version():
    from drug_mentions import __version__

    assert _terraform_variable_default("code_version") == __version__
