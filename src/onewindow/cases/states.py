"""The states of applications, cases, their tasks and post-checks, with their Chinese labels and allowed
moves, for the one transition mechanism (common.transitions). Every status change of these rows is a
move declared here, and every page and answer takes its labels from here."""

from __future__ import annotations

from onewindow.cases.models import Application, Case, Task, Verification
from onewindow.common.transitions import Machine, Move, State


class ApplicationStatus(State):
    draft = "draft", "草稿"
    submitted = "submitted", "待受理"
    returned = "returned", "退回补齐（一次性告知）"
    accepted = "accepted", "已受理"
    refused = "refused", "不予受理"


class CaseStatus(State):
    running = "running", "办理中"
    completed = "completed", "已办结"


class TaskStatus(State):
    waiting = "waiting", "等待前置事项"
    pending = "pending", "待审查"
    in_review = "in_review", "审查中"
    supplement = "supplement", "补正中"
    suspended = "suspended", "特别程序"
    approved = "approved", "准予许可"
    refused = "refused", "不予许可"
    cancelled = "cancelled", "已终止"


class VerificationStatus(State):
    waiting = "waiting", "待办结"
    due = "due", "待核查"
    passed = "passed", "核查通过"
    rectifying = "rectifying", "责令整改"
    rectified = "rectified", "整改完成"
    revoked = "revoked", "已撤销许可"
    closed = "closed", "无需核查"


# An application is created as a draft and a case as running (their first state, not a move).
APPLICATION = Machine(
    entity="application", noun="申请", model=Application, states=ApplicationStatus,
    stale="申请已在别处修改或已被处理，请刷新后查看最新状态",
    moves={
        "submit": Move(("draft", "returned"), "submitted", label="提交申请"),  # a returned one is resubmitted after the notice
        "notice": Move(("submitted",), "returned", label="一次性告知（退回补齐）"),  # 一次性告知
        "refuse": Move(("submitted",), "refused", label="不予受理"),  # 不予受理
        "accept": Move(("submitted",), "accepted", label="受理申请"),  # the case is created with it
    },
)
EDITABLE = APPLICATION.moves["submit"].sources  # the applicant may still change what it holds

OPEN = ("pending", "in_review", "supplement", "suspended")
DECIDED = ("approved", "refused", "cancelled")

CASE = Machine(
    entity="case", noun="办件", model=Case, states=CaseStatus, stale="办件已被他人处理，请刷新后查看最新状态",
    moves={"complete": Move(("running",), "completed", label="办结")},
    stamps={"completed": "completed_at"}, entity_id=lambda case: case.code,
)

TASK = Machine(
    entity="task", noun="任务", model=Task, states=TaskStatus, stale="任务已被他人处理，请刷新后查看最新状态",
    moves={
        "route": Move(("waiting",), "pending", label="前置事项办结，转入待审查"),
        "review": Move(("pending",), "in_review", label="开始审查"),
        "supplement_request": Move(("pending", "in_review"), "supplement", label="要求补正"),
        "supplement": Move(("supplement",), "in_review", label="补正后继续审查"),
        "suspend": Move(("pending", "in_review"), "suspended", label="进入特别程序"),
        "resume": Move(("suspended",), "in_review", label="特别程序结束，继续审查"),
        "approve": Move(("in_review",), "approved", label="准予许可"),
        "refuse": Move(("pending", "in_review"), "refused", label="不予许可"),
        "cancel": Move(("waiting", *OPEN), "cancelled", label="终止任务"),
    },
    stamps={"pending": "activated_at", "in_review": "review_started_at", "approved": "decided_at",
            "refused": "decided_at", "cancelled": "decided_at"},
)

VERIFICATION = Machine(
    entity="verification", noun="核查", model=Verification, states=VerificationStatus,
    stale="核查记录已被他人处理，请刷新",
    moves={
        "open": Move(("waiting",), "due", label="转入待核查"),  # at the case's completion: its task was approved
        "close": Move(("waiting",), "closed", label="无需核查"),  # … or not: nothing to check
        "pass": Move(("due",), "passed", audit="verification.result"),
        "fail": Move(("due",), "rectifying", audit="verification.result"),
        "rectified": Move(("rectifying",), "rectified", audit="verification.rectified"),
        "revoke": Move(("rectifying",), "revoked", audit="verification.revoke"),
    },
    stamps={"passed": "closed_at", "rectified": "rectified_at", "revoked": "closed_at"},
)
