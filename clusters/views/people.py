"""People: the board's staff and its units' officers and leaders (board only).

An account is never deleted: it is deactivated, after a confirmation.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from clusters import services
from clusters.forms.people import (
    PeopleFilterForm,
    SetPasswordForm,
    UserCreateForm,
    UserEditForm,
)
from clusters.permissions import board_for, managed_user_for
from clusters.selectors.people import assignable_units, organizer_people, organizer_units
from core.forms import apply_service_errors

PAGE_SIZE = 50


def user_list(request):  # type: ignore[no-untyped-def]
    organizer = board_for(request)
    filter_form = PeopleFilterForm(request.GET or None, units=organizer_units(organizer=organizer))
    filters = filter_form.cleaned_data if filter_form.is_valid() else {}
    people = organizer_people(
        organizer=organizer,
        query=filters.get("q", ""),
        role=filters.get("role", ""),
        unit=filters.get("unit"),
    )
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "clusters/people/user_list.html",
        {
            "nav": "people",
            "organizer": organizer,
            "filter_form": filter_form,
            "filtered": bool(filters and any(filters.values())),
            "page": page,
            "total": len(people),
        },
    )


def user_create(request):  # type: ignore[no-untyped-def]
    organizer = board_for(request)
    form = UserCreateForm(request.POST or None, units=assignable_units(organizer=organizer))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            person = services.user_create(
                actor=request.user,
                organizer=organizer,
                username=data["username"],
                password=data["password1"],
                full_name=data["full_name"],
                email=data["email"],
                role=data["role"],
                unit=data["unit"],
                position=data["position"],
                phone=data["phone"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("The account “%(username)s” was created.") % {"username": person.username},
            )
            return redirect("user_list")
    return render(
        request,
        "clusters/people/user_form.html",
        {"nav": "people", "organizer": organizer, "form": form, "creating": True},
    )


def _managed(request, pk: int):  # type: ignore[no-untyped-def]
    person = managed_user_for(request, pk)
    # A system administrator's account is not the board's to manage.
    if person.is_superuser and not request.user.is_superuser:
        raise Http404
    return person


def user_edit(request, pk: int):  # type: ignore[no-untyped-def]
    organizer = board_for(request)
    person = _managed(request, pk)
    units = assignable_units(organizer=organizer, keep=person.profile.unit)
    if request.method != "POST":
        form = UserEditForm(initial=UserEditForm.initial_for(person), units=units)
    else:
        form = UserEditForm(request.POST, units=units)
        if form.is_valid():
            fields = form.service_fields()
            deactivating = person.is_active and not fields["is_active"]
            # Ask first; one's own account goes straight to the service, which refuses.
            if (
                deactivating
                and not form.cleaned_data["confirm_deactivation"]
                and person.pk != request.user.pk
            ):
                return render(
                    request,
                    "clusters/people/user_deactivate_confirm.html",
                    {"nav": "people", "form": form, "person": person},
                )
            try:
                services.user_update(actor=request.user, user=person, organizer=organizer, **fields)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                if deactivating:
                    text = _("The account “%(username)s” was deactivated.")
                else:
                    text = _("The account “%(username)s” was saved.")
                messages.success(request, text % {"username": person.username})
                return redirect("user_list")
    return render(
        request,
        "clusters/people/user_form.html",
        {"nav": "people", "organizer": organizer, "form": form, "person": person},
    )


def user_password(request, pk: int):  # type: ignore[no-untyped-def]
    person = _managed(request, pk)
    form = SetPasswordForm(request.POST or None, user=person)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_set_password(
                actor=request.user, user=person, password=form.cleaned_data["password1"]
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            if person.pk == request.user.pk:
                update_session_auth_hash(request, person)  # stay logged in
            messages.success(
                request,
                _("A new password was set for “%(username)s”.") % {"username": person.username},
            )
            return redirect("user_list")
    return render(
        request,
        "clusters/people/user_password.html",
        {"nav": "people", "form": form, "person": person},
    )


urlpatterns = [
    path("people/", user_list, name="user_list"),
    path("people/new/", user_create, name="user_create"),
    path("people/<int:pk>/edit/", user_edit, name="user_edit"),
    path("people/<int:pk>/password/", user_password, name="user_password"),
]
