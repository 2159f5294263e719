"""The score summary of a period (issue 6): the Excel download and the PDF (a document job).

Who sees the ranking page sees the summary: board and the verifying head and deputy
always, member units once the results are published (a 404 before, as on the page).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods

from clusters.roles import Role
from core import excel as core_excel
from core.documents.jobs import job_request, latest_job
from scoring.documents_reports import KIND
from scoring.models import Period
from scoring.reports import period_summary, summary_filename, summary_xlsx
from scoring.views.ranking import _period_seen


def period_seen(request: HttpRequest, pk: int) -> tuple[Period, frozenset[Role]]:
    """The ranking page's check (``scoring.views.ranking``), shared with the documents."""
    return _period_seen(request, pk)


@require_GET
def period_summary_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    period, _roles = period_seen(request, pk)
    content = summary_xlsx(period_summary(period=period))
    return core_excel.xlsx_response(content, summary_filename(period, "xlsx"))


@require_http_methods(["GET", "POST"])
def period_summary_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """POST asks for a new PDF; GET goes to the latest one (or back to the ranking)."""
    period, _roles = period_seen(request, pk)
    if request.method == "POST":
        job = job_request(
            actor=request.user,
            kind=KIND,
            obj=period,
            scope_id=period.cluster_year.cluster.organizer_id,
        )
    else:
        job = latest_job(obj=period, kind=KIND)
        if job is None:
            return redirect("period_ranking", pk=period.pk)
    return redirect("job_detail", job.pk)


urlpatterns = [
    path(
        "scoring/periods/<int:pk>/summary.xlsx",
        period_summary_xlsx,
        name="period_summary_xlsx",
    ),
    path("scoring/periods/<int:pk>/summary/pdf/", period_summary_pdf, name="period_summary_pdf"),
]
