# Shared values and the APIs the deployment uses. Resources are split by concern:
# artifact_registry.tf, service_accounts.tf, cloud_run.tf, pubsub.tf, eventarc.tf.

data "google_project" "this" {
  project_id = var.project_id
}

locals {
  # The image cloudbuild.yaml pushes and deploys ($_REGION/$PROJECT_ID/$_REPOSITORY/$_SERVICE).
  image = "${var.region}-docker.pkg.dev/${var.project_id}/${var.repository_id}/${var.service_name}:latest"
  # Serves until the first `gcloud builds submit` rolls out the real image.
  placeholder_image = "us-docker.pkg.dev/cloudrun/container/hello"
  # Above the longest script a request may ask for, with room for jail start-up and the reply.
  request_timeout_s = var.max_script_timeout_s + 30
  # One execution slot per vCPU; Cloud Run sends each instance at most that many requests.
  execution_slots = var.cpu
  # Every PYEXEC_MAX_<LIMIT> (PYEXEC_MAX_TIMEOUT_S comes from max_script_timeout_s).
  limit_maximums = { for name, value in var.request_maximums : "PYEXEC_MAX_${upper(name)}" => tostring(value) }
  # The most one execution can hold without cgroups (gvisor profile), in MiB: RLIMIT_AS of each
  # process, the private folder and its /dev/shm files (each bounded by tmp_size_mib), a
  # 208 KiB socket buffer behind every descriptor of every
  # process (pipes keep 64 KiB: resizing them is refused), and what the server holds of the
  # output (three streams, and a response up to six bytes per byte). SECURITY.md has the same.
  largest_request_mib = (
    var.request_maximums.max_processes * var.request_maximums.memory_mib
    + 2 * var.request_maximums.tmp_size_mib
    + ceil(var.request_maximums.max_processes * var.request_maximums.max_open_files * 208 / 1024)
    + ceil(21 * var.request_maximums.max_output_bytes / 1048576)
  )
  # The server itself, its Python and gVisor's own overhead.
  server_reserve_mib  = 512
  # What each slot's waiting warm jails hold, measured in gVisor (README, Settings): a bare
  # one 14 MiB, a numpy and pandas one 115 MiB, resident.
  warm_jails_mib      = var.warm_jails ? local.execution_slots * 130 : 0
  instance_memory_mib = tonumber(regex("^[0-9]+", var.memory)) * (endswith(var.memory, "Gi") ? 1024 : 1)
  pubsub_agent        = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"
}

resource "google_project_service" "apis" {
  for_each = toset(concat(
    ["artifactregistry.googleapis.com", "cloudbuild.googleapis.com", "iam.googleapis.com",
    "pubsub.googleapis.com", "run.googleapis.com"],
    var.event_delivery == "eventarc" ? ["eventarc.googleapis.com"] : [],
  ))
  service            = each.value
  disable_on_destroy = false
}
