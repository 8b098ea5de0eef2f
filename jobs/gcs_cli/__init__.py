"""drug-mentions-gcs: deploy the pipeline to GCS and fetch its runs (``gcs_cli.main``).

Built on ``google-cloud-storage`` only, with Application Default Credentials. Nothing here
imports PySpark.
"""
