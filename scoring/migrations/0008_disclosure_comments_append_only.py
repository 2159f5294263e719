"""On PostgreSQL, comments made during a public disclosure are kept for good: the
table refuses UPDATE and DELETE."""

from django.db import migrations

from core.db import append_only


class Migration(migrations.Migration):
    dependencies = [("scoring", "0007_results_nominations")]
    operations = [append_only("scoring_disclosurecomment")]
