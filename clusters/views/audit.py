"""The activity log: what was changed in the organizer's data, by whom, when,
and the values before and after (board only; read-only)."""

from __future__ import annotations

from django import forms
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext_lazy as _

from clusters.permissions import board_for
from clusters.selectors.audit import audit_entries, present
from core.audit import action_areas

PAGE_SIZE = 50
DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]


def _date_field(label: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(format="%d/%m/%Y", attrs={"placeholder": "dd/mm/yyyy"}),
    )


class AuditFilterForm(forms.Form):
    """The log's filters (GET); a filter that does not parse is ignored."""

    action = forms.ChoiceField(
        label=_("Area"), required=False, choices=lambda: [("", _("All areas")), *action_areas()]
    )
    user = forms.CharField(label=_("User name"), required=False, max_length=150)
    date_from = _date_field(_("From"))
    date_to = _date_field(_("To"))
    q = forms.CharField(label=_("Object"), required=False, max_length=100)


def audit_log(request):  # type: ignore[no-untyped-def]
    organizer = board_for(request)
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    entries = audit_entries(
        organizer_id=organizer.pk,
        action_prefix=filters.get("action", ""),
        username=filters.get("user", ""),
        date_from=filters.get("date_from"),
        date_to=filters.get("date_to"),
        query=filters.get("q", ""),
    )
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "clusters/audit/audit_log.html",
        {
            "nav": "audit",
            "organizer": organizer,
            "filter_form": form,
            "filtered": bool(filters and any(filters.values())),
            "page": page,
            "rows": [present(entry) for entry in page.object_list],
        },
    )


urlpatterns = [path("activity/", audit_log, name="audit_log")]
