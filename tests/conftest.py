"""Test database, per-test transactions and clients.

ONEWINDOW_TEST_DATABASE=sqlite (default) or a PostgreSQL URL. Each xdist worker gets its own fresh,
migrated database; each test runs inside a transaction that is rolled back at the end (requests
commit to a SAVEPOINT).
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from onewindow import migrate
from onewindow.accounts import service as accounts
from onewindow.catalog import transfer
from onewindow.common.roles import Role
from onewindow.common.security import SYSTEM
from onewindow.db import make_engine, recreate_postgres_database

DATA = Path(__file__).parent / "data"
PASSWORD = "Test2026pass"


def database_url(worker: str, purpose: str = "") -> str:
    """A fresh database for this worker (and purpose: tests that really commit get their own)."""
    target = os.environ.get("ONEWINDOW_TEST_DATABASE", "sqlite")
    suffix = f"{purpose}_{worker}" if purpose else worker
    if target == "sqlite":
        return f"sqlite:///{tempfile.mkdtemp(prefix=f'ow-{suffix}-')}/test.db"
    base, _, name = target.rpartition("/")
    return recreate_postgres_database(base, f"{name}_{suffix}")


def at_once(calls):
    """Run the calls in threads released together by a barrier; their results in order."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def live_engine(worker: str, purpose: str):
    """An engine on a fresh, migrated database that transactions really commit to (thread tests)."""
    engine = make_engine(database_url(worker, purpose))
    migrate.upgrade(engine)
    return engine


@pytest.fixture(scope="session", autouse=True)
def licence_key_file(tmp_path_factory):
    """Tests sign e-licences with a throwaway SM2 key, never the instance's key in var/."""
    mp = pytest.MonkeyPatch()
    mp.setenv("ONEWINDOW_LICENCE_KEY_FILE", str(tmp_path_factory.mktemp("licence-key") / "key.pem"))
    yield
    mp.undo()


@pytest.fixture(scope="session", autouse=True)
def profile_snapshot_dir(tmp_path_factory):
    """Policy matching writes its Parquet snapshots to a throwaway directory, never the instance's var/."""
    from onewindow.config import get_settings

    mp = pytest.MonkeyPatch()
    mp.setenv("ONEWINDOW_PROFILE_SNAPSHOT_DIR", str(tmp_path_factory.mktemp("profile-snapshots")))
    get_settings.cache_clear()
    yield
    mp.undo()
    get_settings.cache_clear()


@pytest.fixture(scope="session", autouse=True)
def audit_checkpoint_dir(tmp_path_factory):
    """Signed audit checkpoints go to a throwaway directory, never the instance's var/."""
    from onewindow.config import get_settings

    mp = pytest.MonkeyPatch()
    mp.setenv("ONEWINDOW_AUDIT_CHECKPOINT_DIR", str(tmp_path_factory.mktemp("audit-checkpoints")))
    get_settings.cache_clear()
    yield
    mp.undo()
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def engine(worker_id):
    eng = make_engine(database_url(worker_id))
    migrate.upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def demo_city(worker_id):
    """The demo city 示范市, loaded once per worker into a database of its own — a load takes one to two
    minutes, so the tests that read it share it: (engine, the first load's report). Tests reach it
    through `demo_session` and `demo_client`, inside a transaction rolled back at the end."""
    from onewindow.db import session_scope
    from onewindow.demo import loader

    eng = live_engine(worker_id, "demo")
    with session_scope(eng) as s:
        report = loader.load_demo(s)
    yield eng, report
    eng.dispose()


@pytest.fixture
def demo_report(demo_city):
    return demo_city[1]


@pytest.fixture
def demo_connection(demo_city):
    yield from rolled_back(demo_city[0])


@pytest.fixture
def demo_session(demo_connection) -> Iterator[Session]:
    s = savepoints(demo_connection)()
    yield s
    s.close()


@pytest.fixture
def demo_client(demo_city, demo_connection) -> TestClient:
    return TestClient(app_on(demo_city[0], savepoints(demo_connection)))


def rolled_back(engine):
    """A connection inside a transaction rolled back at the end (the test's and the demo's)."""
    conn = engine.connect()
    trans = conn.begin()
    yield conn
    trans.rollback()
    conn.close()


def savepoints(connection):
    """Sessions whose commits are SAVEPOINTs of the connection's transaction."""
    return sessionmaker(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)


@pytest.fixture
def connection(engine):
    yield from rolled_back(engine)


@pytest.fixture
def session_factory(connection):
    return savepoints(connection)


@pytest.fixture
def session(session_factory) -> Iterator[Session]:
    s = session_factory()
    yield s
    s.close()


def app_on(engine, session_factory):
    """The application, its requests on `session_factory` (the test's transaction)."""
    from onewindow.app import create_app

    application = create_app(engine)
    application.state.session_factory = session_factory
    return application


@pytest.fixture
def app(engine, session_factory):
    return app_on(engine, session_factory)


@pytest.fixture
def client(app) -> TestClient:
    return TestClient(app)


@pytest.fixture
def catalog(session):
    """The small test catalogue (tests/data/catalog_small.yaml), imported the ordinary way."""
    path = DATA / "catalog_small.yaml"
    transfer.import_catalog(session, actor=SYSTEM, filename=path.name, content=path.read_bytes())
    session.commit()
    return session


@pytest.fixture
def cli_session(session, monkeypatch):
    """The CLI's unit of work, inside the test's transaction."""
    @contextmanager
    def scope(*_args, **_kwargs):
        yield session
        session.flush()

    monkeypatch.setattr("onewindow.db.session_scope", scope)
    return session


def make_user(session, *, role: Role, username: str | None = None, department: str | None = None):
    from sqlalchemy import select

    from onewindow.catalog.models import Department

    dept_id = session.scalar(select(Department.id).where(Department.code == department)) if department else None
    user = accounts.create_user(session, actor=SYSTEM, username=username or f"u_{role.value}",
                                display_name=f"测试{role.value}", role=role, password=PASSWORD,
                                department_id=dept_id)
    session.commit()
    return user


@pytest.fixture
def user_factory(session):
    def factory(role: Role, **kw):
        return make_user(session, role=role, **kw)
    return factory


@pytest.fixture
def api_as(client, session, user_factory):
    """A function giving a TestClient authenticated with a bearer token for a fresh user of a role."""
    def login(role: Role, **kw) -> TestClient:
        user = user_factory(role, **kw)
        token = client.post("/api/auth/tokens", json={"username": user.username, "password": PASSWORD}).json()["token"]
        authed = TestClient(client.app)
        authed.headers["Authorization"] = f"Bearer {token}"
        return authed
    return login


def csrf(html: str) -> str:
    """The CSRF token of the first form on a page."""
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


@pytest.fixture
def browser_as(client, user_factory):
    """The test client signed in (cookie session) as a fresh user of a role."""
    def login(role: Role, **kw):
        user = user_factory(role, **kw)
        r = client.post("/login", data={"username": user.username, "password": PASSWORD,
                                         "csrf_token": csrf(client.get("/login").text), "next": "/"},
                        follow_redirects=False)
        assert r.status_code == 303
        return client
    return login


def link(session, user, *, enterprise: str | None = None, person: str | None = None) -> None:
    """Let an account act for an enterprise (as its 法定代表人) or be a registered person."""
    from sqlalchemy import select

    from onewindow.sharing.models import Enterprise, EnterpriseMember, Person

    if enterprise:
        ent_id = session.scalar(select(Enterprise.id).where(Enterprise.uscc == enterprise))
        session.add(EnterpriseMember(enterprise_id=ent_id, user_id=user.id, relation="法定代表人"))
    if person:
        session.scalar(select(Person).where(Person.id_number == person)).user_id = user.id
    session.commit()
