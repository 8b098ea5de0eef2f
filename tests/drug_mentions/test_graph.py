"""Unit tests of drug_mentions.graph: per-drug documents, ordering, JSON text."""

from __future__ import annotations

import datetime as dt
import io
import json

from drug_mentions import contract, graph

EDGE_SCHEMA = (
    "drug string, atccode string, source string, id string, title string, journal string, "
    "date_mention date"
)


def test_documents_sorted_with_empty_lists_and_no_null_journal(spark):
    edges = spark.createDataFrame(
        [
            ("B", "b1", "pubmed", "2", "t2", "J2", dt.date(2020, 1, 2)),
            ("B", "b1", "pubmed", "10", "t10", "J1", dt.date(2020, 1, 2)),
            ("B", "b1", "pubmed", "1", "t1", None, dt.date(2021, 1, 1)),
            ("B", "b1", "clinical_trials", "NCT1", "c", "J1", dt.date(2019, 12, 31)),
            ("B", "b1", "clinical_trials", "NCT2", "c2", "J1", dt.date(2020, 1, 2)),
        ],
        EDGE_SCHEMA,
    )
    drugs = spark.createDataFrame([("B", "b1"), ("A", "6302001")], "drug string, atccode string")
    documents = [graph.to_document(row) for row in graph.drug_documents(edges, drugs).collect()]
    assert documents == [
        {"drug": "A", "atccode": "6302001", "pubmed": [], "clinical_trials": [], "journals": []},
        {
            "drug": "B",
            "atccode": "b1",
            "pubmed": [
                {"id": "10", "title": "t10", "journal": "J1", "date_mention": "2020-01-02"},
                {"id": "2", "title": "t2", "journal": "J2", "date_mention": "2020-01-02"},
                {"id": "1", "title": "t1", "journal": None, "date_mention": "2021-01-01"},
            ],
            "clinical_trials": [
                {"id": "NCT1", "title": "c", "journal": "J1", "date_mention": "2019-12-31"},
                {"id": "NCT2", "title": "c2", "journal": "J1", "date_mention": "2020-01-02"},
            ],
            "journals": [
                {"journal": "J1", "date_mention": "2019-12-31"},
                {"journal": "J1", "date_mention": "2020-01-02"},
                {"journal": "J2", "date_mention": "2020-01-02"},
            ],
        },
    ]


def test_write_json_text_is_exact_and_parses():
    documents = [{"drug": "É", "atccode": "1", "pubmed": [], "clinical_trials": [], "journals": []}]
    out = io.StringIO()
    assert graph.write_json(documents, out) == 1
    assert out.getvalue() == (
        '{\n  "drugs": [\n    {\n      "drug": "É",\n      "atccode": "1",\n'
        '      "pubmed": [],\n      "clinical_trials": [],\n      "journals": []\n    }\n  ]\n}\n'
    )
    assert json.loads(out.getvalue()) == {"drugs": documents}
    empty = io.StringIO()
    assert graph.write_json([], empty) == 0
    assert json.loads(empty.getvalue()) == {"drugs": []}


def test_write_graph_streams_the_documents_of_the_edges(spark):
    edges = spark.createDataFrame(
        [("B", "b1", "pubmed", "1", "t", None, dt.date(2020, 1, 2))], EDGE_SCHEMA
    )
    drugs = spark.createDataFrame([("B", "b1"), ("A", None)], "drug string, atccode string")
    out = io.StringIO()
    assert graph.write_graph(out, edges, drugs) == 2
    assert json.loads(out.getvalue()) == {
        "drugs": [
            {"drug": "A", "atccode": None, "pubmed": [], "clinical_trials": [], "journals": []},
            {
                "drug": "B",
                "atccode": "b1",
                "pubmed": [
                    {"id": "1", "title": "t", "journal": None, "date_mention": "2020-01-02"}
                ],
                "clinical_trials": [],
                "journals": [],
            },
        ]
    }
    assert list(json.loads(out.getvalue())["drugs"][1]) == list(contract.DOCUMENT_KEYS)


def test_write_json_of_no_drug():
    out = io.StringIO()
    assert graph.write_json([], out) == 0
    assert out.getvalue() == '{\n  "drugs": []\n}\n'
