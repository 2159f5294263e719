"""Members' comments on a circulated draft, and the head taking them into account."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from clusters.roles import profile_of
from core.audit import log_action
from covenants.models import (
    Covenant,
    CovenantComment,
    CovenantSection,
)
from covenants.services.common import lock_covenant, require_editable, scope_of
from covenants.services.drafting.content import clean_text
from covenants.services.messages import (
    COMMENT_EMPTY,
    COMMENT_NOT_CIRCULATED,
    COMMENT_SECTION_OTHER,
)

# Comments ----------------------------------------------------------------------------


def covenant_comment_add(
    *,
    actor: Any,
    covenant: Covenant,
    text: str,
    section: CovenantSection | None = None,
) -> CovenantComment:
    """A member's (or the board's) comment on the draft, accepted only while it is
    circulated for comments. The comment records the author's unit."""
    with transaction.atomic():
        covenant = lock_covenant(covenant)
        if covenant.state != Covenant.State.CIRCULATED:
            raise ValidationError(COMMENT_NOT_CIRCULATED, code="not_circulated")
        text = clean_text(text)
        if not text:
            raise ValidationError({"text": ValidationError(COMMENT_EMPTY)})
        if section is not None and section.covenant_id != covenant.pk:
            raise ValidationError({"section": ValidationError(COMMENT_SECTION_OTHER)})
        profile = profile_of(actor)
        unit_id = profile.unit_id if profile is not None else None
        member = (
            unit_id is not None
            and covenant.cluster_year.memberships.filter(unit_id=unit_id).exists()
        )
        comment = CovenantComment.objects.create(
            covenant=covenant,
            section=section,
            author=actor,
            unit_id=unit_id if member else None,
            text=text,
        )
        log_action(
            actor=actor,
            action="covenants.covenant.comment_added",
            obj=covenant,
            scope_id=scope_of(covenant),
            data={"comment": comment.pk, "section": section.heading if section else None,
                  "text": text},
        )  # fmt: skip
    return comment


def covenant_comment_resolve(
    *, actor: Any, covenant: Covenant, comment: CovenantComment, resolved: bool = True
) -> CovenantComment:
    """The head marks a comment as taken into account (or not), while drafting."""
    with transaction.atomic():
        covenant = lock_covenant(covenant)
        require_editable(covenant)
        comment = CovenantComment.objects.select_for_update().get(pk=comment.pk, covenant=covenant)
        if comment.resolved != resolved:
            comment.resolved = resolved
            comment.save(update_fields=["resolved"])
            log_action(
                actor=actor,
                action="covenants.covenant.comment_resolved",
                obj=covenant,
                scope_id=scope_of(covenant),
                data={"comment": comment.pk, "resolved": {"old": not resolved, "new": resolved}},
            )
    return comment
