from __future__ import annotations

from django.core.management.base import BaseCommand

from clusters.demo import load_demo


class Command(BaseCommand):
    help = "Load the demo organizers, units, clusters and accounts (safe to run twice)."

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        if load_demo():
            self.stdout.write(self.style.SUCCESS("Demo data loaded (password: demo12345)."))
        else:
            self.stdout.write("Demo data already present.")
