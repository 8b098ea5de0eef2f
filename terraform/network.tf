# Network of the Dataproc Serverless batches (the Composer 3 environment uses Google's own
# network and needs none of this: it only calls the Dataproc API).

resource "google_compute_network" "this" {
  project                 = var.project_id
  name                    = local.network_name
  description             = "drug-mentions: network of the Spark batches"
  auto_create_subnetworks = false
  routing_mode            = "REGIONAL"

  depends_on = [google_project_service.enabled]
}

# Serverless for Apache Spark runs on internal-IP-only VMs: Private Google Access lets them reach
# Cloud Storage, BigQuery and the Dataproc control plane without external IPs.
resource "google_compute_subnetwork" "batches" {
  #checkov:skip=CKV_GCP_76:IPv4-only subnet; Dataproc Serverless VMs have no IPv6 addresses, so private IPv6 Google access has nothing to apply to
  project                  = var.project_id
  name                     = local.subnetwork_name
  description              = "drug-mentions: Serverless for Apache Spark batches"
  region                   = var.region
  network                  = google_compute_network.this.id
  ip_cidr_range            = var.subnet_cidr
  private_ip_google_access = true

  log_config {
    aggregation_interval = "INTERVAL_10_MIN"
    flow_sampling        = 0.5
    metadata             = "INCLUDE_ALL_METADATA"
  }
}

# Serverless for Apache Spark requires open connectivity between the VMs of a batch (driver <->
# executors, shuffle) on all ports. Restricted to the subnet's own range, both ways; nothing else
# may enter (the implied deny-all ingress rule stays in force for every other source).
resource "google_compute_firewall" "batches_internal" {
  project       = var.project_id
  name          = "${var.name_prefix}-allow-internal-batches"
  description   = "Serverless for Apache Spark: VM-to-VM traffic inside the batch subnet only"
  network       = google_compute_network.this.id
  direction     = "INGRESS"
  priority      = 1000
  source_ranges = [google_compute_subnetwork.batches.ip_cidr_range]

  destination_ranges = [google_compute_subnetwork.batches.ip_cidr_range]

  allow {
    protocol = "all"
  }
}
