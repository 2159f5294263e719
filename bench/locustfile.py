"""Locust users for ``bench.load`` (not run alone: ``bench.load`` starts the server, makes
the accounts and reads what this file writes).

Each simulated person is a unit officer of the generated province (``BENCH_USERS``: a
JSON list of ``{"username", "password", "card_url"}``, one unit and one open draft scorecard
each). They log in through the login form, open their scorecard, then wait at a barrier
until every one of them is in: the measured window (``BENCH_DURATION`` seconds) starts
then, so logging in (a password hash each) is not in the figures.

``BENCH_MODE=load``: each person waits 1–3 s between actions and, of ten actions, opens
the scorecard page once and saves an entry nine times, the way the page does (the htmx
POST of the row's form: the row's version, its value and comment, the CSRF token in the
``X-CSRFToken`` header, ``HX-Request: true``).

``BENCH_MODE=saturation``: no waiting; every other person only saves entries, the others
only GET ``/me/unit/`` (the floor: session, user, one row), all at once in one run.

A save counts as acknowledged when the answer carries the row's new version (the page
only sends it back when the value was saved). The last acknowledged value of every
entry, and the value of any save still unanswered at the end, go to ``BENCH_RESULTS``
with the time of every request of the window, for ``bench.load`` to check against the
database and to summarise.
"""

from __future__ import annotations

import html
import json
import os
import random
import re
import time
from typing import Any
from urllib.parse import urlencode

import gevent
from locust import FastHttpUser, between, constant, events, task

MODE = os.environ.get("BENCH_MODE", "load")
DURATION = float(os.environ.get("BENCH_DURATION", "60"))
EXPECTED = int(os.environ.get("BENCH_EXPECTED", "100"))
GRACE = 5.0  # seconds for the requests under way at the end of the window to answer
VIEW_SHARE = 0.1  # load mode: one scorecard view for nine saves
ACCOUNTS: list[dict[str, Any]] = json.loads(
    open(os.environ["BENCH_USERS"], encoding="utf-8").read()  # noqa: SIM115
)
LOGIN_URL = os.environ.get("BENCH_LOGIN_URL", "/accounts/login/")
FLOOR_URL = os.environ.get("BENCH_FLOOR_URL", "/me/unit/")

STATE: dict[str, Any] = {"next": 0, "ready": 0, "start": None, "end": None, "stopping": False}
TIMES: dict[str, list[float]] = {}
FAILURES: dict[str, int] = {}
FAILURE_SAMPLES: list[str] = []
ACKED: dict[str, list[Any]] = {}  # entry pk → [field, value, version]
PENDING: dict[str, list[Any]] = {}  # entry pk → [field, value] of a save not yet answered
SETUP_FAILURES: list[str] = []

TAG = re.compile(r"<(?:input|select|form)\b[^>]*>", re.IGNORECASE)
ATTR = re.compile(r'([a-zA-Z_:-]+)="([^"]*)"')
FORM = "application/x-www-form-urlencoded"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _attrs(tag: str) -> dict[str, str]:
    return {name: html.unescape(value) for name, value in ATTR.findall(tag)}


def parse_card(page: str) -> dict[str, dict[str, Any]]:
    """The editable entries of a scorecard page: pk → url, version, field name."""
    entries: dict[str, dict[str, Any]] = {}
    for tag in TAG.findall(page):
        attrs = _attrs(tag)
        ident = attrs.get("id", "")
        if ident.startswith("entry-form-"):
            pk = ident.removeprefix("entry-form-")
            entries.setdefault(pk, {})["url"] = attrs.get("hx-post") or attrs.get("action")
        elif ident.startswith("entry-version-"):
            pk = ident.removeprefix("entry-version-")
            entries.setdefault(pk, {})["version"] = attrs.get("value")
        elif ident.startswith("entry-input-"):
            pk = ident.removeprefix("entry-input-")
            entries.setdefault(pk, {})["field"] = attrs.get("name")
    return {
        pk: item
        for pk, item in entries.items()
        if item.get("url") and item.get("version") is not None and item.get("field")
    }


def new_version(fragment: str, pk: str) -> str | None:
    """The row's version in a save's answer (sent only when the value was saved)."""
    for tag in TAG.findall(fragment):
        attrs = _attrs(tag)
        if attrs.get("id") == f"entry-version-{pk}":
            return attrs.get("value")
    return None


def a_value(field: str) -> str:
    if field == "passed":
        return random.choice(("yes", "no"))
    if field == "points":
        return str(random.randint(0, 10))
    if field == "count":
        return str(random.randint(0, 5))
    return str(random.randint(50, 500))  # achieved


def _in_window() -> bool:
    return STATE["start"] is not None and STATE["end"] is None


@events.request.add_listener
def _record(request_type, name, response_time, response_length, exception=None, **_kw):  # type: ignore[no-untyped-def]
    if not _in_window():
        if exception is not None:
            SETUP_FAILURES.append(f"{name}: {exception}"[:300])
        return
    TIMES.setdefault(name, []).append(response_time)
    if exception is not None:
        FAILURES[name] = FAILURES.get(name, 0) + 1
        if len(FAILURE_SAMPLES) < 20:
            FAILURE_SAMPLES.append(f"{name}: {exception}"[:300])


def _finish(environment: Any) -> None:
    STATE["end"] = time.time()
    STATE["stopping"] = True
    gevent.sleep(GRACE)
    results = {
        "mode": MODE,
        "window": STATE["end"] - STATE["start"],
        "users": EXPECTED,
        "times_ms": TIMES,
        "failures": FAILURES,
        "failure_samples": FAILURE_SAMPLES,
        "setup_failures": SETUP_FAILURES,
        "acked": ACKED,
        "pending": PENDING,
    }
    with open(os.environ["BENCH_RESULTS"], "w", encoding="utf-8") as out:
        json.dump(results, out)
    environment.runner.quit()


def _ready(environment: Any) -> None:
    STATE["ready"] += 1
    if STATE["ready"] == EXPECTED:
        environment.stats.reset_all()
        STATE["start"] = time.time()
        gevent.spawn_later(DURATION, _finish, environment)


class Officer(FastHttpUser):
    wait_time = between(1, 3) if MODE == "load" else constant(0)
    # Logging 100 people in is 100 password hashes: on a busy machine an answer may take
    # longer than locust's default 60 s.
    network_timeout = 180.0
    connection_timeout = 180.0

    def on_start(self) -> None:
        index = STATE["next"]
        STATE["next"] += 1
        account = ACCOUNTS[index % len(ACCOUNTS)]
        self.card_url = account["card_url"]
        self.role = "save" if MODE == "load" or index % 2 == 0 else "floor"
        self.entries: dict[str, dict[str, Any]] = {}
        self.token = ""
        try:
            self._login(account)
            self._view("scorecard page (setup)")
        except Exception as exc:  # noqa: BLE001 - reported, the run goes on
            SETUP_FAILURES.append(f"{account['username']}: {exc}"[:300])
        _ready(self.environment)
        while STATE["start"] is None:
            gevent.sleep(0.05)

    def _login(self, account: dict[str, Any]) -> None:
        page = self.client.get(LOGIN_URL, name="login form")
        token = CSRF.search(page.text)
        if page.status_code != 200 or token is None:
            raise RuntimeError(f"login form: status {page.status_code}")
        answer = self.client.post(
            LOGIN_URL,
            data=urlencode(
                {
                    "username": account["username"],
                    "password": account["password"],
                    "csrfmiddlewaretoken": token.group(1),
                }
            ),
            headers={"Content-Type": FORM},
            name="login",
            allow_redirects=False,
        )
        if answer.status_code != 302 or LOGIN_URL in (answer.headers.get("Location") or ""):
            errors = re.findall(r"<li>([^<]+)", answer.text or "")
            raise RuntimeError(
                f"login of {account['username']}: status {answer.status_code} {errors[:2]}"
            )

    def _view(self, name: str) -> None:
        with self.client.get(self.card_url, name=name, catch_response=True) as response:
            token = CSRF.search(response.text or "")
            entries = parse_card(response.text or "")
            if response.status_code != 200 or token is None or not entries:
                response.failure(
                    f"scorecard page: status {response.status_code}, {len(entries)} rows"
                )
                return
            self.token = token.group(1)
            # Versions the server knows newer than ours are taken from the page.
            self.entries = entries

    @task
    def act(self) -> None:
        if STATE["stopping"]:
            gevent.sleep(1)
            return
        if self.role == "floor":
            with self.client.get(FLOOR_URL, name="floor /me/unit/", catch_response=True) as r:
                if r.status_code != 200 or b'"unit"' not in (r.content or b""):
                    r.failure(f"floor: status {r.status_code}")
            return
        if MODE == "load" and random.random() < VIEW_SHARE:
            self._view("scorecard page")
            return
        self._save()

    def _save(self) -> None:
        if not self.entries:
            self._view("scorecard page")
            return
        pk = random.choice(list(self.entries))
        row = self.entries[pk]
        value = a_value(row["field"])
        PENDING[pk] = [row["field"], value]
        with self.client.post(
            row["url"],
            data=urlencode({"version": row["version"], row["field"]: value, "comment": ""}),
            headers={"X-CSRFToken": self.token, "HX-Request": "true", "Content-Type": FORM},
            name="entry save (htmx POST)",
            catch_response=True,
        ) as response:
            version = new_version(response.text or "", pk) if response.status_code == 200 else None
            if version is None:
                response.failure(
                    f"save of entry {pk}: status {response.status_code}, not saved "
                    f"({(response.text or '')[:120]!r})"
                )
            else:
                row["version"] = version
                ACKED[pk] = [row["field"], value, version]
            PENDING.pop(pk, None)
