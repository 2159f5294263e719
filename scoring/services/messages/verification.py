"""What the verification services say (module constants tests assert word for word) and the
activity-log words of their action keys."""

from __future__ import annotations

ACTION_AREAS: dict = {}
ACTION_LABELS: dict = {}
ACTION_FIELDS: dict = {}
