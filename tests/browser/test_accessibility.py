"""The main pages, each opened with an empty cache at 1280 px and on a 375-px phone:
axe-core (vendored in tests/browser/vendor/axe/, never served by the app) finds no
serious or critical WCAG 2 A/AA violation, the page says it is Vietnamese
(``<html lang="vi">``), nothing is fetched from another origin, and the page with all
it loads weighs under 300 KB as the production server sends it.

Weight: the bytes the browser received for each request (headers and body), except
that static files count at their gzip size: in production WhiteNoise
(``CompressedManifestStaticFilesStorage``) serves them precompressed, while the test
server sends them raw. The HTML counts uncompressed (conservative).

Full-page screenshots of every page are saved to ``var/browser/`` or, when
``SCREENSHOTS_DIR`` is set (``SCREENSHOTS_DIR=docs/screenshots``), there under stable
names for the README."""

from __future__ import annotations

import gzip
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from django.contrib.auth import get_user_model

from clusters.models import ClusterYear
from scoring.models import Ballot, Period, Scorecard
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_covenant_signing import _covenant_in_signing

AXE = Path(__file__).resolve().parent / "vendor" / "axe" / "axe.min.js"
ROOT = Path(__file__).resolve().parents[2]
MAX_BYTES = 300 * 1024
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}
BAD_IMPACTS = ("serious", "critical")
SHOT_MAX_HEIGHT = 2400

FIRST_TABBABLE = """() => document.querySelector(
    "a[href], button, input:not([type=hidden]), select, textarea, [tabindex]:not([tabindex='-1'])"
).getAttribute("href")"""

DUPLICATE_IDS = """() => {
    const seen = new Set(), twice = new Set();
    for (const el of document.querySelectorAll("[id]")) {
        (seen.has(el.id) ? twice : seen).add(el.id);
    }
    return [...twice];
}"""

RUN_AXE = """async () => {
    const result = await axe.run(document, {
        runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    });
    return result.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        targets: v.nodes.map((n) => {
            const data = (n.any[0] || {}).data || {};
            const colors = data.fgColor
                ? ` ${data.fgColor} on ${data.bgColor} ${data.contrastRatio}`
                : "";
            return n.target.join(" ") + colors;
        }),
    }));
}"""


@dataclass
class Visit:
    name: str
    bytes_sent: int = 0  # as production sends it (static gzipped)
    bytes_raw: int = 0  # as the test server sent it
    requests: int = 0
    foreign: list[str] = field(default_factory=list)
    violations: list[dict] = field(default_factory=list)
    lang: str | None = None
    overflow: int = 0  # px wider than the viewport (phone)
    duplicate_ids: list[str] = field(default_factory=list)
    first_tab: str | None = None


def _screenshot_dir() -> Path:
    configured = os.environ.get("SCREENSHOTS_DIR")
    path = (ROOT / configured) if configured else ARTIFACTS
    path.mkdir(parents=True, exist_ok=True)
    return path


def _logged_in_state(chromium, base: str, username: str) -> dict:  # type: ignore[no-untyped-def]
    context = chromium.new_context(locale="vi-VN")
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "demo12345")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    state = context.storage_state()
    context.close()
    return state


def _visit(chromium, base: str, state: dict, path: str, name: str, viewport: dict) -> Visit:  # type: ignore[no-untyped-def]
    """Open ``path`` in a fresh context (empty cache), weigh it, run axe, screenshot."""
    visit = Visit(name=name)
    origin = urlsplit(base).netloc
    # bypass_csp: the app's CSP (rightly) refuses the injected axe script.
    context = chromium.new_context(
        locale="vi-VN", viewport=viewport, storage_state=state, bypass_csp=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)

    def guard(route) -> None:  # type: ignore[no-untyped-def]
        url = urlsplit(route.request.url)
        if url.scheme in ("http", "https") and url.netloc != origin:
            visit.foreign.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    context.route("**/*", guard)
    finished = []
    page.on("requestfinished", lambda request: finished.append(request))
    response = page.goto(f"{base}{path}", wait_until="networkidle")
    assert response is not None and response.ok, (name, path, response and response.status)
    for request in finished:
        sizes = request.sizes()
        raw = sizes["responseHeadersSize"] + sizes["responseBodySize"]
        visit.bytes_raw += raw
        visit.requests += 1
        reply = request.response()
        encoded = reply.header_value("content-encoding") if reply else None
        if urlsplit(request.url).path.startswith("/static/") and reply and not encoded:
            raw = sizes["responseHeadersSize"] + len(gzip.compress(reply.body(), 9))
        visit.bytes_sent += raw
    visit.lang = page.get_attribute("html", "lang")
    visit.overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    page.add_script_tag(path=str(AXE))
    visit.violations = [v for v in page.evaluate(RUN_AXE) if v["impact"] in BAD_IMPACTS]
    # Full page, but the long tables (scorecard, verification) cut at SHOT_MAX_HEIGHT.
    height = min(page.evaluate("() => document.documentElement.scrollHeight"), SHOT_MAX_HEIGHT)
    page.screenshot(
        path=str(_screenshot_dir() / f"{name}.png"),
        full_page=True,
        clip={"x": 0, "y": 0, "width": viewport["width"], "height": height},
    )
    visit.duplicate_ids = page.evaluate(DUPLICATE_IDS)
    # Keyboard: the first Tab lands on the "skip to content" link, which leads to <main>
    # (on a page whose field has autofocus, that link is the first in the tab order).
    if page.evaluate("() => document.activeElement === document.body"):
        page.keyboard.press("Tab")
        visit.first_tab = page.evaluate("() => document.activeElement.getAttribute('href')")
    else:
        visit.first_tab = page.evaluate(FIRST_TABBABLE)
    context.close()
    return visit


def _pages(base: str) -> list[tuple[str, str, str]]:
    """(user, path, screenshot name) for the main pages of the demo."""
    bac_kan_2022 = ClusterYear.objects.get(
        cluster__organizer__name__endswith="thành phố Bắc Kạn", year=2022
    )
    bac_ninh_2023 = ClusterYear.objects.get(
        year=2023, head_unit__profiles__user__username="luongtai"
    )
    period_2022 = Period.objects.get(cluster_year=bac_kan_2022, kind=Period.Kind.YEAR_END)
    period_2023 = Period.objects.get(cluster_year=bac_ninh_2023, kind=Period.Kind.YEAR_END)
    own_card = Scorecard.objects.get(period=period_2023, unit__profiles__user__username="tuson")
    submitted = Scorecard.objects.filter(
        period=period_2023, state=Scorecard.State.SUBMITTED
    ).order_by("unit__name")[0]
    ballot = Ballot.objects.filter(
        cluster_year=bac_kan_2022, state=Ballot.State.CLOSED, purpose=Ballot.Purpose.LEADING_UNIT
    ).order_by("-round")[0]
    covenant = _covenant_in_signing()  # TP Bắc Kạn 2023, open for signing
    assert own_card.state == Scorecard.State.DRAFT
    return [
        ("bacninh", "/", "dashboard"),
        ("bacninh", "/board/years/2023/", "year-dashboard"),
        ("phungchikien_lanhdao", f"/covenants/{covenant.pk}/", "covenant"),
        ("phungchikien_lanhdao", f"/covenants/{covenant.pk}/sign/", "covenant-signing"),
        ("tuson", f"/scoring/scorecards/{own_card.pk}/", "scorecard"),
        ("luongtai", f"/scoring/scorecards/{submitted.pk}/verify/", "verification"),
        ("phungchikien_lanhdao", f"/scoring/ballots/{ballot.pk}/", "ballot"),
        ("phungchikien_lanhdao", f"/scoring/ballots/{ballot.pk}/result/", "results"),
        ("backan", f"/scoring/periods/{period_2022.pk}/ranking/", "ranking"),
        ("phungchikien", f"/scoring/periods/{period_2022.pk}/nomination/", "nomination"),
        ("backan", "/scoring/board/nominations/?year=2022", "board-nominations"),
    ]


def test_main_pages_are_accessible_light_and_local(chromium, demo_server) -> None:  # type: ignore[no-untyped-def]
    base = demo_server.url
    assert get_user_model().objects.filter(username="tuson").exists()
    pages = _pages(base)
    states: dict[str, dict] = {}
    visits: list[Visit] = []
    for username, path, name in pages:
        if username not in states:
            states[username] = _logged_in_state(chromium, base, username)
        visits.append(_visit(chromium, base, states[username], path, name, DESKTOP))
        visits.append(_visit(chromium, base, states[username], path, f"{name}-phone", PHONE))

    report = {v.name: v.violations for v in visits if v.violations}
    (ARTIFACTS / "axe-violations.json").write_text(json.dumps(report, ensure_ascii=False, indent=1))
    problems = []
    for visit in visits:
        print(
            f"{visit.name:24} {visit.requests:2} requests  "
            f"{visit.bytes_sent / 1024:6.1f} KB sent  ({visit.bytes_raw / 1024:6.1f} KB raw)  "
            f"overflow {visit.overflow}px"
        )
        for v in visit.violations:
            problems.append(
                f"{visit.name}: {v['impact']} {v['id']} ({v['help']}) at {v['targets'][:6]}"
            )
        if visit.duplicate_ids:
            problems.append(f"{visit.name}: duplicate ids {visit.duplicate_ids}")
        if visit.first_tab != "#main":
            problems.append(f"{visit.name}: first Tab goes to {visit.first_tab!r}, not #main")
        if visit.overflow > 0:
            problems.append(f"{visit.name}: {visit.overflow}px wider than the screen")
        if visit.lang != "vi":
            problems.append(f"{visit.name}: <html lang={visit.lang!r}>")
        if visit.foreign:
            problems.append(f"{visit.name}: requests to other origins {visit.foreign}")
        if visit.bytes_sent >= MAX_BYTES:
            problems.append(f"{visit.name}: {visit.bytes_sent} bytes (limit {MAX_BYTES})")
    assert not problems, "\n".join(problems)
