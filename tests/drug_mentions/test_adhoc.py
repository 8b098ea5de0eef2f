"""Unit tests of drug_mentions.adhoc: edge readers, the drug-name normaliser, answers, tables."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from chispa import assert_df_equality
from drug_mentions import adhoc, contract
from drug_mentions.config import Settings
from drug_mentions.errors import InputError

EDGES = "drug string, source string, journal string, date_mention date"
D1, D2 = dt.date(2020, 1, 1), dt.date(2020, 2, 1)


def edges(spark, rows):
    return spark.createDataFrame(rows, EDGES)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("tetracycline", "TETRACYCLINE"),
        ("  TetraCycline \n", "TETRACYCLINE"),
        ("tranexamic \t  acid", "TRANEXAMIC ACID"),
        ("\u00a0iso\u2003prenaline ", "ISO PRENALINE"),  # Unicode spaces too
        ("cafe\u0301ine\u200b", "CAF\u00c9INE"),  # NFC, zero-width space: as the drug list
        ("caf\\xc3\\xa9ine", "CAF\u00c9INE"),  # an escape run, decoded as in the drug list
        (" \t ", None),  # blank: no name
    ],
)
def test_normalise_drug_name_is_the_drug_list_normaliser(spark, raw, expected):
    assert adhoc.normalise_drug_name(spark, raw) == expected


GRAPH = {
    "drugs": [
        {
            "drug": "A",
            "atccode": "a1",
            "pubmed": [
                {"id": "1", "title": "t1", "journal": "J1", "date_mention": "2020-01-01"},
                {"id": "2", "title": "t2", "journal": None, "date_mention": "2020-02-01"},
            ],
            "clinical_trials": [
                {"id": "NCT1", "title": "c1", "journal": "J2", "date_mention": "2020-02-01"}
            ],
            "journals": [],
        },
        {"drug": "B", "atccode": "b1", "pubmed": [], "clinical_trials": [], "journals": []},
    ]
}

# The edges of GRAPH (and of the same mentions as Parquet): one per publication of each drug.
GRAPH_EDGES = [
    ("A", "pubmed", "J1", D1),
    ("A", "pubmed", None, D2),
    ("A", "clinical_trials", "J2", D2),
]


def test_read_graph_explodes_both_sources_and_keeps_the_whole_drug_list(spark, tmp_path):
    path = tmp_path / "output.json"
    path.write_text(json.dumps(GRAPH, indent=2), encoding="utf-8")
    graph = adhoc.read_graph(spark, str(path))
    expected_edges = edges(spark, GRAPH_EDGES)
    assert_df_equality(graph.edges, expected_edges, ignore_row_order=True, ignore_nullable=True)
    expected_drugs = spark.createDataFrame([("A",), ("B",)], "drug string")
    assert_df_equality(graph.drugs, expected_drugs, ignore_row_order=True, ignore_nullable=True)


def test_read_mentions_gives_the_same_edges_from_parquet(spark, tmp_path):
    mentions = spark.createDataFrame(
        [
            ("A", "a1", "1", "t1", "J1", D1, "pubmed"),
            ("A", "a1", "2", "t2", None, D2, "pubmed"),
            ("A", "a1", "NCT1", "c1", "J2", D2, "clinical_trials"),
        ],
        contract.MENTIONS_SCHEMA,
    )
    folder = tmp_path / "mentions"
    mentions.write.partitionBy("source").parquet(str(folder))
    graph = adhoc.read_mentions(spark, str(folder))
    expected_edges = edges(spark, GRAPH_EDGES)
    assert_df_equality(graph.edges, expected_edges, ignore_row_order=True, ignore_nullable=True)


def test_readers_refuse_what_is_not_a_graph(spark, tmp_path):
    missing, folder, junk = tmp_path / "nope.json", tmp_path / "folder", tmp_path / "junk.json"
    folder.mkdir()
    junk.write_text('{"not": "a graph"}', encoding="utf-8")
    messages = []
    for read, path in [
        (adhoc.read_graph, missing),
        (adhoc.read_graph, folder),
        (adhoc.read_graph, junk),
        (adhoc.read_mentions, missing),
    ]:
        with pytest.raises(InputError) as error:
            read(spark, str(path))
        messages.append(str(error.value))
    assert messages == [
        f"{missing}: graph file not found",
        f"{folder}: is a folder, expected the pipeline's output.json",
        f'{junk}: not a drug-mention graph (expected a JSON object with a "drugs" array)',
        f"{missing}: mentions folder not found",
    ]


@pytest.fixture
def sample_graph(spark):
    """J1: A, B (PubMed), C (trial); J2: A (trial), D (PubMed); E listed, never mentioned."""
    rows = [
        ("A", "pubmed", "J1", D1),
        ("B", "pubmed", "J1", D2),
        ("C", "clinical_trials", "J1", D1),
        ("A", "clinical_trials", "J2", D1),
        ("D", "pubmed", "J2", D2),
        ("E\u0301", "pubmed", None, D1),
    ]
    drugs = spark.createDataFrame(
        [(d,) for d in ["A", "B", "C", "D", "E\u0301", "É"]], "drug string"
    )
    return adhoc.Graph(edges(spark, rows), drugs, origin=contract.OUTPUT_JSON)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (adhoc.Query(), {"distinct_drugs": 3, "journals": ["J1"]}),
        (
            adhoc.Query(top=2),
            {
                "top": [
                    {"journal": "J1", "distinct_drugs": 3},
                    {"journal": "J2", "distinct_drugs": 2},
                ]
            },
        ),
        (adhoc.Query(related_drug=" a "), {"drug": "A", "related_drugs": ["B"]}),
        (adhoc.Query(related_drug="d"), {"drug": "D", "related_drugs": []}),  # J2: A by trial
        (adhoc.Query(related_drug="e\u0301"), {"drug": "É", "related_drugs": []}),  # NFC
    ],
)
def test_answer_runs_the_query(spark, sample_graph, query, expected):
    assert adhoc.answer(spark, sample_graph, query) == expected


def test_answer_of_no_edges_has_no_journal(spark):
    empty = adhoc.Graph(edges(spark, []), spark.createDataFrame([], "drug string"), "x")
    assert adhoc.answer(spark, empty, adhoc.Query()) == {"distinct_drugs": 0, "journals": []}


@pytest.mark.parametrize(
    ("origin", "name", "message"),
    [
        (contract.OUTPUT_JSON, "aspirin ", "unknown drug 'aspirin ': ASPIRIN is not in the graph"),
        (
            contract.MENTIONS_DIR,
            "Aspirin",
            "unknown drug 'Aspirin': ASPIRIN has no mention in mentions/",
        ),
        (contract.OUTPUT_JSON, " \t", "unknown drug ' \\t':  is not in the graph"),
    ],
)
def test_answer_refuses_an_unknown_drug(spark, sample_graph, origin, name, message):
    graph = adhoc.Graph(sample_graph.edges, sample_graph.drugs, origin)
    with pytest.raises(InputError) as error:
        adhoc.answer(spark, graph, adhoc.Query(related_drug=name))
    assert str(error.value) == message


@pytest.mark.parametrize(
    ("result", "table"),
    [
        (
            {"distinct_drugs": 2, "journals": ["J1", "J2"]},
            "Journal(s) mentioning the most distinct drugs (2):\n  J1\n  J2",
        ),
        (
            {"distinct_drugs": 0, "journals": []},
            "Journal(s) mentioning the most distinct drugs (0):\n  (none)",
        ),
        (
            {"top": [{"journal": "J1", "distinct_drugs": 12}]},
            "distinct_drugs  journal\n            12  J1",
        ),
        (
            {"drug": "A", "related_drugs": []},
            "Drugs sharing a journal with A (PubMed mentions):\n  (none)",
        ),
        (
            {"drug": "A", "related_drugs": ["B", "C"]},
            "Drugs sharing a journal with A (PubMed mentions):\n  B\n  C",
        ),
    ],
)
def test_as_table(result, table):
    assert adhoc.as_table(result) == table


def test_write_result_creates_the_folders(spark, tmp_path):
    target = tmp_path / "run" / "adhoc" / "top.json"
    adhoc.write_result(spark, str(target), '{"drug": "É"}\n')
    assert target.read_bytes() == '{"drug": "É"}\n'.encode()


def test_read_takes_the_path_the_settings_name(spark, tmp_path):
    graph_file = tmp_path / "output.json"
    graph_file.write_text(json.dumps(GRAPH), encoding="utf-8")
    settings = Settings(graph=str(graph_file), mentions=str(tmp_path / "absent"))
    assert adhoc.read(spark, settings, from_mentions=False).origin == contract.OUTPUT_JSON
    with pytest.raises(InputError, match="absent: mentions folder not found"):
        adhoc.read(spark, settings, from_mentions=True)


def _mentions_error(spark, path) -> str:
    with pytest.raises(InputError) as error:
        adhoc.read_mentions(spark, str(path))
    return str(error.value)


def test_read_mentions_says_what_it_found_instead(spark, tmp_path):
    rejects = tmp_path / "rejects"  # a run's rejects/: JSON Lines
    spark.createDataFrame([("drugs", "d.csv")], "source string, file string").write.json(
        str(rejects)
    )
    message = _mentions_error(spark, rejects)
    assert message.startswith(f"{rejects}: not a mentions/ folder (no Parquet to read: ")
    assert "\n" not in message
    empty = tmp_path / "empty"
    empty.mkdir()
    assert _mentions_error(spark, empty).startswith(
        f"{empty}: not a mentions/ folder (no Parquet to read: "
    )
    other = tmp_path / "other"
    spark.createDataFrame([("A", 1)], "drug string, n int").write.parquet(str(other))
    assert _mentions_error(spark, other) == (
        f"{other}: not a mentions/ folder: missing or mistyped atccode string, date_mention "
        "date, id string, journal string, source string, title string (found drug string, n int)"
    )
    no_rows = tmp_path / "no_rows"
    spark.createDataFrame([], contract.MENTIONS_SCHEMA).write.parquet(str(no_rows))
    assert _mentions_error(spark, no_rows) == (
        f"{no_rows}: no mention rows (use the run's output.json for a graph without edges)"
    )
    a_file = tmp_path / "output.json"
    a_file.write_text("{}")
    assert (
        _mentions_error(spark, a_file) == f"{a_file}: is a file, expected a run's mentions/ folder"
    )


@pytest.mark.parametrize(
    ("out", "message"),
    [
        ("results", "--out {tmp}/results: is a folder; give a file path (e.g. top_journals.json)"),
        ("new/", "--out {tmp}/new/: is a folder; give a file path (e.g. top_journals.json)"),
        (
            "output.json",
            "--out {tmp}/output.json: is the graph this job reads; give another file path",
        ),
        (
            "notes.txt/top.json",
            "--out {tmp}/notes.txt/top.json: cannot be written ({tmp}/notes.txt is not a writable folder)",
        ),
    ],
)
def test_out_must_name_a_file_that_can_be_written(spark, tmp_path, out, message):
    (tmp_path / "results").mkdir()
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(InputError) as error:
        adhoc.check_out(spark, f"{tmp_path}/{out}", str(tmp_path / "output.json"))
    assert str(error.value) == message.format(tmp=tmp_path)


def test_run_checks_out_before_reading_anything(spark, tmp_path):
    (tmp_path / "results").mkdir()
    settings = Settings(graph=str(tmp_path / "absent.json"))
    with pytest.raises(InputError, match="results: is a folder"):  # not "graph file not found"
        adhoc.run(
            spark, settings, adhoc.Query(), from_mentions=False, out=str(tmp_path / "results")
        )
