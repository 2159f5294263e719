"""The interface is Vietnamese by default and the catalogue is whole."""

from __future__ import annotations

import polib
import pytest
from django.conf import settings

from core import i18n_tools


def test_every_message_has_a_vietnamese_translation():
    assert i18n_tools.untranslated() == []


def _translations(entries) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """msgid → its Vietnamese text (the one form of a plural entry)."""
    result = {}
    for entry in entries:
        text = entry.msgstr_plural.get(0, "") if entry.msgid_plural else entry.msgstr
        if entry.msgid and text:
            result[entry.msgid] = text
    return result


def test_the_compiled_catalogue_matches_the_source():
    source = _translations(polib.pofile(str(i18n_tools.LOCALE / "django.po")))
    compiled = _translations(polib.mofile(str(i18n_tools.LOCALE / "django.mo")))
    assert compiled == source, "run `make messages` and commit locale/vi/LC_MESSAGES/django.mo"


@pytest.mark.django_db
def test_pages_are_vietnamese_whatever_the_browser_asks(client):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    page = response.content.decode()
    assert '<html lang="vi">' in page
    assert "Đăng nhập" in page
    assert response["Content-Language"] == "vi"


@pytest.mark.django_db
def test_english_is_one_switch_away(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    page = client.get("/accounts/login/").content.decode()
    assert '<html lang="en">' in page
    assert "Log in" in page
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
