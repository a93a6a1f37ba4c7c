"""Limits and settings: defaults, maximums, and errors that name what to fix."""

from __future__ import annotations

import pytest
from sandbox import ConfigError, LimitError, LimitPolicy, Limits, Profile, Settings


def test_defaults_without_environment():
    settings = Settings.from_env({})
    assert settings.profile is None  # auto
    assert settings.limits.defaults == Limits()
    assert settings.limits.defaults.timeout_s == 10.0
    assert settings.limits.defaults.memory_mib == 256
    assert settings.limits.defaults.max_output_bytes == 1024 * 1024


def test_a_maximum_below_the_built_in_default_lowers_the_default():
    policy = LimitPolicy.from_env({"PYEXEC_MAX_MAX_PROCESSES": "6"})
    assert (policy.defaults.max_processes, policy.maximums.max_processes) == (6, 6)


def test_environment_sets_defaults_and_maximums():
    policy = LimitPolicy.from_env({"PYEXEC_TIMEOUT_S": "2.5", "PYEXEC_MAX_MEMORY_MIB": "512"})
    assert policy.defaults.timeout_s == 2.5
    assert policy.maximums.memory_mib == 512


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"PYEXEC_TIMEOUT_S": "soon"}, "PYEXEC_TIMEOUT_S"),
        ({"PYEXEC_MEMORY_MIB": "1.5"}, "PYEXEC_MEMORY_MIB"),
        ({"PYEXEC_MEMORY_MIB": "8"}, "PYEXEC_MEMORY_MIB"),
        ({"PYEXEC_TIMEOUT_S": "nan"}, "PYEXEC_TIMEOUT_S"),
        ({"PYEXEC_TIMEOUT_S": "30", "PYEXEC_MAX_TIMEOUT_S": "20"}, "PYEXEC_MAX_TIMEOUT_S"),
        ({"PYEXEC_PROFILE": "docker"}, "PYEXEC_PROFILE"),
        ({"PYEXEC_SLOTS": "0"}, "PYEXEC_SLOTS"),
        ({"PYEXEC_SLOTS": "many"}, "PYEXEC_SLOTS"),
        ({"PYEXEC_CGROUPS": "yes"}, "PYEXEC_CGROUPS"),
        ({"PYEXEC_JAIL_UIDS": "0-99"}, "PYEXEC_JAIL_UIDS"),
        ({"PYEXEC_JAIL_UIDS": "65100"}, "PYEXEC_JAIL_UIDS"),
        ({"PYEXEC_JAIL_UIDS": "65100-65000"}, "PYEXEC_JAIL_UIDS"),
    ],
)
def test_bad_environment_is_refused_naming_the_variable(environ, named):
    with pytest.raises(ConfigError, match=named):
        Settings.from_env(environ)


def test_jail_uids_are_a_range():
    assert Settings.from_env({"PYEXEC_JAIL_UIDS": "70000-70099"}).jail_uids == range(70000, 70100)


def test_profile_can_be_forced():
    assert Settings.from_env({"PYEXEC_PROFILE": "gvisor"}).profile is Profile.GVISOR


def test_request_limits_override_defaults():
    limits = LimitPolicy().resolve({"timeout_s": 3, "memory_mib": 512})
    assert limits.timeout_s == 3.0 and isinstance(limits.timeout_s, float)
    assert limits.memory_mib == 512
    assert limits.cpu_time_s == Limits().cpu_time_s


@pytest.mark.parametrize(
    ("requested", "field", "message"),
    [
        ({"timeout_s": 61}, "timeout_s", "outside the allowed range"),
        ({"timeout_s": 0}, "timeout_s", "outside the allowed range"),
        ({"memory_mib": 1.5}, "memory_mib", "must be an integer"),
        ({"memory_mib": "256"}, "memory_mib", "must be an integer"),
        ({"timeout_s": True}, "timeout_s", "must be a number"),
        ({"timeout_s": float("inf")}, "timeout_s", "must be a number"),
        ({"network": True}, "network", "unknown limit"),
    ],
)
def test_bad_request_limits_are_refused_naming_the_field(requested, field, message):
    with pytest.raises(LimitError, match=message) as caught:
        LimitPolicy().resolve(requested)
    assert caught.value.field == field
