"""``{% scorecard_rows %}``: the scorecard's rows as HTML, each row rendered once per
content.

A scorecard page is 150 criteria and more; rendering all their rows through the
template engine costs most of the request (docs/performance.md). A row's HTML depends
only on what it shows, so each row is cached under a digest of everything the row
template reads — the row's data, its criterion, its evidence, the card, the language and
the template files themselves. Nothing is ever invalidated: a change anywhere gives
another key, and an unchanged row is found whoever asks (the key holds no user).
Rows that show a refusal, a conflict or the cursor are rendered fresh, never cached.

The CSRF token differs per session, so it is rendered as a marker and put in after.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import fields
from html import escape
from pathlib import Path
from typing import Any

from django import template
from django.conf import settings
from django.core.cache import caches
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from scoring.selectors.scorecards import Row

logger = logging.getLogger(__name__)
register = template.Library()

ROW_TEMPLATE = "scoring/_scorecard_row.html"
# Every template the row template includes: their text is part of each key, so editing
# one of them never serves an old row.
ROW_PARTIALS = (
    ROW_TEMPLATE,
    "scoring/_scorecard_group_points.html",
    "scoring/_scorecard_flags.html",
    "scoring/_scorecard_status.html",
    "scoring/_scorecard_points.html",
    "scoring/_scorecard_chips.html",
)
CSRF_MARK = "__csrf_token_of_this_page__"
# The Criterion fields the row template shows (directly or through Row's properties).
CRITERION_FIELDS = (
    "pk",
    "code",
    "title",
    "kind",
    "max_points",
    "params",
    "guidance",
    "evidence_required",
)


def _template_digest() -> str:
    digest = hashlib.sha256()
    for directory in settings.TEMPLATES[0]["DIRS"]:
        for name in ROW_PARTIALS:
            path = Path(directory) / name
            if path.exists():
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


TEMPLATE_DIGEST = _template_digest()


def row_state(row: Row) -> tuple[Any, ...]:
    """Everything the row template reads, as plain values. Every field of ``Row`` is
    in it (a field added to Row is in the key without anyone remembering to add it)."""
    state: list[Any] = []
    for item in fields(row):
        value = getattr(row, item.name)
        if item.name == "criterion":
            value = (
                *(getattr(value, name) for name in CRITERION_FIELDS),
                getattr(value, "depth", 0),
            )
        elif item.name == "entry":
            value = (
                None
                if value is None
                else (value.pk, value.final_reason, value.self_explanation, value.version)
            )
        elif item.name == "evidence":
            value = tuple((each.evidence.pk, each.label, each.is_file) for each in value)
        state.append((item.name, value))
    return tuple(state)


def _key(row: Row, card_pk: int, has_final: bool) -> str:
    text = repr((TEMPLATE_DIGEST, get_language(), card_pk, has_final, row_state(row)))
    return "scrow:" + hashlib.sha256(text.encode()).hexdigest()


def _cacheable(row: Row, focus: Any) -> bool:
    return not row.errors and not row.conflict and not (focus and row.pk == focus)


@register.simple_tag(takes_context=True)
def scorecard_rows(context: template.Context) -> SafeString:
    """The ``<tr>`` of every row of the page's scorecard, in order."""
    return render_rows(context.flatten(), str(context.get("csrf_token") or ""))


def render_rows(context: dict[str, Any], csrf_token: str) -> SafeString:
    """The ``<tr>`` of every row of ``context["page"]``, in order."""
    page = context["page"]
    card = context["card"]
    focus = context.get("focus")  # the row of a refused save, shown with its message
    has_final = page.summary.has_final
    template = get_template(ROW_TEMPLATE)
    keys = {
        index: _key(row, card.pk, has_final)
        for index, row in enumerate(page.rows)
        if _cacheable(row, focus)
    }
    cache = caches[settings.FRAGMENT_CACHE]
    try:
        found = cache.get_many(list(keys.values()))
    except Exception:  # an unreachable cache only costs time
        logger.warning("the fragment cache did not answer", exc_info=True)
        found = {}
    parts: list[str] = []
    fresh: dict[str, str] = {}
    row_context = {**context, "csrf_token": CSRF_MARK}
    for index, row in enumerate(page.rows):
        key = keys.get(index)
        html = found.get(key) if key else None
        if html is None:
            html = template.render({**row_context, "row": row})
            if key:
                fresh[key] = html
        parts.append(html)
    if fresh:
        try:
            cache.set_many(fresh, timeout=settings.FRAGMENT_CACHE_SECONDS)
        except Exception:
            logger.warning("the fragment cache did not store", exc_info=True)
    return mark_safe("".join(parts).replace(CSRF_MARK, csrf_token))  # noqa: S308 - rendered by the template engine, escaped there


@register.simple_tag
def entry_options(page: Any, chosen: Any) -> SafeString:
    """The library's criterion list as ``<option>`` elements (150 and more, twice on the
    page: joined in Python, not six template nodes each, and escaped with the standard
    library's ``html.escape`` — what Django's ``escape`` calls — without wrapping each
    string); ``chosen``: the values the form got back, kept selected after a refusal."""
    picked = {str(value) for value in chosen or ()}
    return mark_safe(  # noqa: S308 - every value and label is escaped here
        "".join(
            f'<option value="{escape(value)}"{" selected" if value in picked else ""}>'
            f"{escape(label)}</option>"
            for value, label in page.entry_options
        )
    )
