"""Accounts: Argon2 hashes, roles and departments, tokens, audit of every change."""

import pytest
from sqlalchemy import select

from onewindow.accounts import service as accounts
from onewindow.accounts.models import User
from onewindow.common.errors import Conflict, Forbidden, ValidationFailed
from onewindow.common.models import AuditRecord
from onewindow.common.roles import Role
from onewindow.common.security import SYSTEM
from tests.conftest import PASSWORD


def test_password_is_argon2_and_authenticates(session, catalog):
    user = accounts.create_user(session, actor=SYSTEM, username="wang", display_name="王五", role=Role.clerk,
                                password=PASSWORD)
    assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash
    assert accounts.authenticate(session, username="wang", password=PASSWORD).id == user.id
    assert accounts.authenticate(session, username="wang", password="wrong-pass1") is None
    accounts.update_user(session, actor=SYSTEM, user_id=user.id, active=False)
    assert accounts.authenticate(session, username="wang", password=PASSWORD) is None


def test_every_problem_is_reported_at_once(session, catalog):
    with pytest.raises(ValidationFailed) as info:
        accounts.create_user(session, actor=SYSTEM, username="a", display_name=" ", role=Role.approver,
                             password="short")
    fields = {d.field for d in info.value.details}
    assert fields == {"username", "display_name", "password", "department_id"}


def test_department_roles_need_an_existing_department(session, catalog):
    with pytest.raises(ValidationFailed) as info:
        accounts.create_user(session, actor=SYSTEM, username="appr", display_name="审批", role=Role.approver,
                             password=PASSWORD, department_id=999999)
    assert "不存在" in info.value.details[0].message


def test_only_admins_manage_accounts(session, user_factory):
    clerk = accounts.principal_for(user_factory(Role.clerk))
    with pytest.raises(Forbidden):
        accounts.create_user(session, actor=clerk, username="x1", display_name="x", role=Role.clerk,
                             password=PASSWORD)
    with pytest.raises(Forbidden):
        accounts.list_users(session, actor=clerk)


def test_stale_version_is_a_conflict(session, user_factory):
    user = user_factory(Role.clerk)
    with pytest.raises(Conflict):
        accounts.update_user(session, actor=SYSTEM, user_id=user.id, expected_version=user.version + 5,
                             display_name="新名字")


def test_changes_are_audited_without_secrets(session, user_factory):
    user = user_factory(Role.clerk)
    accounts.update_user(session, actor=SYSTEM, user_id=user.id, password="Another2026x")
    rows = session.scalars(select(AuditRecord).where(AuditRecord.entity_type == "user",
                                                     AuditRecord.entity_id == str(user.id))).all()
    assert [r.action for r in rows] == ["user.create", "user.update", "session.revoke"]
    assert "Another2026x" not in (rows[1].after or "") and "已重置" in rows[1].after


def test_tokens_are_stored_hashed_and_revocable(session, user_factory):
    user = user_factory(Role.clerk)
    principal = accounts.principal_for(user)
    token, row = accounts.issue_token(session, actor=principal, name="对接")
    assert row.token_hash != token and accounts.principal_from_token(session, token).user_id == user.id
    accounts.revoke_token(session, actor=principal, token_id=row.id)
    assert accounts.principal_from_token(session, token) is None
    assert session.scalar(select(User).where(User.id == user.id)).active
