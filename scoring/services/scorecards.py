"""Self-scoring: a unit fills in its scorecard, backs it with evidence and submits it.

Saving one entry (``entry_save``) is the hot path: the page saves every value as it is
typed. It takes the locks in the order of ``computation`` (period — only for a criterion
scored relative to the cluster's best — then scorecard, then entry), checks the card is
open for changes now, checks the version the person started from (optimistic locking:
two people never overwrite each other silently), validates the value, writes it with a
history row per changed field, and recomputes the points and the cached totals. It
writes no activity-log entry: the entry's history is the record of every keystroke save.

A scorecard is open for changes while it is being self-scored (DRAFT) before the
period's self-scoring deadline or the time the board reopened it until; when it is
returned for explanation (RETURNED), only the entries named in an open request, until
that request's deadline (or the reopening). Never once submitted, verified or final.

Submitting locks the scorecard row and reads the clock *after* the lock, so a submission
racing the deadline is either in or refused, never half-saved.

Evidence is a file (type checked by its content, never its name; stored under
MEDIA_ROOT and served only through a permission-checked view) or a reference to an
official document. One piece supports any number of the card's entries. Evidence is
never deleted: it is withdrawn.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import unicodedata
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from core.audit import log_action
from core.excel import MAX_UNPACKED_BYTES
from core.text import nfc, plain_number, vi_number
from scoring import formulas
from scoring.formulas import CriterionKind, UnitInput
from scoring.models import (
    SCORECARD_TRANSITIONS,
    Criterion,
    Entry,
    EntryEvidence,
    EntryHistory,
    Evidence,
    ExplanationRequest,
    Period,
    Scorecard,
)
from scoring.selectors.rubrics import formula_params
from scoring.selectors.scorecards import card_requirements, moment_text, value_words
from scoring.services import computation
from scoring.services.messages import scorecards as msg
from scoring.signals import checked_open

S = Scorecard.State
VALUE_FIELDS = ("achieved", "points", "passed", "count")
ALLOWED_FIELDS = frozenset({*VALUE_FIELDS, "comment"})
FIELD_ORDER = (*VALUE_FIELDS, "comment")
COMMENT_LIMIT = 5000
COUNT_LIMIT = 1_000_000
ACHIEVED_LIMIT = Decimal(10) ** 12  # Entry.achieved: 16 digits, 4 decimals
TITLE_LIMIT = 300
DOC_NUMBER_LIMIT = 60
DOC_ISSUER_LIMIT = 300
_YES = {"yes", "true", "1", "on", "đạt", "co", "có"}
_NO = {"no", "false", "0", "off", "không đạt", "khong dat", "không"}


class EntryConflict(ValidationError):
    """The entry changed since the person started typing. ``current`` is the entry as
    it is now (locked and re-read), so the page can show the other person's value."""

    def __init__(self, message: Any, *, current: Entry, params: dict | None = None) -> None:
        super().__init__(message, code="conflict", params=params)
        self.current = current


# Is the scorecard open for changes? ------------------------------------------------------


@dataclass(frozen=True)
class Editability:
    """Whether a scorecard takes changes now. ``entry_ids`` None: every entry; otherwise
    only these (a card returned for explanation of some criteria)."""

    editable: bool
    reason: str = ""
    entry_ids: frozenset[int] | None = None
    codes: tuple[str, ...] = ()

    def allows(self, entry_id: int) -> bool:
        return self.editable and (self.entry_ids is None or entry_id in self.entry_ids)

    def refusal(self, entry_id: int) -> str:
        if not self.editable:
            return self.reason
        return str(msg.RETURNED_OTHER_ENTRY) % {"codes": ", ".join(self.codes)}


def _still_open(deadline: dt.datetime, reopened_until: dt.datetime | None, now: dt.datetime):  # type: ignore[no-untyped-def]
    return now <= deadline or (reopened_until is not None and now <= reopened_until)


def scorecard_editability(scorecard: Scorecard, *, at: dt.datetime | None = None) -> Editability:
    """What of the scorecard can change now (one query for a returned card, else none)."""
    now = at or timezone.now()
    period = scorecard.period
    if period.state != Period.State.OPEN:
        return Editability(False, str(msg.PERIOD_NOT_OPEN))
    if not period.cluster_year.is_open:
        return Editability(False, str(msg.YEAR_CLOSED) % {"year": period.cluster_year.year})
    state = scorecard.state
    if state == S.DRAFT:
        if _still_open(period.self_deadline, scorecard.reopened_until, now):
            return Editability(True)
        if scorecard.reopened_until and scorecard.reopened_until > period.self_deadline:
            return Editability(
                False, str(msg.REOPEN_ENDED) % {"until": moment_text(scorecard.reopened_until)}
            )
        return Editability(
            False, str(msg.DEADLINE_PASSED) % {"deadline": moment_text(period.self_deadline)}
        )
    if state == S.RETURNED:
        rows = list(
            ExplanationRequest.entries.through.objects.filter(
                explanationrequest__scorecard_id=scorecard.pk,
                explanationrequest__state=ExplanationRequest.State.OPEN,
            ).values_list("entry_id", "explanationrequest__deadline", "entry__criterion__code")
        )
        if not rows:
            return Editability(False, str(msg.RETURNED_NO_OPEN_REQUEST))
        open_rows = [row for row in rows if _still_open(row[1], scorecard.reopened_until, now)]
        if not open_rows:
            latest = max(row[1] for row in rows)
            if scorecard.reopened_until and scorecard.reopened_until > latest:
                latest = scorecard.reopened_until
            return Editability(
                False, str(msg.RETURNED_DEADLINE_PASSED) % {"deadline": moment_text(latest)}
            )
        return Editability(
            True,
            entry_ids=frozenset(row[0] for row in open_rows),
            codes=tuple(sorted({row[2] for row in open_rows})),
        )
    reason = {
        S.SUBMITTED: msg.CARD_SUBMITTED,
        S.VERIFIED: msg.CARD_VERIFIED,
        S.FINALISED: msg.CARD_FINALISED,
    }.get(state, msg.CARD_SUBMITTED)
    return Editability(False, str(reason))


def scorecard_editable(scorecard: Scorecard, *, at: dt.datetime | None = None) -> tuple[bool, str]:
    """(True, "") when the unit may change its scorecard now, else (False, why)."""
    editability = scorecard_editability(scorecard, at=at)
    return editability.editable, editability.reason


def _check_current(card: Scorecard, entry: Entry) -> None:
    """Refuse an entry of an earlier rubric version (kept on the card after a carry-over)."""
    if entry.criterion.rubric_id != card.period.rubric_id:
        raise ValidationError(msg.ENTRY_OLD_VERSION, params={"code": entry.criterion.code})


def _lock_card(scorecard_id: int) -> Scorecard:
    return (
        Scorecard.objects.select_for_update(of=("self",))
        .select_related("period__cluster_year__cluster", "period__rubric", "unit")
        .get(pk=scorecard_id)
    )


def _scope(scorecard: Scorecard) -> int:
    return scorecard.period.cluster_year.cluster.organizer_id


def _actor_name(actor: Any) -> str:
    if not getattr(actor, "is_authenticated", False):
        return ""
    return (actor.get_full_name() or actor.get_username())[:150]


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


# Reading what was typed ----------------------------------------------------------------


def parse_number(raw: Any, *, places: int) -> Decimal | None:
    """A number as Vietnamese officials type it: "12,5", "1.000" (a thousand), "2.5";
    None when empty. Refuses anything else, negatives and more than ``places``
    decimals, with a message for people."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise ValidationError(msg.NOT_A_NUMBER, params={"value": raw})
    if isinstance(raw, int):
        value = Decimal(raw)
    elif isinstance(raw, Decimal):
        value = raw
    elif isinstance(raw, float):
        value = Decimal(str(raw))
    else:
        text = nfc(str(raw)).replace(" ", "").replace("\u00a0", "")
        if not text:
            return None
        negative = text[0] in "-−"
        body = text[1:] if text[0] in "+-−" else text
        plain = plain_number(body)
        if plain is None:
            raise ValidationError(msg.NOT_A_NUMBER, params={"value": raw})
        try:
            value = Decimal(plain)
        except InvalidOperation as exc:  # pragma: no cover - the patterns exclude it
            raise ValidationError(msg.NOT_A_NUMBER, params={"value": raw}) from exc
        if negative:
            value = -value
    if not value.is_finite():
        raise ValidationError(msg.NOT_A_NUMBER, params={"value": raw})
    if value < 0:
        raise ValidationError(msg.NUMBER_NEGATIVE)
    if value >= ACHIEVED_LIMIT:
        raise ValidationError(msg.NUMBER_TOO_LARGE, params={"value": raw})
    if value != value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):
        raise ValidationError(msg.NUMBER_TOO_PRECISE, params={"places": places})
    return value


def parse_count(raw: Any) -> int | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, bool):
        raise ValidationError(msg.COUNT_NOT_WHOLE)
    try:
        value = parse_number(raw, places=4)
    except ValidationError as exc:
        raise ValidationError(msg.COUNT_NOT_WHOLE) from exc
    if value is None:
        return None
    if value != value.to_integral_value():
        raise ValidationError(msg.COUNT_NOT_WHOLE)
    if value >= COUNT_LIMIT:
        raise ValidationError(msg.COUNT_TOO_LARGE, params={"limit": vi_number(COUNT_LIMIT)})
    return int(value)


def parse_yes_no(raw: Any) -> bool | None:
    if raw is None or isinstance(raw, bool):
        return raw
    text = nfc(str(raw)).lower()
    if not text:
        return None
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise ValidationError(msg.YES_NO)


def _expected_words(criterion: Criterion) -> str:
    return str(Entry._meta.get_field(computation.input_field(criterion)).verbose_name)


def clean_values(criterion: Criterion, values: Mapping[str, Any]) -> dict[str, Any]:
    """The values typed for one entry, parsed and checked against its criterion's kind;
    raises a ValidationError keyed by field with every problem."""
    unknown = set(values) - ALLOWED_FIELDS
    if unknown:
        raise ValueError(f"unknown entry fields: {sorted(unknown)}")
    expected = computation.input_field(criterion)
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[ValidationError]] = {}
    for name, raw in values.items():
        try:
            if name == "comment":
                text = unicodedata.normalize("NFC", str(raw or "")).strip()
                if len(text) > COMMENT_LIMIT:
                    raise ValidationError(msg.COMMENT_TOO_LONG, params={"limit": COMMENT_LIMIT})
                cleaned[name] = text
            elif name != expected:
                raise ValidationError(
                    msg.FIELD_NOT_FOR_KIND,
                    params={
                        "code": criterion.code,
                        "expected": _expected_words(criterion),
                        "field": name,
                    },
                )
            elif name == "passed":
                cleaned[name] = parse_yes_no(raw)
            elif name == "count":
                cleaned[name] = parse_count(raw)
            elif name == "points":
                cleaned[name] = parse_number(raw, places=2)
            else:
                cleaned[name] = parse_number(raw, places=4)
        except ValidationError as exc:
            errors.setdefault(name, []).append(exc)
    if expected in cleaned and cleaned[expected] is not None and expected not in errors:
        params = formula_params(criterion.kind, criterion.max_points, criterion.params)
        problems = formulas.validate_input(
            criterion.kind, params, UnitInput(unit_id=0, **{expected: cleaned[expected]})
        )
        if problems:
            errors[expected] = [ValidationError(problem) for problem in problems]
    if errors:
        raise ValidationError(errors)
    return cleaned


def history_text(value: Any) -> str:
    """A value as the history stores it: "", "yes"/"no", "12.5", "3", or the text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return text
    return str(value)


# Saving an entry -----------------------------------------------------------------------


def entry_save(
    *,
    actor: Any,
    entry: Entry,
    version: int,
    values: Mapping[str, Any],
    at: dt.datetime | None = None,
) -> Entry:
    """Save what the unit typed for one entry (values ⊆ achieved, points, passed, count,
    comment; strings as typed or Python values). Returns the saved entry (criterion and
    scorecard loaded). Raises ``EntryConflict`` when ``version`` is not the entry's
    (unless the values are already what is stored), ``ValidationError`` when the card is
    closed for changes or a value is refused — the stored value is then untouched."""
    criterion = entry.criterion
    with transaction.atomic():
        if criterion.kind == CriterionKind.RELATIVE_LEADER:
            computation.lock_period_for(criterion, entry.scorecard)
        card = (
            Scorecard.objects.select_for_update(of=("self",))
            .select_related("period__cluster_year", "period__rubric")
            .get(pk=entry.scorecard_id)
        )
        now = at or timezone.now()
        editability = scorecard_editability(card, at=now)
        if not editability.allows(entry.pk):
            raise ValidationError(editability.refusal(entry.pk), code="locked")
        # The row locked and read again (its version and values may have moved); its
        # criterion — a frozen rubric's, never changed — as read above, and who saved it
        # last only if a conflict has to say so.
        current = Entry.objects.select_for_update(of=("self",)).get(pk=entry.pk)
        current.criterion = criterion
        current.scorecard = card
        _check_current(card, current)
        cleaned = clean_values(current.criterion, values)
        changed = {
            name: cleaned[name]
            for name in FIELD_ORDER
            if name in cleaned and getattr(current, name) != cleaned[name]
        }
        if version != current.version:
            if not changed:
                return current  # the same value arrived twice (a retry): nothing to do
            raise _conflict(current)
        if not changed and not current.needs_review:
            return current
        before = {name: getattr(current, name) for name in changed}
        for name, value in changed.items():
            setattr(current, name, value)
        inputs_changed = any(name in VALUE_FIELDS for name in changed)
        touched = {card.pk}
        computed: list[str] = []
        if inputs_changed:
            if current.criterion.kind == CriterionKind.RELATIVE_LEADER:
                # The whole cluster's points move together (under the period's lock).
                touched = computation.recompute_entries(current.criterion, current, actor=actor)
            else:
                # One unit on its own: computed here and saved below with the inputs, in
                # one write (the keystroke path stays a handful of queries).
                computation.compute_entries(current.criterion, [current])
                computed = ["target_used", "self_points", "self_explanation"]
        current.version += 1
        current.updated_by = _user(actor)
        current.updated_at = now
        current.needs_review = False
        with checked_open(card.pk):  # locked above and found editable: not final
            current.save(
                update_fields=[
                    *changed,
                    *computed,
                    "version",
                    "updated_by",
                    "updated_at",
                    "needs_review",
                ]
            )
        name = _actor_name(actor)
        EntryHistory.objects.bulk_create(
            EntryHistory(
                entry=current,
                source=EntryHistory.Source.SELF,
                field=field_name,
                old_value=history_text(old),
                new_value=history_text(changed[field_name]),
                actor=_user(actor),
                actor_name=name,
            )
            for field_name, old in before.items()
        )
        if inputs_changed:
            computation.refresh_totals(touched, locked=card)
    return current


def _conflict(current: Entry) -> EntryConflict:
    field_name = computation.input_field(current.criterion)
    who = current.updated_by
    return EntryConflict(
        msg.ENTRY_CONFLICT,
        current=current,
        params={
            "name": (who.get_full_name() or who.get_username()) if who else "?",
            "time": timezone.localtime(current.updated_at).strftime("%H:%M")
            if current.updated_at
            else "",
            "value": value_words(current, field_name),
        },
    )


# Submitting ----------------------------------------------------------------------------


def scorecard_missing(scorecard: Scorecard) -> list[str]:
    """What still blocks submission, one message per missing value or evidence, each
    naming the criterion's code and title, in rubric order (empty: ready)."""
    return [need.message for need in card_requirements(scorecard) if not need.met]


def scorecard_submit(
    *, actor: Any, scorecard: Scorecard, at: dt.datetime | None = None
) -> Scorecard:
    """DRAFT → SUBMITTED before the deadline (or the reopening), when nothing required
    is missing; RETURNED → SUBMITTED once every request for explanation is answered.
    The clock is read after the scorecard's lock is taken."""
    with transaction.atomic():
        card = _lock_card(scorecard.pk)
        now = at or timezone.now()
        if S.SUBMITTED not in SCORECARD_TRANSITIONS[card.state]:
            raise ValidationError(
                msg.SUBMIT_NOT_ALLOWED, params={"state": card.get_state_display().lower()}
            )
        if card.period.state != Period.State.OPEN:
            raise ValidationError(msg.PERIOD_NOT_OPEN)
        if card.state == S.DRAFT:
            editability = scorecard_editability(card, at=now)
            if not editability.editable:
                raise ValidationError(editability.reason, code="locked")
        else:
            waiting = ExplanationRequest.objects.filter(
                scorecard_id=card.pk, state=ExplanationRequest.State.OPEN
            ).count()
            if waiting:
                raise ValidationError(msg.SUBMIT_OPEN_REQUESTS, params={"count": waiting})
        missing = scorecard_missing(card)
        if missing:
            raise ValidationError(
                [ValidationError(msg.SUBMIT_INCOMPLETE)]
                + [ValidationError(item) for item in missing],
                code="incomplete",
            )
        previous = card.state
        card.state = S.SUBMITTED
        card.submitted_at = now
        card.submitted_by = _user(actor)
        card.save(update_fields=["state", "submitted_at", "submitted_by"])
        log_action(
            actor=actor,
            action="scoring.scorecard.submitted",
            obj=card,
            scope_id=_scope(card),
            data={"from_state": previous, "self_total": card.self_total},
        )
    return card


# Evidence ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileType:
    name: str
    content_type: str
    extension: str
    suffixes: frozenset[str]


PDF = FileType("pdf", "application/pdf", ".pdf", frozenset({".pdf"}))
PNG = FileType("png", "image/png", ".png", frozenset({".png"}))
JPEG = FileType("jpeg", "image/jpeg", ".jpg", frozenset({".jpg", ".jpeg", ".jpe"}))
GIF = FileType("gif", "image/gif", ".gif", frozenset({".gif"}))
DOCX = FileType(
    "docx",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".docx",
    frozenset({".docx"}),
)
XLSX = FileType(
    "xlsx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".xlsx",
    frozenset({".xlsx"}),
)
DOC = FileType("doc", "application/msword", ".doc", frozenset({".doc"}))
XLS = FileType("xls", "application/vnd.ms-excel", ".xls", frozenset({".xls"}))
FILE_TYPES = (PDF, PNG, JPEG, GIF, DOCX, XLSX, DOC, XLS)
TYPES_BY_CONTENT = {file_type.content_type: file_type for file_type in FILE_TYPES}
# For the file input's accept attribute (a hint only: the content decides).
ACCEPT = ",".join(sorted({suffix for item in FILE_TYPES for suffix in item.suffixes}))

_OOXML_MAIN = {
    b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": DOCX,
    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": XLSX,
}
_MACRO_MAIN = (
    b"application/vnd.ms-word.document.macroEnabled.main+xml",
    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
)
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def detect_file_type(data: bytes) -> FileType:
    """The type of a file by its content (magic bytes; for Office Open XML the main
    part named in the zip's [Content_Types].xml; for old Office files the stream that
    makes a Word or Excel document). Raises ValidationError for anything else."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if data.startswith(b"PK\x03\x04"):
        return _ooxml_type(data)
    if data.startswith(_OLE2):
        if "WordDocument".encode("utf-16-le") in data:
            return DOC
        if "Workbook".encode("utf-16-le") in data or "Book\x00".encode("utf-16-le") in data:
            return XLS
    raise ValidationError(msg.FILE_TYPE_REFUSED, code="type")


def _ooxml_type(data: bytes) -> FileType:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_BYTES:
                raise ValidationError(msg.FILE_TYPE_REFUSED, code="type")
            with archive.open("[Content_Types].xml") as types:
                content_types = types.read(1024 * 1024)
            names = set(archive.namelist())
    except (KeyError, zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
        raise ValidationError(msg.FILE_TYPE_REFUSED, code="type") from exc
    if any(main in content_types for main in _MACRO_MAIN) or any(
        name.lower().endswith("vbaproject.bin") for name in names
    ):
        raise ValidationError(msg.FILE_MACROS_REFUSED, code="type")
    for main, file_type in _OOXML_MAIN.items():
        if main in content_types:
            return file_type
    raise ValidationError(msg.FILE_TYPE_REFUSED, code="type")


def clean_file_name(name: str) -> str:
    """The uploaded name without any folder part or control characters, in NFC."""
    text = unicodedata.normalize("NFC", str(name or "")).replace("\\", "/")
    text = os.path.basename(text)
    text = "".join(char for char in text if unicodedata.category(char)[0] != "C").strip()
    text = text.lstrip(".") or "tep"
    if len(text) > 255:
        stem, dot, suffix = text.rpartition(".")
        text = (
            (stem[: 250 - len(suffix)] + dot + suffix) if dot and len(suffix) <= 8 else text[:255]
        )
    return text


def download_name(evidence: Evidence) -> str:
    """The name a file is downloaded under: the uploaded one, with the extension of the
    type its content really is when the name says something else."""
    name = evidence.original_name or "tep"
    file_type = TYPES_BY_CONTENT.get(evidence.content_type)
    if file_type is None:
        return name
    suffix = os.path.splitext(name)[1].lower()
    return name if suffix in file_type.suffixes else name + file_type.extension


def _mb(size: int) -> str:
    """Megabytes for people: "20", "1,5" (never "0" for a file that has bytes)."""
    value = (Decimal(size) / (1024 * 1024)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    if value == 0 and size:
        value = Decimal("0.1")
    return vi_number(value)


def _read_upload(uploaded_file: Any) -> bytes:
    limit = settings.EVIDENCE_MAX_BYTES
    size = getattr(uploaded_file, "size", None)
    if size is not None and size > limit:
        raise ValidationError(
            msg.FILE_TOO_LARGE, params={"size": _mb(size), "limit": _mb(limit)}, code="size"
        )
    if hasattr(uploaded_file, "seek"):
        uploaded_file.seek(0)
    chunks: list[bytes] = []
    read = 0
    for chunk in (
        uploaded_file.chunks() if hasattr(uploaded_file, "chunks") else [uploaded_file.read()]
    ):
        read += len(chunk)
        if read > limit:
            raise ValidationError(
                msg.FILE_TOO_LARGE, params={"size": _mb(read), "limit": _mb(limit)}, code="size"
            )
        chunks.append(chunk)
    data = b"".join(chunks)
    if not data:
        raise ValidationError(msg.FILE_EMPTY, code="empty")
    return data


def _clean_text(value: str, limit: int, label: str) -> str:
    text = nfc(value or "")
    if len(text) > limit:
        raise ValidationError(msg.TEXT_TOO_LONG, params={"field": label, "limit": limit})
    return text


def _lock_for_evidence(
    scorecard: Scorecard, at: dt.datetime | None
) -> tuple[Scorecard, Editability]:
    card = _lock_card(scorecard.pk)
    # The deadline is read once the lock is held: a wait for the lock past the
    # deadline ends in a refusal, never in a late write.
    editability = scorecard_editability(card, at=at or timezone.now())
    if not editability.editable:
        raise ValidationError(editability.reason, code="locked")
    return card, editability


def _link_all(
    *,
    actor: Any,
    card: Scorecard,
    editability: Editability,
    evidence: Evidence,
    entries: Iterable[Entry],
) -> list[Entry]:
    linked = []
    for entry in entries:
        if entry.scorecard_id != card.pk:
            raise ValidationError(msg.EVIDENCE_OTHER_CARD)
        _check_current(card, entry)
        if not editability.allows(entry.pk):
            raise ValidationError(editability.refusal(entry.pk), code="locked")
        _, created = EntryEvidence.objects.get_or_create(
            entry=entry, evidence=evidence, defaults={"added_by": _user(actor)}
        )
        if created:
            linked.append(entry)
    return linked


def evidence_upload(
    *,
    actor: Any,
    scorecard: Scorecard,
    uploaded_file: Any,
    title: str = "",
    entries: Iterable[Entry] = (),
    at: dt.datetime | None = None,
) -> Evidence:
    """Store an uploaded file as evidence of the card (type and size checked by the
    content) and attach it to ``entries``. The same file uploaded again to the card is
    not stored twice: the evidence already there is returned (and attached)."""
    if not uploaded_file:
        raise ValidationError(msg.FILE_REQUIRED, code="required")
    data = _read_upload(uploaded_file)
    file_type = detect_file_type(data)
    digest = hashlib.sha256(data).hexdigest()
    title = _clean_text(title, TITLE_LIMIT, str(Evidence._meta.get_field("title").verbose_name))
    entries = list(entries)
    with transaction.atomic():
        card, editability = _lock_for_evidence(scorecard, at)
        existing = Evidence.objects.filter(
            scorecard=card, kind=Evidence.Kind.FILE, sha256=digest, withdrawn_at__isnull=True
        ).first()
        if existing is not None:
            _link_all(
                actor=actor, card=card, editability=editability, evidence=existing, entries=entries
            )
            return existing
        evidence = Evidence(
            scorecard=card,
            kind=Evidence.Kind.FILE,
            title=title,
            original_name=clean_file_name(getattr(uploaded_file, "name", "")),
            content_type=file_type.content_type,
            size=len(data),
            sha256=digest,
            uploaded_by=_user(actor),
        )
        evidence.file.save(f"{digest[:16]}{file_type.extension}", ContentFile(data), save=False)
        stored = evidence.file.name
        try:
            evidence.save()
            linked = _link_all(
                actor=actor, card=card, editability=editability, evidence=evidence, entries=entries
            )
            log_action(
                actor=actor,
                action="scoring.evidence.uploaded",
                obj=evidence,
                scope_id=_scope(card),
                data={
                    "original_name": evidence.original_name,
                    "size": evidence.size,
                    "sha256": digest,
                    "criterion": [entry.criterion.code for entry in linked],
                },
            )
        except BaseException:
            evidence.file.storage.delete(stored)
            raise
    return evidence


def evidence_reference(
    *,
    actor: Any,
    scorecard: Scorecard,
    doc_number: str,
    doc_date: dt.date | None,
    doc_issuer: str = "",
    title: str = "",
    entries: Iterable[Entry] = (),
    at: dt.datetime | None = None,
) -> Evidence:
    """Cite an official document (number and date required, the date not in the
    future) as evidence of the card, attached to ``entries``."""
    now = at or timezone.now()
    errors: dict[str, list[ValidationError]] = {}
    number = nfc(doc_number or "")
    if not number:
        errors["doc_number"] = [ValidationError(msg.DOC_NUMBER_REQUIRED)]
    elif len(number) > DOC_NUMBER_LIMIT:
        errors["doc_number"] = [
            ValidationError(msg.DOC_NUMBER_TOO_LONG, params={"limit": DOC_NUMBER_LIMIT})
        ]
    if doc_date is None:
        errors["doc_date"] = [ValidationError(msg.DOC_DATE_REQUIRED)]
    elif doc_date > timezone.localtime(now).date():
        errors["doc_date"] = [ValidationError(msg.DOC_DATE_FUTURE)]
    issuer = nfc(doc_issuer or "")
    if len(issuer) > DOC_ISSUER_LIMIT:
        errors["doc_issuer"] = [
            ValidationError(
                msg.TEXT_TOO_LONG,
                params={
                    "field": str(Evidence._meta.get_field("doc_issuer").verbose_name),
                    "limit": DOC_ISSUER_LIMIT,
                },
            )
        ]
    title = nfc(title or "")
    if len(title) > TITLE_LIMIT:
        errors["title"] = [
            ValidationError(
                msg.TEXT_TOO_LONG,
                params={
                    "field": str(Evidence._meta.get_field("title").verbose_name),
                    "limit": TITLE_LIMIT,
                },
            )
        ]
    if errors:
        raise ValidationError(errors)
    entries = list(entries)
    with transaction.atomic():
        card, editability = _lock_for_evidence(scorecard, at)
        evidence = Evidence.objects.create(
            scorecard=card,
            kind=Evidence.Kind.DOCUMENT,
            title=title,
            doc_number=number,
            doc_date=doc_date,
            doc_issuer=issuer,
            uploaded_by=_user(actor),
        )
        linked = _link_all(
            actor=actor, card=card, editability=editability, evidence=evidence, entries=entries
        )
        log_action(
            actor=actor,
            action="scoring.evidence.referenced",
            obj=evidence,
            scope_id=_scope(card),
            data={
                "doc_number": number,
                "doc_date": doc_date,
                "doc_issuer": issuer,
                "title": title,
                "criterion": [entry.criterion.code for entry in linked],
            },
        )
    return evidence


def _check_evidence(card: Scorecard, evidence: Evidence) -> Evidence:
    fresh = Evidence.objects.get(pk=evidence.pk)
    if fresh.scorecard_id != card.pk:
        raise ValidationError(msg.EVIDENCE_OTHER_CARD)
    return fresh


def evidence_link(
    *, actor: Any, entry: Entry, evidence: Evidence, at: dt.datetime | None = None
) -> EntryEvidence:
    """Attach one of the card's evidence to one of its entries (again: no change)."""
    with transaction.atomic():
        card, editability = _lock_for_evidence(entry.scorecard, at)
        evidence = _check_evidence(card, evidence)
        if entry.scorecard_id != card.pk:
            raise ValidationError(msg.EVIDENCE_OTHER_CARD)
        if evidence.withdrawn_at is not None:
            raise ValidationError(msg.EVIDENCE_WITHDRAWN)
        _check_current(card, entry)
        if not editability.allows(entry.pk):
            raise ValidationError(editability.refusal(entry.pk), code="locked")
        link, created = EntryEvidence.objects.get_or_create(
            entry=entry, evidence=evidence, defaults={"added_by": _user(actor)}
        )
        if created:
            log_action(
                actor=actor,
                action="scoring.evidence.linked",
                obj=evidence,
                scope_id=_scope(card),
                data={"criterion": entry.criterion.code, "evidence": str(evidence)},
            )
    return link


def evidence_unlink(
    *, actor: Any, entry: Entry, evidence: Evidence, at: dt.datetime | None = None
) -> None:
    """Detach evidence from one entry (the evidence stays in the card's library)."""
    with transaction.atomic():
        card, editability = _lock_for_evidence(entry.scorecard, at)
        evidence = _check_evidence(card, evidence)
        if not editability.allows(entry.pk):
            raise ValidationError(editability.refusal(entry.pk), code="locked")
        deleted, _ = EntryEvidence.objects.filter(entry=entry, evidence=evidence).delete()
        if not deleted:
            raise ValidationError(msg.EVIDENCE_NOT_LINKED, params={"code": entry.criterion.code})
        log_action(
            actor=actor,
            action="scoring.evidence.unlinked",
            obj=evidence,
            scope_id=_scope(card),
            data={"criterion": entry.criterion.code, "evidence": str(evidence)},
        )


def evidence_withdraw(*, actor: Any, evidence: Evidence, at: dt.datetime | None = None) -> Evidence:
    """Withdraw evidence while the card is being self-scored: it stays on record (and
    its file stays stored) but no longer supports any criterion."""
    now = at or timezone.now()
    with transaction.atomic():
        card, _editability = _lock_for_evidence(evidence.scorecard, at)
        if card.state != S.DRAFT:
            raise ValidationError(msg.WITHDRAW_WHILE_RETURNED)
        evidence = _check_evidence(card, evidence)
        if evidence.withdrawn_at is not None:
            return evidence
        evidence.withdrawn_at = now
        evidence.withdrawn_by = _user(actor)
        evidence.save(update_fields=["withdrawn_at", "withdrawn_by"])
        codes = list(
            EntryEvidence.objects.filter(evidence=evidence)
            .order_by("entry__criterion__order")
            .values_list("entry__criterion__code", flat=True)
        )
        log_action(
            actor=actor,
            action="scoring.evidence.withdrawn",
            obj=evidence,
            scope_id=_scope(card),
            data={"evidence": str(evidence), "criterion": codes},
        )
    return evidence


def read_checked_upload(uploaded_file: Any) -> tuple[bytes, FileType]:
    """An uploaded file read under ``settings.EVIDENCE_MAX_BYTES`` and typed by its
    content, as evidence is (shared with the nomination dossier)."""
    if not uploaded_file:
        raise ValidationError(msg.FILE_REQUIRED, code="required")
    data = _read_upload(uploaded_file)
    return data, detect_file_type(data)
