"""The states of a rectification item and its moves (common.transitions): 整改中 → 待验收 when the unit
submits evidence → 已销号 when the supervisor accepts it, or back to 整改中 with a reason."""

from __future__ import annotations

from onewindow.common.transitions import Machine, Move, State
from onewindow.rectification.models import RectificationItem


class ItemStatus(State):
    rectifying = "rectifying", "整改中"
    submitted = "submitted", "待验收"
    closed = "closed", "已销号"


NOTE_KINDS = {"progress": "整改进展", "evidence": "提交整改材料", "returned": "退回重新整改", "closed": "验收销号"}

# An item is created 整改中 (its first state, not a move). Closing emits "rectification.closed".
ITEM = Machine(
    entity="rectification", noun="整改事项", model=RectificationItem, states=ItemStatus,
    stale="整改事项已被他人处理，请刷新后查看最新状态",
    moves={
        "submit": Move(("rectifying",), "submitted"),
        "accept": Move(("submitted",), "closed"),
        "return": Move(("submitted",), "rectifying"),
    },
    stamps={"submitted": "submitted_at", "closed": "closed_at"},
)
