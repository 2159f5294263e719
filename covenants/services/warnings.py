"""Warnings about a covenant's content: things a person should look at, never errors.

- a year in the text far from the covenant's year (outside [year − 30, year + 30]),
  or a horizon "đến năm YYYY" / "tới năm YYYY" already in the past (the seed's
  "quy hoạch chung đô thị Bắc Ninh đến năm 1945" in 2023, an evident slip for 2045);
- a target left without a value for a member unit (or for all of them);
- a member unit without any target value at all.

The checks are pure functions over plain data; ``covenant_warnings`` loads a
covenant and runs them. Each warning has a ``key`` that stays the same as long as
the problem is the same, so a save can tell new warnings from ones already seen.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from covenants.models import Covenant

YEAR_WINDOW = 30

TEXT_YEAR_FAR = _("%(place)s: the year %(year)s is far from %(covenant_year)s — “%(fragment)s”.")
TEXT_HORIZON_PAST = _("%(place)s: “%(phrase)s” lies before %(covenant_year)s — “%(fragment)s”.")
TARGET_VALUE_EMPTY = _("Target “%(indicator)s” has no value for %(unit)s.")
UNIT_WITHOUT_VALUES = _("%(unit)s has no target value at all.")
TARGET_WITHOUT_VALUES = _("Target “%(indicator)s” has no value for any member unit.")
CONFERENCE_DATE_OUTSIDE = _("The conference date %(date)s is not in %(year)s, the covenant's year.")
SECTION_PLACE = _("Section “%(heading)s”")

# A four-digit number that reads as a year: not part of a longer number ("1.500",
# "12345", "2,5"), and not a document number ("1830/QĐ-UBND").
_YEAR_RE = re.compile(r"(?<![\d.,])(1[5-9]\d\d|2\d\d\d)(?![\d]|[.,]\d|/\s*[^\W\d_])")
_HORIZON_RE = re.compile(r"\b(đến|tới)\s+năm\s+(\d{4})\b", re.IGNORECASE)
_FRAGMENT_STOP = re.compile(r"[.;:!?\n]")
_FRAGMENT_REACH = 70


@dataclass(frozen=True)
class CovenantWarning:
    kind: str  # text_year, text_horizon, target_empty, target_no_values, unit_no_values
    key: str
    message: str
    section_heading: str = ""

    def __str__(self) -> str:
        return self.message


def _fragment(text: str, start: int, end: int) -> str:
    """The part of the sentence around text[start:end], at most ~70 characters each side."""
    left = max(0, start - _FRAGMENT_REACH)
    before = text[left:start]
    stops = list(_FRAGMENT_STOP.finditer(before))
    if stops:
        before = before[stops[-1].end() :]
        clipped_left = False
    else:
        clipped_left = left > 0
        if clipped_left and " " in before:
            before = before[before.index(" ") + 1 :]
    after = text[end : end + 25]
    stop = _FRAGMENT_STOP.search(after)
    clipped_right = False
    if stop:
        after = after[: stop.start()]
    elif end + 25 < len(text):
        clipped_right = True
        if " " in after:
            after = after[: after.rindex(" ")]
    fragment = " ".join((before + text[start:end] + after).split())
    return ("…" if clipped_left else "") + fragment + ("…" if clipped_right else "")


def text_year_warnings(
    text: str, *, year: int, place: str, section_heading: str = ""
) -> list[CovenantWarning]:
    """Years in ``text`` far from ``year``, and horizons ("đến năm YYYY") before it."""
    if not text:
        return []
    warnings: list[CovenantWarning] = []
    flagged: set[int] = set()
    for match in _HORIZON_RE.finditer(text):
        horizon = int(match.group(2))
        if horizon < year:
            flagged.add(match.start(2))
            phrase = " ".join(match.group(0).split())
            warnings.append(
                CovenantWarning(
                    kind="text_horizon",
                    key=f"horizon|{place}|{phrase.lower()}",
                    message=str(TEXT_HORIZON_PAST)
                    % {
                        "place": place,
                        "phrase": phrase,
                        "covenant_year": year,
                        "fragment": _fragment(text, match.start(), match.end()),
                    },
                    section_heading=section_heading,
                )
            )
    for match in _YEAR_RE.finditer(text):
        found = int(match.group(1))
        if match.start(1) in flagged or abs(found - year) <= YEAR_WINDOW:
            continue
        warnings.append(
            CovenantWarning(
                kind="text_year",
                key=f"year|{place}|{found}",
                message=str(TEXT_YEAR_FAR)
                % {
                    "place": place,
                    "year": found,
                    "covenant_year": year,
                    "fragment": _fragment(text, match.start(), match.end()),
                },
                section_heading=section_heading,
            )
        )
    return warnings


@dataclass(frozen=True)
class TargetData:
    """A target as the warnings see it: its indicator and {unit id: value or None}."""

    indicator: str
    values: Mapping[int, Decimal | None]


def target_warnings(
    targets: Sequence[TargetData], members: Sequence[tuple[int, str]]
) -> list[CovenantWarning]:
    """Empty target values, and member units with no value at all.

    ``members`` are (unit id, unit name) in the agreed order. To keep the list
    readable, a target empty for every unit (of several) is one warning, and so is
    a unit with no value for any of the other targets (of several); the remaining
    empty cells are named one by one.
    """
    if not targets or not members:
        return []
    warnings: list[CovenantWarning] = []
    empty_targets = {
        index
        for index, target in enumerate(targets)
        if len(members) > 1 and all(target.values.get(unit) is None for unit, _name in members)
    }
    filled = [target for index, target in enumerate(targets) if index not in empty_targets]
    empty_units = {
        unit
        for unit, _name in members
        if len(filled) > 1 and all(target.values.get(unit) is None for target in filled)
    }
    for index, target in enumerate(targets):
        if index in empty_targets:
            warnings.append(
                CovenantWarning(
                    kind="target_no_values",
                    key=f"target|{target.indicator.casefold()}",
                    message=str(TARGET_WITHOUT_VALUES) % {"indicator": target.indicator},
                )
            )
    for unit, name in members:
        if unit in empty_units:
            warnings.append(
                CovenantWarning(
                    kind="unit_no_values",
                    key=f"unit|{unit}",
                    message=str(UNIT_WITHOUT_VALUES) % {"unit": name},
                )
            )
    for target in filled:
        for unit, name in members:
            if unit in empty_units or target.values.get(unit) is not None:
                continue
            warnings.append(
                CovenantWarning(
                    kind="target_empty",
                    key=f"empty|{target.indicator.casefold()}|{unit}",
                    message=str(TARGET_VALUE_EMPTY) % {"indicator": target.indicator, "unit": name},
                )
            )
    return warnings


def text_fields(covenant: Covenant) -> list[tuple[str, str]]:
    """(label, text) of the covenant's own text fields the year check reads."""
    labels = {
        name: str(Covenant._meta.get_field(name).verbose_name).capitalize()
        for name in ("theme", "legal_bases", "preamble", "closing")
    }
    return [(labels[name], getattr(covenant, name) or "") for name in labels]


def content_warnings(
    *,
    covenant: Covenant,
    sections: Iterable[Any],
    targets: Sequence[TargetData],
    members: Sequence[tuple[int, str]],
) -> list[CovenantWarning]:
    """All warnings, from data already loaded (``sections`` have heading and body)."""
    year = covenant.cluster_year.year
    warnings: list[CovenantWarning] = []
    for label, text in text_fields(covenant):
        warnings += text_year_warnings(text, year=year, place=label)
    for section in sections:
        place = str(SECTION_PLACE) % {"heading": section.heading}
        warnings += text_year_warnings(
            f"{section.heading}\n{section.body}",
            year=year,
            place=place,
            section_heading=section.heading,
        )
    warnings += target_warnings(targets, members)
    warnings += conference_date_warnings(covenant)
    return warnings


def conference_date_warnings(covenant: Covenant) -> list[CovenantWarning]:
    """The conference is held in the covenant's year (Q1, sometimes at the end of
    the year before, together with the handover)."""
    day, year = covenant.conference_date, covenant.cluster_year.year
    if day is None or dt.date(year - 1, 10, 1) <= day <= dt.date(year, 12, 31):
        return []
    return [
        CovenantWarning(
            kind="conference_date",
            key=f"conference_date:{day.isoformat()}",
            message=str(CONFERENCE_DATE_OUTSIDE) % {"date": day.strftime("%d/%m/%Y"), "year": year},
        )
    ]


def load_targets(covenant: Covenant) -> list[TargetData]:
    return [
        TargetData(
            indicator=target.indicator,
            values={value.unit_id: value.value for value in target.values.all()},
        )
        for target in covenant.targets.prefetch_related("values")
    ]


def load_members(covenant: Covenant) -> list[tuple[int, str]]:
    return [
        (membership.unit_id, membership.unit.name)
        for membership in covenant.cluster_year.memberships.select_related("unit").order_by(
            "order", "pk"
        )
    ]


def covenant_warnings(covenant: Covenant) -> list[CovenantWarning]:
    """Every current warning of ``covenant``, read from the database."""
    return content_warnings(
        covenant=covenant,
        sections=list(covenant.sections.all()),
        targets=load_targets(covenant),
        members=load_members(covenant),
    )


def warning_keys(warnings: Iterable[CovenantWarning]) -> set[str]:
    return {warning.key for warning in warnings}
