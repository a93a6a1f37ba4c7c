resource "google_cloud_run_v2_service" "pyexec" {
  name                = var.service_name
  location            = var.region
  ingress             = var.ingress
  deletion_protection = var.deletion_protection

  template {
    service_account       = google_service_account.runtime.email
    execution_environment = var.execution_environment
    timeout               = "${local.request_timeout_s}s"
    # As many requests per instance as it has execution slots (PYEXEC_SLOTS below): more would
    # only wait in the instance's queue, while Cloud Run can start another instance.
    max_instance_request_concurrency = local.execution_slots

    scaling {
      max_instance_count = var.max_instances
    }

    containers {
      image = coalesce(var.image, local.placeholder_image)

      ports {
        container_port = 8080
      }

      resources {
        limits = {
          cpu    = tostring(var.cpu)
          memory = var.memory
        }
        startup_cpu_boost = true
        # Throttled between requests (request-based billing) unless always allocated.
        cpu_idle = !var.cpu_always_allocated
      }

      env {
        name  = "PYEXEC_WARM_JAILS"
        value = var.warm_jails ? "on" : "off"
      }
      env {
        name  = "PYEXEC_PLAYGROUND"
        value = var.playground ? "on" : "off"
      }
      env {
        name  = "PYEXEC_SLOTS"
        value = tostring(local.execution_slots)
      }
      env {
        name  = "PYEXEC_QUEUE"
        value = tostring(local.execution_slots)
      }
      env {
        name  = "PYEXEC_MAX_TIMEOUT_S"
        value = tostring(var.max_script_timeout_s)
      }
      dynamic "env" {
        for_each = local.limit_maximums
        content {
          name  = env.key
          value = env.value
        }
      }
      dynamic "env" {
        for_each = var.publish_results ? [google_pubsub_topic.results[0].id] : []
        content {
          name  = "PYEXEC_RESULTS_TOPIC"
          value = env.value
        }
      }
    }
  }

  lifecycle {
    # cloudbuild.yaml rolls out images; Terraform owns everything else.
    ignore_changes = [template[0].containers[0].image, client, client_version]

    precondition {
      condition     = local.request_timeout_s > var.max_script_timeout_s
      error_message = "The request timeout must be above the longest script timeout."
    }
    precondition {
      condition     = local.execution_slots * local.largest_request_mib + local.warm_jails_mib + local.server_reserve_mib <= local.instance_memory_mib
      error_message = "memory does not hold cpu x the largest request, the warm jails and the server: raise memory or lower request_maximums (SECURITY.md, Sizing without cgroups)."
    }
  }

  depends_on = [google_project_service.apis]
}

# Private unless opened: only the members listed in var.invoker_members may call it.
resource "google_cloud_run_v2_service_iam_member" "invokers" {
  for_each = toset(var.invoker_members)
  name     = google_cloud_run_v2_service.pyexec.name
  location = var.region
  role     = "roles/run.invoker"
  member   = each.value
}
