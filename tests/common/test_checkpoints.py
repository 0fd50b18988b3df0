"""Audit anchored outside the database (#9.12): an operator with database rights who bypasses the triggers,
rewrites a record and recomputes the chain, or deletes the newest records and moves the head back, gets a
chain that verifies on its own; the SM2-signed checkpoint files catch both."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select, text

from onewindow.common import audit, checkpoints
from onewindow.common.models import AuditRecord
from onewindow.common.roles import Role
from onewindow.common.security import SYSTEM
from onewindow.config import get_settings
from tests.common.test_audit import _drop_guards, _write


@pytest.fixture
def own_checkpoint_dir(tmp_path, monkeypatch):
    """The configured checkpoint directory, for this test only (later tests' chains start afresh)."""
    monkeypatch.setenv("ONEWINDOW_AUDIT_CHECKPOINT_DIR", str(tmp_path / "configured"))
    get_settings.cache_clear()
    yield get_settings().audit_checkpoint_dir
    monkeypatch.undo()
    get_settings.cache_clear()


def _recompute_from(session, seq: int) -> None:
    """What the operator does after an edit: recompute every hash from `seq` on, and the head, in raw SQL."""
    prev = session.scalar(text("SELECT hash FROM audit_records WHERE seq = :s"), {"s": seq - 1}) or audit.GENESIS
    session.expire_all()
    for rec in session.scalars(select(AuditRecord).where(AuditRecord.seq >= seq).order_by(AuditRecord.seq)).all():
        rec.prev_hash = prev
        new = audit._record_digest(rec)
        session.execute(text("UPDATE audit_records SET prev_hash = :p, hash = :h WHERE seq = :s"),
                        {"p": prev, "h": new, "s": rec.seq})
        prev = new
    session.execute(text("UPDATE audit_head SET hash = :h WHERE id = 1"), {"h": prev})
    session.expire_all()


def _head(session) -> int:
    """Records other tests committed for real may precede ours: positions are relative to this."""
    return session.scalar(text("SELECT seq FROM audit_head WHERE id = 1"))


def test_9_12_rewritten_chain_is_reported(session, tmp_path):
    base = _head(session)
    _write(session, 5)
    point = checkpoints.write(session, target=tmp_path)
    assert point.seq == base + 5 and (tmp_path / point.file).exists()
    assert checkpoints.verify(session, source=tmp_path).ok
    _drop_guards(session)
    session.execute(text("UPDATE audit_records SET after = :v WHERE seq = :s"), {"v": '{"v":999}', "s": base + 2})
    _recompute_from(session, base + 2)
    assert audit.verify(session).ok  # the chain alone no longer shows it
    result = checkpoints.verify(session, source=tmp_path)
    assert not result.ok and result.first_bad_seq == base + 5 and "改写" in result.reason


def test_9_12_truncated_chain_is_reported(session, tmp_path):
    base = _head(session)
    _write(session, 4)
    checkpoints.write(session, target=tmp_path)
    _write(session, 2)
    assert checkpoints.write(session, target=tmp_path).seq == base + 6
    _drop_guards(session)
    keep = base + 3
    session.execute(text("DELETE FROM audit_records WHERE seq > :s"), {"s": keep})
    head = session.scalar(text("SELECT hash FROM audit_records WHERE seq = :s"), {"s": keep})
    session.execute(text("UPDATE audit_head SET seq = :s, hash = :h WHERE id = 1"), {"s": keep, "h": head})
    session.expire_all()
    assert audit.verify(session).ok
    result = checkpoints.verify(session, source=tmp_path)
    assert not result.ok and "截断" in result.reason
    assert f"第{base + 4}条" in result.reason and f"第{keep}条" in result.reason


def test_9_12_forged_or_foreign_checkpoints_do_not_count(session, tmp_path, monkeypatch):
    _write(session, 3)
    point = checkpoints.write(session, target=tmp_path)
    path = tmp_path / point.file
    body = json.loads(path.read_text())
    body["hash"] = "0" * 64  # the operator edits the file to match a rewritten chain
    path.write_text(json.dumps(body))
    result = checkpoints.verify(session, source=tmp_path)
    assert not result.ok and "签名无效" in result.reason
    path.unlink()
    # A checkpoint signed with some other SM2 key (carrying its own public key) proves nothing.
    monkeypatch.setenv("ONEWINDOW_LICENCE_KEY_FILE", str(tmp_path / "attacker.pem"))
    checkpoints.write(session, target=tmp_path)
    monkeypatch.undo()
    result = checkpoints.verify(session, source=tmp_path)
    assert not result.ok and "签名无效" in result.reason


def test_9_12_job_signs_only_new_heads_and_never_a_broken_chain(session, own_checkpoint_dir):
    from onewindow.common.domain import DOMAIN

    job = next(j for j in DOMAIN.jobs if j.name == "common.audit_checkpoint")
    folder = own_checkpoint_dir
    base = _head(session)
    _write(session, 2)
    assert f"第{base + 2}条" in job.run(session, None)
    assert len(list(folder.glob(checkpoints.PATTERN))) == 1
    assert "无新增" in job.run(session, None)  # idempotent
    _drop_guards(session)
    session.execute(text("DELETE FROM audit_records WHERE seq = :s"), {"s": base + 1})
    session.expire_all()
    with pytest.raises(ValueError, match="不生成检查点"):
        job.run(session, None)


def test_9_12_checkpoint_page_for_supervisors(session, browser_as, own_checkpoint_dir):
    client = browser_as(Role.supervisor)
    assert "尚无签名检查点" in client.get("/audit/checkpoints").text
    checkpoints.write(session)
    session.commit()
    page = client.get("/audit/checkpoints").text
    assert "全部 1 个检查点与数据库中的审计链一致" in page and "tag red" not in page
    _write(session, 1)
    _drop_guards(session)
    session.execute(text("DELETE FROM audit_records WHERE seq = (SELECT max(seq) FROM audit_records)"))
    session.execute(text("DELETE FROM audit_records WHERE seq = (SELECT max(seq) FROM audit_records)"))
    session.commit()
    assert "审计链被截断" in client.get("/audit/checkpoints").text


def test_9_12_checkpoint_page_is_not_for_clerks(browser_as):
    assert browser_as(Role.clerk).get("/audit/checkpoints").status_code == 403


def test_9_12_cli_verify_reports_truncation(tmp_path):
    from onewindow import migrate
    from onewindow.db import make_engine, session_scope

    url = f"sqlite:///{tmp_path}/cli.db"
    eng = make_engine(url)
    migrate.upgrade(eng)
    with session_scope(eng) as s:
        audit.record(s, actor=SYSTEM, action="test.cli", entity_type="thing", entity_id=1)
        audit.record(s, actor=SYSTEM, action="test.cli", entity_type="thing", entity_id=2)
    env = {"ONEWINDOW_DATABASE_URL": url, "ONEWINDOW_INSTANCE_DIR": str(tmp_path), "PATH": "",
           "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")}  # this tree's sources
    run = lambda *args: subprocess.run([sys.executable, "-m", "onewindow.cli", "audit", *args], env=env,  # noqa: E731
                                       capture_output=True, text=True)
    assert "尚无签名检查点" in run("verify").stdout
    made = run("checkpoint")
    assert made.returncode == 0 and "第2条" in made.stdout
    assert list((tmp_path / "audit_checkpoints").glob("*.json"))
    ok = run("verify")
    assert ok.returncode == 0 and "完整" in ok.stdout and "1 个签名检查点一致" in ok.stdout
    with eng.begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER audit_records_no_delete")
        conn.exec_driver_sql("DELETE FROM audit_records WHERE seq = 2")
        conn.exec_driver_sql("UPDATE audit_head SET seq = 1, hash = (SELECT hash FROM audit_records WHERE seq = 1)")
    bad = run("verify")
    assert bad.returncode == 2 and "截断" in bad.stderr
    eng.dispose()
