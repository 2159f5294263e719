"""Drafting the covenant, one module per part; every name importable from here."""

from __future__ import annotations

from covenants.services.drafting.comments import *  # noqa: F403
from covenants.services.drafting.content import *  # noqa: F403
from covenants.services.drafting.documents import *  # noqa: F403
from covenants.services.drafting.targets import *  # noqa: F403
