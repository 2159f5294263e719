"""On PostgreSQL, refuse UPDATE and DELETE on the action log at the database level,
so history cannot be rewritten even by a stray SQL statement."""

from django.db import migrations

from core.db import append_only


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [append_only("core_actionlog")]
