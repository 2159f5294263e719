"""WeasyPrint reads nothing but the project's static files and data: URIs.

Attack inputs go two ways: as raw HTML straight into WeasyPrint with the safe
fetcher (what if a template ever printed them unescaped), and as user text through
a real document template (what actually happens: they are printed as text).
"""

from __future__ import annotations

import base64
import datetime as dt
import shutil
import socket
import subprocess
import threading
from pathlib import Path

import pytest
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from core.documents import fetcher as fetcher_module
from core.documents.fetcher import (
    DOCUMENT_BASE_URL,
    SafeURLFetcher,
    URLRefused,
    safe_fetcher,
    static_file_for,
)
from core.documents.registry import example_context
from core.documents.render import render_pdf

STATIC = Path(__file__).resolve().parent.parent / "static"
PASSWD_MARK = "root:x:0:0"


class Listener:
    """A TCP server on a free local port that counts the connections it gets."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(5)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _addr = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()


@pytest.fixture
def listener():  # type: ignore[no-untyped-def]
    server = Listener()
    yield server
    server.close()


class RecordingFetcher(SafeURLFetcher):
    """The safe fetcher, noting what it was asked for and what it refused."""

    def __init__(self) -> None:
        super().__init__()
        self.served: list[str] = []
        self.refused: list[str] = []

    def fetch(self, url, headers=None):  # type: ignore[no-untyped-def]
        try:
            response = super().fetch(url, headers)
        except URLRefused:
            self.refused.append(url)
            raise
        self.served.append(url)
        return response


def write_pdf(html: str, url_fetcher: URLFetcher) -> bytes:
    return HTML(string=html, base_url=DOCUMENT_BASE_URL, url_fetcher=url_fetcher).write_pdf()


def poppler(tool: str, *args: str) -> str:
    command = [shutil.which(tool) or tool, *args]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "out.pdf"
    path.write_bytes(pdf)
    return poppler("pdftotext", str(path), "-")


def embedded_files(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "attach.pdf"
    path.write_bytes(pdf)
    return poppler("pdfdetach", "-list", str(path))


# --- the fetcher on its own ------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        "file://localhost/etc/passwd",
        "ftp://127.0.0.1/pub/x",
        "http://127.0.0.1:9/x",
        "https://example.com/static/css/documents.css",
        "https://documents.invalid.example.com/static/css/documents.css",
        "https://user@documents.invalid/static/css/documents.css",
        "https://documents.invalid:8443/static/css/documents.css",
        "https://documents.invalid/etc/passwd",
        "https://documents.invalid/static/%2e%2e/%2e%2e/etc/passwd",
        "https://documents.invalid/static/..%2f..%2fconfig/settings.py",
        "https://documents.invalid/static/css/%2e%2e/%2e%2e/manage.py",
        "https://documents.invalid/static//etc/passwd",
        "https://documents.invalid/static/%2fetc%2fpasswd",
        "https://documents.invalid/static/css\\..\\..\\manage.py",
        "https://documents.invalid/static/no-such-file.css",
        "gopher://127.0.0.1:70/x",
        "/etc/passwd",
    ],
)
def test_it_refuses_anything_but_static_files(url):  # type: ignore[no-untyped-def]
    with pytest.raises(URLRefused):
        safe_fetcher.fetch(url)


def test_it_serves_a_static_file_found_by_the_finders():  # type: ignore[no-untyped-def]
    response = safe_fetcher.fetch("https://documents.invalid/static/fonts/Tinos-Regular.ttf")
    assert response.read() == (STATIC / "fonts" / "Tinos-Regular.ttf").read_bytes()
    response = safe_fetcher.fetch("https://documents.invalid/static/css/documents.css")
    assert response.content_type == "text/css"


def test_it_maps_a_hashed_production_name_back_to_its_source(monkeypatch):  # type: ignore[no-untyped-def]
    # With the manifest storage {% static %} names "documents.<hash>.css"; the
    # finders only know the source file.
    class Manifest:
        hashed_files = {"css/documents.css": "css/documents.0123abcd4567.css"}

    monkeypatch.setattr(fetcher_module, "staticfiles_storage", Manifest())
    response = safe_fetcher.fetch("https://documents.invalid/static/css/documents.0123abcd4567.css")
    assert response.read() == (STATIC / "css" / "documents.css").read_bytes()
    with pytest.raises(URLRefused):
        safe_fetcher.fetch("https://documents.invalid/static/css/documents.ffff.css")


def test_it_decodes_data_uris_in_memory():  # type: ignore[no-untyped-def]
    response = safe_fetcher.fetch("data:text/plain;base64,eGluIGNow6Bv")
    assert response.read() == "xin chào".encode()


def test_it_makes_no_connection_to_a_local_port(listener):  # type: ignore[no-untyped-def]
    for url in (
        f"http://127.0.0.1:{listener.port}/x",
        f"https://127.0.0.1:{listener.port}/x",
        f"http://localhost:{listener.port}/static/css/documents.css",
    ):
        with pytest.raises(URLRefused):
            safe_fetcher.fetch(url)
    assert listener.connections == 0


def test_it_refuses_a_symlink_out_of_the_static_directories(settings, tmp_path):  # type: ignore[no-untyped-def]
    static_dir = tmp_path / "static"
    static_dir.mkdir()
    (static_dir / "ok.css").write_text("p { color: black }")
    secret = tmp_path / "secret.txt"
    secret.write_text(PASSWD_MARK)
    (static_dir / "leak.css").symlink_to(secret)
    (static_dir / "etc").symlink_to("/etc")
    settings.STATICFILES_DIRS = [static_dir]

    assert static_file_for("ok.css") == (static_dir / "ok.css").resolve()
    with pytest.raises(URLRefused):
        static_file_for("leak.css")
    with pytest.raises(URLRefused):
        safe_fetcher.fetch("https://documents.invalid/static/etc/passwd")


def test_the_fetcher_cannot_open_anything_through_urllib_either():  # type: ignore[no-untyped-def]
    # Its urllib handlers are gone: even the opener API reaches only fetch().
    assert safe_fetcher.handlers == []
    with pytest.raises(URLRefused):
        safe_fetcher.open("file:///etc/passwd")


# --- raw attack HTML straight into WeasyPrint ------------------------------------


def attack_html(port: int) -> str:
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        '<image href="file:///etc/passwd" width="10" height="10"/>'
        f'<image href="http://127.0.0.1:{port}/svg" width="10" height="10"/></svg>'
    )
    svg_uri = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
    return f"""<!doctype html><html><head>
<link rel="attachment" href="file:///etc/passwd">
<link rel="attachment" href="/static/../../../../etc/passwd">
<link rel="stylesheet" href="file:///etc/passwd">
<link rel="stylesheet" href="/static/css/../../config/settings.py">
<style>
@import url("file:///etc/passwd");
@font-face {{ font-family: Leak; src: url("file:///etc/passwd"); }}
body {{ background: url("file:///etc/passwd"); }}
h1 {{ background-image: url("http://127.0.0.1:{port}/css"); }}
</style></head><body>
<h1>Tấn công</h1>
<img src="file:///etc/passwd">
<img src="http://127.0.0.1:{port}/x">
<img src="https://127.0.0.1:{port}/x">
<img src="/static/%2e%2e/%2e%2e/%2e%2e/etc/passwd">
<object data="file:///etc/passwd"></object>
<embed src="file:///etc/passwd">
<svg xmlns="http://www.w3.org/2000/svg"><image href="file:///etc/passwd"/></svg>
<img src="{svg_uri}">
<a href="file:///etc/passwd">link</a>
</body></html>"""


def test_raw_attack_html_reads_no_file_and_reaches_no_host(listener, tmp_path):  # type: ignore[no-untyped-def]
    recorder = RecordingFetcher()
    pdf = write_pdf(attack_html(listener.port), recorder)

    assert listener.connections == 0
    assert [url[:5] for url in recorder.served] == ["data:"]  # the SVG, nothing it links to
    refused = " ".join(recorder.refused)
    assert "file:///etc/passwd" in refused
    assert f"http://127.0.0.1:{listener.port}/x" in refused
    assert f"http://127.0.0.1:{listener.port}/svg" in refused
    assert "documents.invalid/etc/passwd" in refused  # the traversal, normalised
    assert "%2e%2e" in refused
    assert "0 embedded files" in embedded_files(pdf, tmp_path)
    assert PASSWD_MARK not in pdf_text(pdf, tmp_path)
    assert PASSWD_MARK.encode() not in pdf


def test_weasyprint_default_fetcher_would_leak_the_file(tmp_path):  # type: ignore[no-untyped-def]
    # The control experiment: without our fetcher the same attachment embeds
    # /etc/passwd, so the test above would notice a leak.
    html = '<html><head><link rel="attachment" href="file:///etc/passwd"></head><body>x</body>'
    pdf = write_pdf(html, URLFetcher())
    assert "1 embedded files" in embedded_files(pdf, tmp_path)


# --- user text through a real document template ---------------------------------


def test_user_text_with_attacks_is_printed_as_text(listener, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    recorder = RecordingFetcher()
    monkeypatch.setattr("core.documents.render.safe_fetcher", recorder)
    typed = (
        '<img src="file:///etc/passwd"> '
        '<link rel="attachment" href="file:///etc/passwd"> '
        f'<img src="http://127.0.0.1:{listener.port}/x"> '
        f"http://127.0.0.1:{listener.port}/x "
        '<style>body { background: url("file:///etc/passwd") }</style>'
    )
    pdf = render_pdf(
        "documents/example.html",
        example_context(day=dt.date(2023, 3, 17), body=typed, subject=typed),
    )
    text = pdf_text(pdf, tmp_path)

    assert '<img src="file:///etc/passwd">' in text  # shown, not obeyed
    assert '<link rel="attachment" href="file:///etc/passwd">' in text
    assert PASSWD_MARK not in text
    assert "0 embedded files" in embedded_files(pdf, tmp_path)
    assert listener.connections == 0
    assert recorder.refused == []  # nothing but the static assets was even asked for
    assert all(
        url.startswith(("https://documents.invalid/static/", "data:")) for url in recorder.served
    )


def test_documents_load_their_fonts_through_the_fetcher(monkeypatch):  # type: ignore[no-untyped-def]
    # The fonts come from static/fonts via @font-face, not from the system's fonts.
    recorder = RecordingFetcher()
    monkeypatch.setattr("core.documents.render.safe_fetcher", recorder)
    render_pdf("documents/example.html", example_context(verification_code="ABCDEFGHJK"))
    fonts = sorted(url.rsplit("/", 1)[-1] for url in recorder.served if url.endswith(".ttf"))
    assert fonts == [
        "Tinos-Bold.ttf",
        "Tinos-BoldItalic.ttf",
        "Tinos-Italic.ttf",
        "Tinos-Regular.ttf",
    ]
    assert recorder.refused == []


def test_the_module_refuses_through_a_fresh_instance_too():  # type: ignore[no-untyped-def]
    with pytest.raises(URLRefused):
        fetcher_module.SafeURLFetcher().fetch("file:///etc/passwd")
