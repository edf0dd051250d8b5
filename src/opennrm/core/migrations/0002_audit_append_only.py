"""On PostgreSQL, the database itself refuses UPDATE and DELETE of audit events.

The hash chain detects tampering on every database; this trigger prevents it through the
application's own connection. (SQLite, for local use only, relies on the chain.) TRUNCATE is left
to the table owner, for test-database flushes and for retention jobs run by the operator.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION opennrm_audit_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'audit events are append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER core_auditevent_append_only
  BEFORE UPDATE OR DELETE ON core_auditevent
  FOR EACH ROW EXECUTE FUNCTION opennrm_audit_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS core_auditevent_append_only ON core_auditevent;
DROP FUNCTION IF EXISTS opennrm_audit_append_only();
"""


def forward(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


def create_head(apps, schema_editor):  # type: ignore[no-untyped-def]
    head_model = apps.get_model("core", "AuditChainHead")
    head_model.objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [
        migrations.RunPython(forward, backward),
        migrations.RunPython(create_head, migrations.RunPython.noop),
    ]
