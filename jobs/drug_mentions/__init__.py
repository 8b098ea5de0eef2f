"""drug_mentions: build a drug-mention graph from messy PubMed / clinical-trial exports.

The package is shipped to Dataproc as a zip (``python_file_uris``); it needs nothing but
PySpark at run time. Importing the package itself does not import PySpark, so light tools
(the GCS CLI, the build script) can read :mod:`drug_mentions.contract` without it.

Modules, in pipeline order: ``extract`` (discover and read inputs), ``clean`` (text, dates,
ids, reject reasons), ``merge`` (duplicates, surrogate ids), ``match`` (tokens -> drugs),
``graph`` (output.json), ``load`` (writing and atomic publishing), ``report``
(run_report.json), ``pipeline`` (the run), ``adhoc`` (queries on the graph).
"""

__version__ = "0.1.0"
