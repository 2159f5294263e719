"""``year_guide``: the phase bar and the to-do list of templates/base.html.

Lazy like ``core.context_processors.UnreadCounter``: nothing is read until a template
asks. The cluster year is the one the page is about (its URL names a cluster year, a
covenant, a period, a scorecard, a ballot or a rubric), else the user's own unit's
current cluster year; either only if the user may see it (board of its organizer, or a
person of a member unit). A board user on a page about no cluster year gets no bar but
the link to the year's progress.

The bar's HTML (``bar_html``) is cached in the fragments cache under a key holding the
user, the page, the language, the day and the organizer's ``phase_stamp``, which
``scoring.phase_stamp`` moves forward after every committed change the bar reads: a
change shows on the next page, never an older bar. The stamp comes with the organizer
the request reads anyway (the profile's, or the board's current one).

Queries when rendered, fixed whatever the data:
- the bar found in the cache: none besides the profile and organizer already read (a
  superuser's current organizer: 1);
- on a miss, a unit's person: 1 (the page's cluster year and their own, with the
  covenant, year-end period, nomination, ballots and award rules as subqueries) + 1
  (their own year's periods with the cards counted and the unit's own card and
  explanations) = 2 for the bar and the whole to-do list; +1 for a leader while a
  ballot is open (the ballots their unit has not voted in);
- on a miss, the board: 1 on a page about a cluster year, none elsewhere;
- the to-do box of the dashboard is never cached: a unit's person's 2 (+1) as above,
  the board's the year dashboard's 7 and the default year's 1.
"""

from __future__ import annotations

import logging
from functools import cached_property
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.db.models import Case, Exists, OuterRef, Q, Value, When
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

from clusters.models import ClusterYear
from clusters.permissions import current_organizer
from clusters.roles import board_organizer, profile_of
from covenants.models import Covenant
from scoring.models import Period
from scoring.selectors.next_steps import Step, board_steps, member_steps
from scoring.selectors.year_phase import YearPhase, with_phase_facts, year_phase

# URL route prefix → the lookup from a cluster year to the object its ``pk`` names.
ROUTES = (
    ("years/<int:pk>/", "pk"),
    ("covenants/<int:pk>/", "covenants__pk"),
    ("scoring/periods/<int:pk>/", "periods__pk"),
    ("scoring/scorecards/<int:pk>/", "periods__scorecards__pk"),
    ("scoring/ballots/<int:pk>/", "ballots__pk"),
    ("rubrics/<int:pk>/", "rubrics__pk"),
)

logger = logging.getLogger(__name__)

BAR_TEMPLATE = "includes/year_phase_bar.html"
BAR_CACHE_VERSION = 1  # raise when the bar's template or what it shows changes
# The stamp keeps the bar fresh after every change; the timeout bounds what depends on
# the clock alone: the self-scoring phase ends when its deadline passes, with no write.
BAR_CACHE_SECONDS = 60


class YearGuide:
    def __init__(self, request: Any) -> None:
        self.request = request
        self.user = request.user
        self.now = timezone.now()

    @cached_property
    def profile(self) -> Any:
        return profile_of(self.user)

    @cached_property
    def is_board(self) -> bool:
        return bool(self.user.is_superuser or board_organizer(self.user))

    @cached_property
    def organizer(self) -> Any:
        return current_organizer(self.request) if self.is_board else None

    def _visible(self, queryset: Any) -> Any:
        if self.is_board:
            organizer = self.organizer
            return queryset.filter(cluster__organizer=organizer) if organizer else None
        if self.profile is None or self.profile.unit_id is None:
            return None
        return queryset.filter(memberships__unit_id=self.profile.unit_id)

    @cached_property
    def unit_id(self) -> int | None:
        if self.is_board or self.profile is None:
            return None
        return self.profile.unit_id

    def _page_lookup(self) -> dict[str, Any] | None:
        """``{lookup: pk}`` from the URL, when the page is about a cluster year."""
        match = getattr(self.request, "resolver_match", None)
        if match is None or "pk" not in match.kwargs:
            return None
        route = match.route or ""
        lookup = next((lookup for prefix, lookup in ROUTES if route.startswith(prefix)), None)
        return {lookup: match.kwargs["pk"]} if lookup else None

    @cached_property
    def _years(self) -> tuple[ClusterYear | None, ClusterYear | None]:
        """(the page's cluster year, the user's own current one), in one query, each
        only if the user may see it: the board its organizer's, a unit's person the
        years their unit is a member of."""
        page = self._page_lookup()
        queryset = with_phase_facts(ClusterYear.objects.all(), unit_id=self.unit_id)
        if self.is_board:
            if page is None or self.organizer is None:
                return None, None
            found = queryset.filter(cluster__organizer=self.organizer, **page).first()
            return found, None
        if self.unit_id is None:
            return None, None
        # A unit's current cluster year: the latest open one up to this year whose work
        # has started (a covenant or a scoring period), else the latest one up to this
        # year — next year's cluster, set up in December, does not hide this year's
        # scoring and nomination still under way.
        this_year = timezone.localdate().year
        started = Q(status=ClusterYear.Status.OPEN) & (
            Exists(Covenant.objects.filter(cluster_year=OuterRef("pk")))
            | Exists(Period.objects.filter(cluster_year=OuterRef("pk")))
        )
        on_page = Q(pk__in=ClusterYear.objects.filter(**page).values("pk")) if page else Q()
        wanted = Q(year__lte=this_year) | on_page if page else Q(year__lte=this_year)
        rows = list(
            queryset.filter(wanted, memberships__unit_id=self.unit_id)
            .annotate(
                started=Case(When(started, then=1), default=0),
                on_page=Case(When(on_page, then=1), default=0) if page else Value(0),
            )
            .order_by("-started", "-year")
        )
        page_year = next((row for row in rows if row.on_page), None)
        own = next((row for row in rows if row.year <= this_year), None)
        return page_year, own

    @property
    def page_year(self) -> ClusterYear | None:
        return self._years[0]

    @property
    def own_year(self) -> ClusterYear | None:
        return self._years[1]

    @cached_property
    def phase(self) -> YearPhase | None:
        cluster_year = self.page_year or self.own_year
        if cluster_year is None:
            return None
        if self.own_year is not None and cluster_year.pk == self.own_year.pk:
            return self.own_phase
        return year_phase(cluster_year, periods=False, now=self.now)  # the bar only

    @cached_property
    def own_phase(self) -> YearPhase | None:
        own = self.own_year
        if own is None:
            return None
        return year_phase(own, unit_id=self.unit_id, now=self.now)

    @cached_property
    def todo(self) -> list[Step]:
        """The board's list costs the year dashboard's queries: on its dashboard only;
        elsewhere the board gets the link to the year's progress."""
        if self.is_board:
            if self.organizer is None or not self.on_dashboard:
                return []
            return board_steps(self.organizer, now=self.now)
        own = self.own_phase
        if own is None:
            return []
        return member_steps(self.user, own.cluster_year, phase=own, now=self.now)

    @property
    def on_dashboard(self) -> bool:
        match = getattr(self.request, "resolver_match", None)
        return bool(match and match.url_name == "dashboard")

    @cached_property
    def stamped_organizer(self) -> Any:
        """The organizer whose ``phase_stamp`` covers what the bar shows: the board's
        current one, a unit's person's unit's (a unit is only ever in its own
        organizer's clusters); None: the bar is not cached."""
        if self.is_board:
            return self.organizer
        if self.profile is None or self.profile.unit_id is None:
            return None
        return self.profile.unit.organizer

    def _bar_key(self) -> str | None:
        organizer = self.stamped_organizer
        if organizer is None or self.request.method not in ("GET", "HEAD"):
            # A page drawn by a POST follows a change the stamp read at the start of the
            # request does not yet count (the ballot's receipt after a vote): fresh.
            return None
        page = self._page_lookup()
        profile = self.profile
        who = "board" if self.is_board else f"unit{profile.unit_id}-{profile.role}"
        return ":".join(
            str(part)
            for part in (
                "phase-bar",
                BAR_CACHE_VERSION,
                self.user.pk,
                who,
                organizer.pk,
                organizer.phase_stamp,
                ",".join(f"{lookup}={pk}" for lookup, pk in page.items()) if page else "-",
                int(self.on_dashboard),
                translation.get_language(),
                timezone.localdate().isoformat(),
            )
        )

    @cached_property
    def bar_html(self) -> SafeString:
        """The phase bar and the to-do line (templates/includes/year_phase_bar.html), as
        the include rendered them (the template reads ``year_guide`` alone)."""
        key = self._bar_key()
        if key is None:
            return render_to_string(BAR_TEMPLATE, {"year_guide": self})
        cache = caches[settings.FRAGMENT_CACHE]
        try:
            html = cache.get(key)
        except Exception:  # an unreachable cache only costs time, as for the rows
            logger.warning("the fragment cache did not answer", exc_info=True)
            html = None
        if html is None:
            html = render_to_string(BAR_TEMPLATE, {"year_guide": self})
            try:
                cache.set(key, html, BAR_CACHE_SECONDS)
            except Exception:
                logger.warning("the fragment cache did not store", exc_info=True)
        return mark_safe(html)  # noqa: S308 - rendered by the template engine, escaped there


def year_guide(request) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """``year_guide`` for the phase bar and the to-do list in the base template."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"year_guide": YearGuide(request)}
