"""Every write to organizers, units, clusters, years, memberships and people.

Each service is one transaction: lock, check, write, log. One module per area;
everything is importable from ``clusters.services``.
"""

from __future__ import annotations

from clusters.services.clusters import *  # noqa: F403
from clusters.services.messages import *  # noqa: F403
from clusters.services.organizers import *  # noqa: F403
from clusters.services.people import *  # noqa: F403
from clusters.services.units import *  # noqa: F403
from clusters.services.years import *  # noqa: F403
