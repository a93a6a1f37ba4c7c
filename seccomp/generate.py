"""Writes the jail's seccomp policy, function/sandbox/jail/policy.kafel, from a decision for
every system call, checked against traces of real code.

    make seccomp                            # trace both profiles, then write (a few minutes)
    python seccomp/generate.py --write      # write the policy from seccomp/traced.json only
    python seccomp/generate.py --check      # exit 1 unless policy.kafel is what --write writes

Every x86_64 system call is decided here, once, in one of four places:

- ALLOWED: calls the jail may make on its own files, memory, processes and pipes, by group.
  Whatever the kernel already bounds (permissions on the read-only root, rlimits, the jail's
  uid) stays bounded: allowing utimensat or link lets a script touch its own files, not
  anyone else's.
- RULES and CONDITIONS: calls allowed only with some argument values (ioctl requests, fcntl
  commands, prctl options, socketpair families, chmod without the setuid, setgid and sticky
  bits, mknod of FIFOs, clone without namespace flags). Values compare all 64 bits of a
  register, so a value with bits above the 32 the kernel reads is not an allowed one.
- REFUSED: calls honest code can make, answered with an errno that Python raises as an
  ordinary OSError (chown and the set*id family: EPERM; socket(): EACCES; SysV IPC, inotify,
  AIO: ENOSYS), each group with the reason.
- TRAPPED: calls nothing honest makes in a jail (mounts, namespaces, ptrace, bpf, kexec,
  io_uring, ...). They, and any call no list names (a number this table does not know, an x32
  call), get SIGSYS: the process ends, and the jail's preload (sandbox-image/sigsys.c) names
  the call on stderr first.

Tracing runs seccomp/trace.py over a corpus on this host (namespaces profile) and under
``runsc --network=none do`` (gvisor profile), and records in seccomp/traced.json every call
the jails made, with the script that made it first. A traced call that is not allowed stops
the generator (unless REFUSED says it is refused on purpose), and so does a traced argument
value a rule does not allow: what real code needs is never killed by surprise. Run
``make seccomp`` when Python, numpy, pandas, glibc or gVisor change, and commit
seccomp/traced.json with the policy; ``make test`` checks that the two agree.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TRACED = HERE / "traced.json"
JAIL = ROOT / "function" / "sandbox" / "jail"
PROFILES = ("namespaces", "gvisor")
#: Each profile's policy, as NsJail reads it (sandbox.profiles.Profile.policy).
POLICIES = {profile: JAIL / f"{profile}.kafel" for profile in PROFILES}
#: The corpora traced by ``make seccomp``: our own scripts, and the compatibility suite's
#: ordinary scripts and docstring examples (tests/compat/; its doctest runner once per batch).
CORPORA = (HERE / "corpus", ROOT / "tests" / "compat")
DOCTESTS = ROOT / "tests" / "compat" / "doctests.py"
#: What each traced run may use (the tracer raises the server's maximums to these): strace
#: slows a jail down several times, and a batch of docstring examples takes seconds already.
TRACE_LIMITS = {
    "timeout_s": 600,
    "cpu_time_s": 600,
    "memory_mib": 2048,
    "max_output_bytes": 8 * 1024 * 1024,
}

# fmt: off
#: Calls allowed whatever their arguments, by group: (comment, calls), kernel names.
ALLOWED: list[tuple[str, list[str]]] = [
    ("Starting a program (NsJail's execve of the jail's Python, and the script's subprocesses): "
     "the dynamic loader and libc.",
     ["execve", "execveat", "arch_prctl", "set_tid_address", "set_robust_list",
      "get_robust_list", "rseq", "prlimit64", "getrlimit", "setrlimit", "uname", "access",
      "faccessat", "faccessat2", "readlink", "readlinkat"]),
    ("Memory: the allocator, mapped files, arrays, NUMA hints. RLIMIT_AS bounds it all; "
     "RLIMIT_MEMLOCK (0) keeps mlock from pinning anything.",
     ["brk", "mmap", "munmap", "mremap", "mprotect", "madvise", "msync", "mincore", "mlock",
      "mlock2", "mlockall", "munlock", "munlockall", "mbind", "get_mempolicy", "set_mempolicy",
      "set_mempolicy_home_node", "membarrier", "pkey_mprotect", "pkey_alloc", "pkey_free",
      "mseal", "map_shadow_stack"]),
    ("Files: the read-only root and the jail's own /tmp and /dev/shm. The kernel's own checks "
     "keep the root read-only and other jails' files out of reach (the jail's uid, its "
     "folders' modes); a hard link cannot leave /tmp's file system (namespaces profile) or "
     "enter a root-owned folder (gvisor profile).",
     ["open", "openat", "openat2", "creat", "close", "close_range", "read", "write", "readv",
      "writev", "pread64", "pwrite64", "preadv", "pwritev", "preadv2", "pwritev2", "lseek",
      "stat", "fstat", "lstat", "newfstatat", "statx", "getdents", "getdents64", "getcwd",
      "chdir", "fchdir", "mkdir", "mkdirat", "rmdir", "unlink", "unlinkat", "rename",
      "renameat", "renameat2", "link", "linkat", "symlink", "symlinkat", "truncate",
      "ftruncate", "fallocate", "fsync", "fdatasync", "sync_file_range", "statfs",
      "fstatfs", "sendfile", "copy_file_range", "splice", "tee", "vmsplice", "dup", "dup2",
      "dup3", "umask", "utime", "utimes", "futimesat", "utimensat", "fadvise64", "readahead",
      "flock", "getxattr", "lgetxattr", "fgetxattr", "listxattr", "llistxattr", "flistxattr",
      "setxattr", "lsetxattr", "fsetxattr", "removexattr", "lremovexattr", "fremovexattr",
      "getxattrat", "listxattrat", "setxattrat", "removexattrat"]),
    ("Pipes, polling, event and timer descriptors, and sockets made by socketpair(AF_UNIX): "
     "asyncio, selectors, subprocess and multiprocessing pipes. socket() itself is refused "
     "below: no network of any kind.",
     ["pipe", "pipe2", "poll", "ppoll", "select", "pselect6", "epoll_create", "epoll_create1",
      "epoll_ctl", "epoll_wait", "epoll_pwait", "epoll_pwait2", "eventfd", "eventfd2",
      "signalfd", "signalfd4", "timerfd_create", "timerfd_settime", "timerfd_gettime",
      "recvfrom", "sendto", "recvmsg", "sendmsg", "recvmmsg", "sendmmsg", "getsockname",
      "getpeername", "getsockopt", "shutdown"]),
    ("Threads and processes, within the jail's process limit. clone only without namespace "
     "flags (the rule below); kill, setpgid and the scheduler calls reach only the jail's own "
     "processes (its own uid, and its own pid namespace where there is one), and raise no "
     "priority (RLIMIT_NICE and RLIMIT_RTPRIO are 0, no capability).",
     ["vfork", "fork", "wait4", "waitid", "exit", "exit_group", "futex", "futex_waitv",
      "futex_wake", "futex_wait", "futex_requeue", "gettid", "getpid", "getppid", "setsid",
      "setpgid", "getpgid", "getpgrp", "getsid", "sched_yield", "sched_getaffinity",
      "sched_setaffinity", "sched_getparam", "sched_setparam", "sched_getscheduler",
      "sched_setscheduler", "sched_getattr", "sched_setattr", "sched_get_priority_max",
      "sched_get_priority_min", "sched_rr_get_interval", "getpriority",
      "ioprio_get", "ioprio_set", "kill", "tgkill", "tkill", "pidfd_open",
      "pidfd_send_signal"]),
    ("Signals and timers. A timer counts the jail's own time: none outlives it, and none "
     "stretches the CPU limit, which the runner measures from outside.",
     ["rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigsuspend", "rt_sigpending",
      "rt_sigtimedwait", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "sigaltstack",
      "restart_syscall", "alarm", "setitimer", "getitimer", "pause", "timer_create",
      "timer_settime", "timer_gettime", "timer_getoverrun", "timer_delete"]),
    ("Time. The vDSO answers most clock reads without a system call, where the clock allows.",
     ["clock_gettime", "clock_getres", "gettimeofday", "time", "getcpu", "clock_nanosleep",
      "nanosleep", "times", "getrusage"]),
    ("Identity and the system, read only. sysinfo tells the host's RAM, load and uptime; glibc "
     "asks for it (sysconf(_SC_PHYS_PAGES)) and would use garbage if it failed.",
     ["getuid", "geteuid", "getgid", "getegid", "getgroups", "getresuid", "getresgid",
      "capget", "getrandom", "sysinfo"]),
]

#: Calls allowed only with some values of one argument: (the call's arguments as kafel names
#: them, the argument compared, the values allowed by name). Anything else meets REFUSED (or
#: TRAPPED) below.
RULES = {
    "ioctl": ("fd, request", "request", {
        "TCGETS": 0x5401, "TIOCGWINSZ": 0x5413, "FIONREAD": 0x541B, "FIONBIO": 0x5421,
        "FIONCLEX": 0x5450, "FIOCLEX": 0x5451, "FIOASYNC": 0x5452}),
    # Not F_NOTIFY (a folder's changes: the rootfs is every jail's), leases, F_SETOWN and its
    # signals, seals, F_SETPIPE_SZ (pipe buffers are kernel memory no rlimit counts).
    "fcntl": ("fd, cmd", "cmd", {
        "F_DUPFD": 0, "F_GETFD": 1, "F_SETFD": 2, "F_GETFL": 3, "F_SETFL": 4, "F_GETLK": 5,
        "F_SETLK": 6, "F_SETLKW": 7, "F_GETOWN": 9, "F_OFD_GETLK": 36, "F_OFD_SETLK": 37,
        "F_OFD_SETLKW": 38, "F_DUPFD_CLOEXEC": 1030, "F_GETPIPE_SZ": 1032, "F_GET_SEALS": 1034}),
    # Not PR_SET_PDEATHSIG (NsJail's stays), PR_SET_MM, PR_SET_SECCOMP, capabilities.
    "prctl": ("option", "option", {
        "PR_GET_PDEATHSIG": 2, "PR_GET_DUMPABLE": 3, "PR_SET_DUMPABLE": 4, "PR_GET_KEEPCAPS": 7,
        "PR_SET_NAME": 15, "PR_GET_NAME": 16, "PR_GET_SECCOMP": 21, "PR_CAPBSET_READ": 23,
        "PR_SET_TIMERSLACK": 29, "PR_GET_TIMERSLACK": 30, "PR_SET_CHILD_SUBREAPER": 36,
        "PR_GET_CHILD_SUBREAPER": 37, "PR_GET_NO_NEW_PRIVS": 39, "PR_SET_THP_DISABLE": 41,
        "PR_GET_THP_DISABLE": 42, "PR_SET_VMA": 0x53564D41}),
    "socketpair": ("domain, type, protocol, sv", "domain", {"AF_UNIX": 1}),
}
#: A condition every call of these must meet besides its values: socketpair makes only stream
#: pairs (a datagram pair could sendto() any AF_UNIX socket it can name, such as an abstract
#: one outside the jail where there is no network namespace).
ALSO = {"socketpair": "(type & 0xf) == SOCK_STREAM"}
#: Calls allowed when one condition holds: (arguments, condition). chmod never sets the
#: setuid, setgid or sticky bit (the seed's "no permission changes" is about privilege: a
#: script may make its own file executable, not setuid); mknod makes FIFOs and plain files
#: (os.mkfifo), never a device.
CONDITIONS = {
    "chmod": ("path, mode", "(mode & S_ISUGID) == 0"),
    "fchmod": ("fd, mode", "(mode & S_ISUGID) == 0"),
    "fchmodat": ("dfd, path, mode", "(mode & S_ISUGID) == 0"),
    "fchmodat2": ("dfd, path, mode, flags", "(mode & S_ISUGID) == 0"),
    "mknod": ("path, mode, dev", "(mode & S_IFMT) == 0 || (mode & S_IFMT) == S_IFIFO ||\n"
              "      (mode & S_IFMT) == S_IFREG"),
    "mknodat": ("dfd, path, mode, dev", "(mode & S_IFMT) == 0 || (mode & S_IFMT) == S_IFIFO ||\n"
                "      (mode & S_IFMT) == S_IFREG"),
    "clone": ("flags, stack, ptid, ctid, tls", "(flags & CLONE_NEW_ANY) == 0"),
    # A socket's buffers are kernel memory behind a descriptor: a script may not enlarge them
    # (the refusal below answers as done, leaving them as they are).
    "setsockopt": ("fd, level, optname, optval, optlen",
                   "(level & 0xffffffff) != SOL_SOCKET || ((optname & 0xffffffff) != SO_SNDBUF &&\n"
                   "      (optname & 0xffffffff) != SO_RCVBUF && (optname & 0xffffffff) != "
                   "SO_SNDBUFFORCE &&\n      (optname & 0xffffffff) != SO_RCVBUFFORCE)"),
    # Nice values only up (0 to 19): no priority above the others'.
    "setpriority": ("which, who, prio", "(prio & 0xffffffff) <= 19"),
}

#: Calls refused with an errno, by errno: (errno, its name, comment, calls). A ruled call
#: listed here is refused for the values its rule does not allow.
REFUSED: list[tuple[int, str, str, list[str]]] = [
    (25, "ENOTTY", "The other ioctl requests, as a pipe answers them.", ["ioctl"]),
    (1, "EPERM",
     "Privilege: no chown, no set*id, no capabilities, no setuid/setgid/sticky bit (chmod), no "
     "device node (mknod), no clock or host name to set; the other prctl options and fcntl "
     "commands (see the rules). Anonymous memory files (memfd_create) are memory that neither "
     "/tmp's bound nor RLIMIT_AS sees.",
     ["chown", "fchown", "lchown", "fchownat", "setuid", "setgid", "setreuid", "setregid",
      "setresuid", "setresgid", "setfsuid", "setfsgid", "setgroups", "capset", "chmod",
      "fchmod", "fchmodat", "fchmodat2", "mknod", "mknodat", "prctl", "fcntl", "memfd_create",
      "memfd_secret", "settimeofday", "clock_settime", "adjtimex", "clock_adjtime",
      "sethostname", "setdomainname", "syslog", "sync", "syncfs", "acct", "quotactl", "quotactl_fd",
      "swapon", "swapoff", "vhangup", "fanotify_init", "fanotify_mark", "seccomp"]),
    (13, "EACCES",
     "No network of any kind: socket() for every family (there is no network namespace in "
     "the gvisor profile: an AF_UNIX socket could reach an abstract name outside the jail), "
     "and socketpair() of anything but a stream pair of AF_UNIX. A nice value below 0, as "
     "the kernel answers an unprivileged caller.",
     ["socket", "socketpair", "bind", "listen", "connect", "accept", "accept4",
      "setpriority"]),
    (0, "no error",
     "A socket's buffer sizes (SO_SNDBUF, SO_RCVBUF and their FORCE forms): answered as done, "
     "and left as they are, as a kernel whose maximum they are past would leave them.",
     ["setsockopt"]),
    (38, "ENOSYS",
     "Not offered, and probed by honest code that falls back without them: clone3 (its flags "
     "are in a struct the filter cannot read; glibc falls back to clone, where the rule "
     "applies); System V IPC and POSIX message queues (without an IPC namespace they would "
     "outlive the jail); inotify (a watch on the root's files would see other jails open "
     "them); Linux AIO; Landlock; file handles; calls on other processes' memory; and "
     "obsolete calls.",
     ["clone3", "shmget", "shmat", "shmctl", "shmdt", "semget", "semop", "semctl",
      "semtimedop", "msgget", "msgsnd", "msgrcv", "msgctl", "mq_open", "mq_unlink",
      "mq_timedsend", "mq_timedreceive", "mq_notify", "mq_getsetattr", "inotify_init",
      "inotify_init1", "inotify_add_watch", "inotify_rm_watch", "io_setup", "io_destroy",
      "io_submit", "io_cancel", "io_getevents", "io_pgetevents", "landlock_create_ruleset",
      "landlock_add_rule", "landlock_restrict_self", "name_to_handle_at", "cachestat",
      "migrate_pages", "move_pages", "process_madvise", "process_mrelease", "pidfd_getfd",
      "kcmp", "file_getattr", "file_setattr", "lsm_get_self_attr", "lsm_set_self_attr",
      "lsm_list_modules", "remap_file_pages", "epoll_ctl_old", "epoll_wait_old",
      "get_thread_area", "set_thread_area", "uselib", "ustat", "sysfs", "_sysctl",
      "nfsservctl", "getpmsg", "putpmsg", "afs_syscall", "tuxcall", "security", "vserver",
      "create_module", "query_module", "get_kernel_syms", "lookup_dcookie"]),
]

#: What the gvisor profile refuses beyond the namespaces profile, where gVisor bounds less and
#: the runner's watch sees less: descriptors passed over a socket (SCM_RIGHTS) leave no
#: descriptor behind, so sockets and their buffers held "in flight" escape RLIMIT_NOFILE
#: (gVisor has no limit of its own on them); extended attributes are memory that no file size
#: shows, and the private folder's bound counts sizes.
GVISOR_REFUSED: list[tuple[int, str, str, list[str]]] = [
    (1, "EPERM", "Passing descriptors over a socket (gvisor profile).", ["sendmsg", "sendmmsg"]),
    (95, "ENOTSUP", "Setting extended attributes (gvisor profile): shutil.copy2 and the like "
     "carry on without them.", ["setxattr", "lsetxattr", "fsetxattr", "setxattrat"]),
]

#: Calls that end the process (SIGSYS, named on stderr): nothing honest makes them in a jail,
#: and each reaches past it. Any call named nowhere here is trapped too (the default).
TRAPPED: list[tuple[str, list[str]]] = [
    ("Mounts and the root: the jail's file system is fixed before its program starts.",
     ["mount", "umount2", "pivot_root", "chroot", "fsopen", "fsconfig", "fsmount", "fspick",
      "open_tree", "open_tree_attr", "move_mount", "mount_setattr", "statmount", "listmount",
      "open_by_handle_at"]),
    ("Namespaces, other processes' insides, the kernel itself.",
     ["unshare", "setns", "ptrace", "process_vm_readv", "process_vm_writev", "kexec_load",
      "kexec_file_load", "init_module", "finit_module", "delete_module", "bpf",
      "perf_event_open", "userfaultfd", "keyctl", "add_key", "request_key", "personality",
      "modify_ldt", "iopl", "ioperm", "reboot", "uretprobe"]),
    ("io_uring: its requests would bypass every rule here (the socket rule among them).",
     ["io_uring_setup", "io_uring_enter", "io_uring_register"]),
]

#: What the namespaces profile allows beyond the gvisor profile: AF_UNIX sockets of every
#: kind (multiprocessing's Manager and forkserver listen on one). There the jail has a network
#: namespace of its own, so a socket can name nothing outside it: no socket file of the host
#: is under its root, and the abstract names are its namespace's own. The gvisor profile has
#: no network namespace: an AF_UNIX socket could reach the host's abstract names, so socket()
#: stays refused there.
LOCAL_SOCKET_RULE = {"socket": ("domain, type, protocol", "domain", {"AF_UNIX": 1})}
LOCAL_SOCKET_CALLS = ["bind", "listen", "connect", "accept", "accept4"]
LOCAL_SOCKETS_IN = {"namespaces"}

#: Where kafel's name for a call is not the kernel's (and strace's).
KAFEL_NAMES = {"fstat": "newfstat", "stat": "newstat", "lstat": "newlstat",
               "uname": "newuname", "sendfile": "sendfile64", "umount2": "umount",
               "_sysctl": "sysctl"}
#: The group each rule is written in (an index into ALLOWED).
RULE_GROUPS = {"ioctl": 2, "fcntl": 2, "socketpair": 3, "socket": 3, "prctl": 4, "chmod": 2,
               "fchmod": 2, "fchmodat": 2, "fchmodat2": 2, "mknod": 2, "mknodat": 2, "umask": 2,
               "setsockopt": 3, "clone": 4, "setpriority": 4}

DEFINES = {"TIOCSTI": 0x5412, "TIOCLINUX": 0x541C, "CLONE_NEW_ANY": 0x7E020000,
           "SOCK_STREAM": 1, "S_ISUGID": 0o7000, "S_IFMT": 0o170000,
           "S_IFIFO": 0o10000, "S_IFREG": 0o100000, "SOL_SOCKET": 1, "SO_SNDBUF": 7,
           "SO_RCVBUF": 8, "SO_SNDBUFFORCE": 32, "SO_RCVBUFFORCE": 33}
#: Written first in the TRAP block: terminal injection, whatever the upper 32 bits, and clone
#: with any namespace flag (the only clone the rule above does not allow).
TRAP_RULES = """\
    /* Typing into the terminal of a process outside the jail, whatever the upper 32 bits. */
    ioctl(fd, request) {
      (request & 0xffffffff) == TIOCSTI || (request & 0xffffffff) == TIOCLINUX
    },
    /* Namespaces: only the clone() rule above allows clone at all. */
    clone"""
# fmt: on

HEADER = """\
/*
 * pyexec seccomp policy (kafel) of one isolation profile (jail/<profile>.cfg).
 *
 * GENERATED by seccomp/generate.py: edit the generator, not this file. Every system call is
 * decided there: allowed (on the jail's own files, memory and processes), allowed for some
 * argument values, refused with an errno that Python raises as an OSError, or trapped. A
 * trapped call, and any call not named here (an unknown number, an x32 call), gets SIGSYS:
 * the process ends, and the jail's preload names the call on stderr. Kafel's filter checks
 * the architecture first: an i386 call (int 0x80) kills the thread making it. Argument
 * rules compare all 64 bits of a register, so a value the kernel would read as an allowed
 * one after dropping the upper 32 bits (an int argument) is not allowed itself.
 * The calls real code makes are traced (seccomp/traced.json): none of them is trapped.
 */
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--write", action="store_true", help="write from traced.json only")
    action.add_argument("--check", action="store_true", help="check policy.kafel is current")
    options = parser.parse_args(argv)
    if not (options.write or options.check):
        TRACED.write_text(json.dumps(trace_both(), indent=1, sort_keys=True) + "\n")
    traced = json.loads(TRACED.read_text())
    for profile, path in POLICIES.items():
        policy, notes = render(traced, profile)
        if options.check:
            if path.read_text() != policy:
                print(
                    f"{path} is not what seccomp/generate.py writes from {TRACED}: run "
                    "`python seccomp/generate.py --write`",
                    file=sys.stderr,
                )
                return 1
            continue
        path.write_text(policy)
        print("\n".join(notes))
    return 0


def corpus_runs() -> list[tuple[Path, dict]]:
    """What ``make seccomp`` traces: (script, its main()'s arguments)."""
    scripts = sorted(p for folder in CORPORA for p in folder.glob("*.py") if p != DOCTESTS)
    spec = importlib.util.spec_from_file_location("doctest_batches", DOCTESTS)
    assert spec is not None and spec.loader is not None
    runner = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(runner)
    batches = [(DOCTESTS, {"modules": list(batch)}) for batch in runner.BATCHES]
    return [(script, {}) for script in scripts] + batches


def trace_both() -> dict[str, dict]:
    """Run seccomp/trace.py in each profile; its calls, by profile."""
    command = [sys.executable, str(HERE / "trace.py")]
    maximums = {f"PYEXEC_MAX_{name.upper()}": str(value) for name, value in TRACE_LIMITS.items()}
    traced = {}
    for profile, prefix in zip(PROFILES, ([], ["runsc", "--network=none", "do"]), strict=True):
        print(f"tracing the corpus in the {profile} profile", file=sys.stderr)
        env = {**os.environ, **maximums, "PYEXEC_PROFILE": profile}
        out = subprocess.run(
            prefix + command, env=env, check=True, stdout=subprocess.PIPE, text=True, cwd=ROOT
        )
        document = json.loads(out.stdout)
        traced[document["profile"]] = document["calls"]
    return traced


@dataclass(frozen=True)
class Tables:
    """The decisions as they are for one profile's policy (CONDITIONS are every profile's)."""

    allowed: list[tuple[str, list[str]]]
    rules: dict[str, tuple[str, str, dict[str, int]]]
    refused: list[tuple[int, str, str, list[str]]]


def tables(profile: str) -> Tables:
    """ALLOWED, RULES and REFUSED as they are for one profile's policy: AF_UNIX sockets where
    the jail has a network namespace (LOCAL_SOCKETS_IN), and the gvisor profile's own
    refusals (GVISOR_REFUSED), which take their calls out of ALLOWED."""
    local = LOCAL_SOCKET_CALLS if profile in LOCAL_SOCKETS_IN else []
    own = GVISOR_REFUSED if profile == "gvisor" else []
    taken = {name for *_, names in own for name in names}
    allowed = [
        (comment, [n for n in names if n not in taken]
         + (local if index == RULE_GROUPS["socket"] else []))
        for index, (comment, names) in enumerate(ALLOWED)
    ]  # fmt: skip
    refused = [(errno, symbol, comment, [n for n in names if n not in local])
               for errno, symbol, comment, names in own + REFUSED]  # fmt: skip
    return Tables(allowed, {**RULES, **(LOCAL_SOCKET_RULE if local else {})}, refused)


def decisions(profile: str) -> dict[str, str]:
    """Each call named here, and where: ``allowed``, ``ruled``, ``refused``, ``trapped``.
    Raises SystemExit if a call is decided twice."""
    table = tables(profile)
    decided: dict[str, str] = {}
    places = [("allowed", names) for _, names in table.allowed]
    places += [("trapped", names) for _, names in TRAPPED]
    places += [("ruled", [*table.rules, *CONDITIONS])]
    for kind, names in places:
        for name in names:
            if name in decided:
                raise SystemExit(f"{name} is decided twice in seccomp/generate.py")
            decided[name] = kind
    for _, _, _, names in table.refused:
        for name in names:
            if decided.get(name, "refused") not in ("refused", "ruled"):
                raise SystemExit(f"{name} is refused and {decided[name]} in seccomp/generate.py")
            decided.setdefault(name, "refused")
    return decided


def render(traced: dict[str, dict], profile: str) -> tuple[str, list[str]]:
    """One profile's policy, checked against the calls traced in it; and notes for whoever ran
    the generator. Raises SystemExit if real code was traced making a call the policy traps:
    what honest code meets must be an errno at worst, never a kill."""
    rules = tables(profile).rules
    decided = decisions(profile)
    calls = traced.get(profile, {})
    trapped = sorted(name for name in calls if decided.get(name, "trapped") == "trapped")
    if trapped:
        raise SystemExit(
            f"traced, so real code makes them, but trapped by seccomp/generate.py: {trapped}"
        )
    refused = sorted(name for name in calls if decided[name] == "refused")
    values = {name: set(calls.get(name, {}).get("values", [])) for name in rules}
    unruled = {name: sorted(v - set(rules[name][2])) for name, v in values.items() if v}
    policy, allowed = _policy(profile)
    counts = {kind: sum(1 for k in decided.values() if k == kind) for kind in set(decided.values())}
    undecided = sorted(set(_kernel_calls()) - set(decided))
    notes = [
        f"{POLICIES[profile].relative_to(ROOT)}: {allowed} calls allowed; decided: {counts}",
        f"in this kernel's headers but decided nowhere (trapped): {undecided}",
        f"traced: {len(calls)} calls; refused with an errno: {refused}",
        f"traced argument values no rule allows (refused with the call's errno): "
        f"{ {k: v for k, v in unruled.items() if v} }",
    ]
    return policy, notes


def _policy(profile: str, trap: str = "TRAP(0)") -> tuple[str, int]:
    """A profile's policy text, and how many calls it allows. ``trap``: the action of what is
    trapped (the tracer lets it through: ALLOW)."""
    table = tables(profile)
    allowed_groups, rules, conditions = table.allowed, table.rules, CONDITIONS
    defines = dict(DEFINES)
    blocks = []
    for index, (comment, names) in enumerate(allowed_groups):
        entries = [_wrap([_kafel(name) for name in names])]
        for name, group in RULE_GROUPS.items():
            if group != index or not (name in rules or name in conditions):
                continue
            if name in rules:
                params, argument, numbers = rules[name]
                defines.update(numbers)
                test = _terms([f"{argument} == {value}" for value in numbers])
                if name in ALSO:
                    test = f"      ({test.strip()}) && {ALSO[name]}"
            else:
                params, condition = conditions[name]
                test = f"      {condition}"
            entries.append(f"    {_kafel(name)}({params}) {{\n{test}\n    }}")
        blocks.append(_comment(comment) + "\n" + ",\n".join(entries))
    allowed = sum(len(names) for _, names in allowed_groups) + len(rules) + len(conditions)
    define_lines = "".join(f"#define {k} {v:#x}\n" for k, v in sorted(defines.items()))
    trapped = [TRAP_RULES] + [
        _comment(comment) + "\n" + _wrap([_kafel(name) for name in names])
        for comment, names in TRAPPED
    ]
    refusals = [
        f"  ERRNO({errno}) {{  /* {symbol} */\n{_comment(comment)}\n"
        f"{_wrap([_kafel(name) for name in names])}\n  }}"
        for errno, symbol, comment, names in table.refused
    ]
    policy = (
        f"{HEADER}\n{define_lines}\n"
        f"/* The {profile} profile's policy: {allowed} calls allowed, "
        f"{len(rules) + len(conditions)} of them for some arguments only. */\n"
        f"POLICY pyexec {{\n  ALLOW {{\n" + ",\n".join(blocks) + "\n  },\n"
        f"  {trap} {{\n" + ",\n".join(trapped) + "\n  },\n" + ",\n".join(refusals) + "\n}\n\n"
        f"USE pyexec DEFAULT {trap}\n"
    )
    return policy, allowed


def _kernel_calls() -> list[str]:
    """The x86_64 system calls this machine's kernel headers name (empty without them)."""
    header = Path("/usr/include/x86_64-linux-gnu/asm/unistd_64.h")
    if not header.exists():
        return []
    prefix = "#define __NR_"
    return [
        line.split()[1][len("__NR_") :]
        for line in header.read_text().splitlines()
        if line.startswith(prefix)
    ]


def tracing_policy(profile: str) -> str:
    """The policy seccomp/trace.py runs the corpus under: the profile's own, refusals and all,
    so that programs take the paths they take in production (glibc falls back from clone3 to
    clone, Python from a refused socket to none), but with nothing trapped, so that every call
    a script makes is seen, and the trace tells whether the policy would have trapped it."""
    return _policy(profile, trap="ALLOW")[0]


def _kafel(name: str) -> str:
    return KAFEL_NAMES.get(name, name)


def _comment(text: str) -> str:
    lines = textwrap.wrap(text, 90)
    return "    /* " + "\n       ".join(lines) + " */"


def _terms(terms: list[str]) -> str:
    """``a || b || c``, at six spaces' indent, broken between terms."""
    lines = [terms[0]]
    for term in terms[1:]:
        if len(lines[-1]) + len(term) + 4 > 92:
            lines[-1] += " ||"
            lines.append(term)
        else:
            lines[-1] += f" || {term}"
    return "\n".join("      " + line for line in lines)


def _wrap(names: list[str], indent: int = 4) -> str:
    return "\n".join(
        textwrap.wrap(
            ", ".join(names),
            98 - indent,
            initial_indent=" " * indent,
            subsequent_indent=" " * indent,
            break_on_hyphens=False,
        )
    )


if __name__ == "__main__":
    sys.exit(main())
