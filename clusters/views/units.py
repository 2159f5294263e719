"""The unit register: list, create, edit, a unit's page with its history, and
the lineage changes (rename, split, merge). Board staff only, except that a
unit's own people may see their unit's page."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from clusters import services
from clusters.forms.units import MergeForm, RenameForm, SplitForm, UnitFilterForm, UnitForm
from clusters.permissions import board_for, unit_for_user
from clusters.roles import board_organizer
from clusters.selectors.units import unit_page, unit_register
from core.forms import apply_service_errors

PAGE_SIZE = 50


def unit_list(request):  # type: ignore[no-untyped-def]
    organizer = board_for(request)
    filters = UnitFilterForm(request.GET)
    values = filters.cleaned_data if filters.is_valid() else {}
    units = unit_register(
        organizer=organizer,
        query=values.get("q", ""),
        kind=values.get("kind", ""),
        include_ended=values.get("ended", False),
    )
    page = Paginator(units, PAGE_SIZE).get_page(request.GET.get("page"))
    keep = request.GET.copy()
    keep.pop("page", None)
    return render(
        request,
        "clusters/units/list.html",
        {
            "nav": "units",
            "organizer": organizer,
            "filters": filters,
            "page": page,
            "query_string": keep.urlencode(),
            "include_ended": values.get("ended", False),
            # Said when the register looks empty only because its units have ended.
            "hidden_ended": (
                0
                if values.get("ended") or page.paginator.count
                else unit_register(
                    organizer=organizer,
                    query=values.get("q", ""),
                    kind=values.get("kind", ""),
                    include_ended=True,
                ).count()
            ),
        },
    )


def unit_create(request):  # type: ignore[no-untyped-def]
    organizer = board_for(request)
    form = UnitForm(request.POST or None, organizer=organizer)
    if request.method == "POST" and form.is_valid():
        try:
            unit = services.unit_create(
                actor=request.user, organizer=organizer, **form.unit_fields()
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The unit “%(name)s” was added.") % {"name": unit.name})
            return redirect("unit_detail", pk=unit.pk)
    return render(request, "clusters/units/form.html", {"nav": "units", "form": form, "unit": None})


def unit_edit(request, pk: int):  # type: ignore[no-untyped-def]
    unit = unit_for_user(request, pk, action="edit")
    form = UnitForm(request.POST or None, organizer=unit.organizer, unit=unit)
    if request.method == "POST" and form.is_valid():
        try:
            unit = services.unit_update(actor=request.user, unit=unit, **form.unit_fields())
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The unit “%(name)s” was saved.") % {"name": unit.name})
            return redirect("unit_detail", pk=unit.pk)
    return render(request, "clusters/units/form.html", {"nav": "units", "form": form, "unit": unit})


def unit_detail(request, pk: int):  # type: ignore[no-untyped-def]
    unit = unit_for_user(request, pk, action="view")
    is_board = bool(request.user.is_superuser or board_organizer(request.user))
    return render(
        request,
        "clusters/units/detail.html",
        {
            "nav": "units" if is_board else "dashboard",
            "page": unit_page(unit),
            "unit": unit,
            "can_edit": is_board,
        },
    )


def unit_rename(request, pk: int):  # type: ignore[no-untyped-def]
    unit = unit_for_user(request, pk, action="edit")
    form = RenameForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            new_unit = services.unit_rename(
                actor=request.user,
                unit=unit,
                new_name=form.cleaned_data["new_name"],
                date=form.cleaned_data["date"],
                decision=form.cleaned_data["decision"],
            )
        except ValidationError as exc:
            apply_service_errors(form, _name_errors_to(exc, "new_name"))
        else:
            messages.success(
                request,
                _("“%(old)s” is now “%(new)s”.") % {"old": unit.name, "new": new_unit.name},
            )
            return redirect("unit_detail", pk=new_unit.pk)
    return _lineage_page(request, form, unit=unit, change="rename")


def unit_split(request, pk: int):  # type: ignore[no-untyped-def]
    unit = unit_for_user(request, pk, action="edit")
    form = SplitForm(request.POST or None, initial={"kind": unit.kind})
    if request.method == "POST" and form.is_valid():
        try:
            new_units = services.unit_split(actor=request.user, unit=unit, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, _name_errors_to(exc, "names"))
        else:
            messages.success(
                request,
                _("“%(old)s” was split into %(new)s.")
                % {"old": unit.name, "new": ", ".join(new.name for new in new_units)},
            )
            return redirect("unit_detail", pk=unit.pk)
    return _lineage_page(request, form, unit=unit, change="split")


def unit_merge(request):  # type: ignore[no-untyped-def]
    organizer = board_for(request)
    form = MergeForm(
        request.POST or None,
        organizer=organizer,
        initial={"units": request.GET.getlist("units")},
    )
    if request.method == "POST" and form.is_valid():
        try:
            merged = services.units_merge(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(old)s were merged into “%(new)s”.")
                % {
                    "old": ", ".join(unit.name for unit in form.cleaned_data["units"]),
                    "new": merged.name,
                },
            )
            return redirect("unit_detail", pk=merged.pk)
    return _lineage_page(request, form, unit=None, change="merge")


def _name_errors_to(error: ValidationError, field: str) -> ValidationError:
    """A new unit's name errors belong next to the field where the name was typed."""
    if hasattr(error, "error_dict") and "name" in error.error_dict:
        error_dict = dict(error.error_dict)
        error_dict[field] = error_dict.pop("name")
        return ValidationError(error_dict)
    return error


def _lineage_page(request, form, *, unit, change: str):  # type: ignore[no-untyped-def]
    return render(
        request,
        "clusters/units/lineage.html",
        {"nav": "units", "form": form, "unit": unit, "change": change},
    )


urlpatterns = [
    path("units/", unit_list, name="unit_list"),
    path("units/new/", unit_create, name="unit_create"),
    path("units/merge/", unit_merge, name="unit_merge"),
    path("units/<int:pk>/", unit_detail, name="unit_detail"),
    path("units/<int:pk>/edit/", unit_edit, name="unit_edit"),
    path("units/<int:pk>/rename/", unit_rename, name="unit_rename"),
    path("units/<int:pk>/split/", unit_split, name="unit_split"),
]
