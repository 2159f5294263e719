"""No English on any page a user meets (issue 9).

Every URL of tests/url_matrix.py that answers 200 HTML to a GET is read as the board,
the head's officer, a member officer and a member leader (and the public pages
anonymously). The text a user sees — text nodes outside scripts and styles, plus the
``title``, ``placeholder``, ``aria-label`` and ``alt`` attributes and the ``value`` of
buttons — must hold:

- no msgid of the Vietnamese catalogue (one whose Vietnamese differs) as a whole text;
- none of the common English interface words of ``ENGLISH_WORDS`` as a word;
- no English date names ("Nov.", "a.m.", "p.m.", month and day names), no ISO date
  (yyyy-mm-dd) and no decimal point (95.50) where Vietnamese writes dd/mm/yyyy and 95,50.

The API's browsable pages and Swagger, and Django's admin, are for developers and the
system administrator, not the officials: left out, by name, below. The language switch
still gives English: one page is read in English.
"""

from __future__ import annotations

import re
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from tests.test_url_matrix import PATTERNS, _expected, _path
from tests.url_matrix import ARGS, MATRIX, PERSONAS, build_objects

pytestmark = pytest.mark.sweep  # see pyproject.toml

READERS = ("anonymous", "board", "head_officer", "member_officer", "member_leader")

# Pages for developers and the system administrator, in English on purpose.
NOT_FOR_OFFICIALS = ("api-", "admin:")

# Common English interface words: none may appear as a word of what a user sees.
ENGLISH_WORDS = {
    "Save",
    "Cancel",
    "Submit",
    "Delete",
    "Edit",
    "Back",
    "Next",
    "Previous",
    "Search",
    "Login",
    "Log in",
    "Logout",
    "Log out",
    "Yes",
    "No",
    "required",
    "This field",
    "Select",
    "Choose",
    "Page",
    "of",
    "the",
    "and",
    "None",
    "True",
    "False",
    "Unknown",
    "Close",
    "Filter",
    "Download",
    "Upload",
    "Add",
    "Remove",
    "Clear",
    "Currently",
    "Change",
    "Show",
    "Hide",
    "Loading",
    "Error",
    "Warning",
    "Success",
    "Home",
    "Dashboard",
    "Settings",
    "Name",
    "Date",
    "Status",
    "Total",
    "Score",
    "Details",
    "Actions",
    "Notifications",
    "Password",
    "Username",
    "January",
    "February",
    "March",
    "April",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
    "midnight",
    "noon",
}

# Words a Vietnamese page may carry: names of formats and standards, the language
# switch's own entry for English, units and abbreviations used in Vietnamese.
ALLOWED_TEXTS: set[str] = set()
ALLOWED_WORDS = {"PDF", "Excel", "API", "Email", "E-mail", "QR", "SHA-256", "PAdES", "USB"}

DATE_NAMES = re.compile(
    r"\b(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.(?:\s|$)|\b[ap]\.m\.|"
    r"\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun),\s"
)
ISO_DATE = re.compile(r"\b(?:19|20)\d\d-[01]\d-[0-3]\d\b")
DECIMAL_POINT = re.compile(r"(?<![\d.,/])\d+\.\d{1,2}(?![\d.])")

ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")


class VisibleText(HTMLParser):
    """The texts a user sees, each with where it was found."""

    SKIP = {"script", "style", "template", "svg"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[tuple[str, str]] = []
        self.stack: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        attributes = dict(attrs)
        if tag in self.SKIP:
            self.skipping += 1
        elif tag not in ("br", "img", "input", "meta", "link", "hr", "source", "wbr"):
            self.stack.append(tag)
        for name in ATTRIBUTES:
            if attributes.get(name):
                self.texts.append((f"<{tag} {name}>", attributes[name]))
        is_button = tag == "button" or (
            tag == "input" and attributes.get("type") in ("submit", "button", "reset")
        )
        if is_button and attributes.get("value"):
            self.texts.append((f"<{tag} value>", attributes["value"]))

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif self.stack and tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        if self.skipping:
            return
        text = " ".join(data.split())
        if text:
            self.texts.append((f"<{self.stack[-1] if self.stack else ''}>", text))


def visible_texts(html: str) -> list[tuple[str, str]]:
    parser = VisibleText()
    parser.feed(html)
    return parser.texts


@cache
def catalogue_msgids() -> frozenset[str]:
    """English msgids whose Vietnamese differs, worth looking for as a whole text."""
    po = polib.pofile(str(Path(django_settings.BASE_DIR) / "locale/vi/LC_MESSAGES/django.po"))
    found = set()
    for entry in po:
        if entry.obsolete or entry.msgid_plural:
            continue
        text = " ".join(entry.msgid.split())
        if not re.search(r"[A-Za-z]{2}", text) or entry.msgstr == entry.msgid:
            continue
        found.add(text)
    return frozenset(found)


WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")


def english_in(text: str) -> str:
    """Why ``text`` is English, or ``""``."""
    if text in ALLOWED_TEXTS:
        return ""
    if text in catalogue_msgids():
        return "catalogue msgid"
    stripped = text.strip(" .:;,!?()…–-")
    if stripped in ENGLISH_WORDS and stripped not in ALLOWED_WORDS:
        return f"English word {stripped!r}"
    words = [w for w in WORD.findall(text) if w not in ALLOWED_WORDS]
    for phrase in ENGLISH_WORDS:
        if " " in phrase and re.search(rf"\b{re.escape(phrase)}\b", text):
            return f"English phrase {phrase!r}"
    for word in words:
        if word in ENGLISH_WORDS:
            return f"English word {word!r}"
    if DATE_NAMES.search(text):
        return "English date name"
    if ISO_DATE.search(text):
        return "ISO date (dd/mm/yyyy expected)"
    if DECIMAL_POINT.search(text):
        return "decimal point (decimal comma expected)"
    return ""


def test_the_checker_finds_english():
    assert english_in("Save") and english_in("Page 1 of 3") and english_in("This field")
    assert english_in("Nov. 22, 2026, 3 p.m.") and english_in("2026-11-22")
    assert english_in("95.50 điểm")
    assert english_in("Skip to content")  # a msgid of the catalogue
    assert not english_in("Lưu") and not english_in("Tải PDF") and not english_in("22/11/2026")
    assert not english_in("95,50 điểm") and not english_in("1.250 tỷ đồng")
    texts = visible_texts(
        '<p>Xin chào<script>var x = "Save";</script></p>'
        '<input type="submit" value="Submit"><input name="q" value="Search">'
        '<a title="Back" href="#">Về</a>'
    )
    assert ("<input value>", "Submit") in texts and ("<a title>", "Back") in texts
    assert all(text != "Save" and text != "Search" for _where, text in texts)


def pages_for(persona: str, ours) -> list[str]:  # type: ignore[no-untyped-def]
    index = PERSONAS.index(persona)
    paths = []
    for name, _route, with_format in PATTERNS:
        if name.startswith(NOT_FOR_OFFICIALS):
            continue
        args_kind, line = MATRIX[name]
        expected, _foreign = _expected(line)
        if expected[index] != "200":
            continue
        paths.append(_path(name, ARGS[args_kind](ours), with_format))
    return paths


def test_no_english_on_any_page(world, settings):
    settings.AXES_ENABLED = False
    ours = build_objects(world)
    found: list[str] = []
    read = 0
    for persona in READERS:
        client = Client()
        if persona != "anonymous":
            client.force_login(world.personas()[persona])
        for path in pages_for(persona, ours):
            response = client.get(path)
            content_type = response.get("Content-Type", "")
            if response.status_code != 200 or response.streaming:
                continue
            if not content_type.startswith("text/html"):
                continue
            read += 1
            html = response.content.decode()
            assert '<html lang="vi">' in html, path
            for where, text in visible_texts(html):
                why = english_in(text)
                if why:
                    found.append(f"{persona:15} {path:48} {where:22} {why}: {text[:90]!r}")
    assert read >= 150, read
    unique = sorted(set(found))
    assert not unique, f"{len(unique)} English texts on the pages:\n" + "\n".join(unique)


def test_the_language_switch_gives_english(world, client_for, settings):
    client = client_for(world.board)
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    html = client.get(reverse("dashboard")).content.decode()
    assert '<html lang="en">' in html
    assert "Skip to content" in html and "Dashboard" in html
    client.post(reverse("set_language"), {"language": "vi", "next": "/"})
    html = client.get(reverse("dashboard")).content.decode()
    assert '<html lang="vi">' in html and "Chuyển đến nội dung" in html
