"""The audit page reads in Chinese (#9.3): every action recorded has a Chinese name, every field of a
before/after a Chinese label, states their labels; no action key, field key or JSON reaches the page."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

from sqlalchemy import select

from onewindow.common import audit
from onewindow.common.audit_text import UNKNOWN_FIELD, AuditVocabulary, keys_of
from onewindow.common.models import AuditRecord
from onewindow.common.roles import Role
from onewindow.common.security import SYSTEM
from onewindow.common.transitions import Machine
from onewindow.domains import registry

SRC = Path(__file__).resolve().parents[2] / "src" / "onewindow"
ACTION = re.compile(r"^[a-z_]+(\.[a-z_]+)+$")


def _strings(node: ast.AST) -> set[str]:
    return {n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)}


def declared_actions() -> set[str]:
    """Every action the source records: the `action=` of each audit.record call (a literal, either arm of
    a conditional, or — when passed through a variable — the `action=` literals of that file's calls),
    and every move of every transitions Machine."""
    found: set[str] = set()
    for path in SRC.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
        for call in calls:
            f = call.func
            if not (isinstance(f, ast.Attribute) and f.attr == "record" and isinstance(f.value, ast.Name)
                    and f.value.id == "audit"):
                continue
            arg = next(k.value for k in call.keywords if k.arg == "action")
            if isinstance(arg, ast.Name):  # handed in by the file's own calls: action="policy.match_full"
                for other in calls:
                    for k in other.keywords:
                        if k.arg == arg.id:
                            found |= {s for s in _strings(k.value) if ACTION.match(s)}
            else:
                found |= {s for s in _strings(arg) if ACTION.match(s)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) \
                    and getattr(node.value.func, "id", None) == "Machine":
                module = ".".join(("onewindow", *path.relative_to(SRC).with_suffix("").parts))
                machine: Machine = getattr(importlib.import_module(module), node.targets[0].id)
                found |= {mv.audit or f"{machine.entity}.{name}" for name, mv in machine.moves.items() if mv.audit != ""}
    return found


def test_issue_9_every_action_in_the_source_has_a_chinese_name():
    actions = declared_actions()
    assert {"catalog.import", "task.approve", "disbursement.pay", "policy.match_full", "policy.award_none"} <= actions
    words = registry().audit_vocabulary()
    missing = sorted(a for a in actions if a not in words.actions)
    assert not missing, f"审计动作缺少中文名称：{missing}"
    assert all(re.search(r"[\u4e00-\u9fff]", name) for name in words.actions.values())


def test_issue_9_demo_records_read_in_chinese(demo_session, demo_client):
    """The demo city runs every kind of flow; each record it writes reads with Chinese names only."""
    from onewindow.demo import loader
    from tests.demands.test_pages import sign_in

    session = demo_session
    words = registry().audit_vocabulary()
    records = session.scalars(select(AuditRecord)).all()  # the demo's database: every record is the demo's
    assert len({r.action for r in records}) >= 10
    missing = set()  # every gap at once, so one run names them all
    for r in records:
        if r.action not in words.actions:
            missing.add(f"动作 {r.action}")
        if r.entity_type not in words.entities:
            missing.add(f"对象 {r.entity_type}")
        for key in keys_of(r.before) | keys_of(r.after):
            labels = {words.field_label(f"{r.entity_type}.{p}" if p else r.entity_type, key)
                      for p in ("", "materials", "form_fields", "items", "amount", "amount.stages")}
            if not labels - {UNKNOWN_FIELD}:
                missing.add(f"{r.action} 的字段 {key}")
    assert not missing, f"缺少中文标签：{sorted(missing)}"
    sign_in(demo_client, "supervisor", loader.DEMO_PASSWORD)
    html = demo_client.get("/audit?entity_type=catalog").text
    assert "导入事项目录" in html and "catalog.import" not in html.split("<tbody>")[1]


def test_issue_9_before_and_after_read_as_labels_and_states(session, browser_as):
    audit.record(session, actor=SYSTEM, action="task.approve", entity_type="task", entity_id=7,
                 before={"status": "in_review"}, after={"status": "approved", "reason": "材料齐全"})
    audit.record(session, actor=SYSTEM, action="disbursement.generate", entity_type="disbursement_batch",
                 entity_id=3, after={"item": "JL-01", "lines": 2, "total_fen": 7_883_761_22})
    audit.record(session, actor=SYSTEM, action="brand.new", entity_type="mystery", entity_id=1, after={"k": 1})
    session.flush()
    client = browser_as(Role.supervisor)
    body = client.get("/audit").text.split("<tbody>")[1].split("</tbody>")[0]
    assert "任务" in body and "准予许可" in body and "审查中" in body and "理由：材料齐全" in body
    assert "合计金额：7,883,761.22元" in body and "生成兑现批次" in body
    assert "其他操作" in body  # an undeclared action reads as a generic description, never its key
    for raw in ("task.approve", "brand.new", "in_review", "total_fen", "{", "&#34;", '"status'):
        assert raw not in body, raw
    # The filter lists actions by their Chinese names; choosing one filters by it.
    page = client.get("/audit?action=task.approve").text
    assert '<option value="task.approve" selected>准予许可</option>' in page
    assert "生成兑现批次" not in page.split("<tbody>")[1]
    assert "准予许可" in client.get("/audit?q=准予").text.split("<tbody>")[1]


def test_change_shows_only_what_changed():
    words = AuditVocabulary(fields={"a": "甲", "b": "乙"})
    assert words.change("x", '{"a":1,"b":2}', '{"a":1,"b":3}') == ("乙：2", "乙：3")
