from __future__ import annotations

from django.db import models


class SortKeyField(models.CharField):
    """Holds a ``core.text.vi_sort_key``; compared by code point on every database.

    SQLite compares text by code point already; PostgreSQL would apply the
    database's locale, so the column gets the "C" collation there.
    """

    def db_parameters(self, connection):  # type: ignore[no-untyped-def]
        params = super().db_parameters(connection)
        if connection.vendor == "postgresql":
            params["collation"] = "C"
        return params
