"""Errors of the sandbox layer.

A script that fails is not an error here: it is an :class:`~sandbox.outcome.Outcome`. These
exceptions are for what the caller, the deployment or the sandbox itself got wrong::

    SandboxError                 anything raised by this package
    ├── ConfigError              an environment variable has a value the server cannot use
    ├── LimitError               a per-request limit is unknown, of the wrong type or too large
    ├── SandboxUnavailable       no isolation profile works here; nothing will be executed
    └── SandboxFailure           a jail failed for a reason that is not the script's
"""

from __future__ import annotations


class SandboxError(Exception):
    """Base class of every exception this package raises."""


class ConfigError(SandboxError):
    """An environment variable is malformed or out of range; the message names it."""


class LimitError(SandboxError, ValueError):
    """A requested limit is unknown, not a number, or outside what the server allows."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


class SandboxUnavailable(SandboxError):
    """The sandbox cannot be set up on this host (fail closed: no execution happens)."""


class SandboxFailure(SandboxError):
    """NsJail or the jail's plumbing failed; the script is not to blame."""
