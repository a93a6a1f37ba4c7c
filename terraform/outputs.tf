output "builder_service_account" {
  description = "Service account for `gcloud builds submit --service-account=...`."
  value       = google_service_account.builder.id
}

output "dead_letter_topic" {
  description = "Where execution requests end after max_delivery_attempts."
  value       = google_pubsub_topic.dead_letter.name
}

output "eventarc_subscription" {
  description = "The subscription Eventarc created (event_delivery = \"eventarc\"), to give a dead-letter topic."
  value       = var.event_delivery == "eventarc" ? google_eventarc_trigger.requests[0].transport[0].pubsub[0].subscription : null
}

output "image" {
  description = "The image cloudbuild.yaml pushes and deploys."
  value       = local.image
}

output "requests_topic" {
  description = "Publish execution requests (the HTTP request JSON) here."
  value       = google_pubsub_topic.requests.name
}

output "results_subscription" {
  description = "Pull the results of executions requested through Pub/Sub or Eventarc here."
  value       = var.publish_results ? google_pubsub_subscription.results[0].name : null
}

output "results_topic" {
  description = "Every result is published here (PYEXEC_RESULTS_TOPIC); subscribe to it as you need."
  value       = var.publish_results ? google_pubsub_topic.results[0].name : null
}

output "service_url" {
  description = "The service's URL; call it with an identity token of an invoker member."
  value       = google_cloud_run_v2_service.pyexec.uri
}
