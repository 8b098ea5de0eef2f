"""drug_mentions: build a drug-mention graph from messy PubMed / clinical-trial exports.

The package is shipped to Dataproc as a zip (``python_file_uris``); it needs nothing but
PySpark at run time. Importing the package itself does not import PySpark, so light tools
(the GCS CLI, the build and release scripts) can read :mod:`drug_mentions.contract` without it.

Modules, in pipeline order: ``contract`` (sources, files, columns, schemas, reject reasons,
output names: plain Python), ``discover`` (find and check the input files), ``extract`` (read
them) with ``json_fields`` (JSON values read like CSV fields) after ``peek`` (headers, JSON
kinds, encodings), ``clean`` (text, dates, ids, reject reasons, rejects/ rows) with ``dates``
(the date rule's steps), ``drugs`` (the drug list: read, clean, reject, keys), ``merge``
(duplicates, surrogate ids) with ``components`` (its graph algorithms) and ``groups`` (a
publication as a summary, its keys),
``match`` (words, titles -> drugs), ``graph`` (output.json), ``load`` (writing and atomic
publishing), ``report`` (run_report.json), ``page`` and ``page_html`` (report.html: its
bounded data, its text), ``runner`` (one run, step by step). Incremental runs: ``state`` (what
the runs keep), ``absorb`` (new records merged into it), ``changes`` (new files, old groups,
edges), ``incremental`` (the run). The ad-hoc job: ``adhoc`` (read the graph, answer, format)
and ``queries`` (the queries). Support: ``launcher`` (what both entry points share: session,
logs, error line, exit code), ``frames`` (checkpoints, two steps at once, step names),
``config`` (settings), ``storage`` (local and gs:// files) with ``paths`` (qualify, join,
escape globs), ``lock`` (one run at a time on an output or a state), ``console`` (logs and
errors on stderr), ``errors`` (the input error and its exit code).
"""

__version__ = "0.1.0"
