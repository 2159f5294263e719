"""Database-level guards shared by the apps: the append-only trigger of their migrations,
and ``without_nul`` on every statement sent.

NUL characters: PostgreSQL cannot store one in text or JSON (a database error: a 500).
The forms and the API refuse them with a message, so a person never meets this; a
service called with raw text (the property tests of tests/test_bad_input_*.py do) would
fail on whichever write came first — the row itself, its history (``bulk_create``), the
audit log's JSON. ``without_nul``, an execute wrapper put on every connection when it
opens (``connect_nul_guard``), drops them from the parameters of every statement, on
SQLite as on PostgreSQL so both store the same text (SQLite's JSON is text already
encoded, where a NUL is the harmless escape ``\u0000``: left as it is).
"""

from __future__ import annotations

from typing import Any

from django.db import migrations
from django.db.backends.signals import connection_created

NUL = "\x00"


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace(NUL, "") if NUL in value else value
    if isinstance(value, list | tuple):
        cleaned = [_clean(item) for item in value]
        return type(value)(cleaned) if isinstance(value, tuple) else cleaned
    if isinstance(value, dict):
        return {_clean(key): _clean(item) for key, item in value.items()}
    wrapped = getattr(value, "obj", None)  # psycopg's Json/Jsonb adapters
    if wrapped is not None and hasattr(value, "dumps"):
        return type(value)(_clean(wrapped), dumps=value.dumps)
    return value


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, list | tuple):
        return any(_has_nul(item) for item in value)
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    wrapped = getattr(value, "obj", None)
    return wrapped is not None and _has_nul(wrapped)


def without_nul(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
    """Execute wrapper: the statement with NUL characters dropped from its parameters
    (looked for first: nearly every statement has none and goes through unchanged)."""
    if params and _has_nul(params):
        params = [_clean(group) for group in params] if many else _clean(params)
    return execute(sql, params, many, context)


def _guard(sender: Any, connection: Any, **kwargs: Any) -> None:
    if without_nul not in connection.execute_wrappers:
        connection.execute_wrappers.insert(0, without_nul)


def connect_nul_guard() -> None:
    connection_created.connect(_guard, dispatch_uid="core.db.without_nul")


def append_only(table: str) -> migrations.RunPython:
    """A migration operation that makes ``table`` append-only on PostgreSQL: a trigger
    refuses every UPDATE and DELETE, so history cannot be rewritten even by a stray SQL
    statement. Nothing happens on SQLite (the embedded default)."""
    create = f"""
CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{table} is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER {table}_no_update BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION {table}_append_only();
"""
    drop = f"""
DROP TRIGGER IF EXISTS {table}_no_update ON {table};
DROP FUNCTION IF EXISTS {table}_append_only();
"""

    def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(create)

    def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(drop)

    return migrations.RunPython(forwards, backwards)
