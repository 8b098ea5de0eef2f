# Cloud Composer 3 environment running the drug-mentions DAG (Airflow 3).
#
# The DAG is configured entirely through the environment variables below (no Airflow Variables
# or Connections to create by hand); DAG files go to the DAG folder in the outputs.
resource "google_composer_environment" "this" {
  project = var.project_id
  region  = var.region
  name    = local.composer_environment_name
  labels  = local.labels

  config {
    environment_size = var.composer_environment_size

    software_config {
      image_version = var.composer_image_version
      env_variables = local.dag_env_variables

      # Lineage of the DAG's tasks in Dataplex (Data Lineage API, apis.tf); the batches report
      # their own with spark.dataproc.lineage.enabled (conf/dataproc.toml).
      cloud_data_lineage_integration {
        enabled = true
      }
    }

    workloads_config {
      scheduler {
        cpu        = var.composer_workloads.scheduler.cpu
        memory_gb  = var.composer_workloads.scheduler.memory_gb
        storage_gb = var.composer_workloads.scheduler.storage_gb
        count      = var.composer_workloads.scheduler.count
      }

      web_server {
        cpu        = var.composer_workloads.web_server.cpu
        memory_gb  = var.composer_workloads.web_server.memory_gb
        storage_gb = var.composer_workloads.web_server.storage_gb
      }

      worker {
        cpu        = var.composer_workloads.worker.cpu
        memory_gb  = var.composer_workloads.worker.memory_gb
        storage_gb = var.composer_workloads.worker.storage_gb
        min_count  = var.composer_workloads.worker.min_count
        max_count  = var.composer_workloads.worker.max_count
      }

      # Deferrable operators hand their waiting to the triggerer: without one they never resume.
      triggerer {
        cpu       = var.composer_workloads.triggerer.cpu
        memory_gb = var.composer_workloads.triggerer.memory_gb
        count     = var.composer_workloads.triggerer.count
      }
    }

    node_config {
      service_account = google_service_account.composer.email
    }
  }

  depends_on = [
    google_project_service.enabled,
    google_project_iam_member.composer_worker,
    google_service_account_iam_member.composer_agent_v2_ext,
  ]
}
