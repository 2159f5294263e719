from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clusters.forms.organizer import OrganizerForm
from clusters.models import Organizer
from clusters.permissions import ACTIVE_ORGANIZER_SESSION_KEY, board_for, current_organizer
from clusters.roles import board_organizer, profile_of
from clusters.selectors.dashboard import board_dashboard, unit_dashboard
from clusters.services import organizer_create, organizer_update
from core.forms import apply_service_errors


def dashboard(request):  # type: ignore[no-untyped-def]
    organizer = current_organizer(request)
    context = {"nav": "dashboard", "organizer": organizer}
    if request.user.is_superuser or board_organizer(request.user):
        context["rows"] = board_dashboard(organizer=organizer) if organizer else []
        return render(request, "clusters/dashboard_board.html", context)
    profile = profile_of(request.user)
    if profile is None:
        return render(request, "clusters/dashboard_none.html", context)
    context["unit"] = profile.unit
    context["memberships"] = unit_dashboard(unit=profile.unit)
    return render(request, "clusters/dashboard_unit.html", context)


@require_POST
def organizer_switch(request):  # type: ignore[no-untyped-def]
    if not request.user.is_superuser:
        raise PermissionDenied
    organizer = Organizer.objects.filter(pk=request.POST.get("organizer")).first()
    if organizer is not None:
        request.session[ACTIVE_ORGANIZER_SESSION_KEY] = organizer.pk
        messages.success(request, _("You now work in %(name)s.") % {"name": organizer.name})
    return redirect("dashboard")


def organizer_settings(request):  # type: ignore[no-untyped-def]
    organizer = board_for(request)
    form = OrganizerForm(request.POST or None, instance=organizer)
    if request.method == "POST" and form.is_valid():
        try:
            organizer_update(actor=request.user, organizer=organizer, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The organizer's settings were saved."))
            return redirect("organizer_settings")
    return render(
        request, "clusters/organizer_settings.html", {"form": form, "organizer": organizer}
    )


def organizer_new(request):  # type: ignore[no-untyped-def]
    """A new organizer (a province's, a city's, a ministry's council): superusers only."""
    if not request.user.is_superuser:
        raise PermissionDenied
    form = OrganizerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organizer = organizer_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            request.session[ACTIVE_ORGANIZER_SESSION_KEY] = organizer.pk
            messages.success(
                request, _("%(name)s was created; you now work in it.") % {"name": organizer.name}
            )
            return redirect("dashboard")
    return render(request, "clusters/organizer_settings.html", {"form": form, "creating": True})


urlpatterns = [
    path("organizer/new/", organizer_new, name="organizer_create"),
    path("", dashboard, name="dashboard"),
    path("organizer/", organizer_settings, name="organizer_settings"),
    path("organizer/switch/", organizer_switch, name="organizer_switch"),
]
