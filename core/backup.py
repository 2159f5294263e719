"""Backup and restore of a PostgreSQL installation: the database and the media files.

``manage.py backup [--output DIR]`` writes ONE file, ``cumthidua-<db>-<UTC time>.tar``::

    manifest.json    created_at, database, migration heads, row count of every table,
                     sha256 + size of database.dump and of every media file
    database.dump    pg_dump -Fc of the configured database
    media/...        every file under MEDIA_ROOT (signed PDFs, evidence uploads)

The row counts and the dump come from the SAME snapshot (a REPEATABLE READ
transaction exports it, pg_dump reads it with ``--snapshot``), so they agree even while
people keep working. Media files are read after the snapshot: every file a row of the
dump refers to is already on disk (documents are written before their job is marked
done), at worst the archive holds a few newer files nothing refers to yet.

``manage.py restore ARCHIVE [--yes] [--force]`` first checks the archive against its
manifest (dump and every media file), refuses a database that has tables (``--force``:
``pg_restore --clean``) or a MEDIA_ROOT that has files (``--force``: overwrite), asks
for confirmation unless ``--yes``, restores the dump in one transaction, extracts the
media, then checks again what landed: every table's row count, the migration heads,
every media file's sha256. Any difference ends the command with a non-zero status.

PostgreSQL only. The embedded SQLite demo is backed up by copying ``db.sqlite3`` and
``var/media`` while the server is stopped; both commands say so and stop.

Credentials reach pg_dump/pg_restore through libpq environment variables (PGPASSWORD…),
never on the command line.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

logger = logging.getLogger(__name__)

FORMAT = "cumthidua-backup/1"
MANIFEST = "manifest.json"
DUMP = "database.dump"
MEDIA_PREFIX = "media/"
CHUNK = 1024 * 1024

NOT_POSTGRESQL = (
    "Sao lưu/khôi phục chỉ dành cho PostgreSQL (cơ sở dữ liệu đang dùng: {vendor}). "
    "Với bản demo SQLite: dừng máy chủ rồi sao chép db.sqlite3 và var/media. / "
    "Backup and restore are for PostgreSQL (configured database: {vendor}). For the "
    "SQLite demo, stop the server and copy db.sqlite3 and var/media."
)

# Tables whose counts the summary names (every table is counted and checked).
KEY_TABLES = {
    "scoring_scorecard": "Phiếu chấm điểm / scorecards",
    "scoring_entry": "Điểm từng tiêu chí / entries",
    "scoring_ballot": "Cuộc bỏ phiếu / ballots",
    "scoring_castballot": "Phiếu bầu đã bỏ / cast ballots",
    "covenants_signature": "Chữ ký giao ước / covenant signatures",
    "core_documentjob": "Tài liệu PDF / document jobs",
}


class BackupError(Exception):
    """What went wrong, in Vietnamese and English, for the operator."""


@dataclass
class RestoreReport:
    archive: Path
    manifest: dict[str, Any]
    database: str
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


# Connection ---------------------------------------------------------------------------


def _settings_dict(alias: str = DEFAULT_DB_ALIAS) -> dict[str, Any]:
    connection = connections[alias]
    if connection.vendor != "postgresql":
        raise BackupError(NOT_POSTGRESQL.format(vendor=connection.vendor))
    return connection.settings_dict


def libpq_env(settings_dict: dict[str, Any]) -> dict[str, str]:
    """The environment that points pg_dump/pg_restore at ``settings_dict``'s database."""
    from django.db.backends.postgresql.client import DatabaseClient

    _args, extra = DatabaseClient.settings_to_cmd_args_env(settings_dict, [])
    env = {**os.environ, **(extra or {})}
    options = settings_dict.get("OPTIONS", {})
    named = {
        "PGHOST": settings_dict.get("HOST"),
        "PGPORT": settings_dict.get("PORT"),
        "PGUSER": options.get("user") or settings_dict.get("USER"),
        "PGDATABASE": options.get("dbname") or settings_dict.get("NAME"),
    }
    for key, value in named.items():
        if value:
            env[key] = str(value)
        else:
            env.pop(key, None)
    return env


def _run(command: list[str], settings_dict: dict[str, Any]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(
            f"Không tìm thấy {command[0]}: cài gói postgresql-client cùng phiên bản với máy chủ. "
            f"/ {command[0]} not found: install postgresql-client (the server's major version)."
        )
    done = subprocess.run(  # noqa: S603 - pg_dump/pg_restore, arguments built here
        command, env=libpq_env(settings_dict), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise BackupError(
            f"{command[0]} thất bại / failed ({done.returncode}): {done.stderr.strip()}"
        )


def _tables(cursor) -> list[str]:  # type: ignore[no-untyped-def]
    cursor.execute(
        "SELECT tablename FROM pg_catalog.pg_tables "
        "WHERE schemaname = current_schema() ORDER BY tablename"
    )
    return [row[0] for row in cursor.fetchall()]


def _counts(cursor) -> dict[str, int]:  # type: ignore[no-untyped-def]
    counts = {}
    for table in _tables(cursor):
        cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 - names from pg_tables
        counts[table] = cursor.fetchone()[0]
    return counts


def _applied(cursor) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    cursor.execute("SELECT to_regclass('django_migrations')")
    if cursor.fetchone()[0] is None:
        return set()
    cursor.execute("SELECT app, name FROM django_migrations")
    return {(app, name) for app, name in cursor.fetchall()}


def _code_heads() -> set[tuple[str, str]]:
    return set(MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes())


# Files --------------------------------------------------------------------------------


def _sha256_file(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _sha256_stream(handle) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    digest, size = hashlib.sha256(), 0
    while chunk := handle.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def _media_files(root: Path) -> Iterator[tuple[str, Path]]:
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield path.relative_to(root).as_posix(), path


class _HashingReader(io.RawIOBase):
    """Reads a file into the tar and hashes exactly the bytes that went in."""

    def __init__(self, handle) -> None:  # type: ignore[no-untyped-def]
        self.handle = handle
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.digest.update(data)
        return data


def _add_file(archive: tarfile.TarFile, name: str, path: Path) -> dict[str, Any]:
    with path.open("rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        info = tarfile.TarInfo(name)
        info.size = size
        info.mtime = int(os.fstat(handle.fileno()).st_mtime)
        info.mode = 0o640
        reader = _HashingReader(handle)
        archive.addfile(info, reader)
    return {"sha256": reader.digest.hexdigest(), "size": size}


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(timezone.now().timestamp())
    info.mode = 0o640
    archive.addfile(info, io.BytesIO(data))


# Backup -------------------------------------------------------------------------------


def backup(output: Path | str, *, alias: str = DEFAULT_DB_ALIAS) -> Path:
    """Write the archive into ``output`` (created if missing); answer its path."""
    settings_dict = _settings_dict(alias)
    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    now = timezone.now()
    stamp = now.strftime("%Y%m%dT%H%M%S%fZ")
    target = output / f"cumthidua-{settings_dict['NAME']}-{stamp}.tar"
    partial = target.with_suffix(".tar.partial")
    media_root = Path(settings.MEDIA_ROOT)

    snapshot_connection = connections.create_connection(alias)
    try:
        snapshot_connection.ensure_connection()
        snapshot_connection.set_autocommit(True)
        with (
            snapshot_connection.cursor() as cursor,
            tempfile.TemporaryDirectory(dir=output, prefix=".backup-") as work,
        ):
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            counts = _counts(cursor)
            applied = _applied(cursor)
            cursor.execute("SELECT current_setting('server_version')")
            server_version = cursor.fetchone()[0]
            dump = Path(work) / DUMP
            _run(["pg_dump", "-Fc", f"--snapshot={snapshot}", "-f", str(dump)], settings_dict)
            cursor.execute("ROLLBACK")

            heads = sorted(f"{app}.{name}" for app, name in _code_heads() & applied)
            with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as archive:
                dump_entry = _add_file(archive, DUMP, dump)
                media = {
                    relative: _add_file(archive, MEDIA_PREFIX + relative, path)
                    for relative, path in _media_files(media_root)
                }
                manifest = {
                    "format": FORMAT,
                    "created_at": now.isoformat(),
                    "database": settings_dict["NAME"],
                    "server_version": server_version,
                    "migration_heads": heads,
                    "applied_migrations": len(applied),
                    "tables": counts,
                    "dump": dump_entry,
                    "media": media,
                }
                _add_bytes(
                    archive,
                    MANIFEST,
                    json.dumps(manifest, indent=2, ensure_ascii=False).encode(),
                )
    finally:
        snapshot_connection.close()
    partial.chmod(0o600)  # password hashes, scores and votes: for the operator only
    with partial.open("rb") as handle:
        os.fsync(handle.fileno())
    partial.replace(target)
    return target


# Restore ------------------------------------------------------------------------------


def read_manifest(archive_path: Path) -> dict[str, Any]:
    try:
        with tarfile.open(archive_path, "r:") as archive:
            member = archive.extractfile(MANIFEST)
            manifest = json.loads(member.read()) if member else None
    except (OSError, KeyError, tarfile.TarError, ValueError) as exc:
        raise BackupError(
            f"Không đọc được bản sao lưu / cannot read the backup {archive_path}: {exc}"
        ) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(
            f"{archive_path} không phải bản sao lưu Cụm thi đua / is not a Cụm thi đua backup"
        )
    return manifest


def check_archive(archive_path: Path, manifest: dict[str, Any]) -> list[str]:
    """Every member of the archive against the manifest, before anything is touched."""
    problems: list[str] = []
    seen: set[str] = set()
    with tarfile.open(archive_path, "r:") as archive:
        for member in archive:
            if member.name == MANIFEST:
                continue
            if not member.isfile():
                problems.append(f"Mục lạ / unexpected entry: {member.name}")
                continue
            handle = archive.extractfile(member)
            digest, size = _sha256_stream(handle)
            if member.name == DUMP:
                expected = manifest["dump"]
                seen.add(DUMP)
            elif member.name.startswith(MEDIA_PREFIX):
                relative = member.name[len(MEDIA_PREFIX) :]
                expected = manifest["media"].get(relative)
                seen.add(member.name)
                if expected is None:
                    problems.append(
                        f"Tệp không có trong manifest / not in the manifest: {relative}"
                    )
                    continue
            else:
                problems.append(f"Mục lạ / unexpected entry: {member.name}")
                continue
            if (digest, size) != (expected["sha256"], expected["size"]):
                problems.append(
                    f"Sai SHA-256 / checksum mismatch in the archive: {member.name} "
                    f"({digest[:12]}… ≠ {expected['sha256'][:12]}…)"
                )
    if DUMP not in seen:
        problems.append(f"Thiếu / missing: {DUMP}")
    for relative in manifest["media"]:
        if MEDIA_PREFIX + relative not in seen:
            problems.append(f"Thiếu tệp / missing file in the archive: {relative}")
    return problems


def database_tables(alias: str = DEFAULT_DB_ALIAS) -> list[str]:
    _settings_dict(alias)
    with connections[alias].cursor() as cursor:
        return _tables(cursor)


def media_files(root: Path | None = None) -> list[str]:
    return [relative for relative, _ in _media_files(Path(root or settings.MEDIA_ROOT))]


def _safe_member_path(root: Path, relative: str) -> Path:
    path = PurePosixPath(relative)
    if path.is_absolute() or ".." in path.parts:
        raise BackupError(f"Đường dẫn không an toàn / unsafe path in the archive: {relative}")
    return root.joinpath(*path.parts)


def restore(
    archive_path: Path | str,
    *,
    force: bool = False,
    confirm: Callable[[dict[str, Any], str], bool] | None = None,
    alias: str = DEFAULT_DB_ALIAS,
) -> RestoreReport:
    """Restore ``archive_path`` into the configured database and MEDIA_ROOT.

    Raises ``BackupError`` when it refuses (before touching anything); answers a report
    whose ``problems`` list every difference found after restoring.
    """
    settings_dict = _settings_dict(alias)
    archive_path = Path(archive_path)
    manifest = read_manifest(archive_path)
    problems = check_archive(archive_path, manifest)
    if problems:
        raise BackupError(
            "Bản sao lưu bị hỏng hoặc bị sửa, không khôi phục gì / the backup is damaged or "
            "was altered, nothing was restored:\n  " + "\n  ".join(problems)
        )
    database = settings_dict["NAME"]
    tables = database_tables(alias)
    if tables and not force:
        raise BackupError(
            f"Cơ sở dữ liệu {database} không trống ({len(tables)} bảng), không khôi phục. "
            f"Khôi phục vào một cơ sở dữ liệu trống, hoặc dùng --force để ghi đè. / "
            f"Database {database} is not empty ({len(tables)} tables): nothing restored. "
            f"Restore into an empty database, or pass --force to overwrite it."
        )
    media_root = Path(settings.MEDIA_ROOT)
    existing = media_files(media_root)
    if existing and not force:
        raise BackupError(
            f"Thư mục tệp {media_root} không trống ({len(existing)} tệp), không khôi phục; "
            f"dùng --force để ghi đè. / MEDIA_ROOT {media_root} is not empty "
            f"({len(existing)} files): nothing restored; pass --force to overwrite."
        )
    if confirm is not None and not confirm(manifest, database):
        raise BackupError("Đã huỷ / cancelled: nothing restored.")

    report = RestoreReport(archive=archive_path, manifest=manifest, database=database)
    with tempfile.TemporaryDirectory(prefix="cumthidua-restore-") as work:
        dump = Path(work) / DUMP
        with tarfile.open(archive_path, "r:") as archive:
            source = archive.extractfile(DUMP)
            with dump.open("wb") as handle:
                shutil.copyfileobj(source, handle, CHUNK)
        command = [
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            "-d",
            settings_dict["NAME"],
        ]
        if tables:
            command[1:1] = ["--clean", "--if-exists"]
        _run([*command, str(dump)], settings_dict)
    connections[alias].close()  # the tables appeared under it

    media_root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive_path, "r:") as archive:
        for member in archive:
            if not member.name.startswith(MEDIA_PREFIX):
                continue
            path = _safe_member_path(media_root, member.name[len(MEDIA_PREFIX) :])
            path.parent.mkdir(parents=True, exist_ok=True)
            with archive.extractfile(member) as source, path.open("wb") as handle:
                shutil.copyfileobj(source, handle, CHUNK)

    # The phase bar is cached under each organizer's stamp, which a restore moves back
    # to numbers already used: nothing cached before the restore may be served after it.
    try:
        caches[settings.FRAGMENT_CACHE].clear()
    except Exception:  # an unreachable cache holds nothing a web process could read
        logger.warning("the fragment cache was not cleared after the restore", exc_info=True)
    verify(report, alias=alias)
    return report


def verify(report: RestoreReport, *, alias: str = DEFAULT_DB_ALIAS) -> None:
    """What landed against the manifest: row counts, migrations, media files."""
    manifest = report.manifest
    with connections[alias].cursor() as cursor:
        counts = _counts(cursor)
        applied = _applied(cursor)
    for table, expected in manifest["tables"].items():
        found = counts.get(table)
        if found != expected:
            report.problems.append(
                f"Số dòng khác / row count differs: {table} {found} ≠ {expected}"
            )
    applied_names = {f"{app}.{name}" for app, name in applied}
    for head in manifest["migration_heads"]:
        if head not in applied_names:
            report.problems.append(f"Thiếu migration / migration missing: {head}")
    unapplied = {f"{app}.{name}" for app, name in _code_heads()} - applied_names
    if unapplied:
        report.notes.append(
            "Mã nguồn mới hơn bản sao lưu: chạy `manage.py migrate`. / The code is newer "
            f"than the backup: run `manage.py migrate` ({', '.join(sorted(unapplied))})."
        )
    media_root = Path(settings.MEDIA_ROOT)
    for relative, expected in manifest["media"].items():
        path = _safe_member_path(media_root, relative)
        if not path.is_file():
            report.problems.append(f"Thiếu tệp / file missing: {relative}")
            continue
        if _sha256_file(path) != (expected["sha256"], expected["size"]):
            report.problems.append(f"Sai SHA-256 / checksum mismatch: {relative}")


def summary(report: RestoreReport) -> list[str]:
    manifest = report.manifest
    tables = manifest["tables"]
    lines = [
        f"Bản sao lưu / backup: {report.archive.name} "
        f"(tạo lúc / created {manifest['created_at']}, từ / from {manifest['database']})",
        f"Khôi phục vào / restored into: {report.database}",
        f"Bảng / tables: {len(tables)}, dòng / rows: {sum(tables.values())}",
    ]
    lines += [f"  {label}: {tables[t]}" for t, label in KEY_TABLES.items() if t in tables]
    lines.append(f"Tệp / media files: {len(manifest['media'])}")
    lines += report.notes
    if report.ok:
        lines.append(
            "Kiểm tra xong: số dòng, migration và SHA-256 của mọi tệp đều khớp. / "
            "Verified: row counts, migrations and every file's SHA-256 match."
        )
    else:
        lines.append("KHÔNG KHỚP / MISMATCH:")
        lines += [f"  {problem}" for problem in report.problems]
    return lines
