"""Models of the scoring app (see docs/architecture.md); filled in by later issues."""

from __future__ import annotations
