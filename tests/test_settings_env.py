"""Strict settings from the environment (config/env.py): a typo stops start-up
instead of silently meaning the default."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_str

NAME = "CUMTHIDUA_TEST_SETTING"


@pytest.fixture
def env(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.delenv(NAME, raising=False)

    def set_value(value: str) -> None:
        monkeypatch.setenv(NAME, value)

    return set_value


# env_bool ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("true", True),
        ("True", True),
        ("TRUE", True),
        ("1", True),
        ("yes", True),
        ("on", True),
        (" true ", True),
        ("false", False),
        ("False", False),
        ("0", False),
        ("no", False),
        ("off", False),
    ],
)
def test_env_bool_accepts_the_usual_spellings(env, value, expected):
    env(value)
    assert env_bool(NAME, not expected) is expected


@pytest.mark.parametrize("value", ["ture", "2", "-1", "y", "n", "enabled", "truee", "0.0"])
def test_env_bool_refuses_anything_else(env, value):
    env(value)
    with pytest.raises(ImproperlyConfigured, match=NAME):
        env_bool(NAME, False)


@pytest.mark.parametrize("default", [True, False])
def test_env_bool_unset_or_empty_is_the_default(env, default):
    assert env_bool(NAME, default) is default
    env("")
    assert env_bool(NAME, default) is default


# env_int ------------------------------------------------------------------------------------


def test_env_int_reads_whole_numbers(env):
    assert env_int(NAME, 25) == 25
    env("587")
    assert env_int(NAME, 25) == 587
    env("0")
    assert env_int(NAME, 25, minimum=0) == 0
    env("300")
    assert env_int(NAME, 8 * 3600, minimum=300) == 300


@pytest.mark.parametrize("value", ["abc", "1.5", "10k", "1e3", "twenty"])
def test_env_int_refuses_text(env, value):
    env(value)
    with pytest.raises(ImproperlyConfigured, match="whole number"):
        env_int(NAME, 25)


@pytest.mark.parametrize(("value", "minimum"), [("0", 1), ("-1", 0), ("299", 300)])
def test_env_int_refuses_numbers_below_the_minimum(env, value, minimum):
    env(value)
    with pytest.raises(ImproperlyConfigured, match=f"at least {minimum}"):
        env_int(NAME, 25, minimum=minimum)


def test_env_int_empty_is_the_default(env):
    env("")
    assert env_int(NAME, 25, minimum=1) == 25


# env_list -----------------------------------------------------------------------------------


def test_env_list_splits_on_commas_and_trims(env):
    assert env_list(NAME, ["localhost"]) == ["localhost"]
    env("cumthidua.example.vn, www.cumthidua.example.vn")
    assert env_list(NAME, []) == ["cumthidua.example.vn", "www.cumthidua.example.vn"]
    env("  ")
    assert env_list(NAME, ["a"]) == ["a"]


def test_env_list_default_is_copied(env):
    default = ["localhost"]
    result = env_list(NAME, default)
    result.append("x")
    assert default == ["localhost"]


@pytest.mark.parametrize("value", ["a,,b", "a,", ",a", "a, ,b"])
def test_env_list_refuses_empty_items(env, value):
    env(value)
    with pytest.raises(ImproperlyConfigured, match="empty item"):
        env_list(NAME, [])


# env_str ------------------------------------------------------------------------------------


def test_env_str_required_without_default(env):
    with pytest.raises(ImproperlyConfigured, match="required"):
        env_str(NAME)
    env("")
    with pytest.raises(ImproperlyConfigured, match="required"):
        env_str(NAME)
    env("s3cret-value")
    assert env_str(NAME) == "s3cret-value"


def test_env_str_empty_default_is_allowed(env):
    assert env_str(NAME, "") == ""
    assert env_str(NAME, "fallback") == "fallback"


# The settings module itself ------------------------------------------------------------------


def _load_settings(**overrides: str | None) -> subprocess.CompletedProcess[str]:
    """Import config.settings in a fresh interpreter with the given environment."""
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    for key, value in overrides.items():
        if value is None:
            environment.pop(key, None)
        else:
            environment[key] = value
    return subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.DEBUG)"],
        cwd=Path(__file__).resolve().parent.parent,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_typo_in_debug_stops_start_up():
    result = _load_settings(DEBUG="ture")
    assert result.returncode != 0
    assert "DEBUG must be true or false, not 'ture'" in result.stderr


def test_production_needs_a_secret_key():
    result = _load_settings(DEBUG="false", SECRET_KEY=None)
    assert result.returncode != 0
    assert "SECRET_KEY is required" in result.stderr


def test_valid_settings_load():
    result = _load_settings(DEBUG="false", SECRET_KEY="x" * 50)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
