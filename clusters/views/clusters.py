"""Clusters and blocks: list, create, edit and the page of one cluster."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from clusters import services
from clusters.forms.clusters import (
    ClusterFilterForm,
    ClusterForm,
)
from clusters.models import Cluster
from clusters.permissions import board_for, cluster_for_user
from clusters.roles import is_board_of, profile_of
from clusters.selectors import clusters as selectors
from core.forms import apply_service_errors

# Clusters -----------------------------------------------------------------------


def cluster_list(request: HttpRequest) -> HttpResponse:
    organizer = board_for(request)
    filters = ClusterFilterForm(request.GET or None)
    clusters = selectors.cluster_list(organizer=organizer, **filters.values())
    return render(
        request,
        "clusters/clusters/cluster_list.html",
        {
            "nav": "clusters",
            "organizer": organizer,
            "filters": filters,
            "clusters": clusters,
            "filtered": any(filters.values().values()),
        },
    )


def cluster_create(request: HttpRequest) -> HttpResponse:
    organizer = board_for(request)
    form = ClusterForm(
        request.POST or None, initial={"kind": Cluster.Kind.CLUSTER, "is_active": True}
    )
    if request.method == "POST" and form.is_valid():
        try:
            cluster = services.cluster_create(
                actor=request.user, organizer=organizer, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The cluster “%(name)s” was created.") % {"name": cluster})
            return redirect("cluster_detail", cluster.pk)
    return render(
        request,
        "clusters/clusters/cluster_form.html",
        {"nav": "clusters", "form": form, "cluster": None},
    )


def cluster_edit(request: HttpRequest, pk: int) -> HttpResponse:
    cluster = cluster_for_user(request, pk, "edit")
    initial = {name: getattr(cluster, name) for name in services.CLUSTER_FIELDS}
    form = ClusterForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            cluster = services.cluster_update(
                actor=request.user, cluster=cluster, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The cluster “%(name)s” was saved.") % {"name": cluster})
            return redirect("cluster_detail", cluster.pk)
    return render(
        request,
        "clusters/clusters/cluster_form.html",
        {"nav": "clusters", "form": form, "cluster": cluster},
    )


def cluster_detail(request: HttpRequest, pk: int) -> HttpResponse:
    cluster = cluster_for_user(request, pk, "view")
    is_board = is_board_of(request.user, cluster.organizer_id)
    profile = profile_of(request.user)
    unit_id = None if is_board or profile is None else profile.unit_id
    return render(
        request,
        "clusters/clusters/cluster_detail.html",
        {
            "nav": "clusters",
            "cluster": cluster,
            "is_board": is_board,
            "years": selectors.cluster_years(cluster=cluster, unit_id=unit_id),
        },
    )


# Creating a year ----------------------------------------------------------------


urlpatterns = [
    path("clusters/", cluster_list, name="cluster_list"),
    path("clusters/new/", cluster_create, name="cluster_create"),
    path("clusters/<int:pk>/", cluster_detail, name="cluster_detail"),
    path("clusters/<int:pk>/edit/", cluster_edit, name="cluster_edit"),
]
