"""``manage.py backup [--output DIR]``: the PostgreSQL database and the media files in
one archive with a manifest (core/backup.py)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from core import backup


class Command(BaseCommand):
    help = "Back up the PostgreSQL database (pg_dump -Fc) and MEDIA_ROOT into one .tar."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument(
            "--output", default="var/backups", help="Directory for the archive (var/backups)."
        )

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        try:
            path = backup.backup(options["output"])
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        manifest = backup.read_manifest(path)
        tables = manifest["tables"]
        self.stdout.write(f"Đã sao lưu / backed up: {path}")
        self.stdout.write(
            f"  {manifest['database']}: {len(tables)} bảng / tables, "
            f"{sum(tables.values())} dòng / rows; {len(manifest['media'])} tệp / media files"
        )
        for table, label in backup.KEY_TABLES.items():
            if table in tables:
                self.stdout.write(f"  {label}: {tables[table]}")
