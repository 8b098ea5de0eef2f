# A monthly budget on this project with alerts, while billing_account_id is set (count = 0 until
# then). Alerts go to the billing account's administrators (default IAM recipients) and, when
# alert_email is set, to the operators' e-mail channel (monitoring.tf).
#
# The Billing Budgets API refuses user Application Default Credentials without a quota project:
# the budget uses a provider with this project as billing project and user_project_override
# (versions.tf, provider google.billing), and whoever applies needs billing.budgets.create on the
# billing account (e.g. roles/billing.costsManager). Budgets alert, they never stop spending: the
# batches' budget cap and ttl do (conf/dataproc.toml, dags/drug_mentions_batches.py).

locals {
  budget_enabled = var.billing_account_id != ""
  # Share of the amount, and whether it is spent or forecast.
  budget_thresholds = [
    { percent = 0.5, basis = "CURRENT_SPEND" },
    { percent = 0.9, basis = "CURRENT_SPEND" },
    { percent = 1.0, basis = "CURRENT_SPEND" },
    { percent = 1.0, basis = "FORECASTED_SPEND" },
  ]
}

resource "google_billing_budget" "monthly" {
  count    = local.budget_enabled ? 1 : 0
  provider = google.billing

  billing_account = var.billing_account_id
  display_name    = "${var.name_prefix} ${var.environment} monthly"

  budget_filter {
    projects        = ["projects/${data.google_project.this.number}"]
    calendar_period = "MONTH"
  }

  amount {
    specified_amount {
      currency_code = var.budget_currency_code == "" ? null : var.budget_currency_code
      units         = tostring(var.monthly_budget)
    }
  }

  dynamic "threshold_rules" {
    for_each = local.budget_thresholds
    content {
      threshold_percent = threshold_rules.value.percent
      spend_basis       = threshold_rules.value.basis
    }
  }

  all_updates_rule {
    monitoring_notification_channels = google_monitoring_notification_channel.email[*].id
    disable_default_iam_recipients   = false
  }

  depends_on = [google_project_service.enabled]
}
