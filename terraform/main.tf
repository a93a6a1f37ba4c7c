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
  pubsub_agent    = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"
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
