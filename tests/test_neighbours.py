"""What the rest of the host cannot change: where the checkout lives, how busy the machine is,
and other workers and servers running jails beside this one.

`make test-gvisor` runs this module again inside gVisor, in the gvisor profile.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest
from attacks import ATTACKS, attack
from helpers import http, leftovers, no_jails_within, nsjail_processes, serve, server_uids
from sandbox import Sandbox, SandboxUnavailable, Settings, uids
from sandbox.execution_cgroup import ExecutionCgroup
from sandbox.nsjail import MIB
from sandbox.profiles import prepare_cgroups
from sandbox.runner import unsearchable_folder

HELLO = "def main():\n    return 'hello'"


@pytest.fixture
def private_rootfs(tmp_path: Path) -> Path:
    """The rootfs as seen through a folder only root may enter (mode 0700, like root's home
    or a `mktemp -d` folder)."""
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    (private / "rootfs").symlink_to(Settings.from_env().rootfs)
    return private / "rootfs"


def test_unsearchable_folder_names_the_first_folder_a_jail_uid_cannot_enter(private_rootfs):
    folder = unsearchable_folder(private_rootfs, 65000)
    assert folder is not None and folder in private_rootfs.parents
    assert folder.stat().st_mode & 0o001 == 0  # no search bit for others
    assert unsearchable_folder(folder.parent, 65000) is None
    assert unsearchable_folder(Path("/usr/bin"), 65000) is None


def test_a_server_on_a_rootfs_below_a_private_folder_runs_scripts(private_rootfs, tmp_path):
    with serve(tmp_path / "server.log", PYEXEC_ROOTFS=str(private_rootfs), PYEXEC_SLOTS="1") as (
        base,
        _,
    ):
        status, _, body = http("POST", f"{base}/execute", {"script": HELLO})
    assert (status, body.get("result")) == (200, "hello"), body


# Exact outcomes under load -----------------------------------------------------------------

CPU_ATTACKS = [a for a in ATTACKS if a.name.startswith("burn CPU")] + [
    attack(
        "burn CPU in one loop",
        "resources",
        "def main():\n    while True:\n        pass",
        "timeout",
        limits={"cpu_time_s": 1, "timeout_s": 10},
    )
]


def test_a_cpu_limit_is_a_cpu_timeout_every_time_while_both_cores_are_busy(sandbox):
    """Other executions keep every core busy; each CPU attack, run again and again, must end
    as a CPU timeout, never as a plain kill."""
    background = Sandbox(replace(Settings.from_env(), slots=os.cpu_count() or 1))
    background.start()
    stop = threading.Event()

    def keep_busy() -> None:
        while not stop.is_set():
            background.run(
                "def main():\n    while True:\n        pass",
                {},
                background.settings.limits.resolve({"cpu_time_s": 3, "timeout_s": 3}),
            )

    busy = [threading.Thread(target=keep_busy) for _ in range(background.settings.slots)]
    for thread in busy:
        thread.start()
    try:
        runs = [attack for attack in CPU_ATTACKS for _ in range(4)]
        with ThreadPoolExecutor(sandbox.settings.slots) as pool:
            outcomes = list(
                pool.map(
                    # Wall time to spare: however slow the machine, the CPU limit comes first.
                    lambda a: sandbox.run(
                        a.script, {}, sandbox.settings.limits.resolve({**a.limits, "timeout_s": 30})
                    ),
                    runs,
                )
            )
    finally:
        stop.set()
        for thread in busy:
            thread.join()
    verdicts = [(o.kind.value, o.error.get("limit")) for o in outcomes]
    assert verdicts == [("timeout", "cpu")] * len(runs), [
        (a.name, o.kind.value, o.error) for a, o in zip(runs, outcomes, strict=True)
    ]
    background.shutdown()
    assert leftovers(background.uids + sandbox.uids) == []


# Neighbours: workers and servers -----------------------------------------------------------


def sleeper(seconds: float) -> dict:
    return {
        "script": f"import time\ndef main(n):\n    time.sleep({seconds})\n    return n",
        "limits": {"timeout_s": 20},
    }


def test_two_workers_never_share_a_jail_uid(tmp_path):
    env = {"WORKERS": "2", "PYEXEC_SLOTS": "1", "PYEXEC_QUEUE": "6", "THREADS": "8"}
    with serve(tmp_path / "server.log", **env) as (base, _):
        for round_ in range(3):
            requests = [
                {**sleeper(0.5 if i % 2 else 3), "args": {"n": round_ * 10 + i}} for i in range(6)
            ]
            with ThreadPoolExecutor(6) as pool:
                answers = list(pool.map(lambda r: http("POST", f"{base}/execute", r), requests))
            assert [(s, b.get("result")) for s, _, b in answers] == [
                (200, r["args"]["n"]) for r in requests
            ], [b for _, _, b in answers]
    lines = (tmp_path / "server.log").read_text().splitlines()
    workers = [json.loads(ln)["uids"] for ln in lines if '"worker ready"' in ln]
    assert len(workers) == 2 and not set(workers[0]) & set(workers[1]), workers


#: Scripts of one server that would harm the other if they shared its uids.
HARM = {
    "kill(-1) for two seconds": (
        "import os, time\n"
        "def main():\n"
        "    end = time.time() + 2\n"
        "    while time.time() < end:\n"
        "        try:\n"
        "            os.kill(-1, 9)\n"
        "        except OSError:\n"
        "            pass\n"
        "    return 'done'\n"
    ),
    "leave a process behind": next(a for a in ATTACKS if a.name == "leave a process behind").script,
    "fork bomb": next(a for a in ATTACKS if a.name == "fork bomb").script,
}


def test_two_servers_side_by_side_cannot_reach_each_other(tmp_path):
    """Each server runs the attacks while the other runs plain sleepers: every sleeper returns,
    every attack ends as it would alone, and nothing of either is left."""
    with (
        serve(tmp_path / "a.log", PYEXEC_SLOTS="2", PYEXEC_QUEUE="8", THREADS="12") as (a, _),
        serve(tmp_path / "b.log", PYEXEC_SLOTS="2", PYEXEC_QUEUE="8", THREADS="12") as (b, _),
    ):
        uids_a, uids_b = server_uids(tmp_path / "a.log"), server_uids(tmp_path / "b.log")
        assert not set(uids_a) & set(uids_b)
        fork_limits = next(x for x in ATTACKS if x.name == "fork bomb").limits
        jobs = []
        for attacker, victim in ((a, b), (b, a)):
            for name, script in HARM.items():
                limits = fork_limits if name == "fork bomb" else {"timeout_s": 10}
                jobs.append((attacker, name, {"script": script, "limits": limits}))
            jobs.append((victim, "sleeper", {**sleeper(2.5), "args": {"n": 7}}))
        with ThreadPoolExecutor(len(jobs)) as pool:
            answers = list(pool.map(lambda j: http("POST", f"{j[0]}/execute", j[2]), jobs))
        outcomes = {
            (base, name): body.get("result", body.get("error", {}).get("code"))
            for (base, name, _), (_, _, body) in zip(jobs, answers, strict=True)
        }
        for base in (a, b):
            assert outcomes[(base, "sleeper")] == 7, outcomes
            assert outcomes[(base, "kill(-1) for two seconds")] == "done", outcomes
            assert outcomes[(base, "leave a process behind")] == "left one", outcomes
            assert outcomes[(base, "fork bomb")] in ("capped", "timeout"), outcomes
        # The next executions in every slot of both servers still work.
        with ThreadPoolExecutor(8) as pool:
            hellos = list(
                pool.map(
                    lambda base: http("POST", f"{base}/execute", {"script": HELLO}), [a, b] * 4
                )
            )
        assert [(s, body.get("result")) for s, _, body in hellos] == [(200, "hello")] * 8
    # Their warm jails end with them (their stdin closes); nothing else of either is left.
    assert no_jails_within(uids_a + uids_b) == []
    assert nsjail_processes(uids_a + uids_b) == []


def test_sandboxes_take_only_free_uids_of_their_range(tmp_path):
    first = uids.lease(2, range(70000, 70003), tmp_path)
    with pytest.raises(SandboxUnavailable, match=r"only 1 of the 2 jail uids.*PYEXEC_JAIL_UIDS"):
        uids.lease(2, range(70000, 70003), tmp_path)
    second = uids.lease(1, range(70000, 70003), tmp_path)
    assert first.uids == [70000, 70001] and second.uids == [70002]
    first.release()
    again = uids.lease(2, range(70000, 70003), tmp_path)
    assert again.uids == [70000, 70001]
    for held in (second, again):
        held.release()


def test_jails_on_a_shared_mount_leave_no_mount_on_the_host(sandbox, tmp_path):
    """A rootfs on a shared mount (systemd's default): what a jail mounts below its clone of
    it (/tmp, /dev) must not appear on the host's copy."""
    if sandbox.profile.value != "namespaces":
        pytest.skip("only the namespaces profile mounts anything")
    shared = tmp_path / "shared-rootfs"
    shared.mkdir()
    subprocess.run(["mount", "--bind", str(sandbox.settings.rootfs), str(shared)], check=True)
    try:
        subprocess.run(["mount", "--make-rshared", str(shared)], check=True)
        box = Sandbox(replace(Settings.from_env(), rootfs=shared, slots=1))
        box.start()
        try:
            outcome = box.run(HELLO, {}, box.settings.limits.defaults)
            assert (outcome.kind.value, outcome.result) == ("ok", "hello")
            assert box.warm(wait_s=60)  # Warm jails wait on the shared mount too.
            below = [ln for ln in Path("/proc/self/mountinfo").read_text().splitlines()
                     if f" {shared}/" in ln]  # fmt: skip
            assert below == []
        finally:
            box.shutdown()
    finally:
        subprocess.run(["umount", "-R", "-l", str(shared)], check=True)


def test_cgroups_are_used_wherever_the_host_offers_them(sandbox):
    if sandbox.profile.value != "namespaces" or prepare_cgroups() is None:
        pytest.skip("this host offers no memory and pids cgroups to the namespaces profile")
    assert sandbox.cgroups is not None, "the host has cgroups, but the sandbox fell back"


def test_swap_is_capped_where_the_kernel_accounts_it(sandbox):
    cgroups = prepare_cgroups() if sandbox.profile.value == "namespaces" else None
    if cgroups is None or not cgroups.swap:
        assert not sandbox.swap_capped and sandbox.swap_reason  # logged at start-up
        pytest.skip("no swap accounting here: the start-up log says so (test_api)")
    assert sandbox.swap_capped
    memory = 64 * MIB
    cgroup = ExecutionCgroup.create(cgroups, 999, memory, 8)  # no jail's uid is below 1000
    try:
        if cgroup.version == 1:
            limits = [cgroup.path / f"memory.{name}limit_in_bytes" for name in ("", "memsw.")]
            assert [int(p.read_text()) for p in limits] == [memory, memory + MIB]
            cgroup.narrow(32 * MIB, 8)
            assert [int(p.read_text()) for p in limits] == [32 * MIB, 33 * MIB]
        else:
            assert (cgroup.path / "memory.swap.max").read_text().strip() == "0"
    finally:
        cgroup.remove()


# Devices: no channel between jails -------------------------------------------------------

HOLD_NULL_LOCKED = """
import fcntl, os, time
def main():
    fd = os.open("/dev/null", os.O_WRONLY)
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        return f"refused {exc.errno}"
    time.sleep(2)
    return "held"
"""
TRY_NULL_LOCK = """
import fcntl, os, time
def main():
    time.sleep(0.7)
    fd = os.open("/dev/null", os.O_WRONLY)
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return "free"
    except OSError as exc:
        return f"refused {exc.errno}"
"""


def test_a_lock_on_dev_null_is_not_seen_by_a_concurrent_execution(sandbox):
    """Each jail's /dev/null is a node of its own uid (namespaces profile); gVisor refuses
    locks on devices (ENOLCK). Either way, no lock crosses from one jail to another."""
    limits = sandbox.settings.limits.resolve({"timeout_s": 10})
    with ThreadPoolExecutor(2) as pool:
        holder = pool.submit(sandbox.run, HOLD_NULL_LOCKED, {}, limits)
        other = pool.submit(sandbox.run, TRY_NULL_LOCK, {}, limits)
        held, tried = holder.result().result, other.result().result
    assert held in ("held", "refused 37") and tried == ("free" if held == "held" else held)
