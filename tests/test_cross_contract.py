"""Names that two parts of the project must agree on, checked across folders."""

from __future__ import annotations

import importlib.metadata
import re
import tomllib

import hcl2

from tests.helpers import REPO


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


def _airflow_extra() -> list[str]:
    with open(REPO / "pyproject.toml", "rb") as handle:
        return tomllib.load(handle)["project"]["optional-dependencies"]["airflow"]


def test_dag_test_pins_are_the_composer_builds_packages():
    # pyproject.toml cites where each version comes from (Composer release notes).
    image = _terraform_variable_default("composer_image_version")
    assert image == "composer-3-airflow-3.1.8-build.3"
    airflow_version = re.fullmatch(r"composer-3-airflow-(\d+\.\d+\.\d+)-build\.\d+", image).group(1)
    assert _airflow_extra() == [
        f"apache-airflow=={airflow_version}",
        "apache-airflow-providers-google==22.2.2",
        "google-cloud-dataproc==5.27.0",
    ]


def test_installed_airflow_packages_are_the_pinned_ones():
    installed = {
        requirement.split("==")[0]: importlib.metadata.version(requirement.split("==")[0])
        for requirement in _airflow_extra()
    }
    assert installed == {
        "apache-airflow": "3.1.8",
        "apache-airflow-providers-google": "22.2.2",
        "google-cloud-dataproc": "5.27.0",
    }
