"""Verification pages (HTTP only): authorize, validate, one service, respond.

- ``verify_period``: the scorecards the user verifies in a period (and their own).
- ``verify_scorecard``: one scorecard's tree with every verifier's points and, per
  criterion, a form to propose (a decider's proposal is the decision). With htmx the row
  posts and comes back alone, the totals out of band; without, it is a plain form.
- ``verify_return`` (ask the unit to explain named criteria), ``verify_decide`` (decide
  on an explained criterion), ``verify_finalise`` (a confirmation page: irreversible).
- ``verify_comparison``: one scorecard side by side, with its whole history.
- ``explanation_list`` / ``explanation_answer``: a scorecard's requests; the unit
  answers on its side.
- ``assignment_list`` and its actions: cross-scoring by hand or automatically.
- ``period_comparison``: every unit's totals, inflation and how far verifiers agree.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clusters.roles import Role, can_act_as_head, profile_of
from core import reauth
from core.forms import apply_service_errors, error_text
from core.text import vi_number
from scoring.forms.verification import (
    AnswerForm,
    AssignmentForm,
    FinaliseForm,
    ProposeForm,
    ReturnForm,
)
from scoring.models import Entry, ExplanationRequest, Period, Review, Scorecard
from scoring.permissions import (
    ScorecardAccess,
    finaliser_roles,
    period_for_user,
    scorecard_for_user,
)
from scoring.selectors import verification as selectors
from scoring.selectors.verification import ROLE_ORDER, CardComparison, Row
from scoring.services import verification as services
from scoring.services.messages.verification import ASSIGN_MUTUAL

S = Scorecard.State


def _is_htmx(request: HttpRequest) -> bool:
    return bool(request.headers.get("HX-Request"))


def _when(moment: Any) -> str:
    return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M") if moment else ""


def _ordered(roles: frozenset[str] | set[str]) -> list[str]:
    return sorted(roles, key=lambda role: ROLE_ORDER.get(role, 9))


def _unit_id(user: Any) -> int | None:
    profile = profile_of(user)
    return profile.unit_id if profile else None


def _role_for(access: ScorecardAccess, row: Row) -> str:
    """As whom the user works on this criterion: a role that decides it when they have
    one, else an advisory one (the head and deputy never score the board's criteria)."""
    usable = [
        role
        for role in _ordered(access.verifier_roles)
        if not (row.board_criterion and role in (Review.Role.HEAD, Review.Role.DEPUTY))
    ]
    deciding = [role for role in usable if role in row.deciders]
    return (deciding or usable or [""])[0]


def _decider_role(access: ScorecardAccess) -> str:
    """The user's role that may return and finalise this scorecard ("" if none)."""
    roles = _ordered(access.verifier_roles & finaliser_roles(access.scorecard))
    return roles[0] if roles else ""


def _can_work(card: Scorecard, role: str, row: Row | None = None) -> bool:
    """Whether the page offers a form (the services decide for real)."""
    if not role or card.period.state != Period.State.OPEN:
        return False
    if card.state == S.VERIFIED:
        return role == Review.Role.BOARD
    if card.state != S.SUBMITTED:
        return False
    if timezone.now() > card.period.verification_deadline and role != Review.Role.BOARD:
        return bool(row and row.explained and role in row.deciders)
    return True


def _prepare_row(
    request: HttpRequest, access: ScorecardAccess, row: Row, form: ProposeForm | None = None
) -> Row:
    """The user's role, last proposal and form on one leaf row."""
    if row.is_group or row.entry is None:
        return row
    role = _role_for(access, row)
    unit_id = _unit_id(request.user)
    row.my_role = role
    row.my_role_label = str(Review.Role(role).label) if role else ""
    row.my_decides = bool(role) and role in row.deciders
    row.my_proposal = next(
        (
            proposal
            for proposal in row.proposals
            if proposal.role == role and (role == Review.Role.BOARD or proposal.unit_id == unit_id)
        ),
        None,
    )
    if _can_work(access.scorecard, role, row):
        if form is None:
            if row.my_proposal is not None:
                start = row.my_proposal.points
            elif row.final_points is not None:
                start = row.final_points
            else:
                start = row.own
            form = ProposeForm(
                initial={
                    "points": start,
                    "reason": row.my_proposal.reason if row.my_proposal else "",
                },
                prefix=f"e{row.entry.pk}",
            )
        row.form = form
    return row


def _card_context(request: HttpRequest, access: ScorecardAccess, **extra: Any) -> dict[str, Any]:
    card = access.scorecard
    period = card.period
    return {
        "nav": "clusters",
        "scorecard": card,
        "period": period,
        "cluster_year": period.cluster_year,
        "cluster": period.cluster_year.cluster,
        "is_board": access.is_board,
        "access": access,
        "my_roles": [str(Review.Role(role).label) for role in _ordered(access.verifier_roles)],
        "verification_deadline": _when(period.verification_deadline),
        "explanation_deadline": _when(period.explanation_deadline),
        **extra,
    }


def _verify_page(
    request: HttpRequest,
    access: ScorecardAccess,
    *,
    forms: dict[int, ProposeForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    comparison = selectors.card_comparison(scorecard=access.scorecard)
    for row in comparison.rows:
        _prepare_row(request, access, row, (forms or {}).get(row.entry.pk if row.entry else 0))
    decider = _decider_role(access)
    card = access.scorecard
    return render(
        request,
        "scoring/verify_scorecard.html",
        _card_context(
            request,
            access,
            comparison=comparison,
            rows=comparison.rows,
            can_return=bool(decider) and _can_work(card, decider),
            can_finalise=bool(decider) and _can_work_finalise(card, decider),
            late=timezone.now() > card.period.verification_deadline,
        ),
        status=status,
    )


def _can_work_finalise(card: Scorecard, role: str) -> bool:
    if card.period.state != Period.State.OPEN:
        return False
    return card.state == S.SUBMITTED or (card.state == S.VERIFIED and role == Review.Role.BOARD)


# The period's scorecards to verify -------------------------------------------------------


def verify_period(request: HttpRequest, pk: int) -> HttpResponse:
    period, roles = period_for_user(request, pk, "view")
    lines = selectors.cards_for_user(user=request.user, period=period, roles=roles)
    return render(
        request,
        "scoring/verify_period.html",
        {
            "nav": "clusters",
            "period": period,
            "cluster_year": period.cluster_year,
            "cluster": period.cluster_year.cluster,
            "is_board": Role.BOARD in roles,
            "lines": lines,
            "sees_all": selectors.sees_every_card(user=request.user, period=period, roles=roles),
            "can_assign": period.cross_scoring
            and period.is_open
            and can_act_as_head(roles, period.cluster_year),
            "verification_deadline": _when(period.verification_deadline),
        },
    )


# One scorecard -------------------------------------------------------------------------


def verify_scorecard(request: HttpRequest, pk: int) -> HttpResponse:
    access = scorecard_for_user(request, pk, "verify")
    return _verify_page(request, access)


def _entry_of(card: Scorecard, entry_pk: int) -> Entry:
    entry = (
        Entry.objects.filter(
            pk=entry_pk, scorecard=card, criterion__rubric_id=card.period.rubric_id
        )
        .select_related("criterion")
        .first()
    )
    if entry is None:
        raise Http404
    return entry


def _row_response(
    request: HttpRequest,
    access: ScorecardAccess,
    entry: Entry,
    *,
    form: ProposeForm | None = None,
    notice: str = "",
    status: int = 200,
) -> HttpResponse:
    """The row again (htmx), with the totals out of band."""
    access.scorecard.refresh_from_db()
    comparison = selectors.card_comparison(scorecard=access.scorecard)
    row = comparison.row_for_entry(entry.pk)
    if row is None:
        raise Http404
    _prepare_row(request, access, row, form)
    row.notice = notice
    return render(
        request,
        "scoring/verify_scorecard.html#row-update",
        _card_context(request, access, comparison=comparison, row=row),
        status=status,
    )


def _propose_or_decide(
    request: HttpRequest, pk: int, entry_pk: int, *, decide: bool
) -> HttpResponse:
    access = scorecard_for_user(request, pk, "verify")
    card = access.scorecard
    entry = _entry_of(card, entry_pk)
    form = ProposeForm(request.POST, prefix=f"e{entry.pk}")
    comparison = selectors.card_comparison(scorecard=card)
    row = comparison.row_for_entry(entry.pk)
    role = _role_for(access, row) if row else ""
    notice = ""
    if form.is_valid():
        service = services.entry_decide if decide else services.review_propose
        try:
            service(
                actor=request.user,
                entry=entry,
                role=role,
                points=form.cleaned_data["points"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            decided = role in (row.deciders if row else ())
            notice = (
                _("Saved: %(code)s is decided at %(points)s points.")
                if decided
                else _("Saved: your proposal for %(code)s is %(points)s points.")
            ) % {"code": entry.criterion.code, "points": vi_number(form.cleaned_data["points"])}
    failed = bool(form.errors)
    if _is_htmx(request):
        return _row_response(request, access, entry, form=form if failed else None, notice=notice)
    if failed:
        messages.error(request, " ".join(str(m) for errors in form.errors.values() for m in errors))
        return _verify_page(request, access, forms={entry.pk: form}, status=200)
    messages.success(request, notice)
    return redirect(f"{reverse('verify_scorecard', args=[card.pk])}#entry-{entry.pk}")


@require_POST
def verify_propose(request: HttpRequest, pk: int, entry_pk: int) -> HttpResponse:
    return _propose_or_decide(request, pk, entry_pk, decide=False)


@require_POST
def verify_decide(request: HttpRequest, pk: int, entry_pk: int) -> HttpResponse:
    return _propose_or_decide(request, pk, entry_pk, decide=True)


# Returning for an explanation -------------------------------------------------------------


def verify_return(request: HttpRequest, pk: int) -> HttpResponse:
    access = scorecard_for_user(request, pk, "verify")
    card = access.scorecard
    role = _decider_role(access)
    if not role:
        raise PermissionDenied
    if request.method == "POST":
        form = ReturnForm(request.POST, scorecard=card)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.scorecard_return(
                    actor=request.user,
                    scorecard=card,
                    role=role,
                    entries=list(data["entries"]),
                    question=data["question"],
                    deadline=data["deadline"],
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _("The scorecard of %(unit)s was returned; its people have been told.")
                    % {"unit": card.unit.name},
                )
                return redirect("verify_scorecard", card.pk)
    else:
        chosen = [value for value in request.GET.getlist("entry") if value.isdigit()]
        form = ReturnForm(
            scorecard=card,
            initial={"entries": chosen, "deadline": card.period.explanation_deadline},
        )
    return render(
        request,
        "scoring/verify_return.html",
        _card_context(
            request,
            access,
            form=form,
            role_label=Review.Role(role).label,
            can_return=_can_work(card, role),
        ),
    )


# Finalising ----------------------------------------------------------------------------


def verify_finalise(request: HttpRequest, pk: int) -> HttpResponse:
    access = scorecard_for_user(request, pk, "finalise")
    card = access.scorecard
    role = _decider_role(access)
    form = FinaliseForm(request.POST or None, ask_password=not reauth.recently_confirmed(request))
    if request.method == "POST" and form.is_valid():
        try:
            reauth.confirm_password(
                request,
                form.cleaned_data.get("password"),
                purpose="finalise",
                obj=card,
                scope_id=card.period.cluster_year.cluster.organizer_id,
            )
            done = services.scorecard_finalise(actor=request.user, scorecard=card, role=role)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            if done.state == S.VERIFIED:
                text = _(
                    "The scorecard of %(unit)s is verified: %(total)s points. The emulation "
                    "board finalises it."
                )
            else:
                text = _("The scorecard of %(unit)s is final: %(total)s points.")
            messages.success(
                request, text % {"unit": card.unit.name, "total": vi_number(done.final_total)}
            )
            return redirect("verify_comparison", card.pk)
    comparison = selectors.card_comparison(scorecard=card)
    target = services.finalise_target(card, role)
    blockers = [
        message
        for problem in services.finalise_blockers(card, role)
        for message in problem.messages
    ]
    return render(
        request,
        "scoring/verify_finalise.html",
        _card_context(
            request,
            access,
            form=form,
            comparison=comparison,
            to_board=target == S.VERIFIED,
            blockers=blockers,
            can_finalise=_can_work_finalise(card, role) and not blockers,
            role_label=Review.Role(role).label,
        ),
    )


# Comparison of one scorecard --------------------------------------------------------------


def verify_comparison(request: HttpRequest, pk: int) -> HttpResponse:
    access = scorecard_for_user(request, pk, "view")
    comparison: CardComparison = selectors.card_comparison(
        scorecard=access.scorecard, with_history=True
    )
    return render(
        request,
        "scoring/comparison_scorecard.html",
        _card_context(request, access, comparison=comparison, rows=comparison.rows),
    )


# Explanations ----------------------------------------------------------------------------


def explanation_list(request: HttpRequest, pk: int) -> HttpResponse:
    access = scorecard_for_user(request, pk, "view")
    return render(
        request,
        "scoring/explanation_list.html",
        _card_context(
            request, access, explanations=selectors.card_requests(scorecard=access.scorecard)
        ),
    )


def explanation_answer(request: HttpRequest, pk: int, request_pk: int) -> HttpResponse:
    access = scorecard_for_user(request, pk, "edit")
    card = access.scorecard
    explanation = next(
        (item for item in selectors.card_requests(scorecard=card) if item.pk == request_pk), None
    )
    if explanation is None:
        raise Http404
    form = AnswerForm(request.POST or None, scorecard=card)
    if request.method == "POST" and form.is_valid():
        try:
            services.explanation_answer(
                actor=request.user,
                request=explanation,
                answer=form.cleaned_data["answer"],
                evidence=list(form.cleaned_data["evidence"]),
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request,
                _(
                    "Your explanation was sent. When every request is answered, submit the "
                    "scorecard again."
                ),
            )
            return redirect("explanation_list", card.pk)
    now = timezone.now()
    reopened = card.reopened_until is not None and now <= card.reopened_until
    return render(
        request,
        "scoring/explanation_answer.html",
        _card_context(
            request,
            access,
            explanation=explanation,
            form=form,
            deadline=_when(explanation.deadline),
            can_answer=explanation.state == ExplanationRequest.State.OPEN
            and (now <= explanation.deadline or reopened)
            and card.period.state == Period.State.OPEN,
        ),
    )


# Cross-scoring assignments ---------------------------------------------------------------


def _assignment_page(
    request: HttpRequest, period: Period, roles: frozenset[Role], status: int = 200
) -> HttpResponse:
    return render(
        request,
        "scoring/assignment_list.html",
        {
            "nav": "clusters",
            "period": period,
            "cluster_year": period.cluster_year,
            "cluster": period.cluster_year.cluster,
            "is_board": Role.BOARD in roles,
            "lines": selectors.period_assignments(period=period) if period.cross_scoring else [],
        },
        status=status,
    )


def assignment_list(request: HttpRequest, pk: int) -> HttpResponse:
    period, roles = period_for_user(request, pk, "manage")
    return _assignment_page(request, period, roles)


def _period_card(period: Period, card_pk: int) -> Scorecard:
    card = period.scorecards.select_related("unit").filter(pk=card_pk).first()
    if card is None:
        raise Http404
    return card


@require_POST
def assignment_set(request: HttpRequest, pk: int, card_pk: int) -> HttpResponse:
    period, _roles = period_for_user(request, pk, "manage")
    card = _period_card(period, card_pk)
    form = AssignmentForm(request.POST, units=_member_units(period))
    if not form.is_valid():
        messages.error(request, error_text(ValidationError(list(form.errors.values()))))
        return redirect("assignment_list", period.pk)
    try:
        assignment = services.assignment_set(
            actor=request.user, scorecard=card, reviewer_unit=form.unit
        )
    except ValidationError as error:
        messages.error(request, error_text(error))
        return redirect("assignment_list", period.pk)
    messages.success(
        request,
        _("%(reviewer)s scores the scorecard of %(unit)s.")
        % {"reviewer": form.unit.name, "unit": card.unit.name},
    )
    if getattr(assignment, "mutual", False):
        messages.warning(
            request, ASSIGN_MUTUAL % {"first": card.unit.name, "second": form.unit.name}
        )
    return redirect(f"{reverse('assignment_list', args=[period.pk])}#card-{card.pk}")


def _member_units(period: Period) -> list[Any]:
    return [line.unit for line in period.cluster_year.memberships.select_related("unit")]


@require_POST
def assignment_remove(request: HttpRequest, pk: int, card_pk: int) -> HttpResponse:
    period, _roles = period_for_user(request, pk, "manage")
    card = _period_card(period, card_pk)
    removed = 0
    for assignment in list(card.assignments.all()):
        try:
            services.assignment_remove(actor=request.user, assignment=assignment)
        except ValidationError as error:
            messages.error(request, error_text(error))
            return redirect("assignment_list", period.pk)
        removed += 1
    if removed:
        messages.success(
            request, _("Nobody scores the scorecard of %(unit)s now.") % {"unit": card.unit.name}
        )
    return redirect("assignment_list", period.pk)


@require_POST
def assignment_allocate(request: HttpRequest, pk: int) -> HttpResponse:
    period, _roles = period_for_user(request, pk, "manage")
    try:
        created = services.assignments_allocate(actor=request.user, period=period)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(
            request,
            _(
                "%(count)s scorecards were allocated automatically; the choices made by hand "
                "were kept."
            )
            % {"count": len(created)},
        )
    return redirect("assignment_list", period.pk)


# The period's comparison -----------------------------------------------------------------


def period_comparison(request: HttpRequest, pk: int) -> HttpResponse:
    period, roles = period_for_user(request, pk, "view")
    if not selectors.sees_every_card(user=request.user, period=period, roles=roles):
        raise PermissionDenied
    comparison = selectors.period_comparison(period=period)
    return render(
        request,
        "scoring/comparison_period.html",
        {
            "nav": "clusters",
            "period": period,
            "cluster_year": period.cluster_year,
            "cluster": period.cluster_year.cluster,
            "is_board": Role.BOARD in roles,
            "comparison": comparison,
            "lines": comparison.lines,
            "agreement": comparison.agreement,
        },
    )


urlpatterns = [
    path("scoring/periods/<int:pk>/verify/", verify_period, name="verify_period"),
    path("scoring/periods/<int:pk>/comparison/", period_comparison, name="period_comparison"),
    path("scoring/periods/<int:pk>/assignments/", assignment_list, name="assignment_list"),
    path(
        "scoring/periods/<int:pk>/assignments/allocate/",
        assignment_allocate,
        name="assignment_allocate",
    ),
    path(
        "scoring/periods/<int:pk>/assignments/<int:card_pk>/",
        assignment_set,
        name="assignment_set",
    ),
    path(
        "scoring/periods/<int:pk>/assignments/<int:card_pk>/remove/",
        assignment_remove,
        name="assignment_remove",
    ),
    path("scoring/scorecards/<int:pk>/verify/", verify_scorecard, name="verify_scorecard"),
    path(
        "scoring/scorecards/<int:pk>/verify/<int:entry_pk>/",
        verify_propose,
        name="verify_propose",
    ),
    path(
        "scoring/scorecards/<int:pk>/verify/<int:entry_pk>/decide/",
        verify_decide,
        name="verify_decide",
    ),
    path("scoring/scorecards/<int:pk>/return/", verify_return, name="verify_return"),
    path("scoring/scorecards/<int:pk>/finalise/", verify_finalise, name="verify_finalise"),
    path("scoring/scorecards/<int:pk>/comparison/", verify_comparison, name="verify_comparison"),
    path("scoring/scorecards/<int:pk>/explanations/", explanation_list, name="explanation_list"),
    path(
        "scoring/scorecards/<int:pk>/explanations/<int:request_pk>/answer/",
        explanation_answer,
        name="explanation_answer",
    ),
]
