"""Migrations build the schema from an empty database, go down to nothing and up again, and match the models."""


from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from onewindow import migrate
from onewindow.db import make_engine
from onewindow.migrations.extras import include_name
from onewindow.models import metadata
from tests.conftest import database_url


def test_upgrade_downgrade_upgrade_and_no_model_drift(worker_id):
    engine = make_engine(database_url(worker_id, "mig"))
    migrate.upgrade(engine)
    tables = set(inspect(engine).get_table_names())
    assert {"users", "audit_records", "service_items", "bundles", "calendar_days"} <= tables
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"include_name": include_name}), metadata)
    assert diff == [], f"models and migrations differ: {diff}"
    migrate.downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(engine)
    assert "service_items" in inspect(engine).get_table_names()
    engine.dispose()
