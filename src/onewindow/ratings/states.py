"""Rating levels and reasons, and the states of callbacks and appeals (common.transitions)."""

from __future__ import annotations

from onewindow.common.transitions import Machine, Move, State
from onewindow.ratings.models import Appeal, Callback

LEVELS = {"very_satisfied": "非常满意", "satisfied": "满意", "basic": "基本满意", "unsatisfied": "不满意",
          "very_unsatisfied": "非常不满意"}
BAD = frozenset({"unsatisfied", "very_unsatisfied"})  # 差评; the other three count as 好评
DEFAULT_LEVEL = "basic"
REASONS = ("办事流程繁琐", "等候时间过长", "服务态度差", "一次性告知不到位", "办理超时", "材料要求不合理", "多次跑腿",
           "其他")
KIND_LABELS = {"case": "办件", "task": "部门办理", "window": "窗口服务", "demand": "诉求办理", "online": "网上办事"}


class CallbackStatus(State):
    pending = "pending", "待回访"
    rectifying = "rectifying", "整改中"
    told = "told", "待评价人确认"
    satisfied = "satisfied", "评价人确认满意"
    unsatisfied = "unsatisfied", "评价人仍不满意"


class AppealStatus(State):
    pending = "pending", "待审核"
    upheld = "upheld", "申诉成立"
    rejected = "rejected", "申诉驳回"


CALLBACK = Machine(
    entity="rating_callback", noun="回访", model=Callback, states=CallbackStatus,
    stale="回访记录已被他人处理，请刷新后查看最新状态",
    moves={
        "call": Move(("pending",), "rectifying"),  # called back; the rectification item is opened with it
        "rectified": Move(("rectifying",), "told"),  # its item closed (销号): the rater is told
        "satisfied": Move(("told",), "satisfied"),
        "unsatisfied": Move(("told",), "unsatisfied"),
    },
    stamps={"rectifying": "called_at", "told": "told_at", "satisfied": "confirmed_at", "unsatisfied": "confirmed_at"},
)

APPEAL = Machine(
    entity="rating_appeal", noun="申诉", model=Appeal, states=AppealStatus, stale="申诉已被他人处理，请刷新",
    moves={"uphold": Move(("pending",), "upheld"), "reject": Move(("pending",), "rejected")},
    stamps={"upheld": "decided_at", "rejected": "decided_at"},
)
