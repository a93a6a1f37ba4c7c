resource "google_artifact_registry_repository" "images" {
  # checkov:skip=CKV_GCP_84:Google-managed encryption is enough for public-source images; a CMEK would add a key to manage and nothing to protect.
  repository_id = var.repository_id
  location      = var.region
  format        = "DOCKER"
  description   = "pyexec images, pushed by cloudbuild.yaml"

  docker_config {
    immutable_tags = false # :latest moves with every build; :$BUILD_ID tags never do.
  }

  cleanup_policies {
    id     = "keep-recent"
    action = "KEEP"
    most_recent_versions {
      keep_count = 10
    }
  }

  depends_on = [google_project_service.apis]
}
