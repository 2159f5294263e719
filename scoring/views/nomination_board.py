"""The board's side of nominations (issue 6): every cluster's nomination of a year,
accepting or returning one (with a confirmation step), the award list for the council
(Excel, PDF by the worker), and the public disclosure of the proposed units with its
comments. HTTP only: authorize, validate a form, call one service, redirect.

Board pages answer 403 to the organizer's member units and work only on the board's
own organizer; a nomination of another organizer answers 404. The disclosure page is
for everyone of the organizer (board and any unit), once the window has opened.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from clusters.models import Organizer
from clusters.permissions import board_for, current_organizer
from clusters.roles import is_board_of
from core import excel as core_excel
from core.documents.jobs import job_request
from core.forms import apply_service_errors
from scoring.documents_awards import (
    KIND as AWARD_LIST_KIND,
)
from scoring.documents_awards import (
    award_list_filename,
    award_list_xlsx,
)
from scoring.forms.nomination_board import AcceptForm, CommentForm, DisclosureForm, ReturnForm
from scoring.models import Disclosure, Nomination, NominationDocument, Nominee
from scoring.selectors import nomination_board as selectors
from scoring.services import nomination_review as services

# The cluster side's pages (by period: one nomination per period).
NOMINATION_DETAIL = "nomination_detail"
DOCUMENT_DOWNLOAD = "nomination_document_download"


def _url(name: str, *args: Any) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _document_url(document: NominationDocument) -> str:
    if document.job_id is not None:
        job = document.job
        name = "job_download" if job is not None and job.state == "done" else "job_detail"
        return reverse(name, args=[document.job_id])
    return _url(DOCUMENT_DOWNLOAD, document.nomination.period_id, document.pk)


def _nomination_for_board(request: HttpRequest, pk: int) -> Nomination:
    """The nomination, for the board of its organizer: another organizer's is 404,
    a member unit of the same organizer is refused (403)."""
    nomination = get_object_or_404(
        Nomination.objects.select_related(
            "period",
            "cluster_year__cluster",
            "cluster_year__head_unit",
            "submitted_by",
        ),
        pk=pk,
    )
    organizer = current_organizer(request)
    if organizer is None or organizer.pk != nomination.organizer_id:
        raise Http404
    if not is_board_of(request.user, nomination.organizer_id):
        raise PermissionDenied
    return nomination


def _year_of(request: HttpRequest, organizer: Organizer, years: list[int]) -> int:
    raw = request.GET.get("year", "")
    if raw.isdigit() and 2000 <= int(raw) <= 2100:
        return int(raw)
    today = timezone.localdate().year
    past = [year for year in years if year <= today]
    return past[0] if past else (years[-1] if years else today)


def board_nominations(request: HttpRequest) -> HttpResponse:
    organizer = board_for(request)
    years = selectors.organizer_years(organizer=organizer)
    year = _year_of(request, organizer, years)
    if year not in years:
        years = sorted({*years, year}, reverse=True)
    rows = selectors.organizer_nominations(organizer=organizer, year=year)
    for row in rows:
        row.detail_url = _url(NOMINATION_DETAIL, row.nomination.period_id) if row.nomination else ""
        for document in row.documents:
            document.url = _document_url(document)
    counts = dict.fromkeys(("none", *Nomination.State.values), 0)
    for row in rows:
        counts[row.state] += 1
    disclosure = selectors.disclosure_of(organizer=organizer, year=year)
    now = timezone.now()
    return render(
        request,
        "scoring/board_nominations.html",
        {
            "nav": "nominations",
            "organizer": organizer,
            "year": year,
            "years": years,
            "rows": rows,
            "counts": counts,
            "accepted_count": counts[Nomination.State.ACCEPTED],
            "disclosure": disclosure,
            "disclosure_open": bool(
                disclosure and disclosure.opens_at <= now < disclosure.closes_at
            ),
            "disclosure_closed": bool(disclosure and disclosure.closes_at <= now),
            "pdf_job": selectors.latest_award_list_job(
                organizer=organizer, year=year, kind=AWARD_LIST_KIND
            ),
        },
    )


def _back(nomination: Nomination) -> str:
    return reverse("board_nominations") + f"?year={nomination.year}"


def _decision_context(nomination: Nomination, form: Any) -> dict[str, Any]:
    nominees = list(nomination.nominees.select_related("unit").order_by("award", "order", "pk"))
    nominees.sort(key=lambda item: (selectors.AWARD_ORDER.index(item.award), item.order))
    documents = list(
        nomination.documents.filter(withdrawn_at__isnull=True).select_related("unit", "job")
    )
    for document in documents:
        document.url = _document_url(document)
    return {
        "nav": "nominations",
        "nomination": nomination,
        "cluster_year": nomination.cluster_year,
        "nominees": nominees,
        "documents": documents,
        "form": form,
        "back_url": _back(nomination),
        "detail_url": _url(NOMINATION_DETAIL, nomination.period_id),
        "submitted": nomination.state == Nomination.State.SUBMITTED,
    }


@require_http_methods(["GET", "POST"])
def board_nomination_accept(request: HttpRequest, pk: int) -> HttpResponse:
    nomination = _nomination_for_board(request, pk)
    form = AcceptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.nomination_accept(actor=request.user, nomination=nomination)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The nomination of %(cluster)s is accepted.")
                % {"cluster": nomination.cluster_year.cluster.name},
            )
            return redirect(_back(nomination))
    return render(request, "scoring/board_accept.html", _decision_context(nomination, form))


@require_http_methods(["GET", "POST"])
def board_nomination_return(request: HttpRequest, pk: int) -> HttpResponse:
    nomination = _nomination_for_board(request, pk)
    form = ReturnForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.nomination_return(
                actor=request.user, nomination=nomination, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The nomination of %(cluster)s is returned to the cluster head.")
                % {"cluster": nomination.cluster_year.cluster.name},
            )
            return redirect(_back(nomination))
    return render(request, "scoring/board_return.html", _decision_context(nomination, form))


# The award list -----------------------------------------------------------------------


def award_list_xlsx_view(request: HttpRequest, year: int) -> HttpResponse:
    organizer = board_for(request)
    listing = selectors.award_list(organizer=organizer, year=year)
    return core_excel.xlsx_response(award_list_xlsx(listing), award_list_filename(year, "xlsx"))


@require_http_methods(["GET", "POST"])
def award_list_pdf(request: HttpRequest, year: int) -> HttpResponse:
    """POST asks the document engine for the PDF and goes to the job page; GET goes to
    the latest job of that year (or back to the nominations page)."""
    organizer = board_for(request)
    if request.method == "GET":
        existing = selectors.latest_award_list_job(
            organizer=organizer, year=year, kind=AWARD_LIST_KIND
        )
        if existing is None:
            return redirect(reverse("board_nominations") + f"?year={year}")
        return redirect("job_detail", existing.pk)
    job = job_request(
        actor=request.user,
        kind=AWARD_LIST_KIND,
        obj=organizer,
        scope_id=organizer.pk,
        params={"year": year},
    )
    return redirect("job_detail", job.pk)


# Public disclosure ----------------------------------------------------------------------


def _disclosure_context(
    request: HttpRequest, disclosure: Disclosure, **extra: Any
) -> dict[str, Any]:
    now = timezone.now()
    is_board = is_board_of(request.user, disclosure.organizer_id)
    is_open = disclosure.opens_at <= now < disclosure.closes_at
    return {
        "nav": "disclosure",
        "disclosure": disclosure,
        "year": disclosure.year,
        "clusters": selectors.disclosure_nominees(disclosure=disclosure),
        "is_open": is_open,
        "is_closed": disclosure.closes_at <= now,
        "not_yet": now < disclosure.opens_at,
        "is_board_page": is_board,
        "form": CommentForm(),
        "error_nominee": None,
        **extra,
    }


def _disclosure_for(request: HttpRequest, year: int) -> Disclosure:
    """The organizer's disclosure of ``year`` for anyone of the organizer: members see
    it once it has opened, the board always; outsiders never (404)."""
    organizer = current_organizer(request)
    if organizer is None:
        raise Http404
    disclosure = selectors.disclosure_of(organizer=organizer, year=year)
    if disclosure is None:
        raise Http404
    if not is_board_of(request.user, organizer.pk) and timezone.now() < disclosure.opens_at:
        raise Http404
    return disclosure


def disclosure_current(request: HttpRequest) -> HttpResponse:
    """Where the members' link goes: the window open now, or the list of windows."""
    organizer = current_organizer(request)
    if organizer is None:
        raise Http404
    now = timezone.now()
    showing = selectors.open_disclosures(organizer=organizer, now=now)
    if len(showing) == 1:
        return redirect("disclosure_detail", showing[0].year)
    shown = (
        Disclosure.objects.filter(organizer=organizer)
        if is_board_of(request.user, organizer.pk)
        else Disclosure.objects.filter(organizer=organizer, opens_at__lte=now)
    )
    return render(
        request,
        "scoring/disclosure_list.html",
        {"nav": "disclosure", "disclosures": list(shown.order_by("-year")), "now": now},
    )


def disclosure_detail(request: HttpRequest, year: int) -> HttpResponse:
    disclosure = _disclosure_for(request, year)
    return render(
        request, "scoring/disclosure_detail.html", _disclosure_context(request, disclosure)
    )


@require_POST
def disclosure_comment(request: HttpRequest, year: int, nominee_pk: int) -> HttpResponse:
    disclosure = _disclosure_for(request, year)
    nominee = get_object_or_404(
        Nominee.objects.select_related("unit"),
        pk=nominee_pk,
        nomination__organizer_id=disclosure.organizer_id,
        nomination__year=disclosure.year,
        nomination__state__in=selectors.PROPOSED_STATES,
    )
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.disclosure_comment(
                actor=request.user,
                disclosure=disclosure,
                nominee=nominee,
                text=form.cleaned_data["text"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request, _("Your comment on %(unit)s is recorded.") % {"unit": nominee.unit.name}
            )
            return redirect(reverse("disclosure_detail", args=[year]) + f"#nominee-{nominee.pk}")
    return render(
        request,
        "scoring/disclosure_detail.html",
        _disclosure_context(request, disclosure, form=form, error_nominee=nominee.pk),
        status=200,
    )


@require_http_methods(["GET", "POST"])
def disclosure_settings(request: HttpRequest, year: int) -> HttpResponse:
    organizer = board_for(request)
    if not 2000 <= year <= 2100:
        raise Http404
    disclosure = selectors.disclosure_of(organizer=organizer, year=year)
    closed = bool(disclosure and disclosure.closes_at <= timezone.now())
    initial: dict[str, Any] = {}
    if disclosure is not None:
        initial = {
            "opens_at": timezone.localtime(disclosure.opens_at),
            "closes_at": timezone.localtime(disclosure.closes_at),
            "note": disclosure.note,
        }
    else:
        start = timezone.localtime().replace(minute=0, second=0, microsecond=0)
        initial = {"opens_at": start, "closes_at": start + dt.timedelta(days=7)}
    form = DisclosureForm(request.POST or None, initial=initial)
    if request.method == "POST" and not closed and form.is_valid():
        try:
            services.disclosure_set(
                actor=request.user,
                organizer=organizer,
                year=year,
                opens_at=form.cleaned_data["opens_at"],
                closes_at=form.cleaned_data["closes_at"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The public disclosure is saved."))
            return redirect(reverse("board_nominations") + f"?year={year}")
    return render(
        request,
        "scoring/disclosure_form.html",
        {
            "nav": "nominations",
            "year": year,
            "disclosure": disclosure,
            "closed": closed,
            "form": form,
        },
    )


urlpatterns = [
    path("scoring/board/nominations/", board_nominations, name="board_nominations"),
    path(
        "scoring/board/nominations/<int:pk>/accept/",
        board_nomination_accept,
        name="board_nomination_accept",
    ),
    path(
        "scoring/board/nominations/<int:pk>/return/",
        board_nomination_return,
        name="board_nomination_return",
    ),
    path(
        "scoring/board/awards/<int:year>/list.xlsx",
        award_list_xlsx_view,
        name="award_list_xlsx",
    ),
    path("scoring/board/awards/<int:year>/list.pdf", award_list_pdf, name="award_list_pdf"),
    path(
        "scoring/board/disclosure/<int:year>/",
        disclosure_settings,
        name="disclosure_settings",
    ),
    path("scoring/disclosure/", disclosure_current, name="disclosure_current"),
    path("scoring/disclosure/<int:year>/", disclosure_detail, name="disclosure_detail"),
    path(
        "scoring/disclosure/<int:year>/nominees/<int:nominee_pk>/comment/",
        disclosure_comment,
        name="disclosure_comment",
    ),
]
