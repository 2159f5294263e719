"""On PostgreSQL, refuse UPDATE and DELETE on the score history at the database
level: every value ever entered stays, even against a stray SQL statement."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION scoring_entryhistory_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'scoring_entryhistory is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER scoring_entryhistory_no_update BEFORE UPDATE OR DELETE ON scoring_entryhistory
    FOR EACH ROW EXECUTE FUNCTION scoring_entryhistory_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS scoring_entryhistory_no_update ON scoring_entryhistory;
DROP FUNCTION IF EXISTS scoring_entryhistory_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("scoring", "0002_periods_scorecards_verification")]
    operations = [migrations.RunPython(forwards, backwards)]
