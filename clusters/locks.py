"""What other apps may say about changing a cluster year's members, head or deputy.

A signed covenant lists the members who signed it: once a later app (covenants)
has fixed a year's membership in a document, changing it would silently rewrite
that document. Apps register a check from their AppConfig.ready(); clusters does
not import them (imports only point down).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from clusters.models import ClusterYear

_CHECKS: list[Callable[[ClusterYear], Any]] = []


def register_membership_lock(check: Callable[[ClusterYear], Any]) -> None:
    """``check(cluster_year)`` returns why its membership is fixed, or None."""
    if check not in _CHECKS:
        _CHECKS.append(check)


def membership_lock_reason(cluster_year: ClusterYear) -> Any:
    for check in _CHECKS:
        reason = check(cluster_year)
        if reason:
            return reason
    return None
