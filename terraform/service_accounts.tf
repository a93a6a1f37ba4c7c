# Least privilege: each identity gets exactly the roles its job needs, on the one resource it
# needs them for.

# The service runs as this account. Its one role is publishing to the results topic
# (pubsub.tf); scripts cannot use even that: they cannot reach the metadata server for its
# token (the jail's seccomp policy refuses every socket).
resource "google_service_account" "runtime" {
  account_id   = "${var.service_name}-runtime"
  display_name = "pyexec runtime (publishes results only)"
}

# Pub/Sub (push) or Eventarc signs its requests to the service as this account.
resource "google_service_account" "events" {
  account_id   = "${var.service_name}-events"
  display_name = "pyexec event delivery (invokes the service)"
}

resource "google_cloud_run_v2_service_iam_member" "events_invoker" {
  name     = google_cloud_run_v2_service.pyexec.name
  location = var.region
  role     = "roles/run.invoker"
  member   = google_service_account.events.member
}

# Pub/Sub's service agent mints the OIDC tokens of the push subscription.
resource "google_service_account_iam_member" "pubsub_token_creator" {
  service_account_id = google_service_account.events.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = local.pubsub_agent
}

# Cloud Build runs cloudbuild.yaml as this account:
# `gcloud builds submit --service-account=<output builder_service_account>`.
resource "google_service_account" "builder" {
  account_id   = "${var.service_name}-builder"
  display_name = "pyexec image builds and rollouts"
}

resource "google_artifact_registry_repository_iam_member" "builder_writer" {
  repository = google_artifact_registry_repository.images.name
  location   = var.region
  role       = "roles/artifactregistry.writer"
  member     = google_service_account.builder.member
}

resource "google_cloud_run_v2_service_iam_member" "builder_developer" {
  name     = google_cloud_run_v2_service.pyexec.name
  location = var.region
  role     = "roles/run.developer"
  member   = google_service_account.builder.member
}

# Deploying a revision that runs as the runtime account requires acting as it.
resource "google_service_account_iam_member" "builder_acts_as_runtime" {
  service_account_id = google_service_account.runtime.name
  role               = "roles/iam.serviceAccountUser"
  member             = google_service_account.builder.member
}

resource "google_project_iam_member" "builder_logs" {
  project = var.project_id
  role    = "roles/logging.logWriter"
  member  = google_service_account.builder.member
}
