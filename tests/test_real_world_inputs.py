"""Real-world inputs and misuse, through the real entry point (``pipeline.main`` in-process).

Every entry of the input folder is accounted for (read, or listed as ignored with a reason),
any legal file name works, line endings, encodings and JSON shapes follow one written rule,
and misuse is caught before any work. The matrix of ``docs/guarantees.md`` points here:

| case                                                  | outcome                                  |
|-------------------------------------------------------|------------------------------------------|
| names in another case, spaces, brackets, braces, *?   | read, exact per-file counts              |
| ``.csv.gz``, ``.json.gz``, ``.jsonl.gz``              | read                                     |
| other entries (notes, ``.bz2``, folders, hidden)      | ``ignored`` in the report and the log    |
| FIFO / dangling link / folder named like an input     | fatal, up front, never opened            |
| a colon in an input name, a UTF-16 file               | fatal, naming the file                   |
| CR-only and CRLF line endings, a BOM                  | read                                     |
| JSON keys in any case, non-object elements, nested    | read; ``malformed_record`` keeps the text|
| trailing comma and comments together                  | read                                     |
| JSON id ``1.0`` and CSV id ``1``                      | one publication (merged)                 |
| output: a file, the input, inside it, holding it      | fatal before any work, nothing left      |
| a bad run id, an empty path, an unknown scheme        | fatal before any work                    |
| a second run on an output in use                      | fatal, naming the holder                 |
| random legal file names (Hypothesis)                  | counted rows = records written           |
"""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import os
import socket
import tempfile
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import load_entry_point, write_files

pipeline = load_entry_point("pipeline")

DRUGS = "atccode,drug\nA1,ETHANOL\nB2,ATROPINE\nC3,TETRACYCLINE\n"
PUBMED_HEADER = "id,title,date,journal\n"
TRIALS_HEADER = "id,scientific_title,date,journal\n"


def run(argv: list[str]) -> tuple[int, str]:
    """``pipeline.main(argv)``: exit code and everything it wrote on stderr."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = pipeline.main(argv)
    return code, err.getvalue()


def last_line(text: str) -> str:
    return [line for line in text.splitlines() if line.strip()][-1]


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


# --------------------------------------------------------------------------------------------
# One run over files with real-world names, compressions, line endings and JSON shapes.
# --------------------------------------------------------------------------------------------

ARRAY_KEYS = (
    '[{"ID": 1.0, "Title": "Ethanol, the same publication as pubmed.csv id 1", '
    '"DATE": "01/01/2020", "Journal": "J1"},\n'
    " 42,\n"
    ' {"id": 31, "title": ["atropine", "x"], "date": "01/01/2020"},\n'
    ' {"id": 32, "Id": 33, "title": "Atropine twice", "date": "01/01/2020"},\n'
    ' {"id": 34, "title": "Tetracycline", "date": "01/01/2020", "title": "Atropine wins"}]\n'
)
# name -> (content, source, records written, {reason: n}, merged into another record)
FILES: dict[str, tuple[bytes, str, int, dict[str, int], int]] = {
    "Drugs.CSV": (DRUGS.encode(), "drugs", 3, {}, 0),
    "PubMed 2020.csv": (
        (PUBMED_HEADER + "1,Ethanol in mice,01/01/2020,J1\n2,Atropine,02/01/2020,J2\n").encode(),
        "pubmed",
        2,
        {},
        0,
    ),
    "pubmed[1].csv": (
        (PUBMED_HEADER + "3,Ethanol bracket,03/01/2020,J3\n").encode(),
        "pubmed",
        1,
        {},
        0,
    ),
    "pubmed1.csv": ((PUBMED_HEADER + "4,Glob decoy,04/01/2020,J4\n").encode(), "pubmed", 1, {}, 0),
    "pubmed {a,b} *?.csv": (
        (PUBMED_HEADER + "5,Atropine braces,05/01/2020,J5\n").encode(),
        "pubmed",
        1,
        {},
        0,
    ),
    "pubmed 2020-12.jsonl": (
        b'{"id": 6, "title": "Ethanol line", "date": "2020-01-06"}\n\n{"id": 7, "title": "x"}\n',
        "pubmed",
        2,
        {"invalid_date": 1},
        0,
    ),
    "pubmed_crlf.csv": (
        ("\ufeff" + PUBMED_HEADER + "8,Tetracycline crlf,08/01/2020,J8\n\n")
        .replace("\n", "\r\n")
        .encode(),
        "pubmed",
        1,
        {},
        0,
    ),
    "pubmed_2020.csv.gz": (
        gzip.compress((PUBMED_HEADER + "9,Ethanol gz,09/01/2020,J9\n10,,09/01/2020,J9\n").encode()),
        "pubmed",
        2,
        {"missing_title": 1},
        0,
    ),
    "pubmed_lines.JSONL.GZ": (
        gzip.compress(b'{"id": 11, "title": "Atropine gz", "date": "2020-01-11"}\n'),
        "pubmed",
        1,
        {},
        0,
    ),
    "pubmed_array.json.gz": (
        gzip.compress(b'[{"id": 12, "title": "Tetracycline gz", "date": "2020-01-12"},]'),
        "pubmed",
        1,
        {},
        0,
    ),
    "pubmed_keys.json": (ARRAY_KEYS.encode(), "pubmed", 5, {"malformed_record": 3}, 1),
    "pubmed_comma_comment.json": (
        b'[{"id": 13, "title": "Ethanol commented", "date": "2020-01-13"}, // last\n] // end\n',
        "pubmed",
        1,
        {},
        0,
    ),
    "Clinical_Trials_2021.CSV": (
        (TRIALS_HEADER + "NCT1,Ethanol cr,01/02/2020,J20\rNCT2,Atropine cr,02/02/2020,J21\r")
        .replace("\n", "\r")
        .encode(),
        "clinical_trials",
        2,
        {},
        0,
    ),
}
IGNORED = {
    ".hidden.csv": "no input pattern matches",
    "archive": "no input pattern matches (a folder: input folders are not read recursively)",
    "manifest.json": "no input pattern matches",
    "notes.txt": "no input pattern matches",
    "pubmed_old.csv.bz2": "compressed as .bz2: only .gz inputs are read",
}


@pytest.fixture(scope="module")
def real_world_run(spark, tmp_path_factory):
    root = tmp_path_factory.mktemp("real_world")
    folder = write_files(root / "in", {name: spec[0] for name, spec in FILES.items()})
    write_files(folder, {name: "x" for name in IGNORED if name != "archive"})
    (folder / "archive").mkdir()
    (folder / "archive" / "pubmed_2019.csv").write_text(PUBMED_HEADER)
    out = root / "output"
    code, err = run(["--input", str(folder), "--output", str(out), "--run-id", "real"])
    return out, code, err


def _report(out: Path) -> dict:
    return json.loads((out / "run_report.json").read_text(encoding="utf-8"))


def _rejects(out: Path) -> list[dict]:
    lines = [
        line
        for p in sorted((out / "rejects").glob("*.json"))
        for line in p.read_text().splitlines()
    ]
    return [json.loads(line) for line in lines]


def test_the_run_succeeds(real_world_run):
    _, code, err = real_world_run
    assert code == 0, err[-3000:]
    assert "Traceback" not in err


def test_every_entry_is_read_or_ignored_with_its_reason(real_world_run):
    out, _, err = real_world_run
    report = _report(out)
    assert {f["file"]: f["rows"] for f in report["files"]} == {n: s[2] for n, s in FILES.items()}
    assert {f["file"]: f["source"] for f in report["files"]} == {n: s[1] for n, s in FILES.items()}
    assert report["ignored"] == [{"name": n, "reason": r} for n, r in sorted(IGNORED.items())]
    logged = {line.split("not read: ", 1)[1] for line in err.splitlines() if "not read: " in line}
    assert logged == {f"{name} ({reason})" for name, reason in IGNORED.items()}


def test_rejects_per_file_and_reason_keep_the_original_text(real_world_run):
    rejects = _rejects(real_world_run[0])
    expected = Counter({(n, r): k for n, s in FILES.items() for r, k in s[3].items()})
    assert Counter((r["file"], r["reason"]) for r in rejects) == expected
    malformed = sorted(r["raw_line"] for r in rejects if r["reason"] == "malformed_record")
    assert malformed == [
        "42",
        '{"id":31,"title":["atropine","x"],"date":"01/01/2020"}',
        '{"id":32,"Id":33,"title":"Atropine twice","date":"01/01/2020"}',
    ]


@pytest.mark.parametrize("source", ["drugs", "pubmed", "clinical_trials"])
def test_rows_balance_per_source(real_world_run, source):
    numbers = _report(real_world_run[0])["sources"][source]
    specs = [spec for spec in FILES.values() if spec[1] == source]
    rows = sum(spec[2] for spec in specs)
    rejected = sum(sum(spec[3].values()) for spec in specs)
    merged = sum(spec[4] for spec in specs)
    assert (numbers["rows"], numbers["rejected"], numbers["merged_duplicates"]) == (
        rows,
        rejected,
        merged,
    )
    assert numbers["kept"] == rows - rejected - merged


def test_json_values_are_matched_only_as_text(real_world_run):
    graph = json.loads((real_world_run[0] / "output.json").read_text(encoding="utf-8"))
    ids = {d["drug"]: sorted(m["id"] for m in d["pubmed"]) for d in graph["drugs"]}
    # 31 (a title that is an array) matches nothing; 34 keeps its last title; 1.0 is id 1.
    assert ids == {
        "ATROPINE": ["11", "2", "34", "5"],
        "ETHANOL": ["1", "13", "3", "6", "9"],
        "TETRACYCLINE": ["12", "8"],
    }
    trials = {d["drug"]: [m["id"] for m in d["clinical_trials"]] for d in graph["drugs"]}
    assert trials == {"ATROPINE": ["NCT2"], "ETHANOL": ["NCT1"], "TETRACYCLINE": []}


# --------------------------------------------------------------------------------------------
# Entries named like inputs that cannot be read: fatal up front, never opened.
# --------------------------------------------------------------------------------------------

BASE = {
    "drugs.csv": DRUGS,
    "pubmed.csv": PUBMED_HEADER + "1,Ethanol,01/01/2020,J1\n",
    "clinical_trials.csv": TRIALS_HEADER + "NCT1,Ethanol,01/01/2020,J2\n",
}
FATAL_ENTRIES = {
    "fifo": (
        lambda f: os.mkfifo(f / "pubmed_2021.csv"),
        "pubmed_2021.csv: a FIFO (named pipe), not a regular file",
    ),
    "dangling link": (
        lambda f: (f / "clinical_trials_b.csv").symlink_to(f / "gone.csv"),
        "clinical_trials_b.csv: a dangling symbolic link, not a regular file",
    ),
    "folder": (
        lambda f: (f / "pubmed_2021.json").mkdir(),
        "pubmed_2021.json: a folder, not a file (input folders are not read recursively)",
    ),
    "colon": (
        lambda f: (f / "pubmed_2020-01-01T10:00:00.csv").write_text(PUBMED_HEADER),
        "pubmed_2020-01-01T10:00:00.csv: Hadoop cannot read a file whose name holds a colon "
        "(':'); rename it",
    ),
    "utf-16": (
        lambda f: (f / "pubmed_16.csv").write_bytes(
            (PUBMED_HEADER + "2,x,01/01/2020,J\n").encode("utf-16")
        ),
        "pubmed_16.csv: encoded as UTF-16 (byte-order mark); convert it to UTF-8",
    ),
}


@pytest.mark.parametrize("case", list(FATAL_ENTRIES))
def test_an_unreadable_input_entry_fails_before_anything_is_read(spark, tmp_path, case):
    make, message = FATAL_ENTRIES[case]
    folder = write_files(tmp_path / "in", BASE)
    make(folder)
    out = tmp_path / "output"
    out.mkdir()
    (out / "output.json").write_text('{"drugs": []}\n')
    code, err = run(["--input", str(folder), "--output", str(out)])
    assert (code, last_line(err)) == (2, f"error: {message}")
    assert "Traceback" not in err
    assert _tree(out) == {"output.json": b'{"drugs": []}\n'}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "output"]


# --------------------------------------------------------------------------------------------
# Misuse: caught before any work (the input here would fail at discovery), nothing left.
# --------------------------------------------------------------------------------------------


def _misuse(tmp_path: Path) -> Path:
    """tmp_path/in with a drug list only: any run reaching discovery fails on it."""
    write_files(tmp_path / "in", {"drugs.csv": DRUGS})
    (tmp_path / "a_file.txt").write_text("x")
    return tmp_path / "in"


MISUSE = {
    "output is a file": (
        ["--output", "{tmp}/a_file.txt"],
        "error: {tmp}/a_file.txt: is a file, not an output folder",
    ),
    "output is the input": (
        ["--output", "{tmp}/in"],
        "error: {tmp}/in: is the input folder {tmp}/in; write the output elsewhere",
    ),
    "output inside the input": (
        ["--output", "{tmp}/in/output"],
        "error: {tmp}/in/output: is inside the input folder {tmp}/in; write the output elsewhere",
    ),
    "output holds the input": (
        ["--output", "{tmp}"],
        "error: {tmp}: holds the input folder {tmp}/in (publishing would replace it); write the output elsewhere",
    ),
    "output under a file": (
        ["--output", "{tmp}/a_file.txt/out"],
        "error: {tmp}/a_file.txt/out: cannot be written ({tmp}/a_file.txt is not a writable folder)",
    ),
    "empty output": (["--output", ""], "error: command line: output must be a non-empty path"),
    "unknown scheme": (["--output", "nope://b/out"], None),
    "run id escaping": (
        ["--run-id", "../escaped"],
        "error: argument --run-id: run id '../escaped': must be 1 to 128 letters, digits, '.', "
        "'_' or '-', starting with a letter or a digit",
    ),
    "bad json format": (["--json-format", "xml"], "error: argument --json-format: invalid choice"),
}


@pytest.mark.parametrize("case", list(MISUSE))
def test_misuse_is_caught_before_any_work(spark, tmp_path, case):
    flags, expected = MISUSE[case]
    folder = _misuse(tmp_path)
    before = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*"))
    argv = ["--input", str(folder), "--output", str(tmp_path / "output")]
    argv += [flag.format(tmp=tmp_path) for flag in flags]
    code, err = run(argv)
    assert code == 2
    if expected is None:
        assert last_line(err).startswith("error: nope://b/out: not a path this job can use (")
    elif case == "bad json format":  # argparse words the choices differently across versions
        assert last_line(err).startswith(expected)
    else:
        assert last_line(err) == expected.format(tmp=tmp_path)
    assert "Traceback" not in err
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")) == before


def test_a_second_run_on_an_output_in_use_names_the_holder(spark, tmp_path):
    folder = write_files(tmp_path / "in", BASE)
    lock = tmp_path / ".output.lock"
    holder = {
        "run_id": "first",
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "since": "2026-12-04T10:00:00+00:00",
    }
    lock.write_text(json.dumps(holder))
    code, err = run(
        ["--input", str(folder), "--output", str(tmp_path / "output"), "--run-id", "second"]
    )
    assert (code, last_line(err)) == (
        2,
        f"error: output {tmp_path}/output is in use by run first on {socket.gethostname()} "
        f"(pid {os.getpid()}) since 2026-12-04T10:00:00+00:00; if no run is active, delete "
        f"{lock} (a stale lock)",
    )
    assert json.loads(lock.read_text()) == holder
    assert sorted(p.name for p in tmp_path.iterdir()) == [".output.lock", "in"]


# --------------------------------------------------------------------------------------------
# Any legal file name (Hypothesis): the report counts exactly the records written.
# --------------------------------------------------------------------------------------------

# Any character a Linux file name may hold but "/" and NUL; a colon is refused (tested above).
NAME_CHARACTERS = st.characters(blacklist_categories=("Cs",), blacklist_characters="/\x00:")
PREFIXES = {
    "pubmed": ("pubmed", "PubMed", "PUBMED"),
    "clinical_trials": ("clinical_trials", "Clinical_Trials"),
}
SUFFIXES = {
    "pubmed": (".csv", ".CSV", ".json", ".jsonl", ".csv.gz"),
    "clinical_trials": (".csv", ".csv.gz"),
}


@st.composite
def input_files(
    draw, min_files: int = 2, max_files: int = 5, alphabet: st.SearchStrategy = NAME_CHARACTERS
) -> dict[str, tuple[str, str, int]]:
    """{file name: (source, suffix, records)} with random legal names, distinct in any case
    (several per example: each example is a whole pipeline run)."""
    files: dict[str, tuple[str, str, int]] = {}
    for _ in range(draw(st.integers(min_files, max_files))):
        source = draw(st.sampled_from(sorted(PREFIXES)))
        middle = draw(st.text(alphabet, max_size=12))
        suffix = draw(st.sampled_from(SUFFIXES[source]))
        name = draw(st.sampled_from(PREFIXES[source])) + middle + suffix
        if len(name.encode()) <= 200 and name.lower() not in {n.lower() for n in files}:
            # A JSON Lines file needs a record (an empty one is a fatal input error).
            least = 1 if suffix.lower() == ".jsonl" else 0
            files[name] = (source, suffix, draw(st.integers(least, 3)))
    return files


def file_content(source: str, suffix: str, records: int, name_index: int) -> bytes:
    """``records`` records of ``source``, each with a unique id, in the format of ``suffix``."""
    ids = [f"{source[0]}{name_index}-{n}" for n in range(records)]
    if suffix.lower().startswith(".json"):
        items = [{"id": i, "title": f"Ethanol {i}", "date": "2020-01-01"} for i in ids]
        text = (
            json.dumps(items)
            if suffix.lower() == ".json"
            else "".join(json.dumps(x) + "\n" for x in items)
        )
    else:
        header = PUBMED_HEADER if source == "pubmed" else TRIALS_HEADER
        text = header + "".join(f"{i},Ethanol {i},01/01/2020,J\n" for i in ids)
    data = text.encode("utf-8")
    return gzip.compress(data) if suffix.lower().endswith(".gz") else data


def write_inputs(files: dict[str, tuple[str, str, int]]) -> dict[str, bytes]:
    """The drug list, one record per required source, and ``files``: {name: content}."""
    contents = {
        "drugs.csv": DRUGS.encode(),
        "pubmed_base.csv": (PUBMED_HEADER + "base-1,Atropine,01/01/2020,J\n").encode(),
        "clinical_trials_base.csv": (TRIALS_HEADER + "base-2,Atropine,01/01/2020,J\n").encode(),
    }
    for index, (name, (source, suffix, records)) in enumerate(sorted(files.items())):
        contents[name] = file_content(source, suffix, records, index)
    return contents


def expected_rows(files: dict[str, tuple[str, str, int]]) -> dict[str, int]:
    return {"drugs.csv": 3, "pubmed_base.csv": 1, "clinical_trials_base.csv": 1} | {
        name: spec[2] for name, spec in files.items()
    }


@settings(
    max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(files=input_files(), output_name=st.text(NAME_CHARACTERS, min_size=1, max_size=8))
def test_any_legal_file_name_is_read_and_counted(spark, files, output_name):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp, "in")
        folder.mkdir()
        for name, data in write_inputs(files).items():
            (folder / name).write_bytes(data)
        out = Path(tmp, "out " + output_name.strip(".") + " [1]")  # the output may be odd too
        code, err = run(["--input", str(folder), "--output", str(out), "--run-id", "names"])
        assert code == 0, err[-3000:]
        report = _report(out)
        assert {f["file"]: f["rows"] for f in report["files"]} == expected_rows(files)
        assert report["ignored"] == []
        records = sum(expected_rows(files).values()) - 3
        published = (
            report["sources"]["pubmed"]["rows"] + report["sources"]["clinical_trials"]["rows"]
        )
        assert published == records
