"""The only way WeasyPrint may read anything while it renders a document.

WeasyPrint's own fetcher opens ``file://`` paths and any URL, so a template that
prints user text could leak server files into a PDF or reach internal hosts. This
one serves exactly two things:

- the project's static files, asked for as ``/static/…`` (resolved against
  ``DOCUMENT_BASE_URL``) and looked up with the ``django.contrib.staticfiles``
  finders — never by opening the path as given — and only when the real file lies
  inside one of the finders' directories (no ``..``, no symlink pointing out);
- ``data:`` URIs (the QR code), decoded in memory.

Everything else — ``file:``, ``http(s)`` to any other host, ``ftp:``… — raises
``URLRefused`` before any file is opened or any connection is made. No network
code is ever reached, so there is no redirect to follow either.
"""

from __future__ import annotations

import logging
import mimetypes
import posixpath
from pathlib import Path
from urllib import request as urllib_request
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)

# A host that can never resolve (RFC 6761 reserves .invalid): relative URLs such as
# "/static/css/documents.css" become https://documents.invalid/static/…, which the
# fetcher maps to a static file without any network access.
DOCUMENT_ORIGIN = "https://documents.invalid"
DOCUMENT_BASE_URL = f"{DOCUMENT_ORIGIN}/"
# Nothing a document needs is bigger (fonts are ~0.5 MB, the QR a few KB).
MAX_RESOURCE_BYTES = 10 * 1024 * 1024


class URLRefused(ValueError):
    """The document asked for something outside the project's static files."""


def _static_prefix() -> str:
    """The path part of STATIC_URL, with slashes: "/static/"."""
    path = urlsplit(settings.STATIC_URL).path or "/"
    return "/" + path.strip("/") + "/" if path.strip("/") else "/"


def _static_roots() -> list[Path]:
    """The real directories the staticfiles finders serve from."""
    roots: list[Path] = []
    for finder in finders.get_finders():
        for storage in getattr(finder, "storages", {}).values():
            location = getattr(storage, "location", None)
            if location:
                roots.append(Path(location).resolve())
    return roots


def static_file_for(relative: str) -> Path:
    """The static file ``relative`` (e.g. "fonts/Tinos-Regular.ttf"), found by the
    finders and checked to lie inside a static directory; else ``URLRefused``."""
    if not relative or "\x00" in relative or "\\" in relative or relative.startswith("/"):
        raise URLRefused(f"Not a static file name: {relative!r}")
    parts = relative.split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise URLRefused(f"Not a static file name: {relative!r}")
    if posixpath.normpath(relative) != relative:
        raise URLRefused(f"Not a static file name: {relative!r}")
    found = finders.find(relative) or _unhashed_find(relative)
    if not found:
        raise URLRefused(f"No such static file: {relative!r}")
    if isinstance(found, list):  # find(..., find_all=True) shape, defensively
        found = found[0]
    real = Path(found).resolve()
    if not real.is_file() or not any(real.is_relative_to(root) for root in _static_roots()):
        raise URLRefused(f"Static file outside the static directories: {relative!r}")
    return real


def _unhashed_find(relative: str) -> str | None:
    """In production ``{% static %}`` names the hashed copy ("documents.3f2a….css");
    the manifest maps it back to the source file the finders know."""
    hashed_files = getattr(staticfiles_storage, "hashed_files", None) or {}
    for original, hashed in hashed_files.items():
        if hashed == relative:
            return finders.find(original)
    return None


def _static_response(url: str) -> URLFetcherResponse:
    parts = urlsplit(url)
    prefix = _static_prefix()
    if parts.username or parts.password or parts.port or parts.query:
        raise URLRefused(f"Refused URL: {url}")
    if not parts.path.startswith(prefix):
        raise URLRefused(f"Only {prefix}… may be fetched: {url}")
    real = static_file_for(unquote(parts.path[len(prefix) :]))
    if real.stat().st_size > MAX_RESOURCE_BYTES:
        raise URLRefused(f"Static file too large: {url}")
    content_type = mimetypes.guess_type(real.name)[0] or "application/octet-stream"
    return URLFetcherResponse(
        url, body=real.read_bytes(), headers={"Content-Type": content_type}, status=200
    )


def _data_response(url: str) -> URLFetcherResponse:
    if len(url) > MAX_RESOURCE_BYTES * 2:
        raise URLRefused("data: URI too large")
    # urllib's DataHandler only decodes the URI in memory; it never opens anything.
    request = urllib_request.Request(url)  # noqa: S310 - a data: URI, checked by the caller
    opened = urllib_request.DataHandler().data_open(request)
    body = opened.read()
    return URLFetcherResponse(
        "data:", body=body, headers={"Content-Type": opened.headers.get("Content-Type", "")}
    )


class SafeURLFetcher(URLFetcher):
    """A WeasyPrint ``URLFetcher`` that serves only static files and ``data:`` URIs."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols=("data", "https"), allow_redirects=False)
        # Drop every urllib handler the parent installed (file, http, ftp …): even a
        # caller of the opener API directly would find nothing to open with.
        self.handlers = []
        self.handle_open = {}
        self.handle_error = {}
        self.process_response = {}
        self.process_request = {}

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        try:
            scheme = url.split(":", 1)[0].lower() if ":" in url else ""
            if scheme == "data":
                return _data_response(url)
            parts = urlsplit(url)
            if scheme == "https" and f"{parts.scheme}://{parts.netloc}".lower() == DOCUMENT_ORIGIN:
                return _static_response(url)
            raise URLRefused(f"Refused URL: {url[:200]}")
        except URLRefused:
            logger.warning("Document resource refused: %s", url[:200])
            raise
        except (OSError, ValueError) as exc:
            logger.warning("Document resource refused: %s (%s)", url[:200], exc)
            raise URLRefused(f"Refused URL: {url[:200]}") from exc

    def open(self, url, data=None, timeout=None):  # type: ignore[no-untyped-def]
        if isinstance(url, urllib_request.Request):
            url = url.full_url
        return self.fetch(url)


# The fetcher every render uses (stateless: one instance serves every thread).
safe_fetcher = SafeURLFetcher()
