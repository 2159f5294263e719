"""The API's scoring (``/api/v1/``): rubrics with their criteria tree, periods, the
ranking of a period with every unit's final total and points per section, scorecards
with their entries, sent nominations with their nominees; and the one write, a unit's
self-score on its own scorecard (``PATCH /scorecards/<id>/entries/<criterion code>/``).

Rights are the pages' (``scoring.permissions``): a unit sees only its own scorecard
until the period's results are published (its verifiers see the cards they verify),
the ranking follows the ranking page, another organizer's objects answer 404. Secret
ballots are not exposed. The write calls ``scoring.services.scorecards.entry_save``: a
stale ``version`` answers 409 with the other person's value, a refused value 400 with
the service's message per field, a card closed for changes 403 with the reason.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from clusters.api import (
    ApiMixin,
    ApiViewSet,
    UnitRefSerializer,
    is_board,
    own_unit_id,
    visible_cluster_years,
)
from clusters.models import ClusterYear, Membership
from clusters.permissions import current_organizer
from scoring.models import (
    Criterion,
    Entry,
    Nomination,
    Nominee,
    Period,
    ReviewAssignment,
    Rubric,
    Scorecard,
)
from scoring.permissions import period_for_user, scorecard_for_user
from scoring.selectors.ranking import period_ranking
from scoring.selectors.rubrics import tree_order
from scoring.selectors.verification import sees_every_card
from scoring.services import scorecards as services
from scoring.services.computation import INPUT_FIELD

# Rubrics ------------------------------------------------------------------------------------


class CriterionSerializer(serializers.ModelSerializer):
    depth = serializers.IntegerField(read_only=True, help_text="0 for a top-level criterion.")
    parent_code = serializers.CharField(read_only=True, allow_null=True)

    class Meta:
        model = Criterion
        fields = [
            "id",
            "code",
            "parent",
            "parent_code",
            "depth",
            "order",
            "title",
            "guidance",
            "kind",
            "max_points",
            "params",
            "evidence_required",
            "target",
        ]


class RubricSerializer(serializers.ModelSerializer):
    criteria = serializers.SerializerMethodField(
        help_text="Every criterion in tree order (depth first), each naming its parent."
    )

    class Meta:
        model = Rubric
        fields = [
            "id",
            "organizer",
            "cluster_year",
            "name",
            "description",
            "version",
            "previous",
            "change_note",
            "scale_total",
            "bonus_cap",
            "deduction_cap",
            "frozen_at",
            "criteria",
        ]

    @extend_schema_field(CriterionSerializer(many=True))
    def get_criteria(self, rubric: Rubric) -> list[dict[str, Any]]:
        items = tree_order(rubric.criteria.all())
        for item in items:
            item.parent_code = getattr(item, "parent_code", None)
        return CriterionSerializer(items, many=True).data


class RubricViewSet(ApiViewSet):
    """A cluster year's scoring tables (members of the year, board staff) and the
    organizer's library of templates (board staff only)."""

    serializer_class = RubricSerializer

    def get_queryset(self) -> QuerySet[Rubric]:
        organizer = current_organizer(self.request)
        if organizer is None:
            return Rubric.objects.none()
        seen = Q(cluster_year__in=visible_cluster_years(self.request).values("pk"))
        if is_board(self.request.user):
            seen |= Q(cluster_year__isnull=True)
        return (
            Rubric.objects.filter(seen, organizer=organizer)
            .prefetch_related(Prefetch("criteria", queryset=Criterion.objects.order_by("pk")))
            .order_by("cluster_year_id", "-version", "pk")
        )


# Periods and the ranking ------------------------------------------------------------------


class PeriodSerializer(serializers.ModelSerializer):
    class Meta:
        model = Period
        fields = [
            "id",
            "cluster_year",
            "kind",
            "state",
            "rubric",
            "self_deadline",
            "verification_deadline",
            "explanation_deadline",
            "deputy_verifies",
            "cross_scoring",
            "board_finalises",
            "opened_at",
            "published_at",
        ]


class SectionPointsSerializer(serializers.Serializer):
    code = serializers.CharField()
    points = serializers.DecimalField(max_digits=8, decimal_places=2)


class RankingSectionSerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    max_points = serializers.DecimalField(max_digits=8, decimal_places=2)
    average = serializers.DecimalField(max_digits=8, decimal_places=2)


class RankingLineSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    scorecard = serializers.IntegerField()
    unit = UnitRefSerializer()
    final_total = serializers.DecimalField(max_digits=8, decimal_places=2)
    sections = SectionPointsSerializer(many=True)
    bonus = serializers.DecimalField(max_digits=8, decimal_places=2)
    deduction = serializers.DecimalField(max_digits=8, decimal_places=2)
    explanation = serializers.CharField(allow_blank=True)
    vote_decides = serializers.BooleanField()


class NotFinalSerializer(serializers.Serializer):
    scorecard = serializers.IntegerField()
    unit = UnitRefSerializer()
    state = serializers.ChoiceField(choices=Scorecard.State.choices)


class RankingSerializer(serializers.Serializer):
    period = serializers.IntegerField()
    published_at = serializers.DateTimeField(allow_null=True)
    tie_breaks = serializers.ListField(child=serializers.CharField())
    sections = RankingSectionSerializer(many=True)
    lines = RankingLineSerializer(many=True)
    not_final = NotFinalSerializer(many=True)


def ranking_data(period: Period) -> dict[str, Any]:
    ranking = period_ranking(period=period)
    return {
        "period": period.pk,
        "published_at": period.published_at,
        "tie_breaks": ranking.tie_breaks,
        "sections": [
            {
                "code": section.code,
                "title": section.title,
                "max_points": section.max_points,
                "average": section.average,
            }
            for section in ranking.sections
        ],
        "lines": [
            {
                "rank": line.rank,
                "scorecard": line.card.pk,
                "unit": line.card.unit,
                "final_total": line.card.final_total,
                "sections": [
                    {"code": cell.section.code, "points": cell.points} for cell in line.cells
                ],
                "bonus": line.bonus,
                "deduction": line.deduction,
                "explanation": line.ranked.explanation,
                "vote_decides": line.ranked.vote_decides,
            }
            for line in ranking.lines
        ],
        "not_final": [
            {"scorecard": card.pk, "unit": card.unit, "state": card.state}
            for card in ranking.not_final
        ],
    }


class PeriodViewSet(ApiViewSet):
    """The scoring periods of the years the user sees."""

    serializer_class = PeriodSerializer

    def get_queryset(self) -> QuerySet[Period]:
        years = visible_cluster_years(self.request).values("pk")
        return Period.objects.filter(cluster_year__in=years).order_by(
            "-cluster_year__year", "cluster_year_id", "kind"
        )

    @extend_schema(responses=RankingSerializer)
    @action(detail=True, methods=["get"], pagination_class=None)
    def ranking(
        self, request: Request, pk: str | None = None, format: str | None = None
    ) -> Response:
        """The final scores and the ranking, as on the ranking page: board staff, the head
        (and a verifying deputy) always; the year's members once the results are
        published; 404 for anyone else and for a period not yet open."""
        period, roles = period_for_user(request, _int(pk), "view")
        if not sees_every_card(user=request.user, period=period, roles=roles):
            raise Http404
        if period.state == Period.State.DRAFT:
            raise Http404
        return Response(RankingSerializer(ranking_data(period)).data)


def _int(raw: Any) -> int:
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise Http404 from None


# Scorecards and entries -------------------------------------------------------------------


def _final(card: Scorecard) -> bool:
    return card.state == Scorecard.State.FINALISED


class ScorecardSerializer(serializers.ModelSerializer):
    unit = UnitRefSerializer()
    final_total = serializers.SerializerMethodField(help_text="Only once the card is final.")

    class Meta:
        model = Scorecard
        fields = [
            "id",
            "period",
            "unit",
            "state",
            "self_total",
            "final_total",
            "submitted_at",
            "finalised_at",
        ]

    @extend_schema_field(serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True))
    def get_final_total(self, card: Scorecard) -> str | None:
        if not _final(card) or card.final_total is None:
            return None
        return serializers.DecimalField(max_digits=8, decimal_places=2).to_representation(
            card.final_total
        )


class EntrySerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="criterion.code")
    title = serializers.CharField(source="criterion.title")
    kind = serializers.CharField(source="criterion.kind")
    input_field = serializers.SerializerMethodField(
        help_text="The field this criterion's kind takes: achieved, points, passed or count."
    )
    final_points = serializers.SerializerMethodField(help_text="Only once the card is final.")

    class Meta:
        model = Entry
        fields = [
            "id",
            "code",
            "title",
            "kind",
            "input_field",
            "achieved",
            "points",
            "passed",
            "count",
            "comment",
            "self_points",
            "self_explanation",
            "final_points",
            "needs_review",
            "version",
            "updated_at",
        ]

    def get_input_field(self, entry: Entry) -> str:
        return INPUT_FIELD.get(entry.criterion.kind, "")

    @extend_schema_field(serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True))
    def get_final_points(self, entry: Entry) -> str | None:
        if not _final(entry.scorecard) or entry.final_points is None:
            return None
        return serializers.DecimalField(max_digits=8, decimal_places=2).to_representation(
            entry.final_points
        )


class ScorecardDetailSerializer(ScorecardSerializer):
    entries = serializers.SerializerMethodField()

    class Meta(ScorecardSerializer.Meta):
        fields = [*ScorecardSerializer.Meta.fields, "entries"]

    @extend_schema_field(EntrySerializer(many=True))
    def get_entries(self, card: Scorecard) -> list[dict[str, Any]]:
        entries = [e for e in card.entries.all() if e.criterion.rubric_id == card.period.rubric_id]
        for entry in entries:
            entry.scorecard = card
        return EntrySerializer(entries, many=True).data


def visible_scorecards(request: Any) -> QuerySet[Scorecard]:
    """The scorecards the user sees, as ``scorecard_for_user`` decides one by one, in
    one query: board staff every card of the organizer; a unit's people their own unit's,
    those they verify (head, a verifying deputy — while the year is open and the head has
    not rotated — and assigned peers), and every card of a year they are members of once
    its period's results are published."""
    organizer = current_organizer(request)
    if organizer is None:
        return Scorecard.objects.none()
    cards = Scorecard.objects.filter(period__cluster_year__cluster__organizer=organizer)
    if is_board(request.user):
        return cards
    unit_id = own_unit_id(request.user)
    if unit_id is None:
        return Scorecard.objects.none()
    member_of = Membership.objects.filter(unit_id=unit_id).values("cluster_year_id")
    superseded = ClusterYear.objects.filter(
        cluster_id=OuterRef("period__cluster_year__cluster_id"),
        year__gt=OuterRef("period__cluster_year__year"),
        head_unit__isnull=False,
    )
    year_open = Q(period__cluster_year__status=ClusterYear.Status.OPEN)
    active = year_open & ~Exists(superseded) & Q(period__cluster_year__in=member_of)
    assigned = ReviewAssignment.objects.filter(scorecard=OuterRef("pk"), reviewer_unit_id=unit_id)
    return cards.filter(
        Q(unit_id=unit_id)
        | Q(period__published_at__isnull=False, period__cluster_year__in=member_of)
        | (Q(period__cluster_year__head_unit_id=unit_id) & active)
        | (Q(period__cluster_year__deputy_unit_id=unit_id, period__deputy_verifies=True) & active)
        | (Q(period__cross_scoring=True) & year_open & Exists(assigned))
    )


class ScorecardViewSet(ApiViewSet):
    """Scorecards with their totals; one scorecard with its entries (and each entry's
    ``version``, needed to save a self-score)."""

    def get_serializer_class(self) -> type[serializers.Serializer]:
        return ScorecardDetailSerializer if self.action == "retrieve" else ScorecardSerializer

    @extend_schema(
        parameters=[OpenApiParameter("period", int, description="Only this period's cards.")]
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Scorecard]:
        cards = visible_scorecards(self.request).select_related("unit", "period")
        if self.action == "retrieve":
            cards = cards.prefetch_related(
                Prefetch(
                    "entries",
                    queryset=Entry.objects.select_related("criterion").order_by(
                        "criterion__order", "criterion_id"
                    ),
                )
            )
        period = self.request.query_params.get("period")
        if period:
            # A number no row can have (over 64 bits) would overflow the database driver.
            known = period.isascii() and period.isdigit() and int(period) < 2**63
            cards = cards.filter(period_id=int(period)) if known else cards.none()
        return cards.order_by("period_id", "unit__sort_key", "pk")


class EntryWriteSerializer(serializers.Serializer):
    """What the unit types for one criterion: ``version`` as read, then the value of the
    field its kind takes (``input_field``) and/or a comment."""

    version = serializers.IntegerField(min_value=0)
    achieved = serializers.DecimalField(
        max_digits=16, decimal_places=4, allow_null=True, required=False
    )
    points = serializers.DecimalField(
        max_digits=8, decimal_places=2, allow_null=True, required=False
    )
    passed = serializers.BooleanField(allow_null=True, required=False)
    count = serializers.IntegerField(min_value=0, allow_null=True, required=False)
    comment = serializers.CharField(
        allow_blank=True, required=False, max_length=services.COMMENT_LIMIT
    )


class ConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    current = EntrySerializer()


class RefusalSerializer(serializers.Serializer):
    detail = serializers.CharField()


ENTRY_PATH = [
    OpenApiParameter("scorecard_pk", int, OpenApiParameter.PATH, description="The scorecard."),
    OpenApiParameter(
        "code",
        str,
        OpenApiParameter.PATH,
        description="The criterion's code, e.g. I.1.a.",
        pattern=r"^[\w.\-]{1,30}$",
    ),
]


class EntryViewSet(ApiMixin, viewsets.GenericViewSet):
    """One entry of a scorecard, by its criterion's code."""

    serializer_class = EntrySerializer
    lookup_field = "code"
    lookup_value_regex = "[^/]+"

    def get_queryset(self) -> QuerySet[Entry]:  # for the schema only
        return Entry.objects.none()

    def _entry(self, access: Any, code: str) -> Entry:
        card = access.scorecard
        entry = (
            Entry.objects.select_related("criterion")
            .filter(
                scorecard_id=card.pk,
                criterion__code=code,
                criterion__rubric_id=card.period.rubric_id,
            )
            .first()
        )
        if entry is None:
            raise Http404
        entry.scorecard = card
        return entry

    @extend_schema(parameters=ENTRY_PATH)
    def retrieve(self, request: Request, scorecard_pk: str, code: str) -> Response:
        access = scorecard_for_user(request, _int(scorecard_pk), "view")
        return Response(EntrySerializer(self._entry(access, code)).data)

    @extend_schema(
        parameters=ENTRY_PATH,
        request=EntryWriteSerializer,
        responses={
            200: EntrySerializer,
            400: OpenApiResponse(description="A value is refused: the messages per field."),
            403: OpenApiResponse(
                RefusalSerializer,
                description="Not the unit's own scorecard, or closed for changes (why).",
            ),
            409: OpenApiResponse(
                ConflictSerializer,
                description="Someone saved this entry since it was read: their value.",
            ),
        },
    )
    def partial_update(self, request: Request, scorecard_pk: str, code: str) -> Response:
        """Save the unit's self-score of one criterion on its own scorecard."""
        access = scorecard_for_user(request, _int(scorecard_pk), "edit")
        entry = self._entry(access, code)
        form = EntryWriteSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        values = {key: value for key, value in form.validated_data.items() if key != "version"}
        try:
            saved = services.entry_save(
                actor=request.user,
                entry=entry,
                version=form.validated_data["version"],
                values=values,
            )
        except services.EntryConflict as conflict:
            current = conflict.current
            current.scorecard = access.scorecard
            return Response(
                {"detail": _text(conflict), "current": EntrySerializer(current).data},
                status=status.HTTP_409_CONFLICT,
            )
        except ValidationError as error:
            if getattr(error, "code", None) == "locked":
                return Response({"detail": _text(error)}, status=status.HTTP_403_FORBIDDEN)
            if hasattr(error, "error_dict"):
                return Response(error.message_dict, status=status.HTTP_400_BAD_REQUEST)
            return Response(
                {"non_field_errors": error.messages}, status=status.HTTP_400_BAD_REQUEST
            )
        saved.scorecard = access.scorecard
        return Response(EntrySerializer(saved).data)


def _text(error: ValidationError) -> str:
    return " ".join(str(message) for message in error.messages)


# Nominations -------------------------------------------------------------------------------

SENT = (Nomination.State.SUBMITTED, Nomination.State.ACCEPTED)


class NomineeSerializer(serializers.ModelSerializer):
    unit = UnitRefSerializer()

    class Meta:
        model = Nominee
        fields = ["unit", "award", "rank", "total", "votes", "women_preference", "reason"]


class NominationSerializer(serializers.ModelSerializer):
    nominees = NomineeSerializer(many=True)

    class Meta:
        model = Nomination
        fields = [
            "id",
            "cluster_year",
            "period",
            "year",
            "state",
            "number",
            "date",
            "summary",
            "flag_quota",
            "merit_quota",
            "submitted_at",
            "decided_at",
            "nominees",
        ]


class NominationViewSet(ApiViewSet):
    """Nominations sent to the board (submitted or accepted), seen by board staff and
    every member of the year, as on the nomination page once it is sent."""

    serializer_class = NominationSerializer

    def get_queryset(self) -> QuerySet[Nomination]:
        years = visible_cluster_years(self.request).values("pk")
        return (
            Nomination.objects.filter(cluster_year__in=years, state__in=SENT)
            .prefetch_related(Prefetch("nominees", queryset=Nominee.objects.select_related("unit")))
            .order_by("-year", "cluster_year_id", "pk")
        )
