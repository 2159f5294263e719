"""HTML template → PDF with WeasyPrint, reading nothing but the project's static files.

Templates extend "documents/base_decree30.html" and link their assets with
``{% static %}``: "/static/…" resolves against ``DOCUMENT_BASE_URL`` and the safe
fetcher serves it from the staticfiles finders. User text stays autoescaped, and
whatever a template might still point at (file:, other hosts) is refused.
"""

from __future__ import annotations

import re

from django.template.loader import render_to_string
from django.utils import translation
from weasyprint import HTML

from core.documents.fetcher import DOCUMENT_BASE_URL, safe_fetcher

# Bidi embedding, override and isolate controls (U+202A–U+202E, U+2066–U+2069). A
# Vietnamese document never needs them, and one left open in a user's text (a name
# typed with U+202E) would print the rest of the paragraph backwards — the document's
# own words too. They are dropped from the whole page.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def render_html(template_name: str, context: dict) -> str:
    """The document's HTML, always in Vietnamese (official documents are)."""
    with translation.override("vi"):
        return BIDI_CONTROLS.sub("", render_to_string(template_name, context))


def render_pdf(template_name: str, context: dict) -> bytes:
    html = render_html(template_name, context)
    document = HTML(string=html, base_url=DOCUMENT_BASE_URL, url_fetcher=safe_fetcher)
    return document.write_pdf()
