"""``manage.py restore ARCHIVE [--yes] [--force]``: restore a backup of
``manage.py backup`` into the configured, EMPTY database and MEDIA_ROOT, then check
every row count and every file against its manifest (core/backup.py)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from core import backup


class Command(BaseCommand):
    help = "Restore a backup into the configured empty PostgreSQL database and MEDIA_ROOT."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("archive", help="The .tar written by manage.py backup.")
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Overwrite a database that has tables and a MEDIA_ROOT that has files.",
        )

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        confirm = None if options["yes"] else self.confirm
        try:
            report = backup.restore(options["archive"], force=options["force"], confirm=confirm)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        for line in backup.summary(report):
            self.stdout.write(line)
        if not report.ok:
            raise CommandError(
                f"Khôi phục không khớp bản sao lưu / the restore does not match the backup: "
                f"{len(report.problems)}"
            )

    def confirm(self, manifest, database) -> bool:  # type: ignore[no-untyped-def]
        self.stdout.write(
            f"Khôi phục bản sao lưu ngày {manifest['created_at']} (từ {manifest['database']}) "
            f"vào cơ sở dữ liệu {database}? / Restore the backup of {manifest['created_at']} "
            f"(from {manifest['database']}) into database {database}?"
        )
        try:
            answer = input("Gõ 'yes' để tiếp tục / type 'yes' to continue: ")
        except EOFError:
            return False
        return answer.strip().lower() == "yes"
