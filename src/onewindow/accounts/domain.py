"""accounts' registration: users, API tokens and signing in (their tables, the token and users API, the
sign-in and users pages), the answer to who a request is (common.http's Authenticator), and the hourly
purge of expired sign-in failures."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from onewindow.common.registry import Domain, PeriodicJob, Registry


def _purge_login_failures(session: Session, registry: Registry) -> str:
    from onewindow.accounts import login

    return f"清理过期的登录失败记录 {login.purge_failures(session)} 条"


def _authenticator():
    # The service module itself answers principal_from_token / principal_from_user_id.
    from onewindow.accounts import service

    return service


def _audit():
    from onewindow.common.audit_text import AuditVocabulary
    from onewindow.common.roles import ROLE_LABELS

    return AuditVocabulary(
        actions={"user.create": "新建用户", "user.update": "修改用户", "token.issue": "签发接口令牌",
                 "token.revoke": "吊销接口令牌", "session.revoke": "注销会话和令牌",
                 "login.lockout": "登录失败过多，锁定"},
        entities={"user": "用户", "api_token": "接口令牌", "login": "登录"},
        fields={"username": "用户名", "display_name": "姓名", "role": "角色", "department_id": "部门编号",
                "active": "启用", "user_id": "用户编号", "id_number": "身份证号", "name": "名称", "reason": "原因",
                "tokens": "吊销令牌数", "address": "客户端地址", "scope": "锁定范围", "failures": "失败次数",
                "minutes": "锁定分钟数", "status": "状态"},
        values={"scope": {"account": "按账号", "address": "按地址"},
                "role": {str(r): label for r, label in ROLE_LABELS.items()},
                "user.reason": {"logout": "退出登录", "password_reset": "重置密码", "deactivated": "停用账号"}},
    )


DOMAIN = Domain(
    package="accounts", label="账号", models="models", api=("api",), pages=("pages",),
    jobs=(PeriodicJob("accounts.login_failures", timedelta(hours=1), _purge_login_failures, "清理过期的登录失败记录"),),
    audit=_audit, authenticator=_authenticator)
