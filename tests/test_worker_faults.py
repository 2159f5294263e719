"""Faults injected into real Celery workers and a real Redis: nothing is lost, nothing
is produced twice.

Each test starts its own ``redis-server`` (a free port, no persistence) and its own
worker processes (``celery -A tests.fault_worker worker``, one pool process) on the
test database, and points this process's Celery app at that Redis; the machine's
Redis and the CI worker are never touched. The document kinds are in
tests/fault_worker.py (a slow one that records which process renders, and one that
always fails).

1. The pool process rendering a PDF is SIGKILLed: the worker's main process sees
   the child lost and, as the task is ``acks_late`` + ``reject_on_worker_lost``,
   puts the message back; the same worker renders the job again.
2. The worker's main process is SIGKILLed: its pool process dies with it and the
   message stays unacknowledged in Redis. A new worker gets it back once the broker's visibility
   timeout has passed (shortened here; 3600 s in production), and the hourly sweep
   re-enqueues the job the database still marks running: two messages, one render.
3. Redis dies with five jobs queued and no worker, and comes back empty: the sweep
   re-enqueues every job the database marks pending; each is produced once.
4. A render that always fails stops at ``max_attempts``; the job page shows the
   error in Vietnamese.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from config.celery import app as celery_app
from core.documents import jobs
from core.models import DocumentJob, JobState
from core.tasks import sweep_pending_documents
from tests.fault_worker import BROKEN_MESSAGE, tiny_pdf
from tests.processes import free_port, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parent.parent
CELERY = Path(sys.executable).parent / "celery"
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
WAIT_SECONDS = 30
STALE = jobs.STALE_AFTER + dt.timedelta(minutes=1)


def _wait_for(predicate, what: str, seconds: float = WAIT_SECONDS):  # type: ignore[no-untyped-def]
    return wait_for(predicate, what, seconds)


class Redis:
    """A private redis-server on a free port; ``kill`` and ``start`` again on the
    same port give an empty Redis, as after a crash without persistence."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - fixed program and arguments
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        _wait_for(self._answers, "redis-server", 10)

    def _answers(self) -> bool:
        with contextlib.suppress(redis.RedisError):
            return bool(self.client().ping())
        return False

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_connect_timeout=1, socket_timeout=2)

    def queued(self) -> int:
        return self.client().llen("celery")

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)


class Worker:
    """``celery worker`` with one pool process, in its own process group."""

    def __init__(self, redis_server: Redis, workdir: Path, name: str, **extra_env: str) -> None:
        db = django_settings.DATABASES["default"]
        database_url = (
            f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST'] or '127.0.0.1'}"
            f":{db['PORT'] or 5432}/{db['NAME']}"
        )
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_server.url,
            "CELERY_BROKER_URL": redis_server.url,
            "MEDIA_ROOT": str(django_settings.MEDIA_ROOT),
            "JOB_RUNNER": "celery",
            **extra_env,
        }
        self.log = workdir / f"{name}.log"
        with self.log.open("w") as log:
            self.process = subprocess.Popen(  # noqa: S603 - fixed program and arguments
                [str(CELERY), "-A", "tests.fault_worker", "worker", "--pool", "prefork",
                 "--concurrency", "1", "--loglevel", "info", "--hostname", f"{name}@faults",
                 "--without-gossip", "--without-mingle", "--without-heartbeat"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        _wait_for(self._ready, f"worker {name} to be ready")

    def _ready(self) -> bool:
        if self.process.poll() is not None:
            pytest.fail(f"The worker exited:\n{self.log.read_text()}")
        return " ready." in self.log.read_text()

    def kill(self) -> None:
        """SIGKILL the main process and its pool process at once."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)


@pytest.fixture
def faults(transactional_db, settings, monkeypatch, tmp_path):  # type: ignore[no-untyped-def]
    """Own Redis, own workers, files in a temporary media root; this process sends
    its Celery messages to that Redis. Everything is killed afterwards."""
    settings.JOB_RUNNER = "celery"
    settings.MEDIA_ROOT = tmp_path / "media"
    # Every job must reach a worker: a fallback to a thread of this process would
    # make the tests pass without one.
    monkeypatch.setattr(jobs, "start_thread", lambda job_id: pytest.fail("broker unreachable"))
    previous_url = celery_app.conf.broker_url  # before the settings change below
    server = Redis(tmp_path)
    server.start()
    settings.CELERY_BROKER_URL = settings.REDIS_URL = server.url
    _point_celery_at(server.url)
    workers: list[Worker] = []

    class Faults:
        redis = server
        media = Path(settings.MEDIA_ROOT)

        @staticmethod
        def worker(**extra_env: str) -> Worker:
            worker = Worker(server, tmp_path, f"worker{len(workers) + 1}", **extra_env)
            workers.append(worker)
            return worker

    try:
        yield Faults
    finally:
        for worker in workers:
            worker.kill()
        server.kill()
        _point_celery_at(previous_url)


def _point_celery_at(url: str) -> None:
    """Send this process's messages to ``url``: drop the pooled connections."""
    if celery_app._pool is not None:
        celery_app._pool.force_close_all()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    celery_app.conf.broker_url = url


@pytest.fixture
def requester():  # type: ignore[no-untyped-def]
    return get_user_model().objects.create_user("fault-test", password="x-unused-9")


def _slow_job(requester, trace: Path, sleep: float) -> DocumentJob:  # type: ignore[no-untyped-def]
    return jobs.job_request(
        actor=requester,
        kind="fault_slow",
        obj=requester,
        scope_id=None,
        params={"sleep": sleep, "trace": str(trace)},
    )


def _events(trace: Path) -> list[tuple[str, int, int]]:
    if not trace.exists():
        return []
    return [
        (event, int(pid), int(attempt))
        for event, pid, attempt in (line.split() for line in trace.read_text().splitlines())
    ]


def _finished(job: DocumentJob) -> bool:
    job.refresh_from_db()
    return job.is_finished


def _assert_done_once(job: DocumentJob, media: Path) -> None:
    """Done, with exactly one file: the one the row names, with the row's SHA-256."""
    job.refresh_from_db()
    assert job.state == JobState.DONE, f"{job.state}, attempts {job.attempts}: {job.error}"
    files = sorted(p for p in (media / "documents" / job.kind / str(job.pk)).iterdir())
    assert [p.relative_to(media).as_posix() for p in files] == [job.file.name]
    content = files[0].read_bytes()
    assert content == tiny_pdf(job.pk)
    assert hashlib.sha256(content).hexdigest() == job.sha256
    assert job.size == len(content)


def _alive(pid: int) -> bool:
    """A process that runs (a zombie is dead)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in {"Z", "X"}


def _running(job: DocumentJob, trace: Path) -> int | None:
    """The pid of the process rendering ``job``, once it has begun."""
    job.refresh_from_db()
    started = [pid for event, pid, _ in _events(trace) if event == "start"]
    return started[-1] if job.state == JobState.RUNNING and started else None


def test_a_killed_pool_process_is_replaced_and_the_job_done_once(faults, requester, tmp_path):  # type: ignore[no-untyped-def]
    worker = faults.worker()
    trace = tmp_path / "trace"
    job = _slow_job(requester, trace, sleep=2)

    rendering_pid = _wait_for(lambda: _running(job, trace), "the render to begin")
    assert rendering_pid != worker.process.pid  # the pool process, not the main one
    os.kill(rendering_pid, signal.SIGKILL)

    _wait_for(lambda: _finished(job), "the job to finish")
    _assert_done_once(job, faults.media)
    assert worker.process.poll() is None  # the main process survived and redelivered
    assert job.attempts == 2
    assert DocumentJob.objects.count() == 1
    events = _events(trace)
    assert [(event, attempt) for event, _, attempt in events] == [
        ("start", 1),
        ("start", 2),
        ("end", 2),
    ]
    assert events[1][1] != rendering_pid  # a new pool process
    assert "WorkerLostError" in worker.log.read_text()
    assert faults.redis.queued() == 0


def test_a_killed_worker_loses_nothing_and_renders_once(faults, requester, tmp_path):  # type: ignore[no-untyped-def]
    first = faults.worker()
    trace = tmp_path / "trace"
    job = _slow_job(requester, trace, sleep=2)
    killed_pid = _wait_for(lambda: _running(job, trace), "the render to begin")

    # SIGKILL the worker's main process: its pool process dies with it (billiard
    # gives it a parent-death signal), and nobody is left to put the message back.
    os.kill(first.process.pid, signal.SIGKILL)
    first.process.wait(10)
    _wait_for(lambda: not _alive(killed_pid), "the pool process to die with the worker")
    unacked = faults.redis.client().hlen("unacked")
    assert unacked == 1  # the message waits in Redis, unacknowledged
    job.refresh_from_db()
    assert (job.state, job.attempts) == (JobState.RUNNING, 1)

    # The hourly sweep, an outage later, finds the job still running…
    DocumentJob.objects.filter(pk=job.pk).update(started_at=timezone.now() - STALE)
    assert sweep_pending_documents() == [job.pk]
    # …and a new worker also gets the dead worker's message back (visibility timeout).
    second = faults.worker(FAULT_VISIBILITY_TIMEOUT="3")

    _wait_for(lambda: _finished(job), "the job to finish")
    _wait_for(
        lambda: faults.redis.queued() == 0 and faults.redis.client().hlen("unacked") == 0,
        "both messages to be consumed",
    )
    _assert_done_once(job, faults.media)
    assert job.attempts == 2
    events = _events(trace)
    assert [(event, attempt) for event, _, attempt in events] == [
        ("start", 1),
        ("start", 2),
        ("end", 2),
    ]
    assert events[0][1] == killed_pid
    assert DocumentJob.objects.count() == 1
    # Two deliveries reached the new worker; the second found the job done.
    assert second.log.read_text().count("core.tasks.render_document") >= 2
    assert sweep_pending_documents() == []


def test_pending_jobs_survive_a_redis_restart_through_the_sweep(faults, requester, tmp_path):  # type: ignore[no-untyped-def]
    trace = tmp_path / "trace"
    queued = [_slow_job(requester, trace, sleep=0.2) for _ in range(5)]
    assert faults.redis.queued() == 5  # sent, with no worker to take them

    faults.redis.kill()
    faults.redis.start()  # back, empty: the queue is gone
    assert faults.redis.queued() == 0
    faults.worker()
    time.sleep(1)
    assert set(DocumentJob.objects.values_list("state", flat=True)) == {JobState.PENDING}

    # The database still marks them pending; once they are older than STALE_AFTER,
    # the periodic sweep (beat runs this task hourly) sends them again.
    DocumentJob.objects.update(created_at=timezone.now() - STALE)
    assert sweep_pending_documents() == [job.pk for job in queued]

    for job in queued:
        _wait_for(lambda job=job: _finished(job), f"job {job.pk} to finish")
        _assert_done_once(job, faults.media)
        assert job.attempts == 1
    events = _events(trace)
    assert sorted(attempt for event, _, attempt in events if event == "end") == [1] * 5
    assert len(events) == 10  # five renders begun, five finished: none twice
    assert sweep_pending_documents() == []


def test_a_failing_render_stops_at_its_last_attempt_and_says_why(
    faults, requester, tmp_path, client
):  # type: ignore[no-untyped-def]
    faults.worker(FAULT_RETRY_BASE_SECONDS="0.5")
    trace = tmp_path / "trace"
    job = jobs.job_request(
        actor=requester,
        kind="fault_broken",
        obj=requester,
        scope_id=None,
        params={"trace": str(trace)},
        max_attempts=3,
    )

    _wait_for(lambda: _finished(job), "the job to fail")
    job.refresh_from_db()
    assert job.state == JobState.FAILED
    assert job.attempts == 3
    assert job.error == f"RuntimeError: {BROKEN_MESSAGE}"
    assert job.finished_at is not None
    assert not job.file
    time.sleep(1.5)  # no fourth attempt follows
    assert [attempt for _, _, attempt in _events(trace)] == [1, 2, 3]
    assert faults.redis.queued() == 0

    client.force_login(requester)
    page = client.get(reverse("job_detail", args=[job.pk])).content.decode()
    assert "Không tạo được văn bản" in page
    assert "Mọi lần thử đều không thành công" in page
    assert BROKEN_MESSAGE in page
    assert 'class="col-sm-9 job-attempts">3/3<' in page
