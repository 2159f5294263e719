"""Pieces every PDF of the scoring app prints the same way (Decree 30/2020 layout)."""

from __future__ import annotations

from clusters.models import Profile, Unit

HEAD_NOTE = "(Đơn vị trưởng cụm)"


def upper(text: str | None) -> str:
    return (text or "").upper()


def head_signature(
    head: Unit | None, *, note: str = HEAD_NOTE, blank_name: str = ""
) -> dict[str, str] | None:
    """The head unit's leader signs for the cluster: "TM. <unit>", the position, the
    name (``blank_name`` when the unit has no leader account). None without a head."""
    if head is None:
        return None
    leader = (
        Profile.objects.filter(role=Profile.Role.LEADER, unit=head, user__is_active=True)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    name = (leader.user.get_full_name() or leader.user.get_username()) if leader else ""
    position = (leader.position if leader and leader.position else head.leader_title) or ""
    return {
        "on_behalf": f"TM. {upper(head.name)}",
        "position": upper(position),
        "name": name or blank_name,
        "note": note,
    }
