# Execution requests published here run like HTTP requests (README, "Pub/Sub"). Requests
# that fail with a retryable status (429, 5xx) are redelivered with backoff; requests that can
# never succeed (400) and those that keep failing end in the dead-letter topic.

resource "google_pubsub_topic" "requests" {
  # checkov:skip=CKV_GCP_83:Google-managed encryption; the messages are scripts the publisher already holds.
  name       = "${var.service_name}-requests"
  depends_on = [google_project_service.apis]
}

resource "google_pubsub_topic" "dead_letter" {
  # checkov:skip=CKV_GCP_83:Google-managed encryption, as for the requests topic.
  name       = "${var.service_name}-requests-dead-letter"
  depends_on = [google_project_service.apis]
}

# Keeps dead letters for a week, so they can be inspected and replayed.
resource "google_pubsub_subscription" "dead_letter" {
  name                       = "${var.service_name}-requests-dead-letter"
  topic                      = google_pubsub_topic.dead_letter.id
  message_retention_duration = "604800s"
  ack_deadline_seconds       = 60
}

resource "google_pubsub_subscription" "push" {
  count = var.event_delivery == "push" ? 1 : 0

  name  = "${var.service_name}-requests-push"
  topic = google_pubsub_topic.requests.id
  # A delivery is outstanding while the script runs; Pub/Sub allows at most 600 s.
  ack_deadline_seconds = min(600, local.request_timeout_s)

  push_config {
    push_endpoint = google_cloud_run_v2_service.pyexec.uri
    oidc_token {
      service_account_email = google_service_account.events.email
      audience              = google_cloud_run_v2_service.pyexec.uri
    }
  }

  retry_policy {
    minimum_backoff = "10s"
    maximum_backoff = "600s"
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.dead_letter.id
    max_delivery_attempts = var.max_delivery_attempts
  }

  depends_on = [google_service_account_iam_member.pubsub_token_creator]
}

# Dead-lettering needs Pub/Sub's service agent to publish to the dead-letter topic and to
# acknowledge on the source subscription.
resource "google_pubsub_topic_iam_member" "dead_letter_publisher" {
  topic  = google_pubsub_topic.dead_letter.name
  role   = "roles/pubsub.publisher"
  member = local.pubsub_agent
}

resource "google_pubsub_subscription_iam_member" "push_dead_letter_subscriber" {
  count        = var.event_delivery == "push" ? 1 : 0
  subscription = google_pubsub_subscription.push[0].name
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_agent
}

# Results: Pub/Sub and Eventarc throw away the answer to a push, so every execution they
# request publishes its result here (PYEXEC_RESULTS_TOPIC; README, "Pub/Sub"). A failed
# publish answers 503, and the request is redelivered.
resource "google_pubsub_topic" "results" {
  count = var.publish_results ? 1 : 0
  # checkov:skip=CKV_GCP_83:Google-managed encryption; results go back to whoever sent the scripts.
  name                       = "${var.service_name}-results"
  message_retention_duration = var.results_retention
  depends_on                 = [google_project_service.apis]
}

# For consumers that pull; add subscriptions of your own (push, BigQuery) beside it.
resource "google_pubsub_subscription" "results" {
  count                      = var.publish_results ? 1 : 0
  name                       = "${var.service_name}-results"
  topic                      = google_pubsub_topic.results[0].id
  message_retention_duration = var.results_retention
  ack_deadline_seconds       = 60

  expiration_policy {
    ttl = "" # Never expires, however long no one pulls.
  }
}

# The runtime's one role: publishing to the results topic, and to nothing else.
resource "google_pubsub_topic_iam_member" "runtime_results_publisher" {
  count  = var.publish_results ? 1 : 0
  topic  = google_pubsub_topic.results[0].name
  role   = "roles/pubsub.publisher"
  member = google_service_account.runtime.member
}
