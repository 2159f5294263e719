"""The API's covenants (``/api/v1/covenants/``): every version of a cluster year's
covenant with its sections and targets, each target with its value per member unit.

Who sees a covenant is who sees its cluster year (``covenants.permissions``: board staff,
the year's member units); anything else answers 404.
"""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from rest_framework import serializers

from clusters.api import ApiViewSet, UnitRefSerializer, visible_cluster_years
from covenants.models import Covenant, CovenantSection, Target, TargetValue


class TargetValueSerializer(serializers.ModelSerializer):
    unit = UnitRefSerializer()

    class Meta:
        model = TargetValue
        fields = ["unit", "value"]


class TargetSerializer(serializers.ModelSerializer):
    values = TargetValueSerializer(many=True)

    class Meta:
        model = Target
        fields = ["id", "order", "indicator", "measure", "carried_into_scoring", "values"]


class SectionSerializer(serializers.ModelSerializer):
    class Meta:
        model = CovenantSection
        fields = ["order", "heading", "body"]


class CovenantSerializer(serializers.ModelSerializer):
    sections = SectionSerializer(many=True)
    targets = TargetSerializer(many=True)

    class Meta:
        model = Covenant
        fields = [
            "id",
            "cluster_year",
            "version",
            "amended_from",
            "state",
            "number",
            "title",
            "theme",
            "legal_bases",
            "conference_date",
            "conference_place",
            "signed_at",
            "sections",
            "targets",
        ]


class CovenantViewSet(ApiViewSet):
    serializer_class = CovenantSerializer

    def get_queryset(self) -> QuerySet[Covenant]:
        years = visible_cluster_years(self.request).values("pk")
        return (
            Covenant.objects.filter(cluster_year__in=years)
            .prefetch_related(
                "sections",
                Prefetch(
                    "targets",
                    queryset=Target.objects.prefetch_related(
                        Prefetch(
                            "values",
                            queryset=TargetValue.objects.select_related("unit").order_by(
                                "unit__sort_key", "pk"
                            ),
                        )
                    ),
                ),
            )
            .order_by("-cluster_year__year", "cluster_year_id", "-version")
        )
