"""Roles of domain.md and what each may do."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    applicant = "applicant"
    assistant = "assistant"
    clerk = "clerk"
    approver = "approver"
    agent = "agent"
    handler = "handler"
    policy_officer = "policy_officer"
    inspector = "inspector"
    supervisor = "supervisor"
    admin = "admin"


ROLE_LABELS: dict[Role, str] = {
    Role.applicant: "企业/群众",
    Role.assistant: "帮办代办员",
    Role.clerk: "综合窗口人员",
    Role.approver: "部门审批人员",
    Role.agent: "12345坐席/派单员",
    Role.handler: "承办单位人员",
    Role.policy_officer: "政策管理员",
    Role.inspector: "监管人员",
    Role.supervisor: "营商环境局/督查",
    Role.admin: "系统管理员",
}

# Roles whose work belongs to one department: the account must name it.
DEPARTMENT_ROLES = frozenset({Role.approver, Role.handler, Role.inspector})

AUDIT_READERS = frozenset({Role.supervisor, Role.admin})
CATALOG_EDITORS = frozenset({Role.admin})
