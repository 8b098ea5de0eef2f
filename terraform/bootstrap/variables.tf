# Inputs of the bootstrap: same names and rules as the main stack's variables.

variable "project_id" {
  description = "Google Cloud project id that hosts the stack (and its state bucket)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be 6-30 characters: lowercase letters, digits, hyphens; start with a letter, not end with a hyphen."
  }
}

variable "region" {
  description = "Region of the state bucket (the stack's region)."
  type        = string
  default     = "europe-west1"

  validation {
    condition     = can(regex("^[a-z]+-[a-z]+[0-9]{1,2}$", var.region))
    error_message = "region must be a Google Cloud region name such as europe-west1."
  }
}

variable "name_prefix" {
  description = "Prefix of the state bucket name, as in the main stack: <prefix>-<project>-tfstate."
  type        = string
  default     = "drug-mentions"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,18}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be 3-20 characters: lowercase letters, digits, hyphens; start with a letter, end with a letter or digit."
  }
}

variable "labels" {
  description = "Extra labels of the state bucket."
  type        = map(string)
  default     = {}
}

variable "state_versions_kept" {
  description = "Noncurrent state versions always kept (rollback points), whatever their age."
  type        = number
  default     = 20

  validation {
    condition     = var.state_versions_kept >= 1 && floor(var.state_versions_kept) == var.state_versions_kept
    error_message = "state_versions_kept must be a whole number, at least 1."
  }
}

variable "state_noncurrent_days" {
  description = "Days a noncurrent state version beyond the kept ones is retained before deletion."
  type        = number
  default     = 90

  validation {
    condition     = var.state_noncurrent_days >= 1 && floor(var.state_noncurrent_days) == var.state_noncurrent_days
    error_message = "state_noncurrent_days must be a whole number of days, at least 1."
  }
}
