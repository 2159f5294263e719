"""The covenant as an official document (Decree 30/2020 layout), for the job engine.

Two kinds, registered in ``CovenantsConfig.ready``:

- ``covenant``: the covenant in any state; until it is signed the PDF carries the
  DỰ THẢO (draft) mark;
- ``covenant_signed``: only once signed; the engine signs it with the organizer's
  PAdES signature, with a visible stamp listing who signed.

Whoever may see the covenant may see its documents (``covenant_for_user`` "view").
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clusters.models import Profile
from core.documents.qr import verification_stamp
from core.models import DocumentJob
from core.text import document_date, vi_number
from covenants.models import Covenant, CovenantState, Signature

TEMPLATE = "covenants/pdf/covenant.html"
ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII",
         "XIV", "XV", "XVI", "XVII", "XVIII", "XIX", "XX"]  # fmt: skip


# Room to write the day and month by hand when the conference date is not set yet.
GAP = "\u00a0" * 6


class CovenantNotSigned(RuntimeError):
    """A signed document was asked for a covenant that is not signed."""


def roman(number: int) -> str:
    return ROMAN[number - 1] if 0 < number <= len(ROMAN) else str(number)


# Column headings of the targets table: the usual abbreviations, longest prefix first.
ABBREVIATIONS = [
    ("thành phố ", "TP "), ("thị xã ", "TX "), ("thị trấn ", "TT "), ("huyện ", "H. "),
    ("quận ", "Q. "), ("phường ", "P. "), ("xã ", "X. "),
]  # fmt: skip


def column_label(unit: Any) -> str:
    """The unit's short name, or its name abbreviated ("phường Đức Xuân" → "P. Đức Xuân")."""
    if unit.short_name:
        return unit.short_name
    name = unit.name
    if name.startswith("UBND "):
        name = name[len("UBND ") :]
    for prefix, short in ABBREVIATIONS:
        if name.lower().startswith(prefix):
            return short + name[len(prefix) :]
    return name


def _upper(text: str) -> str:
    return (text or "").upper()


def _local(moment: dt.datetime) -> dt.datetime:
    return timezone.localtime(moment) if timezone.is_aware(moment) else moment


def _legal_bases(text: str) -> list[str]:
    """One line per basis, each starting "Căn cứ" and ending with ";"."""
    lines = [line.strip().rstrip(";.").strip() for line in (text or "").splitlines()]
    bases = []
    for line in filter(None, lines):
        bases.append(line if line.lower().startswith("căn cứ") else f"Căn cứ {line}")
    return [f"{basis};" for basis in bases]


def _table_style(columns: int) -> dict[str, Any]:
    """Sizes for the targets table: 8–15 member columns fit A4 portrait."""
    # font, member headings' font, indicator width, STT width, cell padding
    if columns <= 4:
        font, heading, indicator, number, padding = "12", "12", 62, 10, "2"
    elif columns <= 8:
        font, heading, indicator, number, padding = "10", "9", 42, 10, "2"
    elif columns <= 11:
        font, heading, indicator, number, padding = "9", "8", 36, 9, "1.5"
    else:
        font, heading, indicator, number, padding = "7.5", "7", 30, 8, "1"
    width = 165 - number - indicator - 12  # mm: text width minus STT, indicator, measure
    # Strings, so the template's number localisation ("12,38") cannot reach the CSS.
    return {
        "font_pt": font,
        "heading_pt": heading,
        "padding_pt": padding,
        "number_mm": str(number),
        "indicator_mm": str(indicator),
        "value_mm": f"{width / max(columns, 1):.2f}",
    }


def _signature_note(signature: Signature) -> str:
    when = _local(signature.signed_at)
    if signature.method == Signature.Method.TOKEN_UPLOAD:
        return f"Đã ký số ({when:%H:%M} ngày {when:%d/%m/%Y})"
    return f"Đã ký ({when:%H:%M} ngày {when:%d/%m/%Y})"


def covenant_context(covenant: Covenant, *, job: DocumentJob | None = None, draft: bool) -> dict:
    """Everything templates/covenants/pdf/covenant.html needs (a few queries)."""
    cluster_year = covenant.cluster_year
    cluster = cluster_year.cluster
    organizer = cluster.organizer
    members = [
        m.unit for m in cluster_year.memberships.select_related("unit").order_by("order", "pk")
    ]
    head_id = cluster_year.head_unit_id
    signatures = list(covenant.signatures.all())
    by_unit = {s.unit_id: s for s in signatures if not s.is_witness}
    witness = next((s for s in signatures if s.is_witness), None)
    leaders: dict[int, Any] = {}
    for profile in (
        Profile.objects.filter(
            role=Profile.Role.LEADER, unit_id__in=[u.pk for u in members], user__is_active=True
        )
        .select_related("user")
        .order_by("pk")
    ):
        leaders.setdefault(profile.unit_id, profile)

    def block(unit: Any) -> dict[str, Any]:
        signature = by_unit.get(unit.pk)
        leader = leaders.get(unit.pk)
        if signature is not None:
            name, position = signature.signer_name, signature.signer_position
        elif leader is not None:
            name = leader.user.get_full_name() or leader.user.get_username()
            position = leader.position or unit.leader_title
        else:
            name, position = "", unit.leader_title
        return {
            "on_behalf": f"TM. {_upper(unit.name)}",
            "position": _upper(position),
            "name": name,
            "note": _signature_note(signature) if signature else "",
            "signed": signature is not None,
            "is_head": unit.pk == head_id,
            "label": "ĐƠN VỊ TRƯỞNG CỤM" if unit.pk == head_id else "",
        }

    # The blocks follow the agreed order (as the targets table's columns do); the head
    # unit's block is marked, and the witness closes the grid.
    blocks = [block(u) for u in members]
    if covenant.needs_witness:
        blocks.append(
            {
                "on_behalf": f"ĐẠI DIỆN {_upper(organizer.name)}",
                "position": _upper(witness.signer_position) if witness else "",
                "name": witness.signer_name if witness else "",
                "note": _signature_note(witness) if witness else "",
                "signed": witness is not None,
                "is_head": False,
                "label": "CHỨNG KIẾN",
            }
        )

    targets = []
    for target in covenant.targets.prefetch_related("values"):
        values = {v.unit_id: v.value for v in target.values.all()}
        targets.append(
            {
                "indicator": target.indicator,
                "measure": target.measure,
                "values": [
                    "" if values.get(u.pk) is None else vi_number(values[u.pk]) for u in members
                ],
            }
        )
    sections = [
        {"numeral": roman(index), "heading": s.heading, "body": s.body}
        for index, s in enumerate(covenant.sections.all(), start=1)
    ]
    targets_numeral = roman(len(sections) + 1)
    day = covenant.conference_date
    stamp = verification_stamp(job)
    return {
        "covenant": covenant,
        "year": cluster_year.year,
        "parent_body": _upper(organizer.parent_body),
        "issuing_body": _upper(cluster.name),
        "cluster_name": cluster.name,
        "doc_number": covenant.number,
        "place_name": covenant.place_name or organizer.place_name,
        "date_text": document_date(day)
        if day
        else f"ngày {GAP} tháng {GAP} năm {cluster_year.year}",
        "conference_date_text": document_date(day) if day else "",
        "title": "BẢN GIAO ƯỚC THI ĐUA",
        "subtitle": f"NĂM {cluster_year.year}",
        "draft": draft,
        "legal_bases": _legal_bases(covenant.legal_bases),
        "guests": list(covenant.guests.all()),
        "sections": sections,
        "targets": targets,
        "targets_numeral": targets_numeral,
        "members": [
            {"name": u.name, "short": column_label(u), "is_head": u.pk == head_id} for u in members
        ],
        "table": _table_style(len(members)),
        "signature_blocks": blocks,
        "amended_from": covenant.amended_from,
        **stamp,
    }


def _covenant_of(job: DocumentJob) -> Covenant:
    return Covenant.objects.select_related(
        "cluster_year__cluster__organizer", "cluster_year__head_unit", "amended_from"
    ).get(pk=job.object_id)


def _filename(covenant: Covenant, *, signed: bool) -> str:
    version = f"-v{covenant.version}" if covenant.version > 1 else ""
    suffix = "-da-ky" if signed else ("" if covenant.state == CovenantState.SIGNED else "-du-thao")
    return f"giao-uoc-thi-dua-{covenant.cluster_year.year}{version}{suffix}.pdf"


def render_covenant(job: DocumentJob) -> Any:
    from core.documents.registry import RenderedDocument
    from core.documents.render import render_pdf

    covenant = _covenant_of(job)
    draft = covenant.state != CovenantState.SIGNED
    return RenderedDocument(
        pdf=render_pdf(TEMPLATE, covenant_context(covenant, job=job, draft=draft)),
        filename=_filename(covenant, signed=False),
    )


def _stamp_line(signature: Signature) -> str:
    when = _local(signature.signed_at)
    who = "Chứng kiến" if signature.is_witness else (signature.unit.name if signature.unit else "")
    method = ", ký số" if signature.method == Signature.Method.TOKEN_UPLOAD else ""
    # Short enough for one line of the stamp: unit, signer, time.
    return f"{who}: {signature.signer_name} ({when:%H:%M %d/%m/%Y}{method})"


def render_signed_covenant(job: DocumentJob) -> Any:
    from core.documents.registry import RenderedDocument
    from core.documents.render import render_pdf

    covenant = _covenant_of(job)
    if covenant.state != CovenantState.SIGNED:
        raise CovenantNotSigned(f"Covenant {covenant.pk} is {covenant.state}, not signed.")
    organizer = covenant.cluster_year.cluster.organizer
    signatures = covenant.signatures.select_related("unit").order_by("signed_at", "pk")
    return RenderedDocument(
        pdf=render_pdf(TEMPLATE, covenant_context(covenant, job=job, draft=False)),
        filename=_filename(covenant, signed=True),
        sign_for_organizer_id=organizer.pk,
        signers=[_stamp_line(signature) for signature in signatures],
        signature_reason=(
            f"Bản giao ước thi đua năm {covenant.cluster_year.year} của "
            f"{covenant.cluster_year.cluster.name} đã được các đơn vị ký kết"
        ),
        signature_location=covenant.place_name or organizer.place_name,
    )


def authorize_covenant_document(request: HttpRequest, job: DocumentJob) -> None:
    from covenants.permissions import covenant_for_user

    covenant_for_user(request, int(job.object_id), "view")


def covenant_document_back_url(job: DocumentJob) -> str:
    return reverse("covenant_detail", args=[int(job.object_id)])


def register() -> None:
    from core.documents.registry import register_document_kind

    register_document_kind(
        "covenant",
        render=render_covenant,
        authorize=authorize_covenant_document,
        label=_("Covenant (PDF)"),
        back_url=covenant_document_back_url,
    )
    register_document_kind(
        "covenant_signed",
        render=render_signed_covenant,
        authorize=authorize_covenant_document,
        label=_("Signed covenant (PDF)"),
        back_url=covenant_document_back_url,
    )
