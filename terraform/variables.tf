# Inputs. Every variable is typed and described; values that can be known to be wrong before
# an apply are rejected by a validation block.

variable "project_id" {
  description = "Google Cloud project id that hosts the whole stack."
  type        = string

  validation {
    # Project id rules: 6-30 chars, lowercase letters, digits and hyphens, starts with a letter,
    # does not end with a hyphen.
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be 6-30 characters: lowercase letters, digits, hyphens; start with a letter, not end with a hyphen."
  }
}

variable "region" {
  description = "Region of the Composer environment, the Dataproc batches, the subnet, the data bucket and the BigQuery dataset (one region keeps data local and egress free)."
  type        = string
  default     = "europe-west1"

  validation {
    condition     = can(regex("^[a-z]+-[a-z]+[0-9]{1,2}$", var.region))
    error_message = "region must be a Google Cloud region name such as europe-west1 or us-central1 (not a zone, not a multi-region)."
  }
}

variable "name_prefix" {
  description = "Prefix of every resource name (buckets, service accounts, network, Composer environment)."
  type        = string
  default     = "drug-mentions"

  validation {
    # 3-20 chars keeps service-account ids (<= 30 chars with '-composer') and bucket names legal.
    condition     = can(regex("^[a-z][a-z0-9-]{1,18}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be 3-20 characters: lowercase letters, digits, hyphens; start with a letter, end with a letter or digit."
  }
}

variable "environment" {
  description = "Deployment stage, used as the `environment` label (e.g. dev, prod)."
  type        = string
  default     = "dev"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,30}$", var.environment))
    error_message = "environment must be a valid label value: lowercase letters, digits, hyphens, starting with a letter."
  }
}

variable "labels" {
  description = "Extra labels merged into the labels of every resource (app, environment and managed-by are always set)."
  type        = map(string)
  default     = {}

  validation {
    condition = alltrue([
      for k, v in var.labels : can(regex("^[a-z][a-z0-9_-]{0,62}$", k)) && can(regex("^[a-z0-9_-]{0,63}$", v))
    ])
    error_message = "Label keys must match ^[a-z][a-z0-9_-]{0,62}$ and values ^[a-z0-9_-]{0,63}$."
  }
}

# --- Data bucket -------------------------------------------------------------------------------

variable "runs_retention_days" {
  description = "Age in days after which objects under runs/ (per-run outputs) are deleted by the bucket lifecycle."
  type        = number
  default     = 90

  validation {
    condition     = var.runs_retention_days >= 1 && floor(var.runs_retention_days) == var.runs_retention_days
    error_message = "runs_retention_days must be a whole number of days, at least 1."
  }
}

variable "noncurrent_version_retention_days" {
  description = "Days a noncurrent (overwritten or deleted) object version is kept before the lifecycle deletes it."
  type        = number
  default     = 30

  validation {
    condition     = var.noncurrent_version_retention_days >= 1 && floor(var.noncurrent_version_retention_days) == var.noncurrent_version_retention_days
    error_message = "noncurrent_version_retention_days must be a whole number of days, at least 1."
  }
}

# --- Network -----------------------------------------------------------------------------------

variable "subnet_cidr" {
  description = "Primary IPv4 range of the subnet the Dataproc Serverless batches run in (each batch uses one IP per driver/executor VM)."
  type        = string
  default     = "10.10.0.0/22"

  validation {
    condition     = can(cidrhost(var.subnet_cidr, 0)) && tonumber(split("/", var.subnet_cidr)[1]) <= 26
    error_message = "subnet_cidr must be an IPv4 CIDR block of /26 or larger, e.g. 10.10.0.0/22."
  }
}

# --- Composer ----------------------------------------------------------------------------------

variable "composer_image_version" {
  description = "Pinned Cloud Composer 3 build (Airflow 3). The DAG tests pin apache-airflow, apache-airflow-providers-google and google-cloud-dataproc to what it has preinstalled (pyproject.toml, airflow extra)."
  type        = string
  default     = "composer-3-airflow-3.1.8-build.3"

  validation {
    # A fully pinned Composer 3 build: no aliases such as 'latest' or a bare major version.
    condition     = can(regex("^composer-3-airflow-[0-9]+\\.[0-9]+\\.[0-9]+-build\\.[0-9]+$", var.composer_image_version))
    error_message = "composer_image_version must be a pinned Composer 3 build, e.g. composer-3-airflow-3.1.8-build.3."
  }
}

variable "composer_environment_size" {
  description = "Size of the Composer managed infrastructure (Airflow database etc.)."
  type        = string
  default     = "ENVIRONMENT_SIZE_SMALL"

  validation {
    condition     = contains(["ENVIRONMENT_SIZE_SMALL", "ENVIRONMENT_SIZE_MEDIUM", "ENVIRONMENT_SIZE_LARGE"], var.composer_environment_size)
    error_message = "composer_environment_size must be ENVIRONMENT_SIZE_SMALL, ENVIRONMENT_SIZE_MEDIUM or ENVIRONMENT_SIZE_LARGE."
  }
}

variable "composer_workloads" {
  description = "Airflow component sizes (CPU, memory GB, storage GB, counts). Defaults approximate the Composer 3 'small' preset; one triggerer is required because the DAG uses deferrable operators."
  type = object({
    scheduler  = object({ cpu = number, memory_gb = number, storage_gb = number, count = number })
    web_server = object({ cpu = number, memory_gb = number, storage_gb = number })
    worker     = object({ cpu = number, memory_gb = number, storage_gb = number, min_count = number, max_count = number })
    triggerer  = object({ cpu = number, memory_gb = number, count = number })
  })
  default = {
    scheduler  = { cpu = 0.5, memory_gb = 2, storage_gb = 1, count = 1 }
    web_server = { cpu = 1, memory_gb = 2, storage_gb = 1 }
    worker     = { cpu = 0.5, memory_gb = 2, storage_gb = 10, min_count = 1, max_count = 3 }
    triggerer  = { cpu = 0.5, memory_gb = 1, count = 1 }
  }

  validation {
    condition     = var.composer_workloads.triggerer.count >= 1
    error_message = "composer_workloads.triggerer.count must be at least 1: the DAG's deferrable operators need a triggerer."
  }

  validation {
    condition = (
      var.composer_workloads.worker.min_count >= 1 &&
      var.composer_workloads.worker.max_count >= var.composer_workloads.worker.min_count &&
      var.composer_workloads.scheduler.count >= 1
    )
    error_message = "Need at least one scheduler and one worker, and worker.max_count >= worker.min_count."
  }
}

# --- Settings the DAG reads (Composer environment variables) ------------------------------------

variable "code_version" {
  description = "Version of the packaged job (gs://<data-bucket>/code/<version>/) the DAG submits; DRUG_MENTIONS_CODE_VERSION."
  type        = string
  default     = "0.1.0"

  validation {
    condition     = can(regex("^[0-9]+\\.[0-9]+\\.[0-9]+([.+-][0-9A-Za-z.-]+)?$", var.code_version))
    error_message = "code_version must be a version such as 0.1.0 or 0.2.0rc1."
  }
}

variable "dag_schedule" {
  description = "Cron schedule of the DAG (UTC); DRUG_MENTIONS_SCHEDULE."
  type        = string
  default     = "0 3 * * *"

  validation {
    # Five whitespace-separated cron fields (Airflow also accepts presets such as @daily).
    condition     = can(regex("^(@(hourly|daily|weekly|monthly|yearly)|[^\\s]+(\\s+[^\\s]+){4})$", var.dag_schedule))
    error_message = "dag_schedule must be a 5-field cron expression (e.g. '0 3 * * *') or an Airflow preset such as @daily."
  }
}

# --- Analysts ----------------------------------------------------------------------------------

variable "analyst_members" {
  description = "IAM principals (user:, group:, serviceAccount:, domain:) who may query the analytics dataset: BigQuery data viewer on the dataset and job user on the project, nothing else (the BigLake table reads the files through its connection; no storage role)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for m in var.analyst_members : can(regex("^(user|group|serviceAccount|domain):.+$", m))])
    error_message = "Each analyst member must start with user:, group:, serviceAccount: or domain:."
  }
}

# --- Operators ---------------------------------------------------------------------------------

variable "alert_email" {
  description = "E-mail notified when a Dataproc batch or a DAG run fails. Empty (default): no notification channel and no alert policies."
  type        = string
  default     = ""

  validation {
    condition     = var.alert_email == "" || can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.alert_email))
    error_message = "alert_email must be empty or an e-mail address."
  }
}

variable "batch_id_prefix" {
  description = "Prefix of the Dataproc batch ids the DAG creates (dm-pipeline-..., dm-adhoc-...); the batch-failure alert only matches these batches."
  type        = string
  default     = "dm-"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,40}$", var.batch_id_prefix))
    error_message = "batch_id_prefix must be lowercase letters, digits and hyphens, starting with a letter (Dataproc batch id rules)."
  }
}

# --- Continuous delivery (delivery.tf, backend.tf) -----------------------------------------------

variable "github_repository" {
  description = "GitHub repository (owner/name) whose Actions workflows may authenticate through Workload Identity Federation; no other repository is admitted."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}$", var.github_repository))
    error_message = "github_repository must be owner/name as GitHub spells it, e.g. my-org/drug-mentions."
  }
}

variable "github_repository_id" {
  description = "Numeric id of github_repository (`gh api repos/OWNER/NAME --jq .id`): unlike the name it is never reused, so a deleted and re-created repository of the same name is not admitted."
  type        = string

  validation {
    condition     = can(regex("^[1-9][0-9]{0,19}$", var.github_repository_id))
    error_message = "github_repository_id must be the repository's numeric id, e.g. 812345678."
  }
}

variable "github_release_environment" {
  description = "GitHub environment of the release apply job (protected with required reviewers); only jobs running in it may impersonate the applier service account."
  type        = string
  default     = "release"

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]{1,100}$", var.github_release_environment))
    error_message = "github_release_environment must be a GitHub environment name (letters, digits, . _ -)."
  }
}

variable "github_deploy_environment" {
  description = "GitHub environment of the release deploy job, restricted to v* tags in the repository settings (docs/releasing.md); only jobs running in it may impersonate the deployer service account, the only writer of code/."
  type        = string
  default     = "deploy"

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]{1,100}$", var.github_deploy_environment))
    error_message = "github_deploy_environment must be a GitHub environment name (letters, digits, . _ -)."
  }
}

variable "tf_state_bucket" {
  description = "Name of the Terraform state bucket created by terraform/bootstrap/ (also passed to `terraform init -backend-config`); the CI identities get read (planner, deployer) or write (applier) access to it."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$", var.tf_state_bucket))
    error_message = "tf_state_bucket must be a bucket name (no gs:// prefix)."
  }
}

# --- Quota (quotas.tf) -------------------------------------------------------------------------

variable "request_batch_quota" {
  description = "Ask Google (Cloud Quotas preferences) for the Compute Engine quota the batches' budget cap is sized to: CPUS and DISKS_TOTAL_GB in the region, CPUS_ALL_REGIONS. Off by default: check the project's quota first (docs/scaling.md)."
  type        = bool
  default     = false
}

variable "batch_quota" {
  description = "The quota one batch at its cap consumes; equal to [quota] of conf/dataproc.toml (tests/terraform checks it): vCPUs (CPUS in the region and CPUS_ALL_REGIONS) and persistent disk GB (DISKS_TOTAL_GB in the region)."
  type        = object({ cpus = number, disks_total_gb = number })
  default     = { cpus = 400, disks_total_gb = 25000 }

  validation {
    condition     = var.batch_quota.cpus >= 12 && var.batch_quota.disks_total_gb >= 750
    error_message = "batch_quota must allow at least the smallest batch: 12 vCPUs (driver + 2 executors of 4 cores) and 750 GB (3 disks of 250 GB)."
  }
}

variable "quota_contact_email" {
  description = "E-mail Google may contact about the quota request (required by the Cloud Quotas API for an increase) when request_batch_quota is true."
  type        = string
  default     = ""

  validation {
    condition     = var.quota_contact_email == "" || can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.quota_contact_email))
    error_message = "quota_contact_email must be empty or an e-mail address."
  }
}

# --- Cost (budget.tf) ----------------------------------------------------------------------------

variable "billing_account_id" {
  description = "Billing account paying for the project (XXXXXX-XXXXXX-XXXXXX). Empty (default): no budget. Set: a monthly budget on this project with e-mail alerts (needs billing.budgets.create on the account)."
  type        = string
  default     = ""

  validation {
    condition     = var.billing_account_id == "" || can(regex("^[0-9A-F]{6}-[0-9A-F]{6}-[0-9A-F]{6}$", var.billing_account_id))
    error_message = "billing_account_id must be empty or a billing account id such as 0123AB-CDEF01-234567."
  }
}

variable "monthly_budget" {
  description = "Monthly budget of the project, in whole units of the billing account's currency (Composer alone is ~300-450 USD a month: docs/deploying.md). Alerts at 50 %, 90 % and 100 % of actual spend and 100 % of forecast."
  type        = number
  default     = 600

  validation {
    condition     = var.monthly_budget >= 1 && floor(var.monthly_budget) == var.monthly_budget
    error_message = "monthly_budget must be a whole amount, at least 1."
  }
}

variable "budget_currency_code" {
  description = "ISO 4217 currency of monthly_budget; must be the billing account's currency. Empty (default): the account's own currency."
  type        = string
  default     = ""

  validation {
    condition     = var.budget_currency_code == "" || can(regex("^[A-Z]{3}$", var.budget_currency_code))
    error_message = "budget_currency_code must be empty or a three-letter ISO 4217 code such as USD or EUR."
  }
}
