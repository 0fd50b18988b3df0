"""DDL that Alembic's autogenerate does not model: the audit chain's genesis row and its append-only
triggers, and the Chinese full-text index (SQLite FTS5 / PostgreSQL GIN) over segmented item text."""

from alembic import op

from onewindow.common.search import MANAGED_NAME

GENESIS = "0" * 64

SQLITE = [
    "CREATE TRIGGER audit_records_no_update BEFORE UPDATE ON audit_records "
    "BEGIN SELECT RAISE(ABORT, 'audit_records is append-only'); END",
    "CREATE TRIGGER audit_records_no_delete BEFORE DELETE ON audit_records "
    "BEGIN SELECT RAISE(ABORT, 'audit_records is append-only'); END",
    "CREATE VIRTUAL TABLE service_items_fts USING fts5(search_text, content='service_items', content_rowid='id')",
    "CREATE TRIGGER service_items_fts_ai AFTER INSERT ON service_items BEGIN "
    "INSERT INTO service_items_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER service_items_fts_ad AFTER DELETE ON service_items BEGIN "
    "INSERT INTO service_items_fts(service_items_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER service_items_fts_au AFTER UPDATE OF search_text ON service_items BEGIN "
    "INSERT INTO service_items_fts(service_items_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO service_items_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS service_items_fts_au", "DROP TRIGGER IF EXISTS service_items_fts_ad",
    "DROP TRIGGER IF EXISTS service_items_fts_ai", "DROP TABLE IF EXISTS service_items_fts",
    "DROP TRIGGER IF EXISTS audit_records_no_delete", "DROP TRIGGER IF EXISTS audit_records_no_update",
]
POSTGRES = [
    "CREATE FUNCTION audit_records_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION 'audit_records is append-only'; END $$",
    "CREATE TRIGGER audit_records_append_only BEFORE UPDATE OR DELETE ON audit_records "
    "FOR EACH ROW EXECUTE FUNCTION audit_records_append_only()",
    "CREATE INDEX ix_service_items_search ON service_items USING gin (to_tsvector('simple', search_text))",
]
POSTGRES_DROP = [
    "DROP INDEX IF EXISTS ix_service_items_search",
    "DROP TRIGGER IF EXISTS audit_records_append_only ON audit_records",
    "DROP FUNCTION IF EXISTS audit_records_append_only()",
]


def create_extras() -> None:
    op.execute(f"INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '{GENESIS}')")
    for stmt in POSTGRES if op.get_bind().dialect.name == "postgresql" else SQLITE:
        op.execute(stmt)


def drop_extras() -> None:
    for stmt in POSTGRES_DROP if op.get_bind().dialect.name == "postgresql" else SQLITE_DROP:
        op.execute(stmt)


def include_name(name, type_, parent_names) -> bool:
    """For autogenerate: the objects above are managed here, not by the models."""
    return not MANAGED_NAME.match(name or "")
