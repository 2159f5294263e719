"""``manage.py api_token <username> [--rotate]``: print the user's API key (made on
first use); ``--rotate`` replaces it, so whatever used the old key stops working."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from rest_framework.authtoken.models import Token

from clusters.api import api_key_rotate


class Command(BaseCommand):
    help = "Print a user's API key for /api/v1/ (made on first use); --rotate replaces it."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("username")
        parser.add_argument("--rotate", action="store_true", help="Replace the key.")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        model = get_user_model()
        try:
            user = model.objects.get(**{model.USERNAME_FIELD: options["username"]})
        except model.DoesNotExist:
            raise CommandError(f"No user named {options['username']!r}.") from None
        if not user.is_active:
            raise CommandError(f"The user {options['username']!r} is not active.")
        token = Token.objects.filter(user=user).first()
        if token is None or options["rotate"]:
            token = api_key_rotate(actor=user)
        self.stdout.write(token.key)
