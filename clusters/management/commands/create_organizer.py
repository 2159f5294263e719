"""``manage.py create_organizer``: a new organizer and its first board account, for the
first start of a server (docs/operations.md).

It goes through the same form checks and services as the superuser's page
/organizer/new/ and the board's People page (``organizer_create``, ``user_create``),
so both are written to the activity log; the actor is empty, as for any command. One
transaction: if the account cannot be made, no organizer is left behind.

The password is asked twice at the terminal, or read from the environment variable
named by ``--password-from-env`` (for scripts; never on the command line).
"""

from __future__ import annotations

import getpass
import os
import sys

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from clusters.forms.organizer import OrganizerForm
from clusters.models import Organizer, Profile
from clusters.services import organizer_create, user_create

LEVELS = [choice.value for choice in Organizer.Level]


def _errors(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return " ".join(message for messages in exc.message_dict.values() for message in messages)
    return " ".join(exc.messages)


class Command(BaseCommand):
    def create_parser(self, prog_name, subcommand, **kwargs):  # type: ignore[no-untyped-def]
        # Django runs commands with translations off: the help is in the site's language.
        with translation.override(settings.LANGUAGE_CODE):
            self.help = _(
                "Create an organizer and its first board account (the password is asked for, "
                "or read from the environment variable given by --password-from-env)."
            )
            return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument(
            "--name",
            required=True,
            help=_("Full name, e.g. “Hội đồng Thi đua - Khen thưởng tỉnh Bắc Ninh”."),
        )
        parser.add_argument(
            "--level", required=True, choices=LEVELS, help=_("Level of the organizer.")
        )
        parser.add_argument(
            "--parent-body",
            required=True,
            help=_("Printed above the issuing body, e.g. “UBND TỈNH BẮC NINH”."),
        )
        parser.add_argument(
            "--issuing-body",
            default="HỘI ĐỒNG THI ĐUA - KHEN THƯỞNG",
            help=_("The issuing body in documents (default: %(default)s)."),
        )
        parser.add_argument(
            "--place-name",
            required=True,
            help=_("Place name of document date lines, e.g. “Bắc Ninh”."),
        )
        parser.add_argument(
            "--username", required=True, help=_("Log-in name of the board account.")
        )
        parser.add_argument("--full-name", required=True, help=_("Full name of the board account."))
        parser.add_argument("--email", default="", help=_("E-mail of the account."))
        parser.add_argument("--position", default="", help=_("Position, e.g. “Chuyên viên”."))
        parser.add_argument(
            "--password-from-env",
            metavar="VARIABLE",
            default="",
            help=_("Read the password from this environment variable instead of asking for it."),
        )

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        with translation.override(settings.LANGUAGE_CODE):
            return self._handle(options)

    def _password(self, options) -> str:  # type: ignore[no-untyped-def]
        variable = options["password_from_env"]
        if variable:
            password = os.environ.get(variable, "")
            if not password:
                raise CommandError(
                    _("The environment variable %(name)s is not set or empty.") % {"name": variable}
                )
            return password
        if not sys.stdin.isatty():
            raise CommandError(
                _("No terminal to ask for the password: use --password-from-env VARIABLE.")
            )
        password = getpass.getpass(_("Password: "))
        if password != getpass.getpass(_("Password (again): ")):
            raise CommandError(_("The two passwords differ."))
        if not password:
            raise CommandError(_("The password must not be empty."))
        return password

    def _handle(self, options) -> None:  # type: ignore[no-untyped-def]
        form = OrganizerForm(
            data={
                "name": options["name"],
                "level": options["level"],
                "parent_body": options["parent_body"],
                "issuing_body": options["issuing_body"],
                "place_name": options["place_name"],
            }
        )
        if not form.is_valid():
            raise CommandError(
                " ".join(
                    f"{form.fields[field].label}: {' '.join(errors)}"
                    for field, errors in form.errors.items()
                )
            )
        password = self._password(options)
        try:
            with transaction.atomic():
                organizer = organizer_create(actor=None, **form.cleaned_data)
                user = user_create(
                    actor=None,
                    username=options["username"],
                    password=password,
                    full_name=options["full_name"],
                    email=options["email"],
                    role=Profile.Role.BOARD,
                    organizer=organizer,
                    position=options["position"],
                )
        except ValidationError as exc:
            raise CommandError(_errors(exc)) from None
        self.stdout.write(
            _("Created the organizer “%(organizer)s” and its board account “%(username)s”.")
            % {"organizer": organizer.name, "username": user.get_username()}
        )
