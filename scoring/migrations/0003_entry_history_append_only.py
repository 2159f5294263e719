"""On PostgreSQL, refuse UPDATE and DELETE on the score history at the database
level: every value ever entered stays, even against a stray SQL statement."""

from django.db import migrations

from core.db import append_only


class Migration(migrations.Migration):
    dependencies = [("scoring", "0002_periods_scorecards_verification")]
    operations = [append_only("scoring_entryhistory")]
