"""(stub, filled in by issue 6 work)"""

from __future__ import annotations

ACTION_AREAS: dict = {}
ACTION_LABELS: dict = {}
ACTION_FIELDS: dict = {}
