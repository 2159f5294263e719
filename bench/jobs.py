"""Documents throughput: 100 PDF jobs queued at once, a real Celery worker of two processes.

    python -m bench.jobs                      # 100 jobs, --concurrency 2, Redis db 13
    python -m bench.jobs --jobs 40 --concurrency 1 --write-docs

Works on the province of ``bench.generate`` (``cumthidua_bench``; run it first). It
starts ``celery -A config worker --concurrency N`` (prefork, the production settings:
acks late, prefetch 1, 400 MB per child) on Redis db ``--redis-db``, waits until it is
ready (its processes have warmed up the renderer), then asks, in ONE transaction, for
``--jobs`` documents through the real path (``core.documents.jobs.job_request``, as the
board would from the pages): four in five are score summaries of the province's
published periods (2023 then 2022, 12 final cards × 150 criteria each), one in five a
covenant of the current year (12 members). When it commits, the jobs go to the broker
all at once. It waits until every job is done or failed and
samples, every 0,2 s, the resident memory (RSS) of each of the worker's pool processes.

Prints the total time (commit → last job finished), jobs per minute per worker process,
failures and retries, the render time per kind (``DocumentJob.render_seconds``: render
+ store, as the worker measured it) and the peak RSS; ``--write-docs`` writes the block
``bench:jobs`` of docs/performance.md.
"""

from __future__ import annotations

import argparse
import itertools
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from bench import report
from bench.scoring import DEFAULT_DATABASE

BASE = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
MEDIA_ROOT = BASE / "var" / "bench" / "media"
TARGET_RSS_MIB = 500


def worker_env(database_url: str, redis_db: int) -> dict[str, str]:
    from bench.load import server_env

    env = server_env(database_url, redis_db)
    env.update(
        CELERY_BROKER_URL=f"redis://127.0.0.1:6379/{redis_db}",
        MEDIA_ROOT=str(MEDIA_ROOT),
        # The covenants carry the organizer's signature stamp when signed: the demo keys
        # (var/bench/keys), as no PKCS#12 file is configured here.
        SIGNING_DEMO_KEYS="true",
        SIGNING_KEYS_DIR=str(BASE / "var" / "bench" / "keys"),
        LOG_LEVEL="INFO",
    )
    return env


class Sampler(threading.Thread):
    """Peak RSS of the worker's pool processes (and of all of them together)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_child = 0
        self.peak_total = 0
        self.peak_main = 0
        self.children_seen: set[int] = set()
        self.stop = threading.Event()

    def run(self) -> None:
        import psutil

        main = psutil.Process(self.pid)
        while not self.stop.is_set():
            try:
                children = main.children(recursive=True)
                sizes = []
                for child in children:
                    try:
                        sizes.append(child.memory_info().rss)
                        self.children_seen.add(child.pid)
                    except psutil.Error:
                        pass
                main_rss = main.memory_info().rss
            except psutil.Error:
                break
            self.peak_main = max(self.peak_main, main_rss)
            if sizes:
                self.peak_child = max(self.peak_child, max(sizes))
                self.peak_total = max(self.peak_total, sum(sizes) + main_rss)
            self.stop.wait(0.2)


def start_worker(env: dict[str, str], concurrency: int, log_path: Path) -> subprocess.Popen:
    log = log_path.open("w")
    worker = subprocess.Popen(  # noqa: S603 - our own tools, fixed arguments
        [
            str(BIN / "celery"),
            "-A",
            "config",
            "worker",
            f"--concurrency={concurrency}",
            "--pool=prefork",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            f"bench-jobs-{os.getpid()}@%h",
        ],
        cwd=BASE,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise SystemExit(f"the worker stopped: see {log_path}")
        if " ready." in log_path.read_text(errors="replace"):
            return worker
        time.sleep(0.5)
    stop_worker(worker)
    raise SystemExit(f"the worker was not ready within 120 s: see {log_path}")


def stop_worker(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)  # warm shutdown
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def subjects(count: int) -> list[tuple[str, Any, int]]:
    """(kind, object, scope) of ``count`` documents of the generated province."""
    from bench.province import find_generated
    from covenants.models import Covenant
    from scoring.models import Period

    generated = find_generated()
    if generated is None:
        raise SystemExit("no generated province: run python -m bench.generate first")
    organizer = generated.organizer
    periods = list(
        Period.objects.filter(
            cluster_year__cluster__organizer=organizer, published_at__isnull=False
        ).order_by("-cluster_year__year", "cluster_year__cluster__sort_key")
    )
    covenants = list(
        Covenant.objects.filter(
            cluster_year__cluster__organizer=organizer,
            cluster_year__year=generated.current_year,
        ).order_by("cluster_year__cluster__sort_key")
    )
    if not periods and not covenants:
        raise SystemExit("the generated province has no published period nor covenant")
    # One covenant in five (while there are any), score summaries otherwise.
    summaries, others = itertools.cycle(periods or covenants), itertools.cycle(covenants)
    mixed = [
        ("covenant", next(others))
        if covenants and (index % 5 == 4 or not periods)
        else ("score_summary", next(summaries))
        for index in range(count)
    ]
    return [(kind, obj, organizer.pk) for kind, obj in mixed]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--redis-db", type=int, default=13)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE)
    parser.add_argument("--timeout", type=float, default=1200, help="seconds to wait at most")
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args(argv)
    if args.redis_db in (0, 14):
        parser.error("Redis db 0 and 14 belong to others")

    env = worker_env(args.database_url, args.redis_db)
    for name in ("REDIS_URL", "CELERY_BROKER_URL", "MEDIA_ROOT", "JOB_RUNNER"):
        os.environ[name] = env[name]
    os.environ["SIGNING_DEMO_KEYS"] = env["SIGNING_DEMO_KEYS"]
    os.environ["SIGNING_KEYS_DIR"] = env["SIGNING_KEYS_DIR"]
    from bench.scoring import _setup

    _setup(args.database_url)
    logging.getLogger("axes").setLevel(logging.WARNING)
    import redis
    from django.db import connection, transaction
    from django.db.models import Count, Max, Min

    from bench.province import find_generated
    from core.documents.jobs import job_request
    from core.models import DocumentJob

    redis.Redis.from_url(env["CELERY_BROKER_URL"]).flushdb()  # our own db: no old messages
    MEDIA_ROOT.mkdir(parents=True, exist_ok=True)
    board = find_generated().board
    todo = subjects(args.jobs)
    first_new = (DocumentJob.objects.aggregate(top=Max("pk"))["top"] or 0) + 1
    connection.close()
    machine = report.machine()
    log_path = BASE / "var" / "bench" / "worker.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    print(f"starting the worker (--concurrency {args.concurrency}, Redis db {args.redis_db})")
    worker = start_worker(env, args.concurrency, log_path)
    sampler = Sampler(worker.pid)
    sampler.start()
    try:
        time.sleep(1)  # let the pool processes settle after their warm-up render
        idle_rss = sampler.peak_child
        started = time.time()
        with transaction.atomic():
            for kind, obj, scope in todo:
                job_request(actor=board, kind=kind, obj=obj, scope_id=scope, max_attempts=3)
        committed = time.time()
        print(f"{len(todo)} jobs queued in {committed - started:.1f} s; waiting …", flush=True)
        ours = DocumentJob.objects.filter(pk__gte=first_new)
        deadline = time.monotonic() + args.timeout
        while time.monotonic() < deadline:
            left = ours.exclude(state__in=("done", "failed")).count()
            if left == 0:
                break
            time.sleep(0.5)
        waited = time.time() - started
    finally:
        sampler.stop.set()
        sampler.join()
        stop_worker(worker)

    states = dict(ours.values_list("state").annotate(n=Count("pk")))
    bounds = ours.aggregate(first=Min("started_at"), last=Max("finished_at"))
    total = (bounds["last"].timestamp() - started) if bounds["last"] else waited
    done = states.get("done", 0)
    failed = states.get("failed", 0)
    unfinished = len(todo) - done - failed
    retried = ours.filter(attempts__gt=1).count()
    per_kind: dict[str, list[float]] = {}
    for kind, seconds in ours.filter(state="done").values_list("kind", "render_seconds"):
        per_kind.setdefault(kind, []).append(seconds or 0.0)
    per_minute = done / (total / 60) if total else 0.0
    mib = 2**20
    rows = [
        [
            kind,
            len(values),
            f"{report.number(report.median(values), 2)} s",
            f"{report.number(report.percentile(values, 0.95), 2)} s",
            f"{report.number(max(values), 2)} s",
        ]
        for kind, values in sorted(per_kind.items())
    ]
    verdict = "met" if sampler.peak_child / mib <= TARGET_RSS_MIB else "**missed**"
    text = "\n".join(
        [
            f"Machine: {machine}. Load average after the run: {report.load_average()}.",
            "",
            "```sh",
            f".venv/bin/python -m bench.jobs --jobs {args.jobs} --concurrency "
            f"{args.concurrency} --write-docs",
            "```",
            "",
            f"{len(todo)} jobs asked for in one transaction through `job_request` (the board, "
            f"as from the pages), sent to the broker when it committed "
            f"({report.number(committed - started, 1)} s to create them); one Celery worker, "
            f"prefork, `--concurrency {args.concurrency}`.",
            "",
            report.table(
                [
                    "jobs",
                    "done",
                    "failed",
                    "unfinished",
                    "retried",
                    "total time",
                    "jobs/min",
                    "jobs/min per worker process",
                ],
                [
                    [
                        len(todo),
                        done,
                        failed,
                        unfinished,
                        retried,
                        f"**{report.number(total, 1)} s**",
                        report.number(per_minute, 1),
                        f"**{report.number(per_minute / args.concurrency, 1)}**",
                    ]
                ],
            ),
            "",
            "Worker time per job (`DocumentJob.render_seconds`: read, render, store):",
            "",
            report.table(["kind", "n", "median", "p95", "max"], rows),
            "",
            f"Peak resident memory of one pool process: **{sampler.peak_child / mib:.0f} MiB** "
            f"(target ≤ {TARGET_RSS_MIB} MB: {verdict}; {idle_rss / mib:.0f} MiB after its "
            f"warm-up, before the first job); the worker's main process "
            f"{sampler.peak_main / mib:.0f} MiB; all the worker's processes together at most "
            f"{sampler.peak_total / mib:.0f} MiB. Pool processes seen: "
            f"{len(sampler.children_seen)} (a process is replaced after a job that leaves it "
            f"above 400 MB: `CELERY_WORKER_MAX_MEMORY_PER_CHILD`).",
        ]
    )
    print(text)
    if args.write_docs:
        report.write_block("jobs", text, heading="Documents throughput (issue 8)")
    return 1 if failed or unfinished else 0


if __name__ == "__main__":
    sys.exit(main())
