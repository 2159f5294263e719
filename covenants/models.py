"""Models of the covenants app (see docs/architecture.md); filled in by later issues."""

from __future__ import annotations
