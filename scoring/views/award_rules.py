"""The organizer's vote and award rules (board page). HTTP only: authorize, validate,
call one service, redirect."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from clusters.permissions import board_for
from core.forms import apply_service_errors
from scoring.forms.deliberations import AwardRulesForm
from scoring.models import rules_for
from scoring.services.award_rules import FIELDS, award_rules_save


def award_rules(request: HttpRequest) -> HttpResponse:
    organizer = board_for(request)
    rules = rules_for(organizer)
    if request.method != "POST":
        form = AwardRulesForm(initial={name: getattr(rules, name) for name in FIELDS})
    else:
        form = AwardRulesForm(request.POST)
        if form.is_valid():
            try:
                award_rules_save(actor=request.user, organizer=organizer, **form.cleaned_data)
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _("The vote and award rules are saved."))
                return redirect("award_rules")
    return render(
        request,
        "scoring/award_rules.html",
        {
            "nav": "organizer",
            "organizer": organizer,
            "rules": rules,
            "saved": rules.pk is not None,
            "form": form,
        },
    )


urlpatterns = [
    path("organizer/award-rules/", award_rules, name="award_rules"),
]
