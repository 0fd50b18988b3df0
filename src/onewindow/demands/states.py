"""Demand vocabularies and the states of demands, extensions and supervision orders (common.transitions)."""

from __future__ import annotations

from onewindow.common.transitions import Machine, Move, State
from onewindow.demands.models import Demand, Extension, Supervision

KINDS = {"consult": "咨询", "help": "求助", "complaint": "投诉", "report": "举报", "suggestion": "建议"}
URGENCIES = {"urgent": "紧急", "general": "一般", "complex": "复杂"}
CHANNELS = {"hotline": "12345热线", "web": "网站", "mobile": "移动端", "window": "办不成事窗口", "scan": "码上监督",
            "other": "其他渠道"}
ROLES = {"lead": "主办", "assist": "协办"}
ASSIGNMENT_STATUS = {"pending": "待签收", "signed": "已签收", "returned": "已退单", "replaced": "已改派", "done": "已办结",
                     "merged": "已并单"}
SATISFACTION = {"satisfied": "满意", "basic": "基本满意", "unsatisfied": "不满意"}
CLOSED_HOW = {"direct": "直办", "callback": "回访后办结", "timeout": "回访超时办结", "merged": "并单办结"}
STAGES = {"dispatch": "派单", "reply": "答复", "callback": "回访"}
CONFIDENTIAL_KINDS = frozenset({"report"})  # 举报 is confidential by default


class DemandStatus(State):
    received = "received", "待派单"
    dispatched = "dispatched", "待签收"
    handling = "handling", "办理中"
    returned = "returned", "已退单"
    replied = "replied", "已答复待回访"
    closed = "closed", "已办结"


MERGEABLE = ("received", "dispatched", "handling", "returned", "replied")  # 并单 from any state but 办结

DEMAND = Machine(
    entity="demand", noun="诉求", model=Demand, states=DemandStatus,
    stale="诉求已被他人处理，请刷新后查看最新状态",
    moves={
        "answer": Move(("received",), "closed", label="直办答复并办结"),  # 直办 from the knowledge base
        "dispatch": Move(("received",), "dispatched", label="派单"),
        "redispatch": Move(("returned", "dispatched"), "dispatched", label="改派"),
        "sign": Move(("dispatched",), "handling", label="签收"),
        "return": Move(("dispatched", "handling"), "returned", label="退单"),
        "reply": Move(("handling",), "replied", label="答复"),
        "reopen": Move(("replied",), "handling", label="回访不满意重办"),
        "close": Move(("replied",), "closed", label="办结"),
        # 并单: a duplicate leaves every queue at once; the main demand's reply is sent to its filer
        "merge": Move(MERGEABLE, "closed", event=False, label="并单"),
        # 撤销并单: back to the state it had before the merge (one move per state; demand.unmerged is emitted)
        **{f"unmerge_{state}": Move(("closed",), state, audit="demand.unmerge", event=False, label="撤销并单")
           for state in MERGEABLE},
    },
    stamps={"dispatched": "dispatched_at", "handling": "signed_at", "closed": "closed_at"},
    entity_id=lambda row: row.code,  # audit and events name a demand by its code (一事一码)
)


class ExtensionStatus(State):
    pending = "pending", "待审批"
    approved = "approved", "已批准"
    refused = "refused", "不予批准"


EXTENSION = Machine(
    entity="demand_extension", noun="延期申请", model=Extension, states=ExtensionStatus,
    stale="延期申请已被他人处理，请刷新",
    moves={"approve": Move(("pending",), "approved", label="批准延期"),
           "refuse": Move(("pending",), "refused", label="不予延期")},
    stamps={"approved": "decided_at", "refused": "decided_at"},
)


class SupervisionStatus(State):
    open = "open", "督办中"
    escalated = "escalated", "已升级督办"
    answered = "answered", "已反馈"


SUPERVISION = Machine(
    entity="demand_supervision", noun="督办单", model=Supervision, states=SupervisionStatus,
    stale="督办单已被他人处理，请刷新",
    moves={"escalate": Move(("open",), "escalated", label="督办超期，升级至上级部门"),
           "answer": Move(("open", "escalated"), "answered", label="反馈督办")},
    stamps={"escalated": "escalated_at", "answered": "answered_at"},
)
