# Variables in alphabetical order.

variable "cpu" {
  description = "vCPUs per instance. Also the number of execution slots (PYEXEC_SLOTS) and of concurrent requests per instance."
  type        = number
  default     = 2

  validation {
    condition     = contains([1, 2, 4, 8], var.cpu)
    error_message = "cpu must be 1, 2, 4 or 8."
  }
}

variable "cpu_always_allocated" {
  description = "Instance-based billing: the CPU stays allocated between requests, so each warm jail is started again as soon as a request takes one. false is request-based billing: Cloud Run throttles the CPU outside requests, a refill waits for the next request, and requests then often find no warm jail ready (README, \"Warm jails on Cloud Run\")."
  type        = bool
  default     = true
}

variable "deletion_protection" {
  description = "Refuse to destroy the Cloud Run service (set false before `terraform destroy`)."
  type        = bool
  default     = true
}

variable "event_delivery" {
  description = "How execution requests published to the Pub/Sub topic reach the service: \"push\" (a push subscription with an OIDC token) or \"eventarc\" (an Eventarc trigger)."
  type        = string
  default     = "push"

  validation {
    condition     = contains(["push", "eventarc"], var.event_delivery)
    error_message = "event_delivery must be \"push\" or \"eventarc\"."
  }
}

variable "execution_environment" {
  description = "Cloud Run execution environment: EXECUTION_ENVIRONMENT_GEN1 (gVisor; the gvisor profile) or EXECUTION_ENVIRONMENT_GEN2 (the namespaces profile). The image picks the profile itself."
  type        = string
  default     = "EXECUTION_ENVIRONMENT_GEN1"

  validation {
    condition     = contains(["EXECUTION_ENVIRONMENT_GEN1", "EXECUTION_ENVIRONMENT_GEN2"], var.execution_environment)
    error_message = "execution_environment must be EXECUTION_ENVIRONMENT_GEN1 or EXECUTION_ENVIRONMENT_GEN2."
  }
}

variable "image" {
  description = "Image to deploy first. Cloud Build (cloudbuild.yaml) rolls out every later image, and Terraform ignores the image from then on. Null: a public placeholder until the first build."
  type        = string
  default     = null
}

variable "ingress" {
  description = "Who may reach the service over the network: INGRESS_TRAFFIC_ALL, INGRESS_TRAFFIC_INTERNAL_ONLY or INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER. Invocation still needs IAM (invoker_members)."
  type        = string
  default     = "INGRESS_TRAFFIC_ALL"

  validation {
    condition     = contains(["INGRESS_TRAFFIC_ALL", "INGRESS_TRAFFIC_INTERNAL_ONLY", "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER"], var.ingress)
    error_message = "ingress must be one of INGRESS_TRAFFIC_ALL, INGRESS_TRAFFIC_INTERNAL_ONLY, INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER."
  }
}

variable "invoker_members" {
  description = "IAM members allowed to call the service, e.g. [\"user:ana@example.com\", \"serviceAccount:wf@p.iam.gserviceaccount.com\"]. Empty: private. \"allUsers\" makes it public: anyone on the internet can run code on your bill; only with a reason."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for m in var.invoker_members : can(regex("^(allUsers|allAuthenticatedUsers|(user|serviceAccount|group|domain|principal|principalSet):.+)$", m))])
    error_message = "Each invoker member must be an IAM member such as user:..., serviceAccount:..., group:..., domain:... or allUsers."
  }
}

variable "max_delivery_attempts" {
  description = "Pub/Sub deliveries of one execution request before it goes to the dead-letter topic."
  type        = number
  default     = 5

  validation {
    condition     = var.max_delivery_attempts >= 5 && var.max_delivery_attempts <= 100
    error_message = "max_delivery_attempts must be between 5 and 100 (Pub/Sub's range)."
  }
}

variable "max_instances" {
  description = "Most instances the service scales to: a ceiling on cost and on concurrent jails (cpu x max_instances)."
  type        = number
  default     = 10

  validation {
    condition     = var.max_instances >= 1 && var.max_instances <= 1000
    error_message = "max_instances must be between 1 and 1000."
  }
}

variable "max_script_timeout_s" {
  description = "Longest wall time a request may ask for (PYEXEC_MAX_TIMEOUT_S). The request timeout is set above it."
  type        = number
  default     = 60

  validation {
    condition     = var.max_script_timeout_s > 0 && var.max_script_timeout_s <= 3000
    error_message = "max_script_timeout_s must be between 1 and 3000 seconds."
  }
}

variable "memory" {
  description = "Memory per instance (Cloud Run format). It must hold execution slots (cpu) x the largest request (request_maximums), the waiting warm jails and the server: a precondition checks it."
  type        = string
  default     = "5Gi"

  validation {
    condition     = can(regex("^[0-9]+(Mi|Gi)$", var.memory))
    error_message = "memory must look like 512Mi or 2Gi."
  }
}

variable "playground" {
  description = "Serve the browser playground at GET / (PYEXEC_PLAYGROUND). Off by default: a deployed service is private and called by programs; turn it on and open it through `gcloud run services proxy`."
  type        = bool
  default     = false
}

variable "project_id" {
  description = "Google Cloud project to deploy into."
  type        = string
}

variable "publish_results" {
  description = "Publish the result of every execution requested through Pub/Sub or Eventarc (and of HTTP requests with \"publish\": true) to a results topic, with a pull subscription; the runtime service account may publish there and nowhere else."
  type        = bool
  default     = true
}

variable "region" {
  description = "Region of the service, the image repository and the Eventarc trigger."
  type        = string
  default     = "europe-west1"
}

variable "repository_id" {
  description = "Artifact Registry repository of the image (cloudbuild.yaml's _REPOSITORY)."
  type        = string
  default     = "pyexec"
}

variable "request_maximums" {
  description = "The most one request may ask for, per limit (each becomes PYEXEC_MAX_<LIMIT>; a built-in default above its maximum is lowered to it). The gvisor profile has no cgroups, so the largest request is sized per process: see SECURITY.md, \"Sizing without cgroups\". The wall-time maximum is max_script_timeout_s."
  type = object({
    cpu_time_s        = optional(number, 60)
    max_file_size_mib = optional(number, 64)
    max_open_files    = optional(number, 64)
    max_output_bytes  = optional(number, 1048576)
    max_processes     = optional(number, 6)
    memory_mib        = optional(number, 256)
    tmp_size_mib      = optional(number, 64)
  })
  default = {}

  validation {
    # The smallest value each limit may have (function/sandbox/limits.py, MINIMUMS).
    condition = alltrue([
      for name, minimum in { cpu_time_s = 1, max_file_size_mib = 1, max_open_files = 16, max_output_bytes = 1024, max_processes = 1, memory_mib = 64, tmp_size_mib = 1 } :
      var.request_maximums[name] >= minimum && floor(var.request_maximums[name]) == var.request_maximums[name]
    ])
    error_message = "Every request maximum must be a whole number, at least the limit's minimum (memory_mib 64, max_open_files 16, max_output_bytes 1024, the others 1)."
  }
}

variable "results_retention" {
  description = "How long the results topic and its pull subscription keep a result (10 minutes to 31 days)."
  type        = string
  default     = "604800s"

  validation {
    condition     = try(tonumber(trimsuffix(var.results_retention, "s")) >= 600 && tonumber(trimsuffix(var.results_retention, "s")) <= 2678400 && endswith(var.results_retention, "s"), false)
    error_message = "results_retention must be seconds, like \"604800s\", from 600s to 2678400s."
  }
}

variable "service_name" {
  description = "Cloud Run service name (cloudbuild.yaml's _SERVICE); also the image name."
  type        = string
  default     = "pyexec"

  validation {
    condition     = can(regex("^[a-z]([-a-z0-9]{0,47}[a-z0-9])?$", var.service_name))
    error_message = "service_name must be a valid Cloud Run service name."
  }
}

variable "warm_jails" {
  description = "Keep a ready jail of each preload set (none, and numpy with pandas) per execution slot (PYEXEC_WARM_JAILS): a request then waits only for its own code. Each slot's waiting jails hold about 130 MiB in gVisor, counted in the memory precondition."
  type        = bool
  default     = true
}
