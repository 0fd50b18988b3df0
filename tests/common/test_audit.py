"""The audit trail is hash-chained and append-only; verification finds the first tampered record."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from onewindow.common import audit
from onewindow.common.security import SYSTEM


def _write(session, n=3):
    for i in range(n):
        audit.record(session, actor=SYSTEM, action="test.change", entity_type="thing", entity_id=i,
                     before={"v": i}, after={"v": i + 1, "名称": "测试"})
    session.flush()


def _drop_guards(session):
    """What a DBA with table rights could do: remove the append-only triggers, then tamper."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ALTER TABLE audit_records DISABLE TRIGGER audit_records_append_only"))
    else:
        session.execute(text("DROP TRIGGER audit_records_no_update"))
        session.execute(text("DROP TRIGGER audit_records_no_delete"))


def test_chain_verifies(session):
    _write(session)
    result = audit.verify(session)
    assert result.ok and result.checked == 3


def test_append_only_is_enforced_by_the_database(session):
    _write(session, 1)
    with pytest.raises(DBAPIError), session.begin_nested():
        session.execute(text("UPDATE audit_records SET actor_name = 'x'"))
    with pytest.raises(DBAPIError), session.begin_nested():
        session.execute(text("DELETE FROM audit_records"))


def test_altered_record_is_reported(session):
    _write(session, 4)
    _drop_guards(session)
    session.execute(text("UPDATE audit_records SET after = :v WHERE seq = 2"), {"v": '{"v":999}'})
    session.expire_all()
    result = audit.verify(session)
    assert not result.ok and result.first_bad_seq == 2 and "篡改" in result.reason


def test_deleted_record_is_reported(session):
    _write(session, 4)
    _drop_guards(session)
    session.execute(text("DELETE FROM audit_records WHERE seq = 3"))
    session.expire_all()
    result = audit.verify(session)
    assert not result.ok and result.first_bad_seq == 3 and "缺失" in result.reason


def test_deleted_last_record_is_reported(session):
    _write(session, 3)
    last = session.scalar(text("SELECT max(seq) FROM audit_records"))
    _drop_guards(session)
    session.execute(text("DELETE FROM audit_records WHERE seq = :s"), {"s": last})
    session.expire_all()
    result = audit.verify(session)
    assert not result.ok and result.first_bad_seq == last and "链尾" in result.reason


def test_cli_verify_reports_tampering(tmp_path):
    """`onewindow audit verify` against a real database file: exit 0, then exit 2 naming the record."""
    import subprocess
    import sys

    from onewindow import migrate
    from onewindow.db import make_engine, session_scope

    url = f"sqlite:///{tmp_path}/cli.db"
    eng = make_engine(url)
    migrate.upgrade(eng)
    with session_scope(eng) as s:
        _write(s, 3)
    env = {"ONEWINDOW_DATABASE_URL": url, "ONEWINDOW_INSTANCE_DIR": str(tmp_path), "PATH": ""}
    ok = subprocess.run([sys.executable, "-m", "onewindow.cli", "audit", "verify"], env=env,
                        capture_output=True, text=True)
    assert ok.returncode == 0 and "3 条" in ok.stdout
    with eng.begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER audit_records_no_update")
        conn.exec_driver_sql("UPDATE audit_records SET actor_name = 'mallory' WHERE seq = 2")
    bad = subprocess.run([sys.executable, "-m", "onewindow.cli", "audit", "verify"], env=env,
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "#2" in bad.stderr
    eng.dispose()


def test_concurrent_appends_never_fork_the_chain(engine):
    """Two writers appending at once, each in its own committed transactions: one unbroken chain."""
    import threading

    from onewindow.db import session_scope

    errors = []

    def writer(n: int) -> None:
        try:
            for i in range(15):
                with session_scope(engine) as s:
                    audit.record(s, actor=SYSTEM, action="test.concurrent", entity_type="writer", entity_id=f"{n}-{i}")
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with session_scope(engine) as s:
        result = audit.verify(s)
        assert result.ok, result.reason
        assert s.scalar(text("SELECT count(*) FROM audit_records WHERE action = 'test.concurrent'")) >= 30
