"""The user's notifications (the bell): the list, opening one, marking all read.
HTTP only; the rows are written by ``core.notifications``."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.models import Notification
from core.notifications import mark_read

PAGE_SIZE = 30


def notification_for_user(request: HttpRequest, pk: int) -> Notification:
    """One of the user's own notifications; anybody else's answers 404."""
    return get_object_or_404(Notification, pk=pk, user_id=request.user.pk)


def is_local_link(request: HttpRequest, link: str) -> bool:
    """A path of this site ("/scoring/…"), never another host ("//x", "https://x",
    "/\\x", "javascript:…")."""
    return (
        link.startswith("/")
        and not link.startswith(("//", "/\\"))
        and url_has_allowed_host_and_scheme(
            link, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    )


@require_http_methods(["GET", "POST"])
def notification_list(request: HttpRequest) -> HttpResponse:
    """GET: the user's notifications, newest first. POST: mark them all read."""
    if request.method == "POST":
        count = mark_read(user=request.user)
        if count:
            messages.success(request, _("All notifications are marked as read."))
        return redirect("notification_list")
    rows = Notification.objects.filter(user_id=request.user.pk).order_by("-created_at", "-id")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "core/notification_list.html",
        {"nav": "notifications", "page": page, "notifications": page.object_list},
    )


def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark the notification read and follow its link, if it is a page of this site."""
    notification = notification_for_user(request, pk)
    mark_read(user=request.user, notification_ids=[notification.pk])
    if notification.link and is_local_link(request, notification.link):
        return redirect(notification.link)
    return redirect("notification_list")


urlpatterns = [
    path("notifications/", notification_list, name="notification_list"),
    path("notifications/<int:pk>/", notification_open, name="notification_open"),
]
