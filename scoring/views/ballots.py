"""Secret-ballot pages: the year's ballots, preparing one, the confirmations before
opening and closing, the leader's voting page (choice → confirmation → receipt shown
once), the receipt check and the result. Before closing nobody sees a count, only how
many units have voted (head and board). HTTP only: authorize, validate, call one
service, redirect."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from clusters.models import ClusterYear, Unit
from clusters.permissions import cluster_year_for_user
from clusters.roles import Role, can_act_as_head, profile_of
from core import reauth
from core.forms import SafeModelMultipleChoiceField, apply_service_errors, error_text
from core.text import vi_number
from scoring.forms.periods import DeadlineField
from scoring.models import Ballot, BallotVoter, rules_for
from scoring.permissions import ballot_for_user
from scoring.services import ballots as services
from scoring.services.messages.deliberations import DECISION_NOT_DUE


class BallotForm(forms.Form):
    purpose = forms.ChoiceField(label=gettext_lazy("Purpose"), choices=Ballot.Purpose.choices)
    candidates = SafeModelMultipleChoiceField(
        label=gettext_lazy("Candidates"),
        queryset=Unit.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    choose_at_most = forms.IntegerField(
        label=gettext_lazy("Each unit chooses at most"), min_value=1, initial=1
    )
    opens_at = DeadlineField(label=gettext_lazy("Voting opens"))
    closes_at = DeadlineField(label=gettext_lazy("Voting closes"))
    quorum_numerator = forms.IntegerField(min_value=1, initial=2)
    quorum_denominator = forms.IntegerField(min_value=1, initial=3)
    threshold_numerator = forms.IntegerField(min_value=1, initial=1)
    threshold_denominator = forms.IntegerField(min_value=1, initial=2)
    threshold_strict = forms.BooleanField(
        label=gettext_lazy("More than the threshold (untick for “at least”)"),
        required=False,
        initial=True,
    )

    def __init__(self, *args: Any, cluster_year: ClusterYear, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["candidates"].queryset = Unit.objects.filter(
            memberships__cluster_year=cluster_year
        ).order_by("name")
        # The organizer's rules (saved, or the defaults of domain.md §4).
        rules = rules_for(cluster_year.cluster.organizer_id)
        for name in (
            "quorum_numerator",
            "quorum_denominator",
            "threshold_numerator",
            "threshold_denominator",
            "threshold_strict",
        ):
            self.fields[name].initial = getattr(rules, name)
        self.max_rounds = rules.max_rounds


class DecisionForm(forms.Form):
    units = SafeModelMultipleChoiceField(
        label=gettext_lazy("Unit(s) decided on"),
        queryset=Unit.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000
    )
    deputy_agreed = forms.BooleanField(label=gettext_lazy("The deputy head agrees"))

    def __init__(self, *args: Any, ballot: Ballot, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = ballot.candidates.order_by("name")


def suggested_initial(cluster_year: ClusterYear, purpose: str | None) -> dict[str, Any]:
    """Initial purpose, candidates and count: a suggestion from the published ranking
    (the head may change it)."""
    if purpose not in Ballot.Purpose.values:
        elected = services.elected_leading_units(cluster_year)
        purpose = Ballot.Purpose.MERIT if elected else Ballot.Purpose.LEADING_UNIT
    rules = rules_for(cluster_year.cluster.organizer_id)
    suggested = services.suggested_candidates(cluster_year, purpose)
    count = rules.flag_quota if purpose == Ballot.Purpose.LEADING_UNIT else rules.merit_quota
    initial: dict[str, Any] = {"purpose": purpose, "candidates": suggested}
    if suggested:
        initial["choose_at_most"] = max(1, min(count, len(suggested)))
    return initial


def _year_context(cluster_year: ClusterYear, roles: frozenset[Role]) -> dict[str, Any]:
    return {
        "nav": "clusters",
        "cluster_year": cluster_year,
        "cluster": cluster_year.cluster,
        "is_board": Role.BOARD in roles,
    }


def _ballot_context(ballot: Ballot, roles: frozenset[Role], **extra: Any) -> dict[str, Any]:
    return {**_year_context(ballot.cluster_year, roles), "ballot": ballot, **extra}


def year_ballots(request: HttpRequest, pk: int) -> HttpResponse:
    cluster_year, roles = cluster_year_for_user(request, pk, "view")
    ballots = Ballot.objects.filter(cluster_year=cluster_year).order_by("purpose", "round", "pk")
    return render(
        request,
        "scoring/ballot_list.html",
        {
            **_year_context(cluster_year, roles),
            "ballots": ballots,
            "can_manage": can_act_as_head(roles, cluster_year) and cluster_year.is_open,
        },
    )


def ballot_create(request: HttpRequest, pk: int) -> HttpResponse:
    cluster_year, roles = cluster_year_for_user(request, pk, "head")
    initial = suggested_initial(cluster_year, request.GET.get("purpose"))
    if request.method != "POST":
        form = BallotForm(cluster_year=cluster_year, initial=initial)
    else:
        form = BallotForm(request.POST, cluster_year=cluster_year)
        if form.is_valid():
            data = form.cleaned_data
            try:
                ballot = services.ballot_create(
                    actor=request.user,
                    cluster_year=cluster_year,
                    purpose=data["purpose"],
                    candidates=list(data["candidates"]),
                    choose_at_most=data["choose_at_most"],
                    opens_at=data["opens_at"],
                    closes_at=data["closes_at"],
                    quorum=(data["quorum_numerator"], data["quorum_denominator"]),
                    threshold=(data["threshold_numerator"], data["threshold_denominator"]),
                    threshold_strict=data["threshold_strict"],
                    period=services.year_end_period(cluster_year),
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _("The ballot is prepared. Check it, then open it."))
                return redirect("ballot_detail", ballot.pk)
    return render(
        request,
        "scoring/ballot_form.html",
        {
            **_year_context(cluster_year, roles),
            "form": form,
            "suggested": bool(initial["candidates"]),
            "suggested_purpose": initial["purpose"],
        },
    )


def shown_result(ballot: Ballot) -> dict[str, Any] | None:
    """The stored count, with percentages written Vietnamese-style; None before closing."""
    if ballot.state != Ballot.State.CLOSED or not ballot.result:
        return None
    result = dict(ballot.result)
    result["candidates"] = [
        {**row, "percent_text": vi_number(Decimal(row["percent"]), 2) + " %"}
        for row in result.get("candidates", [])
    ]
    return result


def _voted_count(ballot: Ballot) -> tuple[int, int]:
    return ballot.voters.count(), len(services.member_unit_ids(ballot.cluster_year_id))


def ballot_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ballot, roles = ballot_for_user(request, pk, "view")
    can_manage = can_act_as_head(roles, ballot.cluster_year)
    profile = profile_of(request.user)
    own_unit_id = profile.unit_id if profile else None
    voted, members = _voted_count(ballot)
    return render(
        request,
        "scoring/ballot_detail.html",
        _ballot_context(
            ballot,
            roles,
            candidates=ballot.candidates.order_by("name"),
            can_manage=can_manage,
            # Before closing: only how many have voted, and only for head and board.
            voted=voted if can_manage else None,
            members=members,
            is_leader=Role.MEMBER_LEADER in roles,
            own_voted=bool(own_unit_id)
            and BallotVoter.objects.filter(ballot=ballot, unit_id=own_unit_id).exists(),
            result=shown_result(ballot),
            next_round=Ballot.objects.filter(previous=ballot).first(),
            can_decide=_can_decide(ballot, roles),
            deliberation_period=services.year_end_period(ballot.cluster_year)
            if can_manage
            else None,
        ),
    )


def _can_decide(ballot: Ballot, roles: frozenset[Role]) -> bool:
    result = ballot.result or {}
    return (
        Role.HEAD in roles
        and can_act_as_head(roles, ballot.cluster_year)
        and ballot.state == Ballot.State.CLOSED
        and result.get("decision") == "head_and_deputy"
        and not result.get("head_decision")
    )


def ballot_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """After the last round without a result: the head records what the head and the
    deputy head decided. Form → confirmation → recorded."""
    ballot, roles = ballot_for_user(request, pk, "manage")
    if Role.HEAD not in roles:
        raise PermissionDenied
    if not _can_decide(ballot, roles):
        messages.error(request, str(DECISION_NOT_DUE))
        return redirect("ballot_detail", ballot.pk)
    step = "form"
    if request.method != "POST":
        form = DecisionForm(ballot=ballot)
    else:
        form = DecisionForm(request.POST, ballot=ballot)
        if form.is_valid():
            data = form.cleaned_data
            if request.POST.get("step") != "confirm":
                step = "confirm"
            else:
                try:
                    services.ballot_record_decision(
                        actor=request.user,
                        ballot=ballot,
                        units=list(data["units"]),
                        reason=data["reason"],
                        deputy_agreed=data["deputy_agreed"],
                    )
                except ValidationError as error:
                    apply_service_errors(form, error)
                else:
                    messages.success(
                        request, _("The decision of the head and deputy head is recorded.")
                    )
                    return redirect("ballot_result", ballot.pk)
    return render(
        request,
        "scoring/ballot_decide.html",
        _ballot_context(ballot, roles, form=form, step=step),
    )


def _confirm(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    ballot, roles = ballot_for_user(request, pk, "manage")
    if request.method == "POST":
        try:
            if verb == "open":
                services.ballot_open(actor=request.user, ballot=ballot)
                messages.success(request, _("The ballot is open; the units' leaders were told."))
            else:
                services.ballot_close(actor=request.user, ballot=ballot)
                messages.success(request, _("The ballot is closed and counted."))
        except ValidationError as error:
            messages.error(request, error_text(error))
        return redirect("ballot_detail", ballot.pk)
    voted, members = _voted_count(ballot)
    return render(
        request,
        "scoring/ballot_confirm.html",
        _ballot_context(ballot, roles, verb=verb, voted=voted, members=members),
    )


def ballot_open(request: HttpRequest, pk: int) -> HttpResponse:
    return _confirm(request, pk, "open")


def ballot_close(request: HttpRequest, pk: int) -> HttpResponse:
    return _confirm(request, pk, "close")


@require_POST
def ballot_next_round(request: HttpRequest, pk: int) -> HttpResponse:
    ballot, _roles = ballot_for_user(request, pk, "manage")
    try:
        following = services.ballot_next_round(actor=request.user, ballot=ballot)
    except ValidationError as error:
        messages.error(request, error_text(error))
        return redirect("ballot_detail", ballot.pk)
    messages.success(request, _("The next round is prepared. Check its times, then open it."))
    return redirect("ballot_detail", following.pk)


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    return response


def ballot_vote(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the ballot paper; POST step=review: the confirmation; POST step=cast: cast
    it and show the receipt once."""
    ballot, roles = ballot_for_user(request, pk, "vote")
    candidates = list(ballot.candidates.order_by("name"))
    by_id = {unit.pk: unit for unit in candidates}
    context = _ballot_context(ballot, roles, candidates=candidates, errors=[])
    profile = profile_of(request.user)
    if BallotVoter.objects.filter(ballot=ballot, unit_id=profile.unit_id).exists():
        context["errors"] = [_("Your unit has already voted in this ballot.")]
        return _no_store(render(request, "scoring/ballot_vote.html", {**context, "step": "done"}))
    if request.method != "POST":
        return _no_store(render(request, "scoring/ballot_vote.html", {**context, "step": "choose"}))
    abstain = request.POST.get("abstain") == "1"
    try:
        chosen = sorted({int(value) for value in request.POST.getlist("choice")})
    except ValueError:
        chosen = []
    chosen_units = [by_id[pk] for pk in chosen if pk in by_id]
    context.update(
        chosen=chosen_units,
        chosen_ids=chosen,
        abstain=abstain,
        ask_password=not reauth.recently_confirmed(request),
        password_label=reauth.PASSWORD_LABEL,
        password_errors=[],
    )
    if request.POST.get("step") == "cast":
        try:
            # The leader confirms it is them before the unit's vote is cast.
            reauth.confirm_password(
                request,
                request.POST.get("password"),
                purpose="vote",
                obj=ballot,
                scope_id=ballot.cluster_year.cluster.organizer_id,
            )
        except ValidationError as error:
            context["password_errors"] = error.message_dict.get("password", error.messages)
            return _no_store(
                render(request, "scoring/ballot_vote.html", {**context, "step": "confirm"})
            )
        try:
            code = services.ballot_cast(
                actor=request.user, ballot=ballot, choices=chosen, abstain=abstain
            )
        except ValidationError as error:
            context["errors"] = error.messages
            return _no_store(
                render(request, "scoring/ballot_vote.html", {**context, "step": "choose"})
            )
        return _no_store(
            render(
                request, "scoring/ballot_vote.html", {**context, "step": "receipt", "code": code}
            )
        )
    # Review: check what the service would refuse before asking to confirm.
    problems = []
    if abstain and chosen:
        problems.append(str(services.BALLOT_ABSTAIN_WITH_CHOICES))
    elif not abstain and not chosen:
        problems.append(str(services.BALLOT_EMPTY))
    elif len(chosen_units) != len(chosen):
        problems.append(str(services.BALLOT_CHOICE_NOT_CANDIDATE))
    elif len(chosen) > ballot.choose_at_most:
        problems.append(str(services.BALLOT_TOO_MANY) % {"count": ballot.choose_at_most})
    if problems:
        context["errors"] = problems
        return _no_store(render(request, "scoring/ballot_vote.html", {**context, "step": "choose"}))
    return _no_store(render(request, "scoring/ballot_vote.html", {**context, "step": "confirm"}))


def ballot_receipt(request: HttpRequest, pk: int) -> HttpResponse:
    ballot, roles = ballot_for_user(request, pk, "view")
    code = request.POST.get("code", "") if request.method == "POST" else ""
    checked = request.method == "POST"
    counted = checked and services.receipt_counted(ballot, code)
    return render(
        request,
        "scoring/ballot_receipt.html",
        _ballot_context(ballot, roles, code=code, checked=checked, counted=counted),
    )


def ballot_result(request: HttpRequest, pk: int) -> HttpResponse:
    ballot, roles = ballot_for_user(request, pk, "view")
    return render(
        request,
        "scoring/ballot_result.html",
        _ballot_context(
            ballot,
            roles,
            result=shown_result(ballot),
            now=timezone.now(),
        ),
    )


urlpatterns = [
    path("years/<int:pk>/ballots/", year_ballots, name="year_ballots"),
    path("years/<int:pk>/ballots/new/", ballot_create, name="ballot_create"),
    path("scoring/ballots/<int:pk>/", ballot_detail, name="ballot_detail"),
    path("scoring/ballots/<int:pk>/open/", ballot_open, name="ballot_open"),
    path("scoring/ballots/<int:pk>/close/", ballot_close, name="ballot_close"),
    path("scoring/ballots/<int:pk>/next-round/", ballot_next_round, name="ballot_next_round"),
    path("scoring/ballots/<int:pk>/vote/", ballot_vote, name="ballot_vote"),
    path("scoring/ballots/<int:pk>/receipt/", ballot_receipt, name="ballot_receipt"),
    path("scoring/ballots/<int:pk>/result/", ballot_result, name="ballot_result"),
    path("scoring/ballots/<int:pk>/decide/", ballot_decide, name="ballot_decide"),
]
