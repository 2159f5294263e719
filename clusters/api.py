"""The API for other systems (``/api/v1/``, joined in ``config/api.py``): organizers,
units with their history, clusters and cluster years; and the pieces every app's API
shares (language, pagination, who sees which cluster years).

Read only. Rights are the pages' (``clusters.permissions``): board staff see their
organizer's data, a unit's people their own unit and the clusters and years it is a
member of; anything else answers 404. Querysets are filtered at the source and read a
fixed number of queries per page, whatever its size.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext_noop
from rest_framework import mixins, serializers, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination

from clusters.models import Cluster, ClusterYear, Membership, Organizer, Unit, UnitLineage
from clusters.permissions import current_organizer
from clusters.roles import board_organizer, profile_of
from core.audit import log_action

# Shared by every app's API --------------------------------------------------------------

# DRF's own messages the API may answer with, listed so that ``make messages`` brings them
# into the project's Vietnamese catalogue (it comes before DRF's, which lacks most).
DRF_MESSAGES = (
    gettext_noop("Authentication credentials were not provided."),
    gettext_noop("Incorrect authentication credentials."),
    gettext_noop("Invalid token."),
    gettext_noop("Invalid token header. No credentials provided."),
    gettext_noop("Invalid token header. Token string should not contain spaces."),
    gettext_noop("Invalid token header. Token string should not contain invalid characters."),
    gettext_noop("Invalid page."),
    gettext_noop("Invalid input."),
    gettext_noop("Malformed request."),
    gettext_noop("A server error occurred."),
    gettext_noop('Method "{method}" not allowed.'),
    gettext_noop("Could not satisfy the request Accept header."),
    gettext_noop('Unsupported media type "{media_type}" in request.'),
    gettext_noop("JSON parse error - %s"),
    gettext_noop("Invalid data. Expected a dictionary, but got {datatype}."),
    gettext_noop("This field may not be null."),
    gettext_noop("Must be a valid boolean."),
    gettext_noop("Not a valid string."),
    gettext_noop("Ensure this field has no more than {max_length} characters."),
    gettext_noop("A valid integer is required."),
    gettext_noop("A valid number is required."),
    gettext_noop("Ensure this value is greater than or equal to {min_value}."),
    gettext_noop("Ensure this value is less than or equal to {max_value}."),
    gettext_noop("String value too large."),
    gettext_noop("Ensure that there are no more than {max_digits} digits in total."),
    gettext_noop("Ensure that there are no more than {max_decimal_places} decimal places."),
    gettext_noop(
        "Ensure that there are no more than {max_whole_digits} digits before the decimal point."
    ),
    gettext_noop("A page number within the paginated result set."),
    gettext_noop("Number of results to return per page."),
)


class ApiPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class ApiMixin:
    """Answers in the language the caller asks for, and says "not found" in words of
    its own rather than the model's name.

    Pages follow only the language switcher's cookie; another system has none, so the
    API also honours ``Accept-Language`` (Vietnamese when absent)."""

    def initial(self, request, *args, **kwargs):  # type: ignore[no-untyped-def]
        activate_api_language(request)
        super().initial(request, *args, **kwargs)  # type: ignore[misc]

    def handle_exception(self, exc):  # type: ignore[no-untyped-def]
        if isinstance(exc, Http404):
            exc = NotFound()
        return super().handle_exception(exc)  # type: ignore[misc]

    def finalize_response(self, request, response, *args, **kwargs):  # type: ignore[no-untyped-def]
        activate_api_language(request)
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        response["Content-Language"] = translation.get_language()
        return response


class ApiViewSet(
    ApiMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """A read-only viewset of the API."""

    pagination_class = ApiPagination


def activate_api_language(request: Any) -> None:
    translation.activate(translation.get_language_from_request(request._request))


def is_board(user: Any) -> bool:
    return bool(getattr(user, "is_superuser", False) or board_organizer(user))


def own_unit_id(user: Any) -> int | None:
    profile = profile_of(user)
    return profile.unit_id if profile else None


def visible_cluster_years(request: Any) -> QuerySet[ClusterYear]:
    """The cluster years the user sees: every year of the organizer for board staff,
    the years the user's unit is a member of for a unit's people (``roles_for``)."""
    organizer = current_organizer(request)
    if organizer is None:
        return ClusterYear.objects.none()
    years = ClusterYear.objects.filter(cluster__organizer=organizer)
    if is_board(request.user):
        return years
    unit_id = own_unit_id(request.user)
    if unit_id is None:
        return ClusterYear.objects.none()
    return years.filter(memberships__unit_id=unit_id)


def api_key_rotate(*, actor: Any) -> Token:
    """Give ``actor`` a new API key; the old one, if any, stops working at once."""
    with transaction.atomic():
        had = Token.objects.filter(user=actor).delete()[0] > 0
        token = Token.objects.create(user=actor)
        profile = profile_of(actor)
        log_action(
            actor=actor,
            action="clusters.api_key.rotated" if had else "clusters.api_key.created",
            obj=actor,
            scope_id=profile.home_organizer_id if profile else None,
        )
    return token


# Serializers -------------------------------------------------------------------------------


class OrganizerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organizer
        fields = ["id", "name", "level", "parent_body", "issuing_body", "place_name"]


class UnitRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Unit
        fields = ["id", "name"]


class PredecessorSerializer(serializers.ModelSerializer):
    unit = UnitRefSerializer(source="predecessor")

    class Meta:
        model = UnitLineage
        fields = ["unit", "kind", "date", "decision"]


class SuccessorSerializer(serializers.ModelSerializer):
    unit = UnitRefSerializer(source="successor")

    class Meta:
        model = UnitLineage
        fields = ["unit", "kind", "date", "decision"]


class UnitSerializer(serializers.ModelSerializer):
    """A register entry with its history: who it carries on from and who carries it on."""

    predecessors = PredecessorSerializer(source="predecessor_links", many=True)
    successors = SuccessorSerializer(source="successor_links", many=True)

    class Meta:
        model = Unit
        fields = [
            "id",
            "organizer",
            "name",
            "short_name",
            "code",
            "kind",
            "parent",
            "leader_title",
            "valid_from",
            "valid_to",
            "predecessors",
            "successors",
        ]


class ClusterSerializer(serializers.ModelSerializer):
    class Meta:
        model = Cluster
        fields = ["id", "organizer", "name", "kind", "description", "is_active"]


class MemberSerializer(serializers.ModelSerializer):
    unit = UnitRefSerializer()

    class Meta:
        model = Membership
        fields = ["order", "unit"]


class ClusterYearSerializer(serializers.ModelSerializer):
    cluster_name = serializers.CharField(source="cluster.name")
    head_unit = UnitRefSerializer(allow_null=True)
    deputy_unit = UnitRefSerializer(allow_null=True)
    members = MemberSerializer(source="memberships", many=True)

    class Meta:
        model = ClusterYear
        fields = [
            "id",
            "cluster",
            "cluster_name",
            "year",
            "theme",
            "status",
            "head_selection",
            "head_unit",
            "deputy_unit",
            "decision_number",
            "decision_date",
            "decision_signer",
            "members",
        ]


# Viewsets ----------------------------------------------------------------------------------


class OrganizerViewSet(ApiViewSet):
    """The organizer the user works in (a superuser: the one chosen in the switcher)."""

    serializer_class = OrganizerSerializer

    def get_queryset(self) -> QuerySet[Organizer]:
        organizer = current_organizer(self.request)
        if organizer is None:
            return Organizer.objects.none()
        return Organizer.objects.filter(pk=organizer.pk)


class UnitViewSet(ApiViewSet):
    """Board staff: every unit of the organizer's register; a unit's people: their unit."""

    serializer_class = UnitSerializer

    def get_queryset(self) -> QuerySet[Unit]:
        organizer = current_organizer(self.request)
        if organizer is None:
            return Unit.objects.none()
        units = Unit.objects.filter(organizer=organizer)
        if not is_board(self.request.user):
            unit_id = own_unit_id(self.request.user)
            units = units.filter(pk=unit_id) if unit_id else units.none()
        return units.prefetch_related(
            Prefetch(
                "predecessor_links",
                queryset=UnitLineage.objects.select_related("predecessor"),
            ),
            Prefetch("successor_links", queryset=UnitLineage.objects.select_related("successor")),
        ).order_by("sort_key", "pk")


class ClusterViewSet(ApiViewSet):
    """Board staff: the organizer's clusters; a unit's people: those it was a member of."""

    serializer_class = ClusterSerializer

    def get_queryset(self) -> QuerySet[Cluster]:
        ids = visible_cluster_years(self.request).values("cluster_id")
        return Cluster.objects.filter(pk__in=ids).order_by("sort_key", "pk")


class ClusterYearViewSet(ApiViewSet):
    """A cluster in one year: head, deputy and members in their agreed order."""

    serializer_class = ClusterYearSerializer

    def get_queryset(self) -> QuerySet[ClusterYear]:
        return (
            visible_cluster_years(self.request)
            .select_related("cluster", "head_unit", "deputy_unit")
            .prefetch_related(
                Prefetch("memberships", queryset=Membership.objects.select_related("unit"))
            )
            .order_by("cluster__sort_key", "-year", "pk")
        )
