"""Issue 9.9: every CLI command run on an empty or older database says, in Chinese, to run
`onewindow db upgrade` — one check in the root command group, not one per command."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine
from typer.testing import CliRunner

from onewindow import migrate
from onewindow.cli import app
from onewindow.config import get_settings
from onewindow.db import get_engine

runner = CliRunner()
DATA_FREE = [["sweep"], ["audit", "verify"], ["policies", "test"], ["policies", "match"],
             ["catalog", "export", "{tmp}/out.yaml"], ["catalog", "import", "{tmp}/in.yaml"],
             ["policies", "export", "{tmp}/lib.yaml"]]


@pytest.fixture
def database(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'ow.db'}"
    monkeypatch.setenv("ONEWINDOW_DATABASE_URL", url)
    monkeypatch.setenv("ONEWINDOW_INSTANCE_DIR", str(tmp_path))
    (tmp_path / "in.yaml").write_text("format: onewindow-catalog/1\ndepartments: []\nitems: []\nbundles: []\n")
    get_settings.cache_clear()
    get_engine.cache_clear()
    yield url
    get_engine.cache_clear()
    get_settings.cache_clear()


def _run(args, tmp):
    return runner.invoke(app, [a.format(tmp=tmp) for a in args])


@pytest.mark.parametrize("args", DATA_FREE, ids=lambda a: " ".join(a[:2]))
def test_issue_9_every_command_on_an_empty_database_says_upgrade(database, tmp_path, args):
    result = _run(args, tmp_path)
    assert result.exit_code == 2, result.output
    assert "数据库尚未建立（空库），请先运行 `onewindow db upgrade`" in result.output
    assert "sqlite3" not in result.output and "Traceback" not in result.output


def test_issue_9_an_older_database_says_upgrade_and_upgrade_fixes_it(database, tmp_path):
    engine = create_engine(database)
    migrate.upgrade(engine, "0004")
    result = _run(["audit", "verify"], tmp_path)
    assert result.exit_code in (0, 2)  # audit tables exist in 0004: it may well work
    result = _run(["policies", "test"], tmp_path)
    assert result.exit_code == 2 and "不是本版本的最新结构（旧版本数据库）" in result.output
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    result = _run(["policies", "test"], tmp_path)
    assert "onewindow db upgrade" not in result.output
    engine.dispose()


def test_issue_9_commands_without_a_database_still_run(database):
    from tests.policies.test_testcases import DATA

    result = runner.invoke(app, ["policies", "test", str(DATA / "library_small.yaml")])
    assert result.exit_code == 0 and "全部通过" in result.output


def test_the_sweep_in_a_fresh_process_knows_every_table(tmp_path):
    """`serve` runs the sweep before the app imports the domains' models; a pending notice to a user must
    still be sent (its foreign key to `users` resolves only when accounts' tables are mapped)."""
    import os
    import subprocess
    import sys

    from sqlalchemy import text

    url = f"sqlite:///{tmp_path / 'ow.db'}"
    engine = create_engine(url)
    migrate.upgrade(engine)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO users (id, username, display_name, password_hash, role, active, "
                          "session_generation, version, created_at, updated_at) VALUES (1, 'u1', '测试', 'x', 'clerk', 1, 0, 1, "
                          "'2026-12-07 01:00:00', '2026-12-07 01:00:00')"))
        conn.execute(text("INSERT INTO outbox_messages (recipient_id, channel, subject, body, created_at) "
                          "VALUES (1, 'site', '测试', '正文', '2026-12-07 01:00:00')"))
    engine.dispose()
    code = ("from onewindow.common import jobs\n"
            "from onewindow.domains import registry\n"
            "print([r.line() for r in jobs.run_due(registry())])\n")
    env = {**os.environ, "ONEWINDOW_DATABASE_URL": url, "ONEWINDOW_INSTANCE_DIR": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "[common.outbox] 发送通知 1 条" in out.stdout, out.stdout + out.stderr[-2000:]
