"""What the covenant page's workflow panel shows: the state as steps, the buttons this
user may press, the signing order at a glance, and the user's next action."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from clusters.models import Profile
from clusters.roles import Role, profile_of
from covenants.models import COVENANT_TRANSITIONS, Covenant, CovenantState
from covenants.permissions import can_manage
from covenants.services.signing import (
    SigningSlot,
    missing_slots,
    signing_order,
    unit_signing_refusal,
    witness_signing_refusal,
)

STEPS = [
    CovenantState.DRAFT,
    CovenantState.CIRCULATED,
    CovenantState.ADOPTED,
    CovenantState.SIGNING,
    CovenantState.SIGNED,
]


@dataclass(frozen=True)
class TransitionButton:
    to: str
    label: Any
    confirm: Any  # the question asked before an irreversible step, or ""
    style: str


# The buttons for the manual steps; adopting and opening signing cannot be undone by
# the cluster head alone, so the browser asks first.
BUTTONS = {
    (CovenantState.DRAFT, CovenantState.CIRCULATED): TransitionButton(
        CovenantState.CIRCULATED, _("Circulate for comments"), "", "btn-primary"
    ),
    (CovenantState.CIRCULATED, CovenantState.DRAFT): TransitionButton(
        CovenantState.DRAFT, _("Back to draft"), "", "btn-outline-secondary"
    ),
    (CovenantState.CIRCULATED, CovenantState.ADOPTED): TransitionButton(
        CovenantState.ADOPTED,
        _("Record adoption at the conference"),
        _(
            "Record that the conference adopted this covenant? Its content can no longer "
            "be changed."
        ),
        "btn-primary",
    ),
    (CovenantState.ADOPTED, CovenantState.CIRCULATED): TransitionButton(
        CovenantState.CIRCULATED, _("Reopen for comments"), "", "btn-outline-secondary"
    ),
    (CovenantState.ADOPTED, CovenantState.SIGNING): TransitionButton(
        CovenantState.SIGNING,
        _("Open signing"),
        _("Open signing? Each member unit's leader can then sign; the head unit signs last."),
        "btn-primary",
    ),
}


def steps(covenant: Covenant) -> list[dict[str, Any]]:
    current = STEPS.index(covenant.state)
    return [
        {
            "state": state,
            "label": CovenantState(state).label,
            "status": "done" if index < current else "current" if index == current else "todo",
            "number": index + 1,
        }
        for index, state in enumerate(STEPS)
    ]


def _next_action(
    *,
    covenant: Covenant,
    roles: frozenset[Role],
    profile: Profile | None,
    slots: list[SigningSlot],
    manager: bool,
    is_superuser: bool,
) -> dict[str, Any] | None:
    """What this user should do next, as one sentence and maybe a link."""
    state = covenant.state
    if state == CovenantState.SIGNING:
        if Role.MEMBER_LEADER in roles and profile is not None and profile.unit_id:
            refusal = unit_signing_refusal(covenant, profile.unit, slots)
            if refusal is None:
                text = _("Sign the covenant for %(unit)s.") % {"unit": profile.unit.name}
                return {"kind": "sign", "text": text}
            if refusal.code == "already_signed":
                text = _("%(unit)s has signed. Still missing: %(missing)s.") % {
                    "unit": profile.unit.name,
                    "missing": ", ".join(slot.label for slot in missing_slots(slots)),
                }
                return {"kind": "signed", "text": text}
            return {"kind": "wait", "text": " ".join(refusal.messages)}
        if Role.BOARD in roles and covenant.needs_witness and not is_superuser:
            refusal = witness_signing_refusal(covenant, slots)
            if refusal is None:
                return {"kind": "witness", "text": _("Sign as the board's witness.")}
            return {"kind": "wait", "text": " ".join(refusal.messages)}
        return {"kind": "wait", "text": _("The member units' leaders are signing.")}
    if not manager:
        if state == CovenantState.CIRCULATED:
            return {"kind": "comment", "text": _("Read the draft and send your comments.")}
        return None
    return {
        CovenantState.DRAFT: {
            "kind": "manage",
            "text": _("Finish the draft, then circulate it to the members for comments."),
        },
        CovenantState.CIRCULATED: {
            "kind": "manage",
            "text": _("Take the comments into account; after the conference, record the adoption."),
        },
        CovenantState.ADOPTED: {
            "kind": "manage",
            "text": _("Open signing so the member units' leaders can sign."),
        },
        CovenantState.SIGNED: None,
    }.get(state)


def workflow_panel(request: HttpRequest, covenant: Covenant, roles: frozenset[Role]) -> dict:
    """The context of templates/covenants/workflow/_panel.html."""
    from core.documents.jobs import latest_job

    manager = can_manage(roles, covenant)
    profile = profile_of(request.user)
    slots = signing_order(covenant)
    missing = missing_slots(slots)
    transitions = (
        [
            BUTTONS[(covenant.state, target)]
            for target in COVENANT_TRANSITIONS[covenant.state]
            if (covenant.state, target) in BUTTONS
        ]
        if manager
        else []
    )
    transitions.sort(key=lambda button: button.style != "btn-primary")
    user_unit_id = profile.unit_id if profile is not None else None
    amendment = Covenant.objects.filter(amended_from=covenant).only("pk", "version").first()
    is_leader = Role.MEMBER_LEADER in roles
    signing = covenant.state == CovenantState.SIGNING
    return {
        "covenant": covenant,
        "state": covenant.state,
        "state_label": covenant.get_state_display(),
        "steps": steps(covenant),
        "transitions": transitions,
        "slots": slots,
        "missing": missing,
        "missing_names": ", ".join(slot.label for slot in missing),
        "signed_count": len(slots) - len(missing),
        "required_count": len(slots),
        "show_signing": covenant.state in (CovenantState.SIGNING, CovenantState.SIGNED)
        or bool(covenant.signatures.exists()),
        "user_unit_id": user_unit_id,
        "next_action": _next_action(
            covenant=covenant,
            roles=roles,
            profile=profile,
            slots=slots,
            manager=manager,
            is_superuser=request.user.is_superuser,
        ),
        "can_manage": manager,
        "can_sign": signing
        and is_leader
        and profile is not None
        and unit_signing_refusal(covenant, profile.unit, slots) is None,
        "is_leader": is_leader,
        "can_witness": signing
        and Role.BOARD in roles
        and not request.user.is_superuser
        and witness_signing_refusal(covenant, slots) is None,
        "can_amend": manager and covenant.state == CovenantState.SIGNED and amendment is None,
        "amendment": amendment,
        "amended_from": covenant.amended_from,
        "can_request_pdf": manager,
        "draft_pdf": latest_job(obj=covenant, kind="covenant"),
        "signed_pdf": latest_job(obj=covenant, kind="covenant_signed"),
    }
