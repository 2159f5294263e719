"""`manage.py check --deploy` is clean with the production environment of
``.env.example`` (a fresh process, as the server would start), and it is a real
check: weakening one security setting makes it fail."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Settings a developer's shell may carry that would hide the production defaults.
OVERRIDES = (
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "JOB_RUNNER",
    "SIGNING_DEMO_KEYS",
)


def production_environment() -> dict[str, str]:
    """``.env.example`` as production would fill it in: a real secret key."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in OVERRIDES and not key.startswith("DJANGO_")
    }
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _equals, value = line.partition("=")
            environment[key] = value
    environment["SECRET_KEY"] = secrets.token_urlsafe(50)
    environment["DJANGO_SETTINGS_MODULE"] = "config.settings"
    return environment


def check_deploy(**changes: str) -> subprocess.CompletedProcess[str]:
    environment = production_environment() | changes
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_production_environment_is_what_the_example_says():
    environment = production_environment()
    assert environment["DEBUG"] == "false"
    assert environment["ALLOWED_HOSTS"] and environment["SITE_URL"].startswith("https://")


def test_check_deploy_is_clean_in_production():
    result = check_deploy()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_catches_a_weakened_setting():
    result = check_deploy(SECURE_HSTS_SECONDS="0", SESSION_COOKIE_SECURE="false")
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "security.W004" in output  # no HSTS
    assert "security.W012" in output  # session cookie not secure
