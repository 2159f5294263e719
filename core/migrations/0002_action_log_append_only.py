"""On PostgreSQL, refuse UPDATE and DELETE on the action log at the database level,
so history cannot be rewritten even by a stray SQL statement."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION core_actionlog_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'core_actionlog is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER core_actionlog_no_update BEFORE UPDATE OR DELETE ON core_actionlog
    FOR EACH ROW EXECUTE FUNCTION core_actionlog_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS core_actionlog_no_update ON core_actionlog;
DROP FUNCTION IF EXISTS core_actionlog_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
