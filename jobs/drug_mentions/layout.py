"""Names of the files and folders a pipeline run writes: the contract readers rely on.

Plain Python (no PySpark) so the GCS CLI, the DAG and the tests can import it.

A run folder (a local ``--output`` folder, or a ``gs://`` run prefix) holds::

    output.json        consolidated graph (contract section "Outputs" 1)
    mentions/          Parquet edges, partitioned by source=pubmed|clinical_trials
    rejects/           JSON Lines of every input record not used, with a reason
    run_report.json    counts per file / reason / source, duration
    _SUCCESS           completion marker, written last; readers ignore a run without it

In the data bucket, runs live under ``runs/<run_id>/``; run ids sort by time
(``20261125t000000``), so "latest completed run" is the greatest id whose folder has
``_SUCCESS``.
"""

OUTPUT_JSON = "output.json"
MENTIONS_DIR = "mentions"
REJECTS_DIR = "rejects"
RUN_REPORT = "run_report.json"
SUCCESS_MARKER = "_SUCCESS"

# Data-bucket layout used by the DAG, the GCS CLI and Terraform.
INPUT_PREFIX = "input"
RUNS_PREFIX = "runs"
CODE_PREFIX = "code"
ADHOC_DIR = "adhoc"
