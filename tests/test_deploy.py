"""The deployment: image, Cloud Build, Terraform and Knative, checked with real parsers and tools.

No Docker engine, Terraform binary or Google Cloud is reachable from here, so these tests
check what can be checked: the Dockerfile and cloudbuild.yaml call exactly the scripts `make`
runs; Terraform parses (python-hcl2), holds the settings the function expects, and passes
checkov; the Knative manifests agree with the function.
"""

from __future__ import annotations

import math
import os
import re
import subprocess
from functools import cache
from pathlib import Path

import hcl2
import pytest
import yaml
from api import events
from sandbox.limits import FIELDS, MAXIMUMS, MINIMUMS, LimitPolicy

REPO = Path(__file__).resolve().parent.parent
DOCKERFILE = (REPO / "sandbox-image/Dockerfile").read_text()
MAKEFILE = (REPO / "Makefile").read_text()
CLOUDBUILD = yaml.safe_load((REPO / "cloudbuild.yaml").read_text())
SCRIPTS = [
    "nsjail-patch/build.sh",
    "sandbox-image/build-rootfs.sh",
    "function/server.py",
    "function/install.sh",
    "sandbox-image/make-base.sh",
    "sandbox-image/build-image.sh",
]


def unquote(value):
    return value.strip('"') if isinstance(value, str) else value


@cache
def terraform() -> dict:
    """Every block of terraform/*.tf: {"resource": {(type, name): body}, "variable": ...}."""
    merged: dict = {"resource": {}, "variable": {}, "locals": {}, "output": {}}
    for path in sorted((REPO / "terraform").glob("*.tf")):
        document = hcl2.load(path.open())
        for block in document.get("resource", []):
            for rtype, named in block.items():
                for name, body in named.items():
                    merged["resource"][(unquote(rtype), unquote(name))] = body
        for block in document.get("variable", []):
            for name, body in block.items():
                merged["variable"][unquote(name)] = body
        for block in document.get("locals", []):
            merged["locals"].update(block)
        for block in document.get("output", []):
            for name, body in block.items():
                merged["output"][unquote(name)] = body
        merged.setdefault("files", []).append((path.name, document))
    return merged


# The image ----------------------------------------------------------------------------------


def dockerfile_stages() -> dict[str, str]:
    stages: dict[str, str] = {}
    name = None
    for line in DOCKERFILE.splitlines():
        match = re.match(r"FROM \S+(?: AS (\w+))?", line)
        if match:
            name = match.group(1) or "final"
            stages[name] = ""
        elif name:
            stages[name] += line + "\n"
    return stages


def test_dockerfile_stages_run_the_scripts_make_runs():
    stages = dockerfile_stages()
    assert list(stages) == ["nsjail", "rootfs", "final"]
    assert "RUN /src/nsjail-patch/build.sh /out" in stages["nsjail"]
    assert "RUN /src/sandbox-image/build-rootfs.sh /out/rootfs" in stages["rootfs"]
    assert 'CMD ["/opt/pyexec/function/server.py"]' in stages["final"]
    assert "nsjail-patch/build.sh $(BUILD)/nsjail" in MAKEFILE
    assert "sandbox-image/build-rootfs.sh $(ROOTFS)" in MAKEFILE
    assert "function/server.py" in MAKEFILE
    assert "RUN /opt/pyexec/function/install.sh /opt/pyexec/venv" in stages["final"]
    assert "function/install.sh $(VENV)" in MAKEFILE
    assert DOCKERFILE.count("FROM ${DEBIAN_IMAGE}") == 3  # One base for every stage.
    for script in SCRIPTS:
        assert os.access(REPO / script, os.X_OK), script


def test_dockerfile_has_no_logic_of_its_own():
    """RUN lines only install packages or call a repository script."""
    for line in re.findall(r"^RUN (.+?)(?<!\\)$", DOCKERFILE, flags=re.M | re.S):
        command = " ".join(line.split())
        assert command.startswith(("apt-get update", "/src/", "/opt/pyexec/function/")), command


def test_image_build_dependencies_are_the_ones_make_installs():
    make_packages = set(re.search(r"APT_PACKAGES := (.+?)\n\n", MAKEFILE, re.S).group(1).split())
    stages = dockerfile_stages()
    for stage in ("nsjail", "rootfs"):
        installed = re.search(r"--no-install-recommends (.+?)\\?\n &&", stages[stage], re.S)
        packages = {p for p in installed.group(1).replace("\\", " ").split() if p[0].isalpha()}
        assert packages - {"ca-certificates", "python3-pip"} <= make_packages, stage


def test_image_paths_are_the_sandbox_defaults():
    from sandbox import Settings

    settings = Settings.from_env({})
    assert f"COPY --from=nsjail /out/nsjail {settings.nsjail}" in DOCKERFILE
    assert f"COPY --from=rootfs /out/rootfs {settings.rootfs}" in DOCKERFILE


# Cloud Build --------------------------------------------------------------------------------


def test_make_image_builds_the_stages_cloud_build_builds_from_the_same_base():
    script = (REPO / "sandbox-image/build-image.sh").read_text()
    stages = re.search(r"for stage in (.+); do", script).group(1).split()
    assert stages == list(dockerfile_stages())
    assert '--build-arg=DEBIAN_IMAGE="$base"' in script
    builds = [step["args"] for step in CLOUDBUILD["steps"] if step["args"][0] == "build"]
    assert len(builds) == 3
    for args in builds:
        assert "--build-arg=DEBIAN_IMAGE=$_DEBIAN_IMAGE" in args


def cloudbuild_text() -> str:
    return (REPO / "cloudbuild.yaml").read_text()


def test_cloudbuild_builds_every_dockerfile_stage_with_the_docker_builder():
    steps = {step["id"]: step for step in CLOUDBUILD["steps"]}
    targets = {
        arg.split("=", 1)[1]
        for step in steps.values()
        for arg in step.get("args", [])
        if str(arg).startswith("--target=")
    }
    assert targets == {"nsjail", "rootfs"} <= set(dockerfile_stages())
    for step_id in ("nsjail", "rootfs", "image", "push"):
        assert steps[step_id]["name"] == "gcr.io/cloud-builders/docker"
        assert "--file=sandbox-image/Dockerfile" in steps[step_id]["args"] or step_id == "push"
    assert "kaniko" not in cloudbuild_text()


def test_cloudbuild_runs_independent_steps_in_parallel():
    steps = {step["id"]: step for step in CLOUDBUILD["steps"]}
    assert steps["nsjail-source"]["waitFor"] == ["-"]
    assert steps["rootfs"]["waitFor"] == ["-"]
    assert set(steps["image"]["waitFor"]) == {"nsjail", "rootfs"}
    assert steps["deploy"]["waitFor"] == ["push"]


def test_cloudbuild_declares_every_user_substitution_it_uses():
    used = set(re.findall(r"\$\{?(_[A-Z0-9_]+)", cloudbuild_text()))
    assert used <= set(CLOUDBUILD["substitutions"]), used - set(CLOUDBUILD["substitutions"])
    assert set(CLOUDBUILD["substitutions"]) <= used  # and declares nothing it does not use


def test_cloudbuild_checks_out_the_nsjail_tag_the_build_script_names():
    source_env = (REPO / "nsjail-patch/source.env").read_text()
    assert f'NSJAIL_GIT_TAG="{CLOUDBUILD["substitutions"]["_NSJAIL_GIT_TAG"]}"' in source_env
    assert f'NSJAIL_GIT_URL="{CLOUDBUILD["substitutions"]["_NSJAIL_GIT_URL"]}"' in source_env


def terraform_image(region: str, project: str, repository: str, service: str) -> str:
    """Terraform's image name, with its variables replaced."""
    image = unquote(terraform()["locals"]["image"])
    for variable, value in [("region", region), ("project_id", project),
                            ("repository_id", repository), ("service_name", service)]:  # fmt: skip
        image = image.replace("${var." + variable + "}", value)
    return image


def test_cloudbuild_deploys_the_image_terraform_names():
    as_cloudbuild = terraform_image("$_REGION", "$PROJECT_ID", "$_REPOSITORY", "$_SERVICE")
    image_step = next(s for s in CLOUDBUILD["steps"] if s["id"] == "image")
    assert f"--tag={as_cloudbuild}" in image_step["args"]
    deploy = next(s for s in CLOUDBUILD["steps"] if s["id"] == "deploy")
    assert f"--image={as_cloudbuild.replace(':latest', ':$BUILD_ID')}" in deploy["args"]
    variables = terraform()["variable"]
    for substitution, variable in [("_REGION", "region"), ("_REPOSITORY", "repository_id"),
                                   ("_SERVICE", "service_name")]:  # fmt: skip
        assert CLOUDBUILD["substitutions"][substitution] == unquote(variables[variable]["default"])


# Terraform ----------------------------------------------------------------------------------


def test_terraform_versions_are_pinned():
    versions = next(doc for name, doc in terraform()["files"] if name == "versions.tf")
    block = versions["terraform"][0]
    assert unquote(block["required_version"]) == ">= 1.6"
    google = block["required_providers"][0]["google"]
    assert unquote(google["version"]).startswith("~> ")


def test_terraform_variables_are_alphabetical_and_described():
    variables = next(doc for name, doc in terraform()["files"] if name == "variables.tf")
    names = [unquote(name) for block in variables["variable"] for name in block]
    assert names == sorted(names)
    for name, body in terraform()["variable"].items():
        assert unquote(body.get("description", "")), name
        assert body.get("type"), name


def test_service_is_private_by_default():
    variables = terraform()["variable"]
    assert variables["invoker_members"]["default"] == []
    resources = terraform()["resource"]
    invokers = resources[("google_cloud_run_v2_service_iam_member", "invokers")]
    assert invokers["for_each"] == "${toset(var.invoker_members)}"
    tf_text = "".join(p.read_text() for p in (REPO / "terraform").glob("*.tf"))
    assert 'member = "allUsers"' not in tf_text.replace(" ", "").replace("=", " = ")


def test_service_runs_gen1_by_default_with_slots_concurrency_and_timeout_consistent():
    variables, local = terraform()["variable"], terraform()["locals"]
    assert unquote(variables["execution_environment"]["default"]) == "EXECUTION_ENVIRONMENT_GEN1"
    service = terraform()["resource"][("google_cloud_run_v2_service", "pyexec")]
    template = service["template"][0]
    assert template["max_instance_request_concurrency"] == "${local.execution_slots}"
    env = {unquote(e["name"]): e["value"] for e in template["containers"][0]["env"]}
    assert env["PYEXEC_SLOTS"] == "${tostring(local.execution_slots)}"
    assert local["execution_slots"] == "${var.cpu}"
    # The longest script Terraform allows is the function's own maximum, and the request
    # timeout is above it.
    assert variables["max_script_timeout_s"]["default"] == MAXIMUMS.timeout_s
    assert env["PYEXEC_MAX_TIMEOUT_S"] == "${tostring(var.max_script_timeout_s)}"
    assert local["request_timeout_s"] == "${var.max_script_timeout_s + 30}"
    assert unquote(template["timeout"]) == "${local.request_timeout_s}s"
    assert service["deletion_protection"] == "${var.deletion_protection}"
    assert service["ingress"] == "${var.ingress}"


def test_runtime_service_account_may_only_publish_results():
    runtime_refs = {
        key: body for key, body in terraform()["resource"].items()
        if "iam" in key[0] and "google_service_account.runtime.member" in str(body.get("member"))
    }  # fmt: skip
    assert list(runtime_refs) == [("google_pubsub_topic_iam_member", "runtime_results_publisher")]
    (grant,) = runtime_refs.values()
    assert grant["topic"] == "${google_pubsub_topic.results[0].name}"
    assert unquote(grant["role"]) == "roles/pubsub.publisher"


def test_results_topic_is_wired_into_the_service_with_a_pull_subscription():
    resources = terraform()["resource"]
    subscription = resources[("google_pubsub_subscription", "results")]
    assert subscription["topic"] == "${google_pubsub_topic.results[0].id}"
    assert "push_config" not in subscription  # consumers pull
    assert subscription["message_retention_duration"] == "${var.results_retention}"
    service = resources[("google_cloud_run_v2_service", "pyexec")]
    envs = service["template"][0]["containers"][0]["dynamic"]
    results_env = next(e['"env"'] for e in envs if "PYEXEC_RESULTS_TOPIC" in str(e))
    assert "google_pubsub_topic.results[0].id" in results_env["for_each"]
    assert {"results_topic", "results_subscription"} <= set(terraform()["output"])


def test_pubsub_requests_have_retry_and_a_dead_letter_topic():
    push = terraform()["resource"][("google_pubsub_subscription", "push")]
    assert push["dead_letter_policy"][0]["dead_letter_topic"] == (
        "${google_pubsub_topic.dead_letter.id}"
    )
    assert push["retry_policy"][0]["minimum_backoff"]
    oidc = push["push_config"][0]["oidc_token"][0]
    assert oidc["service_account_email"] == "${google_service_account.events.email}"
    trigger = terraform()["resource"][("google_eventarc_trigger", "requests")]
    assert trigger["count"] == '${var.event_delivery == "eventarc" ? 1 : 0}'
    assert {"service_url", "requests_topic", "dead_letter_topic"} <= set(terraform()["output"])


def test_checkov_finds_nothing_unexplained():
    checkov = os.environ.get("CHECKOV_BIN", str(REPO / ".build/checkov/bin/checkov"))
    if not Path(checkov).exists():
        pytest.fail(f"checkov is not installed at {checkov}: run `make setup`")
    result = subprocess.run(
        [checkov, "--directory", str(REPO / "terraform"), "--framework", "terraform",
         "--skip-download", "--compact", "--quiet"],
        capture_output=True, text=True, timeout=300,
        env={**os.environ, "BC_SKIP_MAPPING": "TRUE"},
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:]
    assert "Failed checks: 0" in result.stdout
    skips = re.findall(r"checkov:skip=(\w+):(.*)", "".join(
        p.read_text() for p in (REPO / "terraform").glob("*.tf")
    ))  # fmt: skip
    assert all(len(reason.strip()) > 20 for _, reason in skips), skips


# Knative ------------------------------------------------------------------------------------


def knative(name: str) -> list[dict]:
    return list(yaml.safe_load_all((REPO / "knative" / name).read_text()))


def test_knative_service_matches_the_function():
    (service,) = knative("service.yaml")
    spec = service["spec"]["template"]["spec"]
    container = spec["containers"][0]
    assert container["image"] == terraform_image("europe-west1", "PROJECT_ID", "pyexec", "pyexec")
    assert container["ports"] == [{"containerPort": 8080}]
    env = {e["name"]: e["value"] for e in container["env"]}
    assert spec["containerConcurrency"] == int(env["PYEXEC_SLOTS"])
    assert spec["timeoutSeconds"] > float(env["PYEXEC_MAX_TIMEOUT_S"])
    assert container["readinessProbe"]["httpGet"]["path"] == "/healthz"


def test_knative_trigger_filters_requests_only_and_dead_letters():
    trigger, dead_letter = knative("trigger.yaml")
    assert trigger["kind"] == "Trigger"
    event_type = trigger["spec"]["filter"]["attributes"]["type"]
    assert event_type == events.REQUESTED
    assert event_type not in (events.COMPLETED, events.FAILED)  # replies cannot loop back
    delivery = trigger["spec"]["delivery"]
    assert delivery["retry"] >= 1 and delivery["backoffPolicy"] == "exponential"
    sink = delivery["deadLetterSink"]["ref"]
    assert (sink["kind"], sink["name"]) == (dead_letter["kind"], dead_letter["metadata"]["name"])
    assert trigger["spec"]["subscriber"]["ref"]["name"] == "pyexec"


def request_maximums() -> dict[str, int]:
    """The defaults of terraform's request_maximums variable, from its type's optional()s."""
    declared = terraform()["variable"]["request_maximums"]["type"]
    return {
        name: int(value)
        for name, value in re.findall(r"(\w+) = optional\(number, (\d+)\)", declared)
    }


def test_terraform_sets_every_request_maximum_and_the_instance_holds_its_slots():
    maximums = request_maximums()
    # Every limit but the wall time (max_script_timeout_s), each as PYEXEC_MAX_<NAME>.
    assert set(maximums) == set(FIELDS) - {"timeout_s"}
    local = terraform()["locals"]
    assert local["limit_maximums"] == (
        "${{for name, value in var.request_maximums : "
        '"PYEXEC_MAX_${upper(name)}" => tostring(value)}}'
    )
    container = terraform()["resource"][("google_cloud_run_v2_service", "pyexec")]["template"][0]
    dynamic_env = container["containers"][0]["dynamic"][0]['"env"']
    assert dynamic_env["for_each"] == "${local.limit_maximums}"
    # Terraform's own sizing expression, evaluated with the defaults: cpu slots x the largest
    # request, the warm jails and the server fit in the default memory (the precondition's
    # arithmetic).
    expression = local["largest_request_mib"][2:-1].replace("var.request_maximums.", "")
    largest = eval(expression, {"ceil": math.ceil}, maximums)
    variables = terraform()["variable"]
    slots, memory = variables["cpu"]["default"], unquote(variables["memory"]["default"])
    assert memory.endswith("Gi")
    warm = int(re.search(r"\* (\d+) :", local["warm_jails_mib"]).group(1)) * slots
    reserve = int(local["server_reserve_mib"])
    assert slots * largest + warm + reserve <= int(memory[:-2]) * 1024
    # Terraform refuses what the function would refuse to start with: its minimums are ours.
    (validation,) = terraform()["variable"]["request_maximums"]["validation"]
    minimums = dict(re.findall(r"(\w+) = (\d+)", validation["condition"].split("}")[0]))
    assert {name: float(value) for name, value in minimums.items()} == {
        name: float(MINIMUMS[name]) for name in maximums
    }
    # The same maximums go to the function: each is within what the code allows.
    policy = LimitPolicy.from_env({f"PYEXEC_MAX_{n.upper()}": str(v) for n, v in maximums.items()})
    assert all(getattr(policy.maximums, n) == v for n, v in maximums.items())


def test_the_playground_is_off_for_deployed_services_and_a_switch_in_both():
    variables = terraform()["variable"]
    assert variables["playground"]["default"] is False
    service = terraform()["resource"][("google_cloud_run_v2_service", "pyexec")]
    envs = {unquote(e["name"]): e["value"] for e in service["template"][0]["containers"][0]["env"]}
    assert envs["PYEXEC_PLAYGROUND"] == '${var.playground ? "on" : "off"}'
    (knative_service,) = knative("service.yaml")
    container = knative_service["spec"]["template"]["spec"]["containers"][0]
    assert {e["name"]: e["value"] for e in container["env"]}["PYEXEC_PLAYGROUND"] == "off"


def test_knative_sets_the_same_request_maximums_and_memory_as_terraform():
    (service,) = knative("service.yaml")
    container = service["spec"]["template"]["spec"]["containers"][0]
    env = {e["name"]: e["value"] for e in container["env"]}
    expected = {
        f"PYEXEC_MAX_{name.upper()}": str(value) for name, value in request_maximums().items()
    }
    assert {name: env.get(name) for name in expected} == expected
    memory = unquote(terraform()["variable"]["memory"]["default"])
    assert container["resources"]["limits"]["memory"] == memory
