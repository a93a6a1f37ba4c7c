"""Writes the jail's seccomp allowlist, function/sandbox/jail/policy.kafel, from traces.

    make seccomp                            # trace both profiles, then write (a few minutes)
    python seccomp/generate.py --write      # write the policy from seccomp/traced.json only
    python seccomp/generate.py --check      # exit 1 unless policy.kafel is what --write writes

Tracing runs seccomp/trace.py over seccomp/corpus/ on this host (namespaces profile) and under
``runsc --network=none do`` (gvisor profile), and records in seccomp/traced.json every call the
jails made, with the corpus script that made it first. The policy allows the calls traced in
either profile and the few in KEPT, each in its group of GROUPS with the group's comment; the
argument rules of RULES allow only the values traced. Everything else is refused: REFUSALS
answer the probes honest code makes with an errno, and the default kills the process.

A traced call that no group names stops the generator: decide where it belongs (or refuse it)
before it is allowed. Run ``make seccomp`` when Python, numpy, pandas, glibc or gVisor change,
and commit seccomp/traced.json with the policy; ``make test`` checks that the two agree.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TRACED = HERE / "traced.json"
POLICY = ROOT / "function" / "sandbox" / "jail" / "policy.kafel"
PROFILES = ("namespaces", "gvisor")

# fmt: off
#: Every call the jail may be allowed, by group: (comment, calls). Only the calls traced (or
#: kept) are written; the others are named so that the next trace finds them classified.
GROUPS: list[tuple[str, list[str]]] = [
    ("Starting a program (NsJail's execve of the jail's Python, and the script's subprocesses): "
     "the dynamic loader and libc.",
     ["execve", "arch_prctl", "set_tid_address", "set_robust_list", "rseq", "prlimit64",
      "uname", "access", "faccessat2", "readlink"]),
    ("Memory: the allocator, mapped libraries, arrays. mbind is OpenBLAS placing its buffers "
     "on its own pages.",
     ["brk", "mmap", "munmap", "mremap", "mprotect", "madvise", "mbind"]),
    ("Files: the read-only root and the private /tmp. chmod and chown stay refused (the seed's "
     "rule), and so does every mount, link to a handle, or change of root.",
     ["openat", "close", "close_range", "read", "write", "readv", "writev", "pread64",
      "pwrite64", "lseek", "fstat", "newfstatat", "statx", "getdents64", "getcwd", "chdir",
      "fchdir", "mkdir", "mkdirat", "rmdir", "unlink", "unlinkat", "rename", "renameat",
      "renameat2", "symlink", "symlinkat", "link", "linkat", "readlinkat", "ftruncate",
      "truncate", "fsync", "fdatasync", "statfs", "fstatfs", "sendfile", "dup", "dup2",
      "dup3", "umask", "utimensat", "fadvise64"]),
    ("Pipes, polling, and sockets made by socketpair(AF_UNIX): asyncio's self-pipe, "
     "subprocess pipes. socket() itself is refused below: no network of any kind.",
     ["pipe", "pipe2", "poll", "ppoll", "select", "pselect6", "epoll_create1", "epoll_ctl",
      "epoll_wait", "epoll_pwait", "eventfd2", "recvfrom", "sendto", "recvmsg", "sendmsg",
      "getsockname", "getpeername", "getsockopt", "setsockopt", "shutdown"]),
    ("Threads and processes, within the jail's process limit. clone only without namespace "
     "flags (the rule below); kill reaches only the jail's own processes (its own uid, and its "
     "own pid namespace where there is one).",
     ["vfork", "fork", "wait4", "waitid", "exit", "exit_group", "futex", "gettid", "getpid",
      "getppid", "setsid", "setpgid", "getpgid", "getsid", "sched_yield", "sched_getaffinity",
      "kill", "tgkill", "tkill"]),
    ("Signals and timers.",
     ["rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigsuspend", "sigaltstack",
      "restart_syscall", "alarm", "setitimer", "getitimer", "pause"]),
    ("Time. The vDSO answers most clock reads without a system call, where the clock allows.",
     ["clock_gettime", "clock_getres", "gettimeofday", "time", "getcpu", "clock_nanosleep",
      "nanosleep", "times", "getrusage"]),
    ("Identity and the system, read only. sysinfo tells the host's RAM, load and uptime; glibc "
     "asks for it (sysconf(_SC_PHYS_PAGES)) and would use garbage if it failed.",
     ["getuid", "geteuid", "getgid", "getegid", "getgroups", "getrandom", "sysinfo"]),
]

#: Allowed even where a trace did not see them, and why.
KEPT = {
    "exit": "a thread's end: every thread makes it, but a trace can miss the last one",
    "exit_group": "a process's end",
    "rt_sigreturn": "the return from any signal handler",
    "restart_syscall": "the kernel resumes a call interrupted by a stop with it",
    "clock_gettime": "the vDSO falls back to the call where the clock source needs it",
    "clock_getres": "as clock_gettime",
    "gettimeofday": "as clock_gettime",
    "time": "as clock_gettime",
    "getcpu": "as clock_gettime",
}

#: Calls allowed only with some argument values: (the call's argument list as kafel names it,
#: the argument compared, the values by name). Only the traced values are allowed; they are
#: compared on all 64 bits, so a value with anything in the upper 32 bits (which the kernel
#: drops from an int) is not allowed and meets the refusals below.
RULES = {
    "ioctl": ("fd, request", "request", {
        "TCGETS": 0x5401, "TIOCGWINSZ": 0x5413, "FIONREAD": 0x541B, "FIONBIO": 0x5421,
        "FIONCLEX": 0x5450, "FIOCLEX": 0x5451}),
    "fcntl": ("fd, cmd", "cmd", {
        "F_DUPFD": 0, "F_GETFD": 1, "F_SETFD": 2, "F_GETFL": 3, "F_SETFL": 4, "F_GETLK": 5,
        "F_SETLK": 6, "F_SETLKW": 7, "F_OFD_GETLK": 36, "F_OFD_SETLK": 37, "F_OFD_SETLKW": 38,
        "F_DUPFD_CLOEXEC": 1030, "F_GETPIPE_SZ": 1032}),
    "prctl": ("option", "option", {"PR_GET_NAME": 16, "PR_SET_NAME": 15}),
    "socketpair": ("domain, type, protocol, sv", "domain", {"AF_UNIX": 1}),
}
#: A condition every call of these must meet besides its traced values: socketpair makes only
#: stream pairs (a datagram pair could sendto() any AF_UNIX socket it can name, such as an
#: abstract one outside the jail where there is no network namespace).
ALSO = {"socketpair": "(type & 0xf) == SOCK_STREAM"}
#: Calls the policy refuses whatever the traces say, with the errno they get (REFUSALS below
#: says why). They are refused while tracing too, since programs take another path after
#: these refusals (glibc falls back from clone3 to clone).
REFUSED = {"clone3": 38, "socket": 13, "memfd_create": 1, "flock": 1}
#: Where kafel's name for a call is not the kernel's (and strace's).
KAFEL_NAMES = {"fstat": "newfstat", "stat": "newstat", "lstat": "newlstat",
               "uname": "newuname", "sendfile": "sendfile64"}
#: The group each argument rule is written in (an index into GROUPS), and clone's.
RULE_GROUPS = {"ioctl": 2, "fcntl": 2, "socketpair": 3, "prctl": 4}
CLONE_GROUP = 4

# fmt: on

HEADER = """\
/*
 * pyexec seccomp policy (kafel), shared by both isolation profiles: an allowlist.
 *
 * GENERATED by seccomp/generate.py from seccomp/traced.json: edit the generator, not this
 * file. It allows the system calls that NsJail's start of the jail, the wrapper, CPython 3.11,
 * numpy and pandas were traced making over seccomp/corpus/ in both profiles; SECURITY.md says
 * how to regenerate it.
 *
 * Anything else kills the process (SIGSYS: the caller sees `killed`), except the refusals
 * at the end, which answer with an errno the calls that honest code makes as a probe.
 * Kafel's filter checks the architecture first: an i386 call (int 0x80) kills the thread
 * making it, and an x32 call (number | 0x40000000) is no number listed here, so the default
 * kills its process. Argument rules compare all 64 bits of a register against the values
 * allowed, so a value the kernel would read as an allowed one after dropping the upper 32
 * bits (an int argument) is not allowed itself.
 */
"""

REFUSALS = """\
  KILL_PROCESS {
    /* Typing into the terminal of a process outside the jail, whatever the upper 32 bits. */
    ioctl(fd, request) {
      (request & 0xffffffff) == TIOCSTI || (request & 0xffffffff) == TIOCLINUX
    },
    /* Namespaces: only the clone() rule above allows clone at all. */
    clone
  },
  ERRNO(25) {  /* ENOTTY: the other ioctl requests, as a pipe answers them. */
    ioctl
  },
  ERRNO(1) {  /* EPERM */
    /* The other prctl options: the parent-death signal NsJail set stays, and so on. */
    prctl,
    /* The other fcntl commands: F_SETPIPE_SZ (pipe buffers are kernel memory no rlimit
       counts), leases, notifications, seals. */
    fcntl,
    /* Anonymous files are memory that neither a folder's bound nor RLIMIT_AS sees. */
    memfd_create,
    /* flock() takes an exclusive lock through a read-only descriptor: on the rootfs's files,
       shared by every jail, it would be a channel between concurrent executions. (fcntl's
       F_SETLK, which sqlite uses, needs a descriptor open for writing to lock exclusively.) */
    flock
  },
  ERRNO(13) {  /* EACCES: no network of any kind; socketpair() of anything but a stream pair
                  of AF_UNIX. */
    socket,
    socketpair
  },
  ERRNO(38) {  /* ENOSYS: its flags are in a struct the filter cannot read; libc falls back to
                  clone(), where the rule above applies. */
    clone3
  }"""

DEFINES = {"TIOCSTI": 0x5412, "TIOCLINUX": 0x541C, "CLONE_NEW_ANY": 0x7E020000, "SOCK_STREAM": 1}
CLONE_RULE = "    clone(flags, stack, ptid, ctid, tls) { (flags & CLONE_NEW_ANY) == 0 }"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--write", action="store_true", help="write from traced.json only")
    action.add_argument("--check", action="store_true", help="check policy.kafel is current")
    options = parser.parse_args(argv)
    if not (options.write or options.check):
        TRACED.write_text(json.dumps(trace_both(), indent=1, sort_keys=True) + "\n")
    traced = json.loads(TRACED.read_text())
    policy, notes = render(traced)
    if options.check:
        if POLICY.read_text() != policy:
            print(
                f"{POLICY} is not what seccomp/generate.py writes from {TRACED}: run "
                "`python seccomp/generate.py --write`",
                file=sys.stderr,
            )
            return 1
        return 0
    POLICY.write_text(policy)
    print("\n".join(notes))
    return 0


def trace_both() -> dict[str, dict]:
    """Run seccomp/trace.py in each profile; its calls, by profile."""
    command = [sys.executable, str(HERE / "trace.py")]
    traced = {}
    for profile, prefix in zip(PROFILES, ([], ["runsc", "--network=none", "do"]), strict=True):
        print(f"tracing the corpus in the {profile} profile", file=sys.stderr)
        env = {**os.environ, "PYEXEC_PROFILE": profile}
        out = subprocess.run(
            prefix + command, env=env, check=True, stdout=subprocess.PIPE, text=True, cwd=ROOT
        )
        document = json.loads(out.stdout)
        traced[document["profile"]] = document["calls"]
    return traced


def render(traced: dict[str, dict]) -> tuple[str, list[str]]:
    """The policy's text, and notes on what was left out."""
    seen = {name for calls in traced.values() for name in calls}
    grouped = {name for _, names in GROUPS for name in names}
    ruled = set(RULES) | {"clone"} | set(REFUSED)
    unclassified = sorted(seen - grouped - ruled)
    if unclassified:
        raise SystemExit(f"traced but in no group of seccomp/generate.py: {unclassified}")
    values = {name: set() for name in RULES}
    for calls in traced.values():
        for name in RULES:
            values[name] |= set(calls.get(name, {}).get("values", []))
    unknown = {name: sorted(v - set(RULES[name][2])) for name, v in values.items()}
    if any(unknown.values()):
        raise SystemExit(f"traced argument values with no number in RULES: {unknown}")

    allowed = (seen | set(KEPT)) & grouped
    ruled_allowed = [name for name in RULES if values[name]] + ["clone"]
    defines = dict(DEFINES)
    blocks = []
    for index, (comment, names) in enumerate(GROUPS):
        entries = [_wrap([KAFEL_NAMES.get(name, name) for name in names if name in allowed])]
        for name, group in RULE_GROUPS.items():
            if group == index and values[name]:
                params, argument, numbers = RULES[name]
                chosen = sorted(values[name], key=numbers.__getitem__)
                defines.update({value: numbers[value] for value in chosen})
                test = _terms([f"{argument} == {value}" for value in chosen])
                if name in ALSO:
                    test = f"      ({test.strip()}) && {ALSO[name]}"
                entries.append(f"    {name}({params}) {{\n{test}\n    }}")
        if index == CLONE_GROUP:
            entries.append(CLONE_RULE)
        entries = [entry for entry in entries if entry]
        if entries:
            blocks.append(_comment(comment) + "\n" + ",\n".join(entries))
    count = len(allowed) + len(ruled_allowed)
    define_lines = "".join(f"#define {k} {v:#x}\n" for k, v in sorted(defines.items()))
    body = ",\n".join(blocks)
    policy = (
        f"{HEADER}\n{define_lines}\n"
        f"/* {count} calls allowed. */\n"
        f"POLICY pyexec {{\n  ALLOW {{\n{body}\n  }},\n{REFUSALS}\n}}\n\n"
        "USE pyexec DEFAULT KILL_PROCESS\n"
    )
    notes = [
        f"{POLICY.relative_to(ROOT)}: {count} calls allowed",
        f"classified but not traced, so left out: {' '.join(sorted(grouped - allowed))}",
    ]
    return policy, notes


def tracing_policy() -> str:
    """The policy seccomp/trace.py runs the corpus under: every call allowed, with every value,
    but for REFUSED's, so that nothing is killed or refused before it is seen."""
    blocks = ",\n".join(
        f"  ERRNO({errno}) {{ {', '.join(n for n, e in REFUSED.items() if e == errno)} }}"
        for errno in sorted(set(REFUSED.values()))
    )
    return f"POLICY tracing {{\n{blocks}\n}}\n\nUSE tracing DEFAULT ALLOW\n"


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
