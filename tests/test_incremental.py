"""Incremental runs (--state): after every drop, the graph is exactly a full run's.

One story, run once for the module (``story``): a first drop, then new publication files
that duplicate old publications, bridge two of them and give an id-less one its id, then a
new drug list (a longer ``drugs.csv`` with an atccode change, a drug removed, a duplicate
name, and a new drug file), then a rerun with nothing new. After each step the incremental
run's output is compared with a full run (no state) over the same folder: ``output.json``
bytes, the rows of ``mentions/`` and ``rejects/`` and the report's counts; each named test
below checks one case of that story with exact values.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from drug_mentions import contract
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.helpers import load_entry_point, write_files

pipeline = load_entry_point("pipeline")

PUBMED = "id,title,date,journal\n"
TRIALS = "id,scientific_title,date,journal\n"
DROPS = [
    {  # 0: the history
        "drugs.csv": "atccode,drug\nA01,ASPIRIN\nB01,ETHANOL\nC01,CAFFEINE\n",
        "pubmed_1.csv": PUBMED
        + "1,Aspirin and ethanol,01/01/2020,J1\n"
        + "2,Caffeine study,2020-01-02,J2\n"
        + ",Ethanol alone,2020-01-03,J3\n"
        + "4,Bridge left,2020-01-04,J4\n"
        + "5,Bridge right,2020-01-05,J5\n"
        + "6,,2020-01-06,J6\n",
        "clinical_trials_1.csv": TRIALS + "NCT1,Aspirin trial,2020-02-01,J6\n",
    },
    {  # 1: duplicates of old publications, a bridge, a real id for an id-less one
        "pubmed_2.csv": PUBMED
        + "1,Aspirin and ethanol again,01/01/2020,\n"  # same id as 1
        + "7,caffeine study,2020-01-02,J7\n"  # same title and date as 2
        + "9,Ethanol alone,2020-01-03,J9\n"  # the id-less record's real id
        + "4,Bridge right,2020-01-05,\n"  # id of 4, title and date of 5: one publication
        + "10,Fresh aspirin,2020-03-01,J10\n",
        "clinical_trials_2.csv": TRIALS + "NCT2,Caffeine trial,2020-02-02,J11\n",
    },
    {  # 2: a new drug list: atccode change, ETHANOL removed, a duplicate, new drugs
        "drugs.csv": "atccode,drug\nA00,ASPIRIN\nA01,Aspirin\nC01,CAFFEINE\nD01,FRESH\n",
        "drugs_2.csv": "atccode,drug\nE01,BRIDGE\n",
    },
    {},  # 3: nothing new
]


def _run(folder: Path, out: Path, *extra: str) -> int:
    return pipeline.main(["--input", str(folder), "--output", str(out), *extra])


def _rows(folder: Path, name: str) -> list[str]:
    rows = []
    for part in sorted((folder / name).rglob("*")):
        if part.suffix == ".json":
            rows += [
                json.dumps(json.loads(line), sort_keys=True)
                for line in part.read_text().splitlines()
            ]
    return sorted(rows)


def _mentions(spark, folder: Path) -> list[tuple]:
    edges = spark.read.schema(contract.MENTIONS_SCHEMA).parquet(str(folder / "mentions"))
    return sorted(tuple(row) for row in edges.collect())


def _report(folder: Path) -> dict:
    report = json.loads((folder / "run_report.json").read_text(encoding="utf-8"))
    volatile = ("run_id", "started_at", "finished_at", "duration_seconds", "output", "incremental")
    return {key: value for key, value in report.items() if key not in volatile}


@pytest.fixture(scope="module")
def story(spark, tmp_path_factory):
    """Each step's (incremental output, full output) folders. A step with no new file has the
    previous step's full run (same folder, same input)."""
    base = tmp_path_factory.mktemp("story")
    folder, state = base / "in", base / "state"
    steps = []
    for number, files in enumerate(DROPS):
        write_files(folder, files)
        inc, full = base / f"inc{number}", base / f"full{number}"
        assert _run(folder, inc, "--state", str(state), "--run-id", f"r{number}") == 0
        if files:
            assert _run(folder, full, "--run-id", f"f{number}") == 0
        else:
            full = steps[-1][1]
        steps.append((inc, full))
    return steps


def _graph(folder: Path) -> dict[str, dict]:
    drugs = json.loads((folder / "output.json").read_text(encoding="utf-8"))["drugs"]
    return {drug["drug"]: drug for drug in drugs}


def test_every_step_equals_a_full_run(spark, story):
    for inc, full in story:
        assert (inc / "output.json").read_bytes() == (full / "output.json").read_bytes()
        assert _mentions(spark, inc) == _mentions(spark, full)
        assert _rows(inc, "rejects") == _rows(full, "rejects")
        assert _report(inc) == _report(full)


def test_a_new_record_with_an_old_id_or_title_merges_into_it(story):
    inc, _ = story[1]
    aspirin = _graph(inc)["ASPIRIN"]["pubmed"]
    assert [(m["id"], m["title"], m["journal"]) for m in aspirin] == [
        ("1", "Aspirin and ethanol", "J1"),
        ("10", "Fresh aspirin", "J10"),
    ]
    caffeine = _graph(inc)["CAFFEINE"]["pubmed"]
    assert [(m["id"], m["title"], m["journal"]) for m in caffeine] == [
        ("2", "Caffeine study", "J2")
    ]
    report = json.loads((inc / "run_report.json").read_text(encoding="utf-8"))
    assert report["sources"]["pubmed"]["merged_duplicates"] == 5
    assert report["incremental"]["publications_touched"] == 5


def test_a_new_record_bridges_two_old_publications(spark, story):
    inc, _ = story[2]
    bridge = _graph(inc)["BRIDGE"]["pubmed"]
    # 4 (Bridge left) and 5 (Bridge right) are one publication since drop 1: id 4.
    assert [(m["id"], m["title"], m["date_mention"]) for m in bridge] == [
        ("4", "Bridge left", "2020-01-04")
    ]


def test_an_id_less_record_takes_the_real_id_of_its_later_duplicate(story):
    first, _ = story[0]
    later, _ = story[1]
    before = [m["id"] for m in _graph(first)["ETHANOL"]["pubmed"]]
    after = [m["id"] for m in _graph(later)["ETHANOL"]["pubmed"]]
    assert before[0] == "1" and before[1].startswith("surrogate-")
    assert after == ["1", "9"]


def test_new_drugs_are_matched_against_every_past_title(story):
    inc, _ = story[2]
    graph = _graph(inc)
    assert [m["id"] for m in graph["FRESH"]["pubmed"]] == ["10"]
    assert [m["id"] for m in graph["BRIDGE"]["pubmed"]] == ["4"]
    report = json.loads((inc / "run_report.json").read_text(encoding="utf-8"))
    assert report["incremental"]["drugs_added"] == 2
    assert report["incremental"]["new_files"] == 0


def test_a_removed_drug_leaves_the_graph_and_a_new_atccode_shows(spark, story):
    inc, _ = story[2]
    graph = _graph(inc)
    assert sorted(graph) == ["ASPIRIN", "BRIDGE", "CAFFEINE", "FRESH"]
    assert graph["ASPIRIN"]["atccode"] == "A00"
    drugs = {row[0]: row[1] for row in _mentions(spark, inc)}
    assert "ETHANOL" not in drugs
    assert drugs["ASPIRIN"] == "A00"


def test_duplicate_drug_rejects_follow_the_current_list(story):
    inc, _ = story[2]
    drug_rejects = [json.loads(r) for r in _rows(inc, "rejects") if '"drugs"' in r]
    assert [(r["reason"], r["fields"]) for r in drug_rejects] == [
        ("duplicate_drug", {"atccode": "A01", "drug": "Aspirin"})
    ]


def test_a_rerun_with_no_new_file_gives_the_same_bytes(story):
    (previous, _), (rerun, _) = story[2], story[3]
    assert (rerun / "output.json").read_bytes() == (previous / "output.json").read_bytes()
    report = json.loads((rerun / "run_report.json").read_text(encoding="utf-8"))
    assert report["incremental"]["new_files"] == 0
    assert (
        report["incremental"]["version"]
        == json.loads((previous / "run_report.json").read_text(encoding="utf-8"))["incremental"][
            "version"
        ]
    )


@pytest.fixture(scope="module")
def absorbed(spark, tmp_path_factory) -> Path:
    """An input folder holding the first drop, and the state that absorbed it (one run)."""
    base = tmp_path_factory.mktemp("absorbed")
    write_files(base / "in", DROPS[0])
    assert _run(base / "in", base / "out0", "--state", str(base / "state"), "--run-id", "r0") == 0
    return base


def _first_drop(absorbed: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the absorbed first drop: (input folder, state)."""
    shutil.copytree(absorbed / "in", tmp_path / "in")
    shutil.copytree(absorbed / "state", tmp_path / "state")
    return tmp_path / "in", tmp_path / "state"


def _state_files(state: Path) -> dict[str, bytes]:
    return {str(p.relative_to(state)): p.read_bytes() for p in state.rglob("*") if p.is_file()}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda folder: (folder / "pubmed_1.csv").write_text(PUBMED + "1,Other,2020-01-01,J\n"),
            "pubmed_1.csv: changed since the state {state} absorbed it",
        ),
        (
            lambda folder: (folder / "pubmed_1.csv").unlink(),
            "pubmed_1.csv: absorbed by the state {state} but no longer in the input folder",
        ),
    ],
    ids=["changed", "removed"],
)
def test_a_changed_or_removed_absorbed_file_fails_and_names_rebuild(
    spark, absorbed, tmp_path, capsys, change, message
):
    folder, state = _first_drop(absorbed, tmp_path)
    before = _state_files(state)
    change(folder)
    write_files(folder, {"pubmed_9.csv": PUBMED + "9,x,2020-01-01,J\n"})
    assert _run(folder, tmp_path / "out1", "--state", str(state), "--run-id", "r1") == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last.startswith("error: " + message.format(state=state))
    assert last.endswith("run with --rebuild to read every file again") or "--rebuild" in last
    assert _state_files(state) == before
    assert not (tmp_path / "out1").exists()


def test_rebuild_reads_the_folder_as_it_is_now(spark, absorbed, tmp_path):
    folder, state = _first_drop(absorbed, tmp_path)
    (folder / "pubmed_1.csv").write_text(PUBMED + "1,Aspirin only,2020-01-01,J\n")
    assert _run(folder, tmp_path / "out2", "--state", str(state), "--rebuild") == 0
    assert _run(folder, tmp_path / "full") == 0
    assert (tmp_path / "out2" / "output.json").read_bytes() == (
        tmp_path / "full" / "output.json"
    ).read_bytes()
    aspirin = _graph(tmp_path / "out2")["ASPIRIN"]["pubmed"]
    assert [(m["id"], m["title"]) for m in aspirin] == [("1", "Aspirin only")]
    manifest = json.loads((state / "manifest-000002.json").read_text(encoding="utf-8"))
    assert manifest["segments"] == [2]


def test_a_state_of_another_format_fails_and_names_rebuild(spark, absorbed, tmp_path, capsys):
    folder, state = _first_drop(absorbed, tmp_path)
    manifest = sorted(state.glob("manifest-*.json"))[-1]
    manifest.write_text(manifest.read_text().replace('"format": 1', '"format": 99'))
    assert _run(folder, tmp_path / "out1", "--state", str(state)) == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last == (
        f"error: {state}: state format 99 is not this version's (1); run with --rebuild to "
        "write a new state from every file"
    )


def test_a_state_in_use_fails_naming_the_holder(spark, absorbed, tmp_path, capsys):
    folder, state = _first_drop(absorbed, tmp_path)
    holder = {
        "run_id": "other",
        "host": "elsewhere",
        "pid": 1,
        "since": "2026-12-01T00:00:00+00:00",
    }
    (state / "_LOCK").write_text(json.dumps(holder))
    assert _run(folder, tmp_path / "out1", "--state", str(state), "--run-id", "r1") == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last == (
        f"error: state {state} is in use by run other on elsewhere (pid 1) since "
        f"2026-12-01T00:00:00+00:00; if no run is active, delete {state}/_LOCK (a stale lock)"
    )
    shutil.rmtree(tmp_path / "out1", ignore_errors=True)


# --- Property: k drops absorbed one by one = one full run --------------------------------------

WORDS = ["aspirin", "Ethanol", "caffeine", "study", "trial", "fresh"]
record = st.tuples(
    st.sampled_from(["1", "2", "3", "4", "", ""]),  # ids shared across drops, or none
    st.lists(st.sampled_from(WORDS), min_size=0, max_size=3).map(" ".join),  # "" is a reject
    st.sampled_from(["2020-01-01", "01/01/2020", "2020-01-02", "31/02/2020"]),
    st.sampled_from(["J1", "J2", ""]),
)
drop = st.tuples(st.lists(record, min_size=1, max_size=5), st.lists(record, max_size=2))
scenario = st.tuples(st.lists(drop, min_size=2, max_size=3), st.booleans(), st.booleans())


def _csv(header: str, rows: list[tuple], prefix: str = "") -> str:
    lines = [f'{prefix}{i},"{t}",{d},{j}' if i else f',"{t}",{d},{j}' for i, t, d, j in rows]
    return header + "".join(line + "\n" for line in lines)


@settings(
    max_examples=3,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
@given(scenario)
def test_k_drops_absorbed_one_by_one_equal_one_full_run(spark, tmp_path_factory, case):
    drops, new_drug, longer_list = case
    base = tmp_path_factory.mktemp("property")
    folder, state = base / "in", base / "state"
    for number, (pubmed, trials) in enumerate(drops):
        files = {
            f"pubmed_{number}.csv": _csv(PUBMED, pubmed),
            f"clinical_trials_{number}.csv": _csv(TRIALS, trials, prefix="NCT"),
        }
        if number == 0:
            files["drugs.csv"] = "atccode,drug\nA1,ASPIRIN\nB1,ETHANOL\n"
        if number == 1 and new_drug:
            files["drugs_more.csv"] = "atccode,drug\nC1,CAFFEINE\n"
        if number == len(drops) - 1 and longer_list:
            files["drugs.csv"] = "atccode,drug\nA0,aspirin\nB1,ETHANOL\nF1,FRESH STUDY\n"
        write_files(folder, files)
        inc = base / f"inc{number}"
        assert _run(folder, inc, "--state", str(state), "--run-id", f"r{number}") == 0
    full = base / "full"
    assert _run(folder, full, "--run-id", "full") == 0
    assert (inc / "output.json").read_bytes() == (full / "output.json").read_bytes()
    assert _mentions(spark, inc) == _mentions(spark, full)
    assert _rows(inc, "rejects") == _rows(full, "rejects")
    assert _report(inc) == _report(full)


def test_rebuild_without_a_state_fails(spark, tmp_path, capsys):
    folder = write_files(tmp_path / "in", DROPS[0])
    assert _run(folder, tmp_path / "out", "--rebuild") == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last == "error: --rebuild needs a state (--state, or state in the settings file)"
    assert not (tmp_path / "out").exists()
