"""Backup and restore (core/backup.py, ``make backup`` / ``make restore``), on the real
PostgreSQL (marked ``postgres``).

A year of work — final scorecards, a closed ballot, a signed covenant PDF and the
ballot minutes — is backed up, then restored by a SEPARATE process (``manage.py
restore``) into a database created empty for the test and a fresh MEDIA_ROOT. The
restored database holds every row of those tables unchanged, and every PDF has the
same SHA-256 with its PAdES signature still valid. Restore refuses a database that has
tables (unless ``--force``) and an archive whose media file was altered (nothing is
restored). On SQLite the commands say they are for PostgreSQL.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import secrets
import subprocess
import sys
import tarfile
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection, transaction

from core.documents.jobs import job_request
from core.documents.signing import validate_pdf
from core.models import DocumentJob, JobState
from scoring.models import Ballot, BallotVoter, CastBallot, Scorecard
from tests.scoring_world import scoring_world
from tests.test_covenant_worker import _signed_covenant
from tests.test_scoring_ballot_minutes import closed_ballot
from tests.test_scoring_ranking import finalise_all

# Compared row by row between the backed-up and the restored database.
TABLES = [
    "scoring_scorecard",
    "scoring_entry",
    "scoring_entryhistory",
    "scoring_ballot",
    "scoring_ballotvoter",
    "scoring_castballot",
    "covenants_covenant",
    "covenants_signature",
    "core_documentjob",
    "core_actionlog",
    "auth_user",
]


# PostgreSQL helpers -------------------------------------------------------------------


def conninfo(dbname: str) -> str:
    db = connection.settings_dict
    return psycopg.conninfo.make_conninfo(
        host=db["HOST"] or None,
        port=str(db["PORT"]) if db["PORT"] else None,
        user=db["USER"] or None,
        password=db["PASSWORD"] or None,
        dbname=dbname,
    )


def database_url(dbname: str) -> str:
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{credentials}@{host}{port}/{dbname}"


def query(dbname: str, sql: str) -> list[tuple]:
    with psycopg.connect(conninfo(dbname)) as conn:
        return conn.execute(sql).fetchall()


def tables_of(dbname: str) -> list[str]:
    return [
        row[0]
        for row in query(
            dbname,
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
        )
    ]


@pytest.fixture
def empty_database():  # type: ignore[no-untyped-def]
    """A database created empty on the same server; dropped afterwards."""
    assert connection.vendor == "postgresql", "run with DATABASE_URL=postgres://…"
    name = f"test_restore_{secrets.token_hex(4)}"
    with psycopg.connect(conninfo("postgres"), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with psycopg.connect(conninfo("postgres"), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_manage(*args: str, database_url: str, media_root: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url, "MEDIA_ROOT": str(media_root)}
    return subprocess.run(  # noqa: S603 - our own manage.py, arguments built here
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def restore_into(dbname: str, archive: Path, media_root: Path, *flags: str):  # type: ignore[no-untyped-def]
    return run_manage(
        "restore", str(archive), *flags, database_url=database_url(dbname), media_root=media_root
    )


def backup_now(tmp_path: Path) -> Path:
    out = io.StringIO()
    call_command("backup", output=str(tmp_path / "backups"), stdout=out)
    [archive] = (tmp_path / "backups").glob("cumthidua-*.tar")
    assert str(archive) in out.getvalue()
    return archive


def manifest_of(archive: Path) -> dict:
    with tarfile.open(archive) as tar:
        return json.loads(tar.extractfile("manifest.json").read())


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# The whole round trip -----------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_every_scorecard_ballot_and_signed_pdf_into_an_empty_database(
    world, tmp_path, empty_database
):  # type: ignore[no-untyped-def]
    sw = scoring_world(world)
    with transaction.atomic():  # the test helpers refresh totals with select_for_update
        finalise_all(sw, world)
    ballot = closed_ballot(world)
    covenant = _signed_covenant()
    jobs = [
        job_request(
            actor=None,
            kind="covenant_signed",
            obj=covenant,
            scope_id=covenant.cluster_year.cluster.organizer_id,
        ),
        job_request(
            actor=None,
            kind="ballot_minutes",
            obj=ballot,
            scope_id=ballot.cluster_year.cluster.organizer_id,
        ),
    ]
    for job in jobs:
        job.refresh_from_db()
        assert job.state == JobState.DONE, job.error
    signed_job = jobs[0]
    assert validate_pdf(signed_job.file.read()).intact
    finals = {
        card.unit_id: card.final_total
        for card in Scorecard.objects.filter(period=sw.period, state=Scorecard.State.FINALISED)
    }
    assert len(finals) == 4
    receipts = sorted(
        CastBallot.objects.filter(ballot=ballot).values_list("receipt_hash", flat=True)
    )
    assert len(receipts) == 4
    source = connection.settings_dict["NAME"]

    archive = backup_now(tmp_path)
    manifest = manifest_of(archive)
    assert manifest["database"] == source
    assert manifest["tables"]["scoring_scorecard"] == Scorecard.objects.count()
    assert manifest["tables"]["scoring_castballot"] == 4
    assert any(head.startswith("scoring.") for head in manifest["migration_heads"])
    assert manifest["media"][signed_job.file.name]["sha256"] == signed_job.sha256
    assert oct(archive.stat().st_mode & 0o777) == oct(0o600)

    restored_media = tmp_path / "restored-media"
    done = restore_into(empty_database, archive, restored_media, "--yes")
    assert done.returncode == 0, done.stderr
    assert "Verified: row counts, migrations and every file's SHA-256 match." in done.stdout
    assert "Phiếu chấm điểm / scorecards: 4" in done.stdout

    # Every row of the tables that matter, unchanged.
    assert tables_of(empty_database) == tables_of(source)
    for table in TABLES:
        before = query(source, f"SELECT * FROM {table} ORDER BY 1")  # noqa: S608
        after = query(empty_database, f"SELECT * FROM {table} ORDER BY 1")  # noqa: S608
        assert after == before, table
        assert before, f"{table} should not be empty in this test"

    # The scorecards with their final totals, the ballot with its voters and receipts.
    assert (
        dict(
            query(
                empty_database,
                f"SELECT unit_id, final_total FROM scoring_scorecard "  # noqa: S608
                f"WHERE period_id = {sw.period.pk} AND state = 'finalised'",
            )
        )
        == finals
    )
    assert query(
        empty_database,
        f"SELECT state FROM scoring_ballot WHERE id = {ballot.pk}",  # noqa: S608
    ) == [(Ballot.State.CLOSED.value,)]
    assert query(
        empty_database,
        f"SELECT count(*) FROM scoring_ballotvoter WHERE ballot_id = {ballot.pk}",  # noqa: S608
    ) == [(BallotVoter.objects.filter(ballot=ballot).count(),)]
    assert [
        row[0]
        for row in query(
            empty_database,
            f"SELECT receipt_hash FROM scoring_castballot "  # noqa: S608
            f"WHERE ballot_id = {ballot.pk} ORDER BY receipt_hash",
        )
    ] == receipts

    # Every document job and its file: same row, same bytes, signature still valid.
    for job in jobs:
        [(state, name, digest)] = query(
            empty_database,
            f"SELECT state, file, sha256 FROM core_documentjob WHERE id = {job.pk}",  # noqa: S608
        )
        assert (state, name, digest) == (JobState.DONE.value, job.file.name, job.sha256)
        assert sha256(restored_media / name) == job.sha256
    report = validate_pdf((restored_media / signed_job.file.name).read_bytes())
    assert report.signed and report.intact, report.error
    assert "Hội đồng Thi đua" in " ".join(signer.name for signer in report.signers)
    assert sorted(
        p.relative_to(restored_media).as_posix() for p in restored_media.rglob("*") if p.is_file()
    ) == sorted(manifest["media"])
    assert DocumentJob.objects.count() == len(jobs)


# Refusals -----------------------------------------------------------------------------


def small_world_with_a_file(world) -> str:  # type: ignore[no-untyped-def]
    """The ``world`` rows plus one uploaded file; answers the file's name."""
    return default_storage.save("evidence/2024/bao-cao.pdf", ContentFile(b"%PDF-1.7 evidence"))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_database_that_has_tables_unless_forced(world, tmp_path, empty_database):  # type: ignore[no-untyped-def]
    small_world_with_a_file(world)
    archive = backup_now(tmp_path)
    with psycopg.connect(conninfo(empty_database)) as conn:
        conn.execute("CREATE TABLE leftover (id integer)")
    media = tmp_path / "restored-media"

    refused = restore_into(empty_database, archive, media, "--yes")
    assert refused.returncode != 0
    assert f"Database {empty_database} is not empty (1 tables): nothing restored." in refused.stderr
    assert f"Cơ sở dữ liệu {empty_database} không trống" in refused.stderr
    assert tables_of(empty_database) == ["leftover"]
    assert not media.exists()

    # Without --yes and nobody to answer, nothing happens either.
    with psycopg.connect(conninfo(empty_database)) as conn:
        conn.execute("DROP TABLE leftover")
    unanswered = restore_into(empty_database, archive, media)
    assert unanswered.returncode != 0
    assert "cancelled: nothing restored" in unanswered.stderr
    assert tables_of(empty_database) == []

    # --force overwrites: restored once, restored again over it.
    assert restore_into(empty_database, archive, media, "--yes").returncode == 0
    again = restore_into(empty_database, archive, media, "--yes", "--force")
    assert again.returncode == 0, again.stderr
    assert "Verified: row counts, migrations and every file's SHA-256 match." in again.stdout
    assert query(empty_database, "SELECT username FROM auth_user ORDER BY username") == query(
        connection.settings_dict["NAME"], "SELECT username FROM auth_user ORDER BY username"
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_tampered_media_file_makes_restore_fail_and_restore_nothing(
    world, tmp_path, empty_database
):  # type: ignore[no-untyped-def]
    name = small_world_with_a_file(world)
    archive = backup_now(tmp_path)
    tampered = tmp_path / "tampered.tar"
    with tarfile.open(archive) as source, tarfile.open(tampered, "w") as target:
        for member in source:
            data = source.extractfile(member).read()
            if member.name == f"media/{name}":
                data = data.replace(b"evidence", b"forgery!")  # same size, other bytes
            target.addfile(member, io.BytesIO(data))
    media = tmp_path / "restored-media"

    done = restore_into(empty_database, tampered, media, "--yes")
    assert done.returncode != 0
    assert f"checksum mismatch in the archive: media/{name}" in done.stderr
    assert "nothing was restored" in done.stderr
    assert tables_of(empty_database) == []
    assert not media.exists()


# SQLite -------------------------------------------------------------------------------


def test_on_sqlite_the_commands_say_they_are_for_postgresql(tmp_path):  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    for args in (("backup", "--output", str(tmp_path)), ("restore", str(tmp_path / "x.tar"))):
        done = run_manage(*args, database_url=url, media_root=tmp_path / "media")
        assert done.returncode != 0
        assert "Backup and restore are for PostgreSQL (configured database: sqlite)" in done.stderr
        assert "copy db.sqlite3 and var/media" in done.stderr
