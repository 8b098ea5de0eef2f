"""The markers `make test-fast` selects on: given by fixture, and enforced at run time."""

from __future__ import annotations

import pytest

from tests import helpers
from tests.conftest import MARKER_OF_FIXTURE, pytest_collection_modifyitems


def test_a_test_starting_a_jvm_or_an_emulator_without_its_marker_fails(request):
    for marker in ("spark_submit", "emulator"):
        with pytest.raises(pytest.fail.Exception) as error:
            helpers.require_marker(marker)
        assert (
            str(error.value) == f"{request.node.nodeid} starts a {marker} process: mark it {marker}"
        )


@pytest.mark.spark_submit
def test_a_marked_test_may_start_it():
    assert helpers.require_marker("spark_submit") is None


def test_the_fixtures_that_start_them_give_the_markers():
    assert MARKER_OF_FIXTURE == {"sample_submit": "spark_submit", "gcs_server": "emulator"}


class _Item:
    """What the collection hook reads and writes of a test item."""

    def __init__(self, *fixtures: str) -> None:
        self.fixturenames = list(fixtures)
        self.markers: list[str] = []

    def add_marker(self, marker: str) -> None:
        self.markers.append(marker)


def test_collection_marks_every_test_using_those_fixtures():
    items = [
        _Item("spark", "tmp_path"),
        _Item("bucket", "gcs", "gcs_server"),
        _Item("sample_submit"),
    ]
    pytest_collection_modifyitems(items)
    assert [item.markers for item in items] == [[], ["emulator"], ["spark_submit"]]
