"""Attack inputs in every user-typed field that reaches an official document (issue 7,
"Files and documents").

Every field listed in ``DOCUMENT_FIELDS`` gets hostile text (``ATTACKS``: markup, URLs
the renderer must never fetch, template syntax, bidi overrides, invisible characters,
decomposed Vietnamese, a word with no space in it), stored the way the app stores it
(services where they exist, otherwise the factories / model managers the other tests
use). Each kind of document is then rendered once, with every attack in it at once, and
the test checks:

- the render succeeds and the page count stays sane (the long word wraps);
- WeasyPrint gets the HTML from ``core.documents.render`` with the locked-down fetcher,
  and the HTML holds the attacks escaped (no <script>, <img>, <link>, <style>, <h1>);
- the fetchers (``SafeURLFetcher``, the signature stamp's ``StampFetcher``) are asked
  for nothing but the app's static files and data: URIs;
- the PDF's text holds every attack as literal text; no SECRET_KEY, no template output;
- the web pages of the same objects show the attacks escaped too (no field is rich
  text: the templates and the code have no ``|safe``, ``mark_safe``, markdown, bleach or
  nh3 — ``test_no_user_text_is_rendered_as_html`` keeps it so).

A field shorter than all the attacks together gets as many as fit (each field starts
at a different attack, so every attack lands in fields of every length), and the long
word is cut to what the field holds: a field is never given more than the app stores.
``attack_figures()`` counts fields × attacks per kind (the figures for docs/reliability.md).
"""

from __future__ import annotations

import ast
import datetime as dt
import re
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from clusters.models import Profile
from core.documents import render as render_module
from core.documents.fetcher import DOCUMENT_ORIGIN, SafeURLFetcher, safe_fetcher
from core.documents.jobs import job_request
from core.documents.signing import StampFetcher
from core.models import JobState
from covenants.models import (
    ConferenceGuest,
    Covenant,
    CovenantSection,
    CovenantState,
    Target,
    TargetValue,
)
from tests.factories import make_user

pytestmark = [pytest.mark.django_db, pytest.mark.sweep]  # sweep: see pyproject.toml

# --- the attacks ------------------------------------------------------------------------

LONG_WORD = "Thiđua" * 500  # 3.000 characters, no space
RTL_TEXT = "\u202egnp.exe"  # right-to-left override, never closed
ATTACKS: dict[str, str] = {
    "script": "<script>alert(1)</script>",
    "img_file": '<img src="file:///etc/passwd">',
    "link_metadata": '<link rel=stylesheet href="http://169.254.169.254/x.css">',
    "style_import": "<style>@import url(http://evil.example/a.css)</style>",
    "table_break": "</td></tr></table><h1>X</h1>",
    "template_var": "{{ settings.SECRET_KEY }}",
    "template_tag": "{% debug %}",
    "css_url": "url(file:///etc/passwd)",
    "rtl_override": RTL_TEXT,
    "zero_width": "ẩn\u200bgiữa\u200c\u200d\ufeffchữ",
    "decomposed_vi": unicodedata.normalize("NFD", "Nguyễn Thị Hường"),
    "long_word": LONG_WORD,
}
# URLs that appear in the attacks: none may ever reach a fetcher.
FORBIDDEN_URL_PARTS = ("file:", "169.254.169.254", "evil.example", "/etc/passwd")

# --- the fields -------------------------------------------------------------------------
# Every user-typed field that reaches a document, with the length the app stores
# (None: a text field without a limit). Names are "model.field".

FIELD_LIMITS: dict[str, int | None] = {
    "organizer.name": 200,
    "organizer.parent_body": 200,
    "organizer.issuing_body": 200,
    "organizer.place_name": 100,
    "cluster.name": 200,
    "unit.name": 200,
    "unit.short_name": 100,
    "unit.leader_title": 120,
    "user.first_name": 150,
    "user.last_name": 150,
    "profile.position": 150,
    "covenant.number": 60,
    "covenant.place_name": 100,
    "covenant.legal_bases": None,
    "covenant.conference_place": 200,
    "covenant.chair_name": 150,
    "covenant.chair_position": 200,
    "covenant.theme": None,
    "covenant.preamble": None,
    "covenant.closing": None,
    "covenant_section.heading": 300,
    "covenant_section.body": None,
    "conference_guest.name": 150,
    "conference_guest.position": 300,
    "target.indicator": 400,
    "target.measure": 60,
    "signature.signer_name": 150,  # copied from the signer's user name at signing
    "signature.signer_position": 200,  # copied from the signer's profile position
    "rubric.description": None,
    "rubric.change_note": None,
    "criterion.code": 30,
    "criterion.title": 500,
    "ballot.head_decision_reason": None,
    "deliberation.place": 300,
    "deliberation.chaired_by": 200,
    "deliberation.secretary": 200,
    "deliberation.guests": None,
    "deliberation.proceedings": None,
    "deliberation.conclusions": None,
    "nomination.number": 60,
    "nomination.summary": None,
    "nominee.reason": None,
    "nomination_document.title": 300,
    "job.params.body": None,  # the engine's example document
}

UNIT_FIELDS = ["unit.name", "unit.short_name"]
HEADER = ["organizer.parent_body", "cluster.name"]
LEADER = ["user.first_name", "user.last_name", "profile.position", "unit.leader_title"]

# What reaches each kind of document (read from its context builder and template).
DOCUMENT_FIELDS: dict[str, list[str]] = {
    "example": ["job.params.body"],
    "covenant": [
        *HEADER,
        "organizer.name",
        *UNIT_FIELDS,
        "unit.leader_title",
        "user.first_name",
        "user.last_name",
        "profile.position",
        "covenant.number",
        "covenant.place_name",
        "covenant.legal_bases",
        "covenant.conference_place",
        "covenant.chair_name",
        "covenant.chair_position",
        "covenant.theme",
        "covenant.preamble",
        "covenant.closing",
        "covenant_section.heading",
        "covenant_section.body",
        "conference_guest.name",
        "conference_guest.position",
        "target.indicator",
        "target.measure",
    ],
    "covenant_signed": [
        *HEADER,
        "organizer.name",
        *UNIT_FIELDS,
        "covenant.number",
        "covenant.place_name",
        "covenant.legal_bases",
        "covenant.conference_place",
        "covenant.chair_name",
        "covenant.chair_position",
        "covenant.theme",
        "covenant.preamble",
        "covenant.closing",
        "covenant_section.heading",
        "covenant_section.body",
        "conference_guest.name",
        "conference_guest.position",
        "target.indicator",
        "target.measure",
        "signature.signer_name",
        "signature.signer_position",
    ],
    "rubric": [
        *HEADER,
        "organizer.name",
        "unit.name",
        *LEADER,
        "rubric.description",
        "rubric.change_note",
        "criterion.code",
        "criterion.title",
        "target.indicator",
    ],
    "score_summary": [*HEADER, "organizer.name", "unit.name", *LEADER, "criterion.title"],
    "ballot_minutes": [
        *HEADER,
        "organizer.name",
        "unit.name",
        *LEADER,
        "ballot.head_decision_reason",
        "deliberation.chaired_by",
        "deliberation.secretary",
    ],
    "deliberation_minutes": [
        *HEADER,
        "organizer.name",
        "unit.name",
        "ballot.head_decision_reason",
        "deliberation.place",
        "deliberation.chaired_by",
        "deliberation.secretary",
        "deliberation.guests",
        "deliberation.proceedings",
        "deliberation.conclusions",
    ],
    "nomination_submission": [
        "cluster.name",
        "organizer.name",
        "unit.name",
        *LEADER,
        "nomination.number",
        "nomination.summary",
        "nominee.reason",
        "nomination_document.title",
    ],
    "award_list": [
        "organizer.parent_body",
        "organizer.issuing_body",
        "organizer.place_name",
        "cluster.name",
        "unit.name",
    ],
}

ORDER = list(ATTACKS)


# Fields the attacked world holds more than once (four member units and their leaders,
# the rubric's criteria): each copy starts at a different attack and has a tag of its
# own ("U1", "U2"…) where the app wants the values distinct.
COPIES = {
    "unit.name": 4,
    "unit.short_name": 4,
    "unit.leader_title": 4,
    "user.last_name": 4,
    "criterion.code": 9,
    "criterion.title": 9,
}
TAGS = {"unit.name": "U", "unit.short_name": "S", "user.last_name": "L", "criterion.code": "C"}


def payload(field: str, copy: int = 0) -> tuple[str, list[str]]:
    """The hostile text for ``field`` and the attacks in it: as many as fit in the
    field's length, starting at an attack of its own; the long word is cut to fit."""
    tag = f"{TAGS[field]}{copy + 1}" if field in TAGS else ""
    limit = FIELD_LIMITS[field]
    rest = ORDER[1:]  # "script" first everywhere: every document must escape it
    start = (list(FIELD_LIMITS).index(field) + 3 * copy) % len(rest)
    order = [ORDER[0], *rest[start:], *rest[:start]]
    parts, used = [tag] if tag else [], []
    length = len(tag)
    for name in order:
        text = ATTACKS[name]
        room = None if limit is None else limit - length - (1 if parts else 0)
        if name == "long_word" and room is not None and 20 <= room < len(text):
            text = text[:room]
        if room is not None and len(text) > room:
            continue
        parts.append(text)
        used.append(name)
        length += len(text) + (1 if len(parts) > 1 else 0)
    value = " ".join(parts)
    assert limit is None or len(value) <= limit, (field, len(value))
    return value, used


def attacks_in(field: str) -> set[str]:
    """The attacks ``field`` holds in the attacked world (in any of its copies)."""
    return {name for copy in range(COPIES.get(field, 1)) for name in payload(field, copy)[1]}


def attack_figures() -> dict[str, tuple[int, int]]:
    """Per kind: (fields, field × attack pairs tried)."""
    return {
        kind: (len(fields), sum(len(attacks_in(field)) for field in fields))
        for kind, fields in DOCUMENT_FIELDS.items()
    }


# --- looking at what was rendered -------------------------------------------------------


def pdftotext(pdf: bytes, *args: str) -> str:
    executable = shutil.which("pdftotext")
    assert executable, "pdftotext (poppler-utils) is needed by this test"
    result = subprocess.run(  # noqa: S603 - fixed tool and arguments, the PDF on stdin
        [executable, *args, "-", "-"], input=pdf, capture_output=True, check=True
    )
    return result.stdout.decode()


def squeeze(text: str) -> str:
    """NFC, no white space and no invisible format characters, case-free: what a
    reader sees, however the line breaks fell."""
    text = unicodedata.normalize("NFC", text)
    return "".join(c for c in text if not c.isspace() and unicodedata.category(c) != "Cf").lower()


def printed(attack: str, text: str) -> bool:
    """``attack`` is in the squeezed PDF text, in reading order (a right-to-left
    override must not turn it, or what follows it, backwards)."""
    return squeeze(attack) in text


FURNITURE = re.compile(r"^(\d+|DỰ|THẢO|DỰ THẢO|Mã xác thực văn bản:.*|Kiểm tra tại:.*|QR)$")


def without_page_furniture(raw: str) -> str:
    """The text without what every page repeats (page number, draft mark, verification
    code), which pdftotext puts in the middle of a paragraph that runs over a page."""
    return "\n".join(line for line in raw.splitlines() if not FURNITURE.match(line.strip()))


@dataclass
class Spy:
    urls: list[str]
    stamp_urls: list[str]
    html: list[str]
    fetchers: list[Any]


@pytest.fixture
def spy(monkeypatch) -> Spy:  # type: ignore[no-untyped-def]
    """Records every URL the document fetchers are asked for and every HTML string
    WeasyPrint is given by core.documents.render (and with which fetcher)."""
    found = Spy(urls=[], stamp_urls=[], html=[], fetchers=[])
    safe_fetch, stamp_fetch = SafeURLFetcher.fetch, StampFetcher.fetch

    def record_safe(self, url, headers=None):  # type: ignore[no-untyped-def]
        found.urls.append(url)
        return safe_fetch(self, url, headers)

    def record_stamp(self, url, headers=None):  # type: ignore[no-untyped-def]
        found.stamp_urls.append(url)
        return stamp_fetch(self, url, headers)

    real_html = render_module.HTML

    def html(*args, **kwargs):  # type: ignore[no-untyped-def]
        found.html.append(kwargs.get("string", ""))
        found.fetchers.append(kwargs.get("url_fetcher"))
        return real_html(*args, **kwargs)

    monkeypatch.setattr(SafeURLFetcher, "fetch", record_safe)
    monkeypatch.setattr(StampFetcher, "fetch", record_stamp)
    monkeypatch.setattr(render_module, "HTML", html)
    return found


def rendered(kind: str, obj: Any, spy: Spy, **params: Any) -> tuple[bytes, str]:
    """The document rendered by the job engine (inline in tests): its PDF and HTML."""
    before = len(spy.html)
    job = job_request(actor=None, kind=kind, obj=obj, scope_id=None, params=params or None)
    job.refresh_from_db()
    assert job.state == JobState.DONE, (kind, job.error)
    assert len(spy.html) == before + 1, f"{kind}: not rendered through core.documents.render"
    assert spy.fetchers[-1] is safe_fetcher, f"{kind}: rendered without the safe fetcher"
    with job.file.open("rb") as handle:
        return handle.read(), spy.html[-1]


STATIC_PREFIX = f"{DOCUMENT_ORIGIN}{settings.STATIC_URL}"


def problems_of(kind: str, pdf: bytes, html: str, spy: Spy) -> list[str]:
    """Everything wrong with one rendered document (empty when it is sound)."""
    problems: list[str] = []
    lowered = html.lower()
    for tag in ("<script", '<img src="file', '<link rel=stylesheet href="http', "<style>@import"):
        if tag in lowered:
            problems.append(f"{kind}: the HTML holds {tag!r} unescaped")
    if "<h1" in lowered:
        problems.append(f"{kind}: an <h1> made it into the HTML")
    if "&lt;script&gt;alert(1)&lt;/script&gt;" not in html:
        problems.append(f"{kind}: the escaped <script> is not in the HTML")
    raw = pdftotext(pdf, "-raw")
    pages = raw.count("\f")
    if not 1 <= pages <= 40:
        problems.append(f"{kind}: {pages} pages")
    text = squeeze(without_page_furniture(raw))
    if settings.SECRET_KEY.lower() in text:
        problems.append(f"{kind}: the SECRET_KEY is in the PDF")
    for field in DOCUMENT_FIELDS[kind]:
        for name in sorted(attacks_in(field)):
            attack = ATTACKS[name]
            if name == "long_word" and FIELD_LIMITS[field] is not None:
                continue  # a cut word: checked whole where a field holds it whole
            if not printed(attack, text):
                problems.append(f"{kind}: {field} / {name} is not printed as text")
    for url in [*spy.urls, *spy.stamp_urls]:
        if any(part in url for part in FORBIDDEN_URL_PARTS):
            problems.append(f"{kind}: a fetcher was asked for {url[:80]}")
    for url in spy.urls:
        if not (url.startswith("data:") or url.startswith(STATIC_PREFIX)):
            problems.append(f"{kind}: the safe fetcher was asked for {url[:80]}")
    for url in spy.stamp_urls:
        if not (url.startswith("data:") or url.startswith("tinos-font:")):
            problems.append(f"{kind}: the stamp fetcher was asked for {url[:80]}")
    return sorted(set(problems))


def page_problems(client: Any, url: str, label: str) -> list[str]:
    response = client.get(url)
    if response.status_code != 200:
        return [f"{label}: status {response.status_code}"]
    page = response.content.decode()
    problems = []
    if "<script>alert(1)</script>" in page:
        problems.append(f"{label}: <script> unescaped on the page")
    if "<h1>X</h1>" in page or '<img src="file:///etc/passwd">' in page:
        problems.append(f"{label}: markup unescaped on the page")
    if "&lt;script&gt;alert(1)&lt;/script&gt;" not in page:
        problems.append(f"{label}: the escaped <script> is not on the page")
    return problems


# --- the attacked world -----------------------------------------------------------------


def attack_names_and_places(world) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Organizer, cluster and the member units get hostile names (saved as the
    factories save them: NamedModel.save puts the name in NFC)."""
    values: dict[str, str] = {}
    org = world.org
    for field in ("name", "parent_body", "issuing_body", "place_name"):
        value, _used = payload(f"organizer.{field}")
        setattr(org, field, value)
        values[f"organizer.{field}"] = value
    org.save()
    world.cluster.name, _used = payload("cluster.name")
    world.cluster.save()
    for index, unit in enumerate(
        [world.h_new, world.deputy_unit, world.member_unit, world.h_old], start=1
    ):
        copy = index - 1
        unit.name, _used = payload("unit.name", copy)
        unit.short_name, _used = payload("unit.short_name", copy)
        unit.leader_title, _used = payload("unit.leader_title", copy)
        unit.save()
    return values


def hostile_leaders(world) -> dict[int, Any]:  # type: ignore[no-untyped-def]
    """A leader for every member unit, with hostile names and positions."""
    people = {}
    for index, unit in enumerate(
        [world.h_new, world.deputy_unit, world.member_unit, world.h_old], start=1
    ):
        if unit == world.member_unit:
            user = world.member_leader
        else:
            user = make_user(f"leader{index}", role=Profile.Role.LEADER, unit=unit)
        user.first_name, _used = payload("user.first_name")
        user.last_name, _used = payload("user.last_name", index - 1)
        user.save(update_fields=["first_name", "last_name"])
        Profile.objects.filter(user=user).update(position=payload("profile.position")[0])
        people[unit.pk] = user
    return people


def hostile_covenant(world) -> Covenant:  # type: ignore[no-untyped-def]
    """A covenant with every text field hostile (as tests/test_covenant_workflow.py
    makes one: the drafting services write these fields as they are given)."""
    covenant = Covenant.objects.create(
        cluster_year=world.this_year,
        title="Giao ước thi đua năm 2024",
        number=payload("covenant.number")[0],
        place_name=payload("covenant.place_name")[0],
        theme=payload("covenant.theme")[0],
        legal_bases=payload("covenant.legal_bases")[0] + "\nKế hoạch số 15/KH-UBND",
        preamble=payload("covenant.preamble")[0],
        closing=payload("covenant.closing")[0],
        conference_date=dt.date(2024, 3, 5),
        conference_place=payload("covenant.conference_place")[0],
        chair_name=payload("covenant.chair_name")[0],
        chair_position=payload("covenant.chair_position")[0],
    )
    CovenantSection.objects.create(
        covenant=covenant,
        order=1,
        heading=payload("covenant_section.heading")[0],
        body=payload("covenant_section.body")[0],
    )
    ConferenceGuest.objects.create(
        covenant=covenant,
        order=1,
        name=payload("conference_guest.name")[0],
        position=payload("conference_guest.position")[0],
    )
    target = Target.objects.create(
        covenant=covenant,
        order=1,
        indicator=payload("target.indicator")[0],
        measure=payload("target.measure")[0],
    )
    for index, membership in enumerate(world.this_year.memberships.all(), start=1):
        TargetValue.objects.create(target=target, unit=membership.unit, value=Decimal(index))
    return covenant


def sign_everything(world, covenant, leaders):  # type: ignore[no-untyped-def]
    from covenants.services.signing import covenant_sign
    from covenants.services.workflow import (
        covenant_adopt,
        covenant_circulate,
        covenant_open_signing,
    )
    from tests.factories import PASSWORD
    from tests.test_covenant_workflow import signing_order_units

    for step in (covenant_circulate, covenant_adopt, covenant_open_signing):
        covenant = step(actor=world.board, covenant=covenant)
    for unit in signing_order_units(world):
        covenant_sign(
            actor=leaders[unit.pk], covenant=covenant, password=PASSWORD, ip_address="10.0.0.9"
        )
    covenant.refresh_from_db()
    assert covenant.state == CovenantState.SIGNED
    return covenant


# --- the tests --------------------------------------------------------------------------


def test_the_attack_table_covers_every_field_and_attack():
    figures = attack_figures()
    assert set(DOCUMENT_FIELDS) == {
        "example",
        "covenant",
        "covenant_signed",
        "rubric",
        "score_summary",
        "ballot_minutes",
        "deliberation_minutes",
        "nomination_submission",
        "award_list",
    }
    every_field = {field for fields in DOCUMENT_FIELDS.values() for field in fields}
    assert every_field == set(FIELD_LIMITS)
    # Every attack is tried in some field of every kind but the one-field example,
    # and a text field gets all of them.
    for kind, fields in DOCUMENT_FIELDS.items():
        tried = {name for field in fields for name in attacks_in(field)}
        assert tried == set(ATTACKS), (kind, set(ATTACKS) - tried)
    assert set(payload("covenant.preamble")[1]) == set(ATTACKS)
    assert all(pairs >= fields for fields, pairs in figures.values())


def test_every_kind_of_document_is_registered_here(world):
    from core.documents.registry import registered_kinds

    real = {kind for kind in registered_kinds() if not kind.startswith(("test-", "fault_"))}
    assert real == set(DOCUMENT_FIELDS)


def test_the_covenant_documents_print_attacks_as_text(world, spy, client_for):
    attack_names_and_places(world)
    leaders = hostile_leaders(world)
    covenant = hostile_covenant(world)
    problems: list[str] = []
    pdf, html = rendered("covenant", covenant, spy)
    problems += problems_of("covenant", pdf, html, spy)
    covenant = sign_everything(world, covenant, leaders)
    spy.urls.clear()
    pdf, html = rendered("covenant_signed", covenant, spy)
    assert spy.stamp_urls, "the signed covenant's stamp was not drawn"
    problems += problems_of("covenant_signed", pdf, html, spy)
    spy.urls.clear()
    spy.stamp_urls.clear()
    pdf, html = rendered("example", covenant, spy, body=payload("job.params.body")[0])
    problems += problems_of("example", pdf, html, spy)
    problems += page_problems(
        client_for(world.board), reverse("covenant_detail", args=[covenant.pk]), "covenant page"
    )
    assert problems == [], "\n".join(problems)


def test_the_scoring_documents_print_attacks_as_text(world, spy, client_for):
    from scoring import (
        documents_awards,
        documents_ballots,
        documents_deliberations,
        documents_nominations,
        documents_reports,
    )
    from scoring.models import Nomination, NominationDocument, Nominee, Rubric
    from scoring.services import nominations as nomination_services
    from scoring.services.ballots import ballot_record_decision
    from scoring.services.deliberations import deliberation_save
    from tests.scoring_world import scoring_world
    from tests.test_scoring_deliberation import meeting_fields, unsettled_ballot

    for module in (
        documents_awards,
        documents_ballots,
        documents_deliberations,
        documents_nominations,
        documents_reports,
    ):
        module.register()
    attack_names_and_places(world)
    hostile_leaders(world)
    sw = scoring_world(world)
    Target.objects.filter(pk=sw.target.pk).update(indicator=payload("target.indicator")[0])
    Rubric.objects.filter(pk=sw.rubric.pk).update(
        description=payload("rubric.description")[0],
        change_note=payload("rubric.change_note")[0],
        version=2,
    )
    for copy, criterion in enumerate(sw.rubric.criteria.order_by("pk")):
        criterion.code = payload("criterion.code", copy)[0]
        criterion.title = payload("criterion.title", copy)[0]
        criterion.save(update_fields=["code", "title"])
    ballot = unsettled_ballot(world)
    ballot = ballot_record_decision(
        actor=world.head_officer,
        ballot=ballot,
        units=[world.h_new],
        reason=payload("ballot.head_decision_reason")[0],
        deputy_agreed=True,
    )
    hostile_meeting = {
        field: payload(f"deliberation.{field}")[0]
        for field in ("place", "chaired_by", "secretary", "guests", "proceedings", "conclusions")
    }
    deliberation_save(
        actor=world.head_officer, period=sw.period, **meeting_fields(world, **hostile_meeting)
    )
    nomination = Nomination.objects.create(
        period=sw.period,
        cluster_year=world.this_year,
        organizer_id=world.org.pk,
        year=2024,
        date=dt.date(2024, 12, 5),
    )
    nomination = nomination_services.nomination_update(
        actor=world.head_officer,
        nomination=nomination,
        number=payload("nomination.number")[0],
        date=dt.date(2024, 12, 5),
        summary=payload("nomination.summary")[0],
    )
    for order, (unit, award) in enumerate(
        [(world.h_new, Nominee.Award.FLAG), (world.member_unit, Nominee.Award.MERIT)], start=1
    ):
        Nominee.objects.create(
            nomination=nomination,
            unit=unit,
            award=award,
            rank=order,
            total=Decimal("90.5"),
            votes=3,
            order=order,
            reason=payload("nominee.reason")[0],
        )
    NominationDocument.objects.create(
        nomination=nomination,
        kind=NominationDocument.Kind.OTHER,
        title=payload("nomination_document.title")[0],
        file=ContentFile(b"%PDF-1.4\n%%EOF\n", name="tai-lieu.pdf"),
    )

    problems: list[str] = []
    for kind, obj, params in [
        ("rubric", sw.rubric, {}),
        ("score_summary", sw.period, {}),
        ("ballot_minutes", ballot, {}),
        ("deliberation_minutes", sw.period, {}),
        ("nomination_submission", nomination, {}),
    ]:
        spy.urls.clear()
        pdf, html = rendered(kind, obj, spy, **params)
        problems += problems_of(kind, pdf, html, spy)
    Nomination.objects.filter(pk=nomination.pk).update(
        state=Nomination.State.ACCEPTED, submitted_at=timezone.now()
    )
    spy.urls.clear()
    pdf, html = rendered("award_list", world.org, spy, year=2024)
    problems += problems_of("award_list", pdf, html, spy)

    pages = [
        ("rubric page", reverse("rubric_detail", args=[sw.rubric.pk])),
        ("ranking page", reverse("period_ranking", args=[sw.period.pk])),
        ("ballot result page", reverse("ballot_result", args=[ballot.pk])),
        ("deliberation page", reverse("deliberation_detail", args=[sw.period.pk])),
        ("nomination page", reverse("nomination_detail", args=[sw.period.pk])),
        ("board nominations page", reverse("board_nominations") + "?year=2024"),
    ]
    for label, url in pages:
        found = page_problems(client_for(world.board), url, label)
        if found and found[0].endswith(("403", "404")):
            found = page_problems(client_for(world.head_officer), url, label)
        problems += found
    assert problems == [], "\n".join(problems)


# --- every render goes through a locked fetcher; no field is rich text -------------------

ROOT = Path(__file__).resolve().parent.parent
APP_DIRS = ("clusters", "config", "core", "covenants", "scoring")
LOCKED_FETCHERS = {"safe_fetcher", "StampFetcher"}


def app_sources() -> list[Path]:
    return sorted(path for folder in APP_DIRS for path in (ROOT / folder).rglob("*.py"))


def test_every_weasyprint_document_is_given_a_locked_fetcher():
    """Every ``HTML(...)`` of WeasyPrint in the app names ``url_fetcher=`` the safe
    fetcher (or the stamp's, which serves only its fonts): WeasyPrint's default one
    would open file:// paths and any host."""
    calls = []
    for path in app_sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "HTML":
                fetcher = next((k.value for k in node.keywords if k.arg == "url_fetcher"), None)
                name = getattr(fetcher, "id", None) or getattr(
                    getattr(fetcher, "func", None), "id", None
                )
                calls.append((f"{path.relative_to(ROOT)}:{node.lineno}", name))
    assert len(calls) >= 3, calls  # render.py, signing.py, demo_results.py
    assert [call for call in calls if call[1] not in LOCKED_FETCHERS] == []


# scorecard_rows.py marks safe the scorecard rows its own (autoescaped) template rendered,
# and the library's options it escaped value by value (tests/test_scoring_library_options.py);
# context_processors.py the phase bar its (autoescaped) template rendered, kept in the cache.
ALLOWED_SAFE = (
    "# noqa: S308 - rendered by the template engine, escaped there",
    "# noqa: S308 - every value and label is escaped here",
)
MARKS_SAFE = ("scorecard_rows.py", "context_processors.py")
RICH_TEXT = re.compile(r"\|\s*safe\b|mark_safe|SafeString|markdown|bleach|nh3|autoescape\s+off")


def test_no_user_text_is_rendered_as_html():
    """No template or code turns text into HTML (so there is nothing to sanitise: user
    text is escaped everywhere, which the tests above check on the PDFs and pages)."""
    found = []
    templates = sorted((ROOT / "templates").rglob("*.html"))
    for path in [*templates, *app_sources()]:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if path.name in MARKS_SAFE and "import SafeString, mark_safe" in line:
                continue
            if path.name in MARKS_SAFE and "SafeString:" in line:
                continue
            if any(allowed in line for allowed in ALLOWED_SAFE) or "Never |safe" in line:
                continue
            if RICH_TEXT.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:80]}")
    assert found == []


# --- Excel: defusedxml, size caps, zip bombs, formula injection -------------------------

BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">'
    '<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">'
    '<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">'
    '<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">'
    '<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">'
    '<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">'
    '<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>'
    '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="2" '
    'uniqueCount="2"><si><t>Tên đơn vị</t></si><si><t>&lol9;</t></si></sst>'
)
EXTERNAL_ENTITY = (
    '<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="2" '
    'uniqueCount="2"><si><t>Tên đơn vị</t></si><si><t>&xxe;</t></si></sst>'
)


SST_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
PLAIN_STRINGS = (
    f'<?xml version="1.0"?><sst xmlns="{SST_NS}" count="2" uniqueCount="2">'
    "<si><t>Tên đơn vị</t></si><si><t>root</t></si></sst>"
)


def workbook_bytes() -> bytes:
    """A real .xlsx whose first sheet is "Tên đơn vị" over "root", both cells read
    from xl/sharedStrings.xml (as Excel writes text; openpyxl alone writes it inline)."""
    import io
    import zipfile

    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["x"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    parts = {name: source.read(name) for name in source.namelist()}
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>",
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
    )
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        b'<Relationship Id="rIdStrings" Type="http://schemas.openxmlformats.org/'
        b'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
        b"</Relationships>",
    )
    parts["xl/worksheets/sheet1.xml"] = (
        f'<?xml version="1.0"?><worksheet xmlns="{SST_NS}"><sheetData>'
        '<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
        '<row r="2"><c r="A2" t="s"><v>1</v></c></row></sheetData></worksheet>'
    ).encode()
    parts["xl/sharedStrings.xml"] = PLAIN_STRINGS.encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, content in parts.items():
            target.writestr(name, content)
    return out.getvalue()


def with_member(data: bytes, name: str, content: bytes | None, *, stream_mb: int = 0) -> bytes:
    """``data`` (an .xlsx) with ``name`` replaced by ``content``, or by ``stream_mb`` MB
    of one repeated XML row written in chunks (a zip bomb: a few hundred KB packed)."""
    import io
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for info in source.infolist():
            if info.filename != name:
                target.writestr(info, source.read(info.filename))
        if stream_mb:
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            with target.open(info, "w", force_zip64=True) as member:
                member.write(b'<?xml version="1.0"?><worksheet><sheetData>')
                chunk = b"<row><c><v>1</v></c></row>" * (1024 * 1024 // 26)
                for _ in range(stream_mb):
                    member.write(chunk)
                member.write(b"</sheetData></worksheet>")
        else:
            target.writestr(name, content or b"")
    return buffer.getvalue()


def upload(data: bytes, name: str = "don-vi.xlsx"):  # type: ignore[no-untyped-def]
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="application/vnd.ms-excel")


def refusal_of_every_reader(data: bytes) -> dict[str, str]:
    """What each Excel import answers for ``data``, in Vietnamese: the shared reader
    (units, cluster members, covenant targets) and the scoring table's own."""
    from django.core.exceptions import ValidationError
    from django.utils import translation

    from core import excel
    from scoring.excel import parse_rubric_xlsx

    answers = {}
    with translation.override("vi"):
        try:
            excel.read_rows(upload(data), columns={"name": ["Tên đơn vị"]}, required=["name"])
            answers["read_rows"] = "accepted"
        except excel.ExcelError as exc:
            answers["read_rows"] = str(exc)
        try:
            parse_rubric_xlsx(upload(data))
            answers["rubric"] = "accepted"
        except ValidationError as exc:
            answers["rubric"] = " ".join(str(m) for m in exc.message_dict["file"])
    return answers


def test_the_crafted_workbook_is_read_through_its_shared_strings():
    """The control for the entity tests: without tricks the same file is read."""
    from core import excel

    sheet = excel.read_rows(
        upload(workbook_bytes()), columns={"name": ["Tên đơn vị"]}, required=["name"]
    )
    assert sheet.rows == [(2, {"name": "root"})]


def test_openpyxl_reads_xml_with_defusedxml_and_it_is_a_dependency():
    import tomllib

    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML is True
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert any(dep.startswith("defusedxml") for dep in project["project"]["dependencies"])


def test_every_excel_import_goes_through_the_checked_readers():
    """openpyxl's ``load_workbook`` is called only after the size and zip checks."""
    callers = []
    for path in app_sources():
        text = path.read_text(encoding="utf-8")
        if "load_workbook(" in text:
            callers.append(str(path.relative_to(ROOT)))
            assert "_check_xlsx(data)" in text, path
    assert sorted(callers) == ["core/excel.py", "scoring/excel.py"]


@pytest.mark.parametrize(
    ("member", "content"),
    [
        ("xl/sharedStrings.xml", BILLION_LAUGHS),
        ("xl/sharedStrings.xml", EXTERNAL_ENTITY),
        ("xl/worksheets/sheet1.xml", BILLION_LAUGHS.replace("sst", "worksheet")),
        ("xl/worksheets/sheet1.xml", EXTERNAL_ENTITY.replace("sst", "worksheet")),
    ],
    ids=["laughs-strings", "xxe-strings", "laughs-sheet", "xxe-sheet"],
)
def test_entity_tricks_in_a_workbook_are_refused_in_vietnamese(member, content):
    data = with_member(workbook_bytes(), member, content.encode())
    answers = refusal_of_every_reader(data)
    for reader, answer in answers.items():
        assert "Đây không phải là tệp Excel" in answer or "không phải" in answer, (reader, answer)
        assert "lollol" not in answer and "root:" not in answer


def test_a_file_over_the_size_cap_is_refused(settings):
    settings.MAX_UPLOAD_BYTES = 4096
    data = workbook_bytes() + b"\0" * 8192  # still a zip: the data after it is ignored
    for reader, answer in refusal_of_every_reader(data).items():
        assert "quá lớn" in answer, (reader, answer)


def test_a_zip_bomb_is_refused_before_it_is_unpacked():
    from core import excel

    data = with_member(
        workbook_bytes(),
        "xl/worksheets/sheet1.xml",
        None,
        stream_mb=excel.MAX_UNPACKED_BYTES // 2**20 + 10,
    )
    assert len(data) < 2 * 1024 * 1024  # a few hundred KB that unpack to over 200 MB
    for reader, answer in refusal_of_every_reader(data).items():
        assert "quá lớn" in answer, (reader, answer)


FORMULA_TEXTS = [
    '=HYPERLINK("http://evil.example","Bấm")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
]


def test_every_text_cell_an_export_writes_stays_text():
    """core.excel.build_workbook / write_cell (every export: units and members
    templates, covenant targets, the scoring table, the score summary, the award list)
    write text as a quote-prefixed string, never as a formula."""
    import io

    from openpyxl import load_workbook

    from core import excel

    data = excel.build_workbook(
        [excel.SheetSpec(title="=Trang", headers=["=A1"], rows=[[text] for text in FORMULA_TEXTS])]
    )
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    cells = [sheet.cell(row=row, column=1) for row in range(2, 2 + len(FORMULA_TEXTS))]
    assert [cell.value for cell in cells] == FORMULA_TEXTS
    assert all(cell.data_type == "s" for cell in cells)
    assert all(cell.quotePrefix for cell in cells)
    assert sheet.cell(row=1, column=1).data_type == "s"


def test_no_export_writes_a_cell_around_write_cell():
    """Cells are written only by core.excel.write_cell (grep of the app's code)."""
    direct = re.compile(
        r"\b(sheet|ws|worksheet)\.append\(|\.cell\([^)]*value=|\[\s*\"[A-Z]+\d+\"\s*\]\s*="
    )
    found = [
        str(path.relative_to(ROOT))
        for path in app_sources()
        if "openpyxl" in path.read_text(encoding="utf-8")
        and direct.search(path.read_text(encoding="utf-8"))
    ]
    assert found == []


def test_a_right_to_left_override_in_a_signer_name_does_not_turn_the_stamp():
    """The visible signature stamp lists "unit: signer (time)": a name typed with
    U+202E must not print the signing time (or anything after it) backwards."""
    from core.documents.signing import render_stamp

    line = f"UBND huyện Tây Sơn: Trần {RTL_TEXT} (09:15 05/03/2024)"
    pdf = render_stamp(
        organizer=f"Hội đồng {RTL_TEXT} tỉnh",
        signers_lines=[line],
        signed_at=timezone.make_aware(dt.datetime(2024, 3, 5, 9, 30)),
    )
    text = squeeze(pdftotext(pdf, "-raw"))
    assert squeeze("gnp.exe (09:15 05/03/2024)") in text
    assert squeeze("gnp.exe tỉnh") in text


def test_a_damaged_part_is_refused_in_vietnamese():
    """A part whose compressed bytes are garbage (zlib cannot inflate it)."""
    import io
    import zipfile

    data = bytearray(workbook_bytes())
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("xl/sharedStrings.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start : start + 8] = b"\xff" * 8
    for reader, answer in refusal_of_every_reader(bytes(data)).items():
        assert "Đây không phải là tệp Excel" in answer, (reader, answer)
