"""The NsJail command line: what each profile asks of NsJail, per request."""

from __future__ import annotations

from pathlib import Path

import pytest
from sandbox import Limits, Profile
from sandbox.execution_cgroup import ExecutionCgroup
from sandbox.nsjail import INSIDE_ID, build_argv
from sandbox.profiles import Cgroups


def argv(
    profile: Profile,
    uid: int = 65003,
    cgroups: Cgroups | None = None,
    cgroup: ExecutionCgroup | None = None,
    preload: tuple[str, ...] = (),
    **limits,
) -> list[str]:
    return build_argv(
        nsjail=Path("/opt/pyexec/nsjail"),
        rootfs=Path("/opt/pyexec/rootfs"),
        profile=profile,
        limits=Limits(**limits),
        uid=uid,
        cgroups=cgroups,
        cgroup=cgroup,
        result_fd=7,
        log_fd=8,
        preload=preload,
        program=["-c", "pass"],
    )


def value_of(args: list[str], flag: str) -> str:
    return args[args.index(flag) + 1]


@pytest.mark.parametrize("profile", list(Profile))
def test_static_config_and_per_request_limits(profile):
    args = argv(profile, timeout_s=2.5, cpu_time_s=1.2, memory_mib=300, max_processes=7)
    assert value_of(args, "--config").endswith(f"jail/{profile.value}.cfg")
    assert value_of(args, "--chroot") == "/opt/pyexec/rootfs"
    assert value_of(args, "--seccomp_policy").endswith(f"jail/{profile.value}.kafel")
    assert value_of(args, "--time_limit") == "4"  # backstop above the runner's own deadline
    # whole seconds, rounded up, and one more: the runner stops the jail at the limit itself
    assert value_of(args, "--rlimit_cpu") == "3"
    assert value_of(args, "--rlimit_as") == "300"
    assert value_of(args, "--rlimit_nproc") == "7"
    assert value_of(args, "--pass_fd") == "7" and value_of(args, "--log_fd") == "8"
    # the wrapper's code comes on stdin (nsjail.wrapper_program); then its result fd, the
    # jail's preload set and its profile
    assert args[args.index("--") + 1 :] == [
        "/usr/bin/python3", "-I", "-c", "pass", "7", "", profile.value
    ]  # fmt: skip


def test_a_warm_jail_names_its_preload_set():
    args = argv(Profile.NAMESPACES, preload=("numpy", "pandas"))
    assert args[-3:] == ["7", "numpy,pandas", "namespaces"]


def test_namespaces_maps_the_jail_user_to_the_slots_own_uid():
    args = argv(Profile.NAMESPACES, uid=65007, tmp_size_mib=8)
    assert value_of(args, "--user") == f"{INSIDE_ID}:65007"
    assert value_of(args, "--group") == f"{INSIDE_ID}:65007"
    # /tmp and /dev/shm, each of the request's size: 256 entries per MiB, and one inode for
    # the tmpfs's own root folder
    mounts = [args[i + 1] for i, arg in enumerate(args) if arg == "--mount"]
    options = f"tmpfs:size={8 * 1024 * 1024},nr_inodes=2049"
    assert mounts == [f"none:/tmp:{options}", f"none:/dev/shm:{options}"]


def test_gvisor_runs_as_the_slots_uid_without_mounts():
    args = argv(Profile.GVISOR, uid=65005)
    assert value_of(args, "--user") == "65005" and value_of(args, "--group") == "65005"
    assert "--mount" not in args and "--cgroup_mem_max" not in args


def test_cgroup_limits_only_where_cgroups_are_usable():
    assert "--cgroup_pids_max" not in argv(Profile.NAMESPACES)
    limits = Limits(memory_mib=256, tmp_size_mib=16)
    # The pages of its two tmpfs, /tmp and /dev/shm, are the jail's too.
    assert limits.jail_memory_bytes == (256 + 2 * 16) * 1024 * 1024
    v1 = ExecutionCgroup(1, Path("/sys/fs/cgroup/memory/NSJAIL/pyexec-65003"),
                         "NSJAIL/pyexec-65003", limits.jail_memory_bytes + 1024 * 1024,
                         Path("/sys/fs/cgroup/pids/NSJAIL/pyexec-65003"))  # fmt: skip
    args = argv(Profile.NAMESPACES, cgroups=Cgroups(version=1), cgroup=v1, memory_mib=256)
    # NsJail's own cgroup sits below the execution's, with a little more room, so that the
    # execution's limit is the one the jail hits (execution_cgroup.py).
    assert value_of(args, "--cgroup_mem_max") == str((256 + 2 * 16 + 1) * 1024 * 1024)
    assert value_of(args, "--cgroup_mem_parent") == "NSJAIL/pyexec-65003"
    assert value_of(args, "--cgroup_pids_parent") == "NSJAIL/pyexec-65003"
    assert "--use_cgroupv2" not in args
    v2_path = Path("/sys/fs/cgroup/pyexec-65003")
    v2 = ExecutionCgroup(2, v2_path, str(v2_path), 1, v2_path)
    args = argv(Profile.NAMESPACES, cgroups=Cgroups(version=2), cgroup=v2)
    assert "--use_cgroupv2" in args
    assert value_of(args, "--cgroupv2_mount") == "/sys/fs/cgroup/pyexec-65003"
