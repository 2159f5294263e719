"""(stub, filled in by issue 6 work)"""

from __future__ import annotations


def register() -> None:
    return None
