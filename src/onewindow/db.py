"""Engine, sessions and SQLite pragmas."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from sqlalchemy import JSON, DateTime, Engine, MetaData, Table, create_engine, event, insert
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from onewindow.config import get_settings

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator):
    """Timestamps are stored in UTC and always come back timezone-aware.

    SQLite has no timezone type, so naive values read from it are UTC by construction.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: store UTC-aware timestamps only")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin, so SAVEPOINTs work.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(conn) -> None:
    # A deferred BEGIN that reads first and writes later fails at once (SQLITE_BUSY_SNAPSHOT) when another
    # writer committed in between; a unit of work that will write asks for the write lock up front.
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITING) else "BEGIN")


WRITING = "onewindow_writing"


def for_writing(session: Session) -> Session:
    """Mark a fresh session's transaction as one that will write. On SQLite it takes the write lock
    at BEGIN, so concurrent writers queue (busy_timeout) instead of failing; elsewhere a no-op."""
    session.connection(execution_options={WRITING: True})
    return session


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


@lru_cache
def get_engine() -> Engine:
    return make_engine(get_settings().database_url)


@lru_cache
def _factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def session_factory(engine: Engine | None = None) -> sessionmaker[Session]:
    return _factory(engine or get_engine())


@contextmanager
def session_scope(engine: Engine | None = None, *, factory: sessionmaker[Session] | None = None) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    session = (factory or session_factory(engine))()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def recreate_postgres_database(base_url: str, name: str) -> str:
    """Drop and create an empty PostgreSQL database beside `base_url` (for tests and benchmarks);
    returns its URL."""
    import re

    if not re.fullmatch(r"[A-Za-z0-9_]{1,63}", name):
        raise ValueError(f"unsafe database name {name!r}")
    base = base_url.rstrip("/")
    admin = create_engine(f"{base}/postgres".replace("postgresql://", "postgresql+psycopg://"),
                          isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        admin.dispose()
    return f"{base}/{name}"


def bulk_insert(session: Session, table: Table, rows: list[dict]) -> None:
    """Insert many rows in the session's transaction: COPY on PostgreSQL (a policy match run or an
    indicators computation writes hundreds of thousands of rows; ORM or multi-row INSERTs spend most of
    the run's time), batched INSERTs elsewhere."""
    if not rows:
        return
    if session.get_bind().dialect.name != "postgresql":
        for i in range(0, len(rows), 5_000):
            session.execute(insert(table), rows[i:i + 5_000])
        return
    columns = list(rows[0])
    as_json = {c for c in columns if isinstance(table.c[c].type, JSON)}
    raw = session.connection().connection.driver_connection  # psycopg, inside the same transaction
    with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([json.dumps(row[c], ensure_ascii=False) if c in as_json else row[c] for c in columns])
