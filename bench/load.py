"""Load test: gunicorn on the generated province, driven by locust from a second process.

    python -m bench.load                          # both runs below, then the DB check
    python -m bench.load --users 100 --duration 60 --threads 2
    python -m bench.load --no-saturation --write-docs

Works on the province of ``bench.generate`` (``cumthidua_bench`` on the local PostgreSQL;
run ``python -m bench.generate`` first). It

1. picks ``--users`` unit officers whose unit has a draft scorecard in the open period
   (one person per unit and card, so nobody overwrites anybody) and gives them a
   password (one hash, written to all of them): they log in through the login form;
2. collects the static files (``var/bench/static``) and starts gunicorn,
   ``config.wsgi``, ``--workers`` × ``--threads`` (gthread; 2 × 2 by default, as in
   production: with 4 threads a process, p95 was 1,4–1,9× worse — each of a save's 16
   queries gives the interpreter lock up and waits to get it back behind the other
   threads' Python work) on 127.0.0.1, with the
   production settings (DEBUG off, manifest static files, persistent database
   connections) except that it speaks plain HTTP (no TLS redirect, no secure cookies);
3. **load**: locust headless (``bench/locustfile.py``) with ``--users`` people, each
   waiting 1–3 s between actions, one scorecard page view for nine entry saves (the
   page's own htmx POST), for ``--duration`` seconds once all are logged in;
4. **saturation**: ``--saturation-users`` people who do not wait, half of them saving
   entries and half GETting ``/me/unit/`` (the floor: session, user and one row), for
   ``--saturation-duration`` seconds: the throughput of each and their ratio;
5. after each run, checks that the last acknowledged value of every entry is the one
   in the database.

It prints the tables; ``--write-docs`` also writes them into docs/performance.md
(the block ``bench:load``).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from bench import report
from bench.scoring import DEFAULT_DATABASE, _setup

BASE = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PASSWORD = "bench-load-password-2024"  # noqa: S105 - throwaway bench accounts
STATIC_ROOT = BASE / "var" / "bench" / "static"
TARGET_P95_MS = 300
TARGET_RATIO = 0.5
KINDS = ("scorecard page", "entry save (htmx POST)", "floor /me/unit/")


def server_env(database_url: str, redis_db: int = 13) -> dict[str, str]:
    """Production settings (see config/settings.py), but plain HTTP on 127.0.0.1."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="false",
        SECRET_KEY="bench-only-secret-key-0123456789-abcdefghijklmnop",  # noqa: S106
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        SECURE_HSTS_SECONDS="0",
        STATIC_ROOT=str(STATIC_ROOT),
        DB_CONN_MAX_AGE="60",
        REDIS_URL=f"redis://127.0.0.1:6379/{redis_db}",
        JOB_RUNNER="celery",
        LOG_LEVEL="WARNING",
    )
    return env


def pick_accounts(count: int) -> list[dict[str, Any]]:
    """``count`` officers of distinct units with a draft card in an open period."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.urls import reverse

    from bench.province import find_generated
    from clusters.models import Profile
    from scoring.models import Scorecard

    generated = find_generated()
    if generated is None:
        raise SystemExit("no generated province: run python -m bench.generate first")
    cards = list(
        Scorecard.objects.filter(
            period__cluster_year__cluster__organizer=generated.organizer,
            period__state="open",
            state="draft",
        ).order_by("pk")[:count]
    )
    officers = dict(
        Profile.objects.filter(
            unit__in=[card.unit_id for card in cards], role="officer"
        ).values_list("unit_id", "user_id")
    )
    users = dict(
        get_user_model().objects.filter(pk__in=officers.values()).values_list("pk", "username")
    )
    get_user_model().objects.filter(pk__in=users).update(password=make_password(PASSWORD))
    accounts = [
        {
            "username": users[officers[card.unit_id]],
            "password": PASSWORD,
            "card_url": reverse("scorecard_detail", args=[card.pk]),
        }
        for card in cards
        if card.unit_id in officers
    ]
    if len(accounts) < count:
        raise SystemExit(f"only {len(accounts)} officers with a draft card, {count} asked")
    return accounts


def collectstatic(env: dict[str, str]) -> None:
    """Collect (and compress) the static files, unless nothing changed since last time
    (WhiteNoise compresses every file again: minutes on a busy machine)."""
    manifest = STATIC_ROOT / "staticfiles.json"
    sources = [path.stat().st_mtime for path in (BASE / "static").rglob("*") if path.is_file()]
    if manifest.exists() and sources and manifest.stat().st_mtime > max(sources):
        return
    subprocess.run(  # noqa: S603 - our own tools, fixed arguments
        [str(BIN / "python"), "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=BASE,
        env=env,
        check=True,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(env: dict[str, str], port: int, workers: int, threads: int) -> Any:
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            raise SystemExit(f"port {port} is already taken: choose another with --port")
    server = subprocess.Popen(  # noqa: S603 - our own tools, fixed arguments
        [
            str(BIN / "gunicorn"),
            "config.wsgi:application",
            f"--workers={workers}",
            f"--threads={threads}",
            f"--bind=127.0.0.1:{port}",
            # As in production (Dockerfile): longer than the client's idle keep-alive, so
            # the server never closes a connection the client is about to reuse.
            "--keep-alive=75",
            "--log-level=warning",
        ],
        cwd=BASE,
        env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("gunicorn stopped")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=5):
                return server
        except OSError:
            if server.poll() is not None:
                raise SystemExit("gunicorn did not start") from None
            time.sleep(0.5)
    server.terminate()
    raise SystemExit("gunicorn did not answer within 60 s")


def cpu_seconds(pid: int) -> float:
    """CPU time of a process and its children (gunicorn's master and workers)."""
    import psutil

    try:
        parent = psutil.Process(pid)
        total = 0.0
        for process in [parent, *parent.children(recursive=True)]:
            times = process.cpu_times()
            total += times.user + times.system
        return total
    except psutil.Error:
        return 0.0


def run_locust(
    *,
    mode: str,
    users: int,
    duration: float,
    accounts_file: str,
    port: int,
    env: dict[str, str],
) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("r", suffix=".json", delete=False) as out:
        results_path = out.name
    locust_env = dict(env)
    locust_env.update(
        BENCH_MODE=mode,
        BENCH_DURATION=str(duration),
        BENCH_EXPECTED=str(users),
        BENCH_USERS=accounts_file,
        BENCH_RESULTS=results_path,
    )
    safety = int(duration + users + 300)
    subprocess.run(  # noqa: S603 - our own tools, fixed arguments
        [
            str(BIN / "locust"),
            "-f",
            str(BASE / "bench" / "locustfile.py"),
            "--headless",
            f"--users={users}",
            f"--spawn-rate={min(users, 5)}",  # logins are hashes: not all at once
            f"--host=http://127.0.0.1:{port}",
            f"--run-time={safety}s",
            "--only-summary",
            "--loglevel=WARNING",
        ],
        cwd=BASE,
        env=locust_env,
        check=False,  # locust exits 1 when a request failed: the figures say so
        timeout=safety + 60,
        stdout=subprocess.DEVNULL,
    )
    text = Path(results_path).read_text(encoding="utf-8")
    os.unlink(results_path)
    if not text:
        raise SystemExit(f"locust ({mode}) wrote no results: it stopped before the window")
    return json.loads(text)


def check_saved(results: dict[str, Any]) -> tuple[int, int, list[str]]:
    """(acknowledged entries checked, mismatches, a few examples): every acknowledged
    save must be the value in the database (or a later save still unanswered)."""
    from django.db import connection

    from scoring.models import Entry

    connection.close()  # a fresh connection: what the server committed
    acked = results["acked"]
    pending = results["pending"]
    rows = {
        str(row["pk"]): row
        for row in Entry.objects.filter(pk__in=[int(pk) for pk in acked]).values(
            "pk", "passed", "points", "count", "achieved", "version"
        )
    }
    mismatches = []
    for pk, (field, value, version) in acked.items():
        row = rows.get(pk)
        if row is None:
            mismatches.append(f"entry {pk}: not found")
            continue
        if _same(field, value, row[field]) and str(row["version"]) == str(version):
            continue
        if pk in pending and _same(pending[pk][0], pending[pk][1], row[pending[pk][0]]):
            continue  # a later save, sent before the end, answered after it
        mismatches.append(
            f"entry {pk}: acknowledged {field}={value} (version {version}), "
            f"database {row[field]} (version {row['version']})"
        )
    return len(acked), len(mismatches), mismatches[:10]


def _same(field: str, posted: str, stored: Any) -> bool:
    if field == "passed":
        return stored == (posted == "yes")
    try:
        return stored is not None and Decimal(str(stored)) == Decimal(posted)
    except InvalidOperation:
        return False


def summarise(results: dict[str, Any]) -> tuple[list[list[Any]], dict[str, dict[str, float]]]:
    window = results["window"]
    rows, figures = [], {}
    every: list[float] = []
    failures_total = 0
    for name in [*KINDS, *sorted(set(results["times_ms"]) - set(KINDS))]:
        times = results["times_ms"].get(name)
        if not times:
            continue
        failures = results["failures"].get(name, 0)
        seconds = [value / 1000 for value in times]
        every += seconds
        failures_total += failures
        figures[name] = {
            "n": len(times),
            "failures": failures,
            "median": report.median(seconds),
            "p95": report.percentile(seconds, 0.95),
            "max": max(seconds),
            "rps": len(times) / window,
        }
    figures["all"] = {
        "n": len(every),
        "failures": failures_total,
        "median": report.median(every),
        "p95": report.percentile(every, 0.95),
        "max": max(every) if every else 0.0,
        "rps": len(every) / window,
    }
    for name, item in figures.items():
        rows.append(
            [
                "**all requests**" if name == "all" else name,
                report.integer(item["n"]),
                item["failures"],
                report.ms(item["median"]),
                report.ms(item["p95"]),
                report.ms(item["max"]),
                report.number(item["rps"]),
            ]
        )
    return rows, figures


HEADER = ["requests", "n", "failures", "median ms", "p95 ms", "max ms", "req/s"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--saturation-users", type=int, default=16)
    parser.add_argument("--saturation-duration", type=float, default=30)
    parser.add_argument("--no-saturation", action="store_true")
    parser.add_argument("--no-load", action="store_true")
    parser.add_argument("--port", type=int, default=0, help="default: a free one")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE)
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args(argv)

    _setup(args.database_url)
    logging.getLogger("axes").setLevel(logging.WARNING)
    from django.db import connection

    env = server_env(args.database_url)
    accounts = pick_accounts(max(args.users, args.saturation_users))
    connection.close()
    started = time.perf_counter()
    collectstatic(env)
    print(f"static files collected in {time.perf_counter() - started:.1f} s")
    load_at_start = report.load_average()
    machine = report.machine()
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as out:
        json.dump(accounts, out)
        accounts_file = out.name
    args.port = args.port or free_port()
    server = start_server(env, args.port, args.workers, args.threads)
    runs: dict[str, Any] = {}
    try:
        for mode, users, duration, skip in (
            ("load", args.users, args.duration, args.no_load),
            ("saturation", args.saturation_users, args.saturation_duration, args.no_saturation),
        ):
            if skip:
                continue
            print(f"{mode}: {users} users for {duration:.0f} s …", flush=True)
            cpu_before = cpu_seconds(server.pid)
            wall = time.perf_counter()
            results = run_locust(
                mode=mode,
                users=users,
                duration=duration,
                accounts_file=accounts_file,
                port=args.port,
                env=env,
            )
            cpu = cpu_seconds(server.pid) - cpu_before
            wall = time.perf_counter() - wall
            results["load_after"] = report.load_average()
            results["server_cpu_share"] = cpu / wall / (os.cpu_count() or 1)
            results["check"] = check_saved(results)
            runs[mode] = results
    finally:
        server.terminate()
        server.wait(timeout=30)
        os.unlink(accounts_file)

    text = render(args, runs, machine, load_at_start)
    print(text)
    if args.write_docs:
        report.write_block("load", text, heading="Load (issue 8)")
    failed = any(
        run["check"][1] or sum(run["failures"].values()) or run["setup_failures"]
        for run in runs.values()
    )
    return 1 if failed else 0


def render(args: Any, runs: dict[str, Any], machine: str, load_at_start: str) -> str:
    lines = [
        f"Machine: {machine}. gunicorn `config.wsgi`, {args.workers} workers × "
        f"{args.threads} threads (gthread), PostgreSQL `cumthidua_bench` (the generated "
        "province), DEBUG off, persistent connections (`DB_CONN_MAX_AGE=60`); locust "
        "headless (FastHttpUser) in a second process on the same two cores.",
        "",
        "```sh",
        f".venv/bin/python -m bench.load --users {args.users} --duration {args.duration:.0f} "
        f"--threads {args.threads} --saturation-users {args.saturation_users} "
        f"--saturation-duration {args.saturation_duration:.0f} --write-docs",
        "```",
    ]
    load = runs.get("load")
    if load:
        rows, figures = summarise(load)
        overall = figures["all"]
        verdict = "met" if overall["p95"] * 1000 <= TARGET_P95_MS else "**missed**"
        acked, mismatches, examples = load["check"]
        lines += [
            "",
            f"**Load**: {load['users']} logged-in officers (each of a different unit, their "
            f"own draft card of 150 criteria), 1–3 s between actions, one page view for "
            f"nine saves, for {load['window']:.0f} s after all had logged in "
            f"(load average after the run: {load['load_after']}; gunicorn used "
            f"{load['server_cpu_share'] * 100:.0f} % of the machine's CPU).",
            "",
            report.table(HEADER, rows),
            "",
            f"Target p95 ≤ {TARGET_P95_MS} ms for all requests: {verdict} "
            f"({report.ms(overall['p95'])} ms). Failures: {overall['failures']} "
            f"(+ {len(load['setup_failures'])} while logging in). Acknowledged saves "
            f"checked against the database: {report.integer(acked)} entries, "
            f"**{mismatches} mismatches**.",
        ]
        lines += [f"    {example}" for example in examples]
        lines += _failure_samples(load)
    saturation = runs.get("saturation")
    if saturation:
        rows, figures = summarise(saturation)
        save = figures.get("entry save (htmx POST)", {"rps": 0.0})
        floor = figures.get("floor /me/unit/", {"rps": 0.0})
        ratio = save["rps"] / floor["rps"] if floor["rps"] else 0.0
        verdict = "met" if ratio >= TARGET_RATIO else "**missed**"
        acked, mismatches, examples = saturation["check"]
        lines += [
            "",
            f"**Saturation**: {saturation['users']} users who do not wait, half saving "
            f"entries, half GETting the floor view `/me/unit/`, for "
            f"{saturation['window']:.0f} s (load average after: {saturation['load_after']}; "
            f"gunicorn used {saturation['server_cpu_share'] * 100:.0f} % of the machine's CPU).",
            "",
            report.table(HEADER, rows),
            "",
            f"Throughput ratio saves / floor = {report.number(save['rps'])} / "
            f"{report.number(floor['rps'])} = **{report.number(ratio, 2)}** "
            f"(target ≥ {report.number(TARGET_RATIO, 1)}: {verdict}). Failures: "
            f"{figures['all']['failures']}. Acknowledged saves checked: "
            f"{report.integer(acked)} entries, **{mismatches} mismatches**.",
        ]
        lines += [f"    {example}" for example in examples]
        lines += _failure_samples(saturation)
    return "\n".join(lines)


def _failure_samples(run: dict[str, Any]) -> list[str]:
    samples = run["setup_failures"][:5] + run["failure_samples"][:5]
    return (
        ["", "Failures seen (first ones):", ""] + [f"    {line}" for line in samples]
        if samples
        else []
    )


if __name__ == "__main__":
    sys.exit(main())
