"""pyexec's sandbox: run an untrusted Python script's main() inside NsJail.

Framework-free: the HTTP function wraps it, the CLI (``python -m sandbox``) and the tests drive
it directly. See runner.Sandbox for the entry point.
"""

from sandbox.config import Settings
from sandbox.errors import (
    ConfigError,
    LimitError,
    SandboxError,
    SandboxFailure,
    SandboxUnavailable,
)
from sandbox.limits import LimitPolicy, Limits
from sandbox.outcome import Kind, Outcome
from sandbox.profiles import Profile
from sandbox.runner import Sandbox

__all__ = [
    "ConfigError",
    "Kind",
    "LimitError",
    "LimitPolicy",
    "Limits",
    "Outcome",
    "Profile",
    "Sandbox",
    "SandboxError",
    "SandboxFailure",
    "SandboxUnavailable",
    "Settings",
]
