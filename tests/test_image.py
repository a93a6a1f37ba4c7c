"""The deployable image, built by `make image`, run the three ways it will be run.

- As Cloud Run gen1 runs it: gVisor (runsc) as the OCI runtime, no network, Cloud Run's
  environment. The server must choose the gvisor profile.
- As Knative runs it with knative/service.yaml's securityContext: runc, SYS_ADMIN, seccomp
  unconfined. The namespaces profile.
- As a default, unprivileged container: runc with the default capabilities. Nothing can be
  isolated there, so nothing may run: 503, with the reason in the log.

A container is only ever reached from inside itself: a small client runs in it (`podman exec`)
and talks to the server on the container's own loopback; no port is published and no network
is attached.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import time
from pathlib import Path

import pytest
import yaml
from helpers import COLD_STARTS, REPO, strict_json

IMAGE = os.environ.get("PYEXEC_IMAGE", "localhost/pyexec:dev")
CLOUD_RUN_ENV = {"PORT": "8080", "K_SERVICE": "pyexec", "K_REVISION": "pyexec-00001-abc",
                 "K_CONFIGURATION": "pyexec"}  # fmt: skip
NO_LIMITS_OF_PODMAN = ["--ulimit=nofile=20000:20000", "--ulimit=nproc=4096:4096"]


def knative_security_options() -> list[str]:
    """knative/service.yaml's securityContext, as podman options."""
    manifest = yaml.safe_load((REPO / "knative/service.yaml").read_text())
    context = manifest["spec"]["template"]["spec"]["containers"][0]["securityContext"]
    options = [f"--cap-add={cap}" for cap in context["capabilities"]["add"]]
    if context["seccompProfile"]["type"] == "Unconfined":
        options.append("--security-opt=seccomp=unconfined")
    return options


MODES = {
    # (podman's global options, `run` options, the profile /healthz must report or None)
    "cloud-run-gen1": (["--runtime=/usr/bin/runsc", "--runtime-flag=network=none"],
                       ["--ulimit=host"], "gvisor"),
    "knative": (["--runtime=runc"], [*knative_security_options(), *NO_LIMITS_OF_PODMAN],
                "namespaces"),
    "unprivileged": (["--runtime=runc"], NO_LIMITS_OF_PODMAN, None),
}  # fmt: skip
#: Runs inside the container: each request of a JSON list on stdin, over the loopback.
CLIENT = """
import http.client, json, sys
answers = []
for method, path, headers, body in json.load(sys.stdin):
    connection = http.client.HTTPConnection("127.0.0.1", 8080, timeout=60)
    try:
        connection.request(method, path, body=body.encode() if body else None, headers=headers)
        response = connection.getresponse()
        answers.append([response.status, dict(response.headers), response.read().decode()])
    except OSError as error:
        answers.append([None, {}, str(error)])
print(json.dumps(answers))
"""
SEED = [
    ('def main():\n    print("Hello from IDE")\n    return {"status": "ok"}', 200,
     {"status": "ok"}),
    ("def main():\n    import numpy as np\n    arr = np.array([1, 2, 3, 4, 5])\n"
     '    return {"mean": float(np.mean(arr))}', 200, {"mean": 3.0}),
    ('def main():\n    import os\n    os.mkdir("/should_fail")\n    return {"status": "created"}',
     422, "exception"),
]  # fmt: skip


class Container:
    def __init__(self, mode: str) -> None:
        self.global_options, run_options, self.profile = MODES[mode]
        env = [f"--env={name}={value}" for name, value in CLOUD_RUN_ENV.items()]
        started = time.monotonic()
        self.id = podman(
            [*self.global_options, "run", "--detach", "--network=none", *run_options, *env, IMAGE]
        ).strip()
        self.cold_start_s = None
        while time.monotonic() - started < 120:
            status = self.requests([("GET", "/healthz", {}, None)])[0][0]
            if status is not None:
                self.cold_start_s = time.monotonic() - started
                break
            time.sleep(0.1)
        COLD_STARTS[mode] = self.cold_start_s

    def requests(self, requests: list) -> list:
        exec_ = ["exec", "--interactive", self.id, "python3", "-c", CLIENT]
        return json.loads(podman([*self.global_options, *exec_], json.dumps(requests)))

    def post(self, document: dict, headers: dict | None = None) -> tuple[int, dict, dict]:
        headers = headers or {"Content-Type": "application/json"}
        status, got_headers, body = self.requests(
            [("POST", "/execute", headers, json.dumps(document))]
        )[0]
        return status, got_headers, strict_json(body.encode())

    def logs(self) -> list[str]:
        return podman([*self.global_options, "logs", self.id]).splitlines()

    def stop(self) -> int:
        """Stop as Cloud Run does (SIGTERM, SIGKILL 10 s later); the container's exit code."""
        podman([*self.global_options, "stop", "--time=10", self.id])
        code = podman([*self.global_options, "inspect", "--format={{.State.ExitCode}}", self.id])
        podman([*self.global_options, "rm", "--force", self.id])
        return int(code)


def podman(argv: list[str], stdin: str | None = None) -> str:
    result = subprocess.run(["podman", *argv], input=stdin, capture_output=True, text=True,
                            timeout=300)  # fmt: skip
    assert result.returncode == 0, f"podman {' '.join(argv[:4])}: {result.stderr[-2000:]}"
    return result.stdout


@pytest.fixture(scope="module", autouse=True)
def image_built():
    if subprocess.run(["podman", "image", "exists", IMAGE], check=False).returncode != 0:
        pytest.fail(f"no image {IMAGE}: run `make image` (make test does)")


@pytest.fixture(scope="module", params=["cloud-run-gen1", "knative"])
def container(request):
    running = Container(request.param)
    yield running
    if running.id:
        subprocess.run(["podman", *running.global_options, "rm", "--force", running.id],
                       capture_output=True, check=False)  # fmt: skip


def test_health_reports_the_profile_of_the_run_mode(container):
    status, _, body = container.requests([("GET", "/healthz", {}, None)])[0]
    assert (status, json.loads(body)) == (200, {"status": "ok", "profile": container.profile})


@pytest.mark.parametrize(("script", "status", "expected"), SEED, ids=["hello", "numpy", "mkdir"])
def test_the_seeds_three_examples(container, script, status, expected):
    got_status, _, body = container.post({"script": script})
    assert got_status == status, body
    assert (body["result"] if status == 200 else body["error"]["code"]) == expected


def test_pandas_and_the_limits(container):
    pandas = (
        "import pandas as pd\ndef main():\n    return int(pd.DataFrame({'a': [1, 2]})['a'].sum())"
    )
    assert container.post({"script": pandas})[2]["result"] == 3
    sleeper = {"script": "import time\ndef main():\n    time.sleep(5)", "limits": {"timeout_s": 1}}
    assert container.post(sleeper)[2]["error"]["code"] == "timeout"
    hog = {"script": "def main():\n    return len(bytearray(1 << 30))",
           "limits": {"memory_mib": 128}}  # fmt: skip
    assert container.post(hog)[2]["error"]["code"] == "memory_limit"


def test_a_cloudevent_and_a_pubsub_push(container):
    request = {"script": "def main(n):\n    return n + 1", "args": {"n": 41}}
    ce_headers = {"Content-Type": "application/json", "ce-specversion": "1.0", "ce-id": "e-1",
                  "ce-source": "//test", "ce-type": "dev.pyexec.execution.requested"}  # fmt: skip
    status, headers, body = container.post(request, ce_headers)
    assert (status, body["result"]) == (200, 42)
    assert headers["ce-type"] == "dev.pyexec.execution.completed"
    data = base64.b64encode(json.dumps(request).encode()).decode()
    push = {"message": {"data": data, "messageId": "m-1"}, "subscription": "projects/p/s/s"}
    status, _, body = container.post(push)
    assert (status, body["result"]) == (200, 42)


def test_logs_are_one_json_entry_per_line_as_cloud_logging_reads_them(container):
    entries = [json.loads(line) for line in container.logs() if line.strip()]
    assert entries and all({"severity", "message", "time"} <= set(e) for e in entries)
    ready = next(e for e in entries if e["message"].startswith("sandbox ready"))
    assert ready["profile"] == container.profile
    assert any(e.get("outcome") == "timeout" for e in entries)


def test_stop_ends_it_on_sigterm_with_a_jail_running(container):
    sleeper = json.dumps({"script": "import time\ndef main():\n    time.sleep(60)",
                          "limits": {"timeout_s": 60}})  # fmt: skip
    background = subprocess.Popen(
        ["podman", *container.global_options, "exec", "--interactive", container.id, "python3",
         "-c", CLIENT], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    background.stdin.write(
        json.dumps([["POST", "/execute", {"Content-Type": "application/json"}, sleeper]])
    )
    background.stdin.close()
    time.sleep(2)  # The sleeper is in its jail.
    exit_code = container.stop()
    background.wait(60)
    container.id = ""
    assert exit_code == 0, "the server did not exit on SIGTERM: podman killed it after 10 s"


def test_an_unprivileged_container_runs_nothing_and_says_why():
    container = Container("unprivileged")
    try:
        (status, _, body), (post_status, _, post_body) = container.requests([
            ("GET", "/healthz", {}, None),
            ("POST", "/execute", {"Content-Type": "application/json"},
             json.dumps({"script": "def main():\n    return 1"})),
        ])  # fmt: skip
        assert status == 503 and json.loads(body)["status"] == "unavailable"
        assert post_status == 503
        assert json.loads(post_body)["error"]["code"] == "unavailable"
        failed = next(json.loads(ln) for ln in container.logs() if '"self_test": "failed"' in ln)
        assert "nothing will run" in failed["message"]
    finally:
        container.stop()


def test_what_is_in_the_image():
    root = Path(podman(["image", "mount", IMAGE]).strip())
    try:
        for absent in ("usr/bin/gcc", "usr/bin/g++", "usr/bin/cc", "usr/bin/make",
                       "opt/pyexec/.git", "opt/pyexec/tests", "opt/pyexec/.build",
                       "opt/pyexec/.venv"):  # fmt: skip
            assert not (root / absent).exists(), absent
        assert not list((root / "var/cache/apt/archives").glob("*.deb"))
        assert not list((root / "var/lib/apt/lists").glob("*_Packages"))
        assert (root / "etc/ssl/certs/ca-certificates.crt").stat().st_size > 100_000
        writable = [
            str(p)
            for p in (root / "opt/pyexec/rootfs").rglob("*")
            if not p.is_symlink() and (p.stat().st_mode & 0o022 or p.stat().st_uid)
        ]
        assert not writable, writable[:5]  # Root's alone: no jail uid may write the rootfs.
        nsjail = (root / "opt/pyexec/nsjail").read_bytes()
        for patched in (b"falling back to prctl(PR_SET_KEEPCAPS, 1)",
                        b"the requested limit is already in force",
                        b"binding the chroot by its path instead"):  # fmt: skip
            assert patched in nsjail, patched
        config = json.loads(podman(["image", "inspect", IMAGE]))[0]["Config"]
        assert config["Cmd"] == ["/opt/pyexec/function/server.py"]
    finally:
        podman(["image", "unmount", IMAGE])
