"""Every form of the project, cleaned with random and hostile input (issue 7, bad input).

For each form: attack values in every field (tests/bad_input.py) → cleaning and
re-rendering never raise, and every refusal reads in Vietnamese (compared with the
English text of the same refusal).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clusters.forms import clusters as cluster_forms
from clusters.forms import people as people_forms
from clusters.forms import units as unit_forms
from clusters.forms.organizer import OrganizerForm
from clusters.models import Membership, Unit
from clusters.views.audit import AuditFilterForm
from core.documents.verification import CodeForm
from covenants.forms import drafting as covenant_forms
from covenants.forms import workflow as workflow_forms
from scoring.forms import criteria as criteria_forms
from scoring.forms import deliberations as deliberation_forms
from scoring.forms import nomination_board as board_forms
from scoring.forms import nominations as nomination_forms
from scoring.forms import periods as period_forms
from scoring.forms import rubrics as rubric_forms
from scoring.forms import scorecards as scorecard_forms
from scoring.forms import verification as verification_forms
from scoring.views.ballots import BallotForm, DecisionForm
from scoring.views.ranking import PublishForm, TieBreakForm
from tests.bad_input import FAST, check_form, field_names, form_data
from tests.scoring_world import scoring_world


def _makers(world: Any, sw: Any) -> dict[str, Any]:
    org, year = world.org, world.this_year
    units = list(Unit.objects.filter(organizer=org))
    members = list(Membership.objects.filter(cluster_year=year).select_related("unit"))
    card = sw.card(world.member_unit)
    nominees = [SimpleNamespace(pk=1, unit_id=world.member_unit.pk, unit=world.member_unit)]
    ballot = SimpleNamespace(candidates=Unit.objects.filter(pk__in=[u.pk for u in units]))
    units_qs = Unit.objects.filter(organizer=org)
    return {
        # clusters
        "ClusterForm": lambda d: cluster_forms.ClusterForm(d),
        "ClusterFilterForm": lambda d: cluster_forms.ClusterFilterForm(d),
        "ClusterYearCreateForm": lambda d: cluster_forms.ClusterYearCreateForm(
            d, organizer=org, list_year=2025, offered=units
        ),
        "ClusterYearEditForm": lambda d: cluster_forms.ClusterYearEditForm(
            d, organizer=org, year=2024, has_file=True
        ),
        "ClusterYearThemeForm": lambda d: cluster_forms.ClusterYearThemeForm(d),
        "ClusterYearMembersForm": lambda d: cluster_forms.ClusterYearMembersForm(
            d, organizer=org, offered=units
        ),
        "ClusterYearStatusForm": lambda d: cluster_forms.ClusterYearStatusForm(d),
        "RotationPreviewForm": lambda d: cluster_forms.RotationPreviewForm(d),
        "UnitForm": lambda d: unit_forms.UnitForm(d, organizer=org),
        "UnitForm(edit)": lambda d: unit_forms.UnitForm(d, organizer=org, unit=world.h_new),
        "RenameForm": lambda d: unit_forms.RenameForm(d),
        "SplitForm": lambda d: unit_forms.SplitForm(d),
        "MergeForm": lambda d: unit_forms.MergeForm(d, organizer=org),
        "UnitFilterForm": lambda d: unit_forms.UnitFilterForm(d),
        "PersonFieldsForm": lambda d: people_forms.PersonFieldsForm(d, units=units_qs),
        "UserCreateForm": lambda d: people_forms.UserCreateForm(d, units=units_qs),
        "UserEditForm": lambda d: people_forms.UserEditForm(d, units=units_qs),
        "SetPasswordForm": lambda d: people_forms.SetPasswordForm(d, user=world.member_officer),
        "PeopleFilterForm": lambda d: people_forms.PeopleFilterForm(d, units=units_qs),
        "OrganizerForm": lambda d: OrganizerForm(d, instance=org),
        "AuditFilterForm": lambda d: AuditFilterForm(d),
        "CodeForm": lambda d: CodeForm(d),
        # covenants
        "CovenantCreateForm": lambda d: covenant_forms.CovenantCreateForm(d, source=None),
        "CovenantHeaderForm": lambda d: covenant_forms.CovenantHeaderForm(
            d, is_board=True, ask_confirmation=True
        ),
        "SectionForm": lambda d: covenant_forms.SectionForm(d),
        "GuestForm": lambda d: covenant_forms.GuestForm(d),
        "ConfirmWarningsForm": lambda d: covenant_forms.ConfirmWarningsForm(d),
        "DocumentForm": lambda d: covenant_forms.DocumentForm(d),
        "TargetsGridForm": lambda d: covenant_forms.TargetsGridForm(d, targets=[], members=members),
        "CovenantCommentForm": lambda d: covenant_forms.CommentForm(d, sections=[]),
        "CommentResolveForm": lambda d: covenant_forms.CommentResolveForm(d),
        "TransitionForm": lambda d: workflow_forms.TransitionForm(d),
        "SignForm": lambda d: workflow_forms.SignForm(d),
        "WitnessForm": lambda d: workflow_forms.WitnessForm(d),
        "AmendForm": lambda d: workflow_forms.AmendForm(d),
        # scoring
        "CriterionForm": lambda d: criteria_forms.CriterionForm(
            d, rubric=sw.rubric, targets=[sw.target]
        ),
        "DeliberationForm": lambda d: deliberation_forms.DeliberationForm(d, cluster_year=year),
        "AwardRulesForm": lambda d: deliberation_forms.AwardRulesForm(d),
        "AcceptForm": lambda d: board_forms.AcceptForm(d),
        "NominationReturnForm": lambda d: board_forms.ReturnForm(d),
        "DisclosureForm": lambda d: board_forms.DisclosureForm(d),
        "DisclosureCommentForm": lambda d: board_forms.CommentForm(d),
        "NomineesForm": lambda d: nomination_forms.NomineesForm(d, units=units[:3]),
        "SubmissionDetailsForm": lambda d: nomination_forms.SubmissionDetailsForm(d),
        "NominationDocumentUploadForm": lambda d: nomination_forms.DocumentUploadForm(
            d, nominees=nominees, head=True
        ),
        "NominationSubmitForm": lambda d: nomination_forms.SubmitForm(d),
        "PeriodForm": lambda d: period_forms.PeriodForm(
            d, kinds=[("year_end", "Cuối năm")], criteria=[("I.1", "I.1")]
        ),
        "PeriodForm(edit)": lambda d: period_forms.PeriodForm(d, period=sw.period),
        "ReopenForm": lambda d: period_forms.ReopenForm(d),
        "RubricCreateForm": lambda d: rubric_forms.RubricCreateForm(d, templates=[], previous=None),
        "RubricSettingsForm": lambda d: rubric_forms.RubricSettingsForm(d),
        "TemplateCreateForm": lambda d: rubric_forms.TemplateCreateForm(d, sources=[sw.rubric]),
        "NewVersionForm": lambda d: rubric_forms.NewVersionForm(d),
        "EntryForm": lambda d: scorecard_forms.EntryForm(d),
        "DocumentReferenceForm": lambda d: scorecard_forms.DocumentReferenceForm(d),
        "ScorecardSubmitForm": lambda d: scorecard_forms.SubmitForm(d),
        "ProposeForm": lambda d: verification_forms.ProposeForm(d),
        "VerificationReturnForm": lambda d: verification_forms.ReturnForm(d, scorecard=card),
        "AnswerForm": lambda d: verification_forms.AnswerForm(d, scorecard=card),
        "FinaliseForm": lambda d: verification_forms.FinaliseForm(d, ask_password=True),
        "AssignmentForm": lambda d: verification_forms.AssignmentForm(d, units=units),
        "BallotForm": lambda d: BallotForm(d, cluster_year=year),
        "DecisionForm": lambda d: DecisionForm(d, ballot=ballot),
        "TieBreakForm": lambda d: TieBreakForm(d),
        "PublishForm": lambda d: PublishForm(d),
    }


FORM_NAMES = [
    "ClusterForm", "ClusterFilterForm", "ClusterYearCreateForm", "ClusterYearEditForm",
    "ClusterYearThemeForm", "ClusterYearMembersForm", "ClusterYearStatusForm",
    "RotationPreviewForm", "UnitForm", "UnitForm(edit)", "RenameForm", "SplitForm",
    "MergeForm", "UnitFilterForm", "PersonFieldsForm", "UserCreateForm", "UserEditForm",
    "SetPasswordForm", "PeopleFilterForm", "OrganizerForm", "AuditFilterForm", "CodeForm",
    "CovenantCreateForm", "CovenantHeaderForm", "SectionForm", "GuestForm",
    "ConfirmWarningsForm", "DocumentForm", "TargetsGridForm", "CovenantCommentForm",
    "CommentResolveForm", "TransitionForm", "SignForm", "WitnessForm", "AmendForm",
    "CriterionForm", "DeliberationForm", "AwardRulesForm", "AcceptForm",
    "NominationReturnForm", "DisclosureForm", "DisclosureCommentForm", "NomineesForm",
    "SubmissionDetailsForm", "NominationDocumentUploadForm", "NominationSubmitForm",
    "PeriodForm", "PeriodForm(edit)", "ReopenForm", "RubricCreateForm",
    "RubricSettingsForm", "TemplateCreateForm", "NewVersionForm", "EntryForm",
    "DocumentReferenceForm", "ScorecardSubmitForm", "ProposeForm", "VerificationReturnForm",
    "AnswerForm", "FinaliseForm", "AssignmentForm", "BallotForm", "DecisionForm",
    "TieBreakForm", "PublishForm",
]  # fmt: skip


@pytest.fixture
def makers(world):  # type: ignore[no-untyped-def]
    return _makers(world, scoring_world(world))


def test_every_form_is_listed(makers) -> None:  # type: ignore[no-untyped-def]
    assert sorted(makers) == sorted(FORM_NAMES)


@pytest.mark.parametrize("name", FORM_NAMES)
@FAST
@given(data=st.data())
def test_form_refuses_in_vietnamese(makers, name, data) -> None:  # type: ignore[no-untyped-def]
    make = makers[name]
    names = field_names(make)
    if name == "CriterionForm":
        names += ["points_each", "cap", "step_percent", "extra_cap"]
    check_form(make, data.draw(st.composite(lambda draw: form_data(draw, names))()))


TEXT_FIELDS_WITHOUT_LIMIT_ALLOWED = {
    # Passwords are never stored as typed; the hash has a fixed length.
    ("UserCreateForm", "password1"), ("UserCreateForm", "password2"),
    ("SetPasswordForm", "password1"), ("SetPasswordForm", "password2"),
    ("SignForm", "password"), ("WitnessForm", "password"), ("FinaliseForm", "password"),
}  # fmt: skip


def test_every_text_field_has_a_length_limit(makers) -> None:  # type: ignore[no-untyped-def]
    """A text longer than its column is refused by the form with a message, never by
    the database."""
    from django import forms as django_forms

    missing = []
    for name, make in makers.items():
        for field_name, field in make(None).fields.items():
            text = isinstance(field, django_forms.CharField) and not isinstance(
                field, django_forms.EmailField | django_forms.SlugField
            )
            allowed = (name, field_name) in TEXT_FIELDS_WITHOUT_LIMIT_ALLOWED
            if text and field.max_length is None and not allowed:
                missing.append(f"{name}.{field_name}")
    assert missing == [], "\n".join(missing)


def test_a_nul_character_is_refused_in_vietnamese() -> None:
    from django.utils import translation

    from covenants.forms.drafting import GuestForm

    with translation.override("vi"):
        form = GuestForm({"name": "Trần\x00Văn"})
        assert not form.is_valid()
        assert form.errors["name"] == ["Không được nhập ký tự rỗng (NUL)."]


def test_an_id_beyond_the_database_integers_is_refused_not_a_server_error(world) -> None:  # type: ignore[no-untyped-def]
    from django.utils import translation

    sw = scoring_world(world)
    card = sw.card(world.member_unit)
    with translation.override("vi"):
        form = verification_forms.AnswerForm(
            {"answer": "Giải trình", "evidence": ["9" * 20]}, scorecard=card
        )
        assert not form.is_valid()
        assert "evidence" in form.errors
        form = BallotForm({"candidates": ["-" + "9" * 30]}, cluster_year=world.this_year)
        assert not form.is_valid() and "candidates" in form.errors
        form = cluster_forms.ClusterYearMembersForm(
            {"members": ["¹"]}, organizer=world.org, offered=[world.h_new]
        )
        assert not form.is_valid()


def test_a_short_password_is_refused_in_vietnamese(world) -> None:  # type: ignore[no-untyped-def]
    from django.utils import translation

    with translation.override("vi"):
        form = people_forms.SetPasswordForm(
            {"password1": "a1", "password2": "a1"}, user=world.member_officer
        )
        assert not form.is_valid()
        assert "Mật khẩu quá ngắn: cần có ít nhất 9 ký tự." in form.errors["password1"]
