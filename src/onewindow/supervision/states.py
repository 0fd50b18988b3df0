"""监管 vocabularies and the states of repairs, plans, inspections, tolerance lists and fee problems."""

from __future__ import annotations

from onewindow.common.transitions import Machine, Move, State
from onewindow.supervision.models import CreditRepair, FeeProblem, Inspection, Plan, ToleranceList

GRADES = ("A", "B", "C", "D")
GRADE_LABELS = {"A": "A类（守信）", "B": "B类（基本守信）", "C": "C类（失信风险）", "D": "D类（严重失信）"}
SOURCES = {"inspection": "检查结果", "penalty": "行政处罚", "complaint": "12345投诉查实", "registry": "信用登记",
           "tax": "纳税信用",
           "abnormal": "经营异常（查无下落）"}
SEVERITIES = {"minor": "轻微", "general": "一般", "serious": "严重", "good": "良好"}
RESULTS = {"pass": "合格", "rectify": "责令整改", "case": "立案查处", "tolerated": "不予处罚", "absent": "查无下落"}
EXCEPTIONS = {"complaint": "投诉举报核查", "safety": "安全生产等重大风险", "law": "法律法规规定必须检查"}
KINDS = {"planned": "双随机抽查", "joint": "联合抽查", "adhoc": "专项/临时检查"}
TOLERANCE_KINDS = {"first": "首违不罚清单", "minor": "轻微违法不罚清单"}
FIELD_LABELS = {"no": "序号", "conduct": "违法行为", "basis": "法律依据", "conditions": "不予处罚条件"}
LEADS = {"demand": "诉求线索", "inspection": "检查发现", "hotline": "12345热线"}


class RepairStatus(State):
    pending = "pending", "待审核"
    granted = "granted", "修复完成"
    refused = "refused", "不予修复"


class PlanStatus(State):
    draft = "draft", "草拟"
    announced = "announced", "已公告（种子已公开）"
    drawn = "drawn", "已抽取"
    published = "published", "已公示"


class InspectionStatus(State):
    requested = "requested", "待营商办核准"
    approved = "approved", "已核准"
    refused = "refused", "不予核准"
    visited = "visited", "已检查"


class ListStatus(State):
    draft = "draft", "草稿"
    published = "published", "已发布"
    superseded = "superseded", "已被新版本替代"


class FeeStatus(State):
    open = "open", "整改中"
    closed = "closed", "已销号"


REPAIR = Machine(entity="credit_repair", noun="信用修复申请", model=CreditRepair, states=RepairStatus,
                 stale="信用修复申请已被他人处理，请刷新",
                 moves={"grant": Move(("pending",), "granted"), "refuse": Move(("pending",), "refused")},
                 stamps={"granted": "decided_at", "refused": "decided_at"})
PLAN = Machine(entity="sup_plan", noun="抽查计划", model=Plan, states=PlanStatus, stale="抽查计划已被他人修改，请刷新",
               moves={"announce": Move(("draft",), "announced", label="公告抽查计划及随机种子"),
                      "draw": Move(("announced",), "drawn", label="随机抽取"),
                      "publish": Move(("drawn",), "published", label="公示抽取结果")},
               stamps={"announced": "announced_at", "drawn": "drawn_at", "published": "published_at"})
INSPECTION = Machine(entity="sup_inspection", noun="入企检查", model=Inspection, states=InspectionStatus,
                     stale="入企检查已被他人处理，请刷新",
                     moves={"approve": Move(("requested",), "approved", label="核准入企检查"),
                            "refuse": Move(("requested",), "refused", label="不予核准入企检查"),
                            "visit": Move(("approved",), "visited", label="登记检查结果")},
                     stamps={"approved": "approved_at", "refused": "approved_at", "visited": "visited_at"})
TOLERANCE = Machine(entity="tolerance_list", noun="免罚清单", model=ToleranceList, states=ListStatus,
                    stale="免罚清单已被他人修改，请刷新",
                    moves={"publish": Move(("draft",), "published", label="发布免罚清单"),
                           "supersede": Move(("published",), "superseded", label="免罚清单被新版本替代")},
                    stamps={"published": "published_at"})
FEE = Machine(entity="fee_problem", noun="涉企收费问题", model=FeeProblem, states=FeeStatus,
              stale="涉企收费问题已被他人处理，请刷新",
              moves={"close": Move(("open",), "closed", label="涉企收费问题销号")}, stamps={"closed": "closed_at"})
