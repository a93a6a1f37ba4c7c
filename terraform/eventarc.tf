# The alternative to the push subscription (event_delivery = "eventarc"): Eventarc delivers
# each message as a CloudEvent of type google.cloud.pubsub.topic.v1.messagePublished.
# Eventarc creates and owns its own subscription (output eventarc_subscription); give it the
# dead-letter topic with `gcloud pubsub subscriptions update` (README, "Deploy").

resource "google_eventarc_trigger" "requests" {
  count = var.event_delivery == "eventarc" ? 1 : 0

  name            = "${var.service_name}-requests"
  location        = var.region
  service_account = google_service_account.events.email

  matching_criteria {
    attribute = "type"
    value     = "google.cloud.pubsub.topic.v1.messagePublished"
  }

  transport {
    pubsub {
      topic = google_pubsub_topic.requests.id
    }
  }

  destination {
    cloud_run_service {
      service = google_cloud_run_v2_service.pyexec.name
      region  = var.region
    }
  }

  depends_on = [google_project_service.apis, google_cloud_run_v2_service_iam_member.events_invoker]
}
