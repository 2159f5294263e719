"""The demo's scoring tables: Bắc Ninh 2023 on 1.000 points (editable) and TP Bắc Kạn
2022 on 100 points (frozen), following their covenants, and a template per organizer."""

from __future__ import annotations

from decimal import Decimal

import pytest

from covenants.models import Covenant
from scoring.demo import load_scoring_demo
from scoring.models import Criterion, Rubric
from scoring.selectors.rubrics import criterion_explanation, rubric_criteria, rubric_problems

D = Decimal
BAC_NINH = "Hội đồng Thi đua - Khen thưởng tỉnh Bắc Ninh"
BAC_KAN = "Hội đồng Thi đua - Khen thưởng thành phố Bắc Kạn"


# One process runs them all (pytest-xdist's --dist loadgroup): one load of the demo.
pytestmark = pytest.mark.xdist_group("scoring_demo")


@pytest.fixture
def demo(demo_data, db):  # type: ignore[no-untyped-def]
    """The demo, loaded once for this module (tests/conftest.py ``demo_data``): its
    first load, and what one test writes is rolled back before the next."""
    assert "demo12345" in demo_data


def year_rubric(organizer: str, year: int) -> Rubric:
    return Rubric.objects.get(
        cluster_year__cluster__organizer__name=organizer, cluster_year__year=year
    )


def test_bac_ninh_2023_is_on_1000_points_with_bonus_and_deductions(demo):
    rubric = year_rubric(BAC_NINH, 2023)
    assert (rubric.scale_total, rubric.bonus_cap, rubric.deduction_cap) == (D(1000), D(50), D(30))
    # Frozen when its year-end scoring opened (scoring/demo_year_end.py).
    assert rubric.version == 1 and rubric.frozen_at is not None
    criteria = rubric_criteria(rubric)
    assert rubric_problems(rubric, criteria) == []
    sections = [c for c in criteria if c.depth == 0 and c.kind == "group"]
    assert [c.code for c in sections] == [
        "I",
        "II",
        "III",
        "IV",
        "V",
        "VI",
        "VII",
        "VIII",
        "IX",
        "X",
    ]
    assert sum(c.max_points for c in sections) == D(1000)
    for section in sections:  # every section adds up
        parts = [c for c in criteria if c.parent_id == section.pk]
        assert sum(c.max_points for c in parts) == section.max_points
    # Sections follow the covenant's ten sections, in order.
    covenant = Covenant.objects.get(cluster_year=rubric.cluster_year)
    headings = list(covenant.sections.order_by("order").values_list("heading", flat=True))
    assert len(headings) == 10
    assert sections[0].title == headings[0] == "Về kinh tế"
    outside = {c.code: c for c in criteria if c.kind in ("bonus", "deduction")}
    assert sum(c.max_points for c in outside.values() if c.kind == "bonus") == D(50)
    assert sum(c.max_points for c in outside.values() if c.kind == "deduction") == D(30)
    unsigned = outside["TR.1"]
    assert unsigned.title == "Không ký giao ước thi đua: trừ 8 điểm"
    assert unsigned.params == {"points_each": "8.00", "cap": "8.00"}
    assert all(c.depth == 0 for c in outside.values())
    ratio = next(c for c in criteria if c.kind == "target_ratio")
    assert ratio.parent.code == "I"
    assert ratio.target == covenant.targets.get()
    assert "09 xã" in ratio.target.indicator
    assert {c.kind for c in criteria} == {
        "group", "manual", "pass_fail", "target_ratio", "relative_leader", "per_occurrence",
        "bonus", "deduction",
    }  # fmt: skip
    assert all(criterion_explanation(c) for c in criteria if c.kind != "group")


def test_bac_kan_2022_is_on_100_points_and_frozen(demo):
    rubric = year_rubric(BAC_KAN, 2022)
    assert (rubric.scale_total, rubric.bonus_cap, rubric.deduction_cap) == (D(100), D(0), D(0))
    assert rubric.frozen_at is not None
    assert rubric.frozen_at.date().isoformat() == "2022-11-15"
    criteria = rubric_criteria(rubric)
    assert rubric_problems(rubric, criteria) == []
    sections = [c for c in criteria if c.depth == 0]
    assert sum(c.max_points for c in sections) == D(100)
    covenant = Covenant.objects.get(cluster_year=rubric.cluster_year)
    assert [c.title for c in sections] == list(
        covenant.sections.order_by("order").values_list("heading", flat=True)
    )
    # Each of the covenant's four targets is scored by ratio.
    linked = [c.target for c in criteria if c.target_id]
    assert linked == list(covenant.targets.order_by("order"))
    assert all(c.kind == "target_ratio" for c in criteria if c.target_id)


def test_each_organizer_has_a_template_without_targets(demo):
    for organizer, scale in ((BAC_NINH, D(1000)), (BAC_KAN, D(100))):
        template = Rubric.objects.get(organizer__name=organizer, cluster_year__isnull=True)
        assert template.scale_total == scale and template.frozen_at is None
        source = Rubric.objects.get(organizer__name=organizer, cluster_year__isnull=False)
        assert template.criteria.count() == source.criteria.count()
        assert not template.criteria.filter(target__isnull=False).exists()
        assert rubric_problems(template) == []


def test_loading_again_creates_nothing(demo):
    counts = (Rubric.objects.count(), Criterion.objects.count())
    assert load_scoring_demo()
    assert (Rubric.objects.count(), Criterion.objects.count()) == counts == (4, 112)
