# Operators are told by e-mail when a batch or a DAG run fails. Entirely off (count = 0) while
# var.alert_email is empty. A log-match condition must be the only condition of its policy, hence
# one policy per signal.

locals {
  # Serverless for Apache Spark writes driver/executor output to Cloud Logging under the
  # cloud_dataproc_batch resource; an uncaught job error (the entry point's one-line message,
  # a Python traceback) is logged at ERROR.
  batch_failure_filter = join(" AND ", [
    "resource.type=\"cloud_dataproc_batch\"",
    "resource.labels.location=\"${var.region}\"",
    "resource.labels.batch_id=~\"^${var.batch_id_prefix}\"",
    "severity>=ERROR",
  ])

  # The lines the Airflow 3.1 scheduler logs when a run of the DAG ends failed (RE2 regexes;
  # tests/dags/test_alert_log_lines.py matches them against the pinned Airflow's own messages):
  #   DagRun.update_state, a task failed:   "Marking run <DagRun drug_mentions @ ...> failed"
  #   DagRun.update_state, deadlock:        "Task deadlock (...); marking run <DagRun ...> failed"
  #   SchedulerJobRunner, dagrun_timeout:   "Run <run_id> of drug_mentions has timed-out"
  # (a timed-out run is set FAILED directly: no "Marking run" line).
  dag_run_failed_patterns = [
    "[Mm]arking run <DagRun ${local.dag_id} @ .*> failed",
    "Run .* of ${local.dag_id} has timed-out",
  ]
  # Composer may write the scheduler's line as plain text or as a JSON payload's message.
  dag_run_failed_matches = flatten([
    for pattern in local.dag_run_failed_patterns : [
      "textPayload=~\"${pattern}\"",
      "jsonPayload.message=~\"${pattern}\"",
    ]
  ])
  dag_failure_filter = join(" AND ", [
    "resource.type=\"cloud_composer_environment\"",
    "resource.labels.location=\"${var.region}\"",
    "resource.labels.environment_name=\"${local.composer_environment_name}\"",
    "log_id(\"airflow-scheduler\")",
    "(${join(" OR ", local.dag_run_failed_matches)})",
  ])
}

resource "google_monitoring_notification_channel" "email" {
  count = local.alerts_enabled ? 1 : 0

  project      = var.project_id
  display_name = "${var.name_prefix} operators (e-mail)"
  type         = "email"
  labels = {
    email_address = var.alert_email
  }
  user_labels = local.labels

  depends_on = [google_project_service.enabled]
}

resource "google_monitoring_alert_policy" "batch_failed" {
  count = local.alerts_enabled ? 1 : 0

  project               = var.project_id
  display_name          = "${var.name_prefix}: Dataproc batch failed"
  combiner              = "OR"
  notification_channels = [google_monitoring_notification_channel.email[0].id]
  user_labels           = local.labels

  conditions {
    display_name = "ERROR logged by a ${var.batch_id_prefix}* batch"
    condition_matched_log {
      filter = local.batch_failure_filter
      label_extractors = {
        batch_id = "EXTRACT(resource.labels.batch_id)"
      }
    }
  }

  alert_strategy {
    notification_rate_limit {
      period = "3600s"
    }
    auto_close = "86400s"
  }

  documentation {
    mime_type = "text/markdown"
    content   = "A drug-mentions Spark batch logged an error. See `gcloud dataproc batches describe <batch_id> --region=${var.region}` and the batch logs in Cloud Logging; the DAG retries failed tries."
  }
}

resource "google_monitoring_alert_policy" "dag_run_failed" {
  count = local.alerts_enabled ? 1 : 0

  project               = var.project_id
  display_name          = "${var.name_prefix}: DAG run failed"
  combiner              = "OR"
  notification_channels = [google_monitoring_notification_channel.email[0].id]
  user_labels           = local.labels

  conditions {
    display_name = "A ${local.dag_id} run failed or timed out in ${local.composer_environment_name}"
    condition_matched_log {
      filter = local.dag_failure_filter
    }
  }

  alert_strategy {
    notification_rate_limit {
      period = "3600s"
    }
    auto_close = "86400s"
  }

  documentation {
    mime_type = "text/markdown"
    content   = "A ${local.dag_id} DAG run failed (a task failed after its retries) or hit its dagrun_timeout in Composer environment ${local.composer_environment_name}. Open the Airflow UI (terraform output airflow_uri) for the failed task's log; after a timeout, check that the run's batches stopped (their ttl ends them)."
  }
}
