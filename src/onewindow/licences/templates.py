"""Result templates: which fields a licence of each kind carries, and how long it is valid.

Field keys follow the catalogue's form-field keys (enterprise_name, uscc, legal_person_name …), so the
issuing side can fill a licence from the application's form and the registries without a mapping table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

# What a result field holds, so an approval cannot sign "示范" as a 成立日期 (checked in cases/results.py).
DATE, NUMBER, USCC, ID_NUMBER, TEXT = "date", "number", "uscc", "id_number", "text"
KINDS = {"established_on": DATE, "registered_on": DATE, "planned_start_date": DATE, "uscc": USCC,
         "applicant_id_number": ID_NUMBER, "building_area": NUMBER, "land_area": NUMBER, "premises_area": NUMBER}
# Fields a licence of its kind is worthless without; the others may stay empty.
REQUIRED = frozenset({"enterprise_name", "holder_name", "organization_name", "applicant_name",
                      "established_on", "project_name", "property_address"})


@dataclass(frozen=True)
class TemplateField:
    key: str
    label: str

    @property
    def kind(self) -> str:
        return KINDS.get(self.key, TEXT)

    @property
    def required(self) -> bool:
        return self.key in REQUIRED


@dataclass(frozen=True)
class LicenceTemplate:
    licence_type: str
    fields: tuple[TemplateField, ...]
    valid_years: int | None  # None: valid without a fixed term (长期)

    def valid_until(self, issued_on: date) -> date | None:
        """The last day of validity: the day before the anniversary (issued on 29 Feb: up to 28 Feb)."""
        if self.valid_years is None:
            return None
        year = issued_on.year + self.valid_years
        try:
            anniversary = issued_on.replace(year=year)
        except ValueError:  # 29 Feb in a year that has none
            anniversary = date(year, 3, 1)
        return anniversary - timedelta(days=1)

    @property
    def labels(self) -> dict[str, str]:
        return {f.key: f.label for f in self.fields}


def _fields(*pairs: tuple[str, str]) -> tuple[TemplateField, ...]:
    return tuple(TemplateField(key, label) for key, label in pairs)


ENTERPRISE = (("enterprise_name", "名称"), ("uscc", "统一社会信用代码"))
PERMIT_HOLDER = (("enterprise_name", "经营者名称"), ("uscc", "统一社会信用代码"),
                 ("legal_person_name", "法定代表人（负责人）"), ("business_address", "经营场所"))

# Specific templates by result name (审批结果名称). valid_years as set by the governing rules.
SPECIFIC: dict[str, tuple[tuple[tuple[str, str], ...], int | None]] = {
    "营业执照": ((*ENTERPRISE, ("enterprise_type", "类型"), ("legal_person_name", "法定代表人"),
                  ("registered_capital", "注册资本"), ("established_on", "成立日期"),
                  ("business_address", "住所"), ("business_scope", "经营范围")), None),
    "个体工商户营业执照": ((*ENTERPRISE, ("enterprise_type", "类型"), ("operator_name", "经营者"),
                           ("composition_form", "组成形式"), ("business_address", "经营场所"),
                           ("business_scope", "经营范围"), ("established_on", "注册日期")), None),
    "食品经营许可证": ((*PERMIT_HOLDER, ("food_business_type", "主体业态"), ("business_items", "经营项目"),
                        ("permit_number", "许可证编号")), 5),
    "食品生产许可证": ((*PERMIT_HOLDER, ("food_category", "食品类别"), ("permit_number", "许可证编号")), 5),
    "药品经营许可证": ((*PERMIT_HOLDER, ("business_scope", "经营范围"), ("storage_address", "仓库地址"),
                        ("permit_number", "许可证编号")), 5),
    "公共场所卫生许可证": ((*PERMIT_HOLDER, ("business_items", "许可项目"), ("premises_area", "经营面积（平方米）"),
                          ("permit_number", "许可证编号")), 4),
    "烟草专卖零售许可证": ((*PERMIT_HOLDER, ("business_scope", "经营范围"), ("permit_number", "许可证编号")), 5),
    "排污许可证": ((*PERMIT_HOLDER, ("industry_code", "行业类别"), ("permit_number", "许可证编号")), 5),
    "危险化学品经营许可证": ((*PERMIT_HOLDER, ("business_scope", "许可范围"), ("storage_address", "储存场所地址"),
                            ("permit_number", "许可证编号")), 3),
    "建筑工程施工许可证": ((("enterprise_name", "建设单位"), ("project_name", "工程名称"),
                           ("project_address", "建设地址"), ("building_area", "建设规模（平方米）"),
                           ("contractor_name", "施工单位"), ("planned_start_date", "计划开工日期"),
                           ("project_code", "项目代码")), None),
    "建设工程规划许可证": ((("enterprise_name", "建设单位（个人）"), ("project_name", "建设项目名称"),
                           ("project_address", "建设位置"), ("building_area", "建设规模（平方米）"),
                           ("project_code", "项目代码")), None),
    "不动产权证书": ((("holder_name", "权利人"), ("property_address", "坐落"),
                      ("property_cert_no", "不动产单元号"), ("land_area", "面积（平方米）"),
                      ("usage", "用途")), None),
    "医疗机构执业许可证": ((("organization_name", "机构名称"), ("uscc", "统一社会信用代码"),
                           ("legal_person_name", "法定代表人"), ("business_address", "地址"),
                           ("business_scope", "诊疗科目")), 5),
    "印章备案回执": ((*ENTERPRISE, ("seal_kinds", "印章种类"), ("legal_person_name", "法定代表人")), None),
    "参保登记回执": ((("holder_name", "参保单位（个人）"), ("uscc", "统一社会信用代码"),
                      ("insurance_types", "参保险种"), ("registered_on", "参保日期")), None),
    "社会保险登记证明": ((*ENTERPRISE, ("insurance_types", "参保险种"), ("registered_on", "登记日期")), None),
    "就业登记证明": ((("applicant_name", "姓名"), ("applicant_id_number", "公民身份号码"),
                      ("employer_name", "用工单位"), ("registered_on", "登记日期")), None),
}

# Fallbacks by result type (审批结果类型); 其他 has none: notices, receipts for payments, invoices are not
# licences.
GENERIC: dict[str, tuple[tuple[str, str], ...]] = {
    "证照": (("holder_name", "持证主体"), ("item_name", "办理事项"), ("result", "许可内容"),
             ("validity", "有效期")),
    "批文": (("holder_name", "申请人"), ("item_name", "审批事项"), ("result", "审批结论"),
             ("document_number", "文号")),
    "证明": (("holder_name", "被证明主体"), ("item_name", "事项"), ("result", "证明内容"),
             ("validity", "有效期")),
    "备案回执": (("holder_name", "备案主体"), ("item_name", "备案事项"), ("result", "备案结果"),
                 ("validity", "有效期")),
}
LICENCE_LIKE_TYPES = frozenset(GENERIC)
# A result the catalogue files under 其他 is still licence-like when its name says so.
LICENCE_LIKE_NAME = re.compile(r"(证|证书|执照|证明|回执|凭证|批准书|决定书|批复)$")
LICENCE_LIKE_NAME_TYPE = "证照"

# Labels for keys a licence may carry beyond its template (shown on pages).
COMMON_LABELS = {
    "enterprise_name": "名称", "uscc": "统一社会信用代码", "legal_person_name": "法定代表人",
    "applicant_name": "姓名", "applicant_id_number": "公民身份号码", "business_address": "住所（经营场所）",
    "contact_phone": "联系电话", "project_name": "项目名称", "item_name": "办理事项", "result": "办理结果",
    "validity": "有效期", "holder_name": "持证主体",
}


def template_for(*, result_type: str, result_name: str) -> LicenceTemplate | None:
    """The template of an item's result, or None when the result is not a licence-like document."""
    name = (result_name or "").strip()
    kind = (result_type or "").strip()
    if name in SPECIFIC:
        fields, years = SPECIFIC[name]
        return LicenceTemplate(licence_type=name, fields=_fields(*fields), valid_years=years)
    if kind not in LICENCE_LIKE_TYPES:
        if not name or not LICENCE_LIKE_NAME.search(name):
            return None
        kind = LICENCE_LIKE_NAME_TYPE
    return LicenceTemplate(licence_type=name or kind, fields=_fields(*GENERIC[kind]), valid_years=None)


def labels_for(licence_type: str) -> dict[str, str]:
    """Field labels for showing a licence's data: its template's, then the common ones."""
    labels = dict(COMMON_LABELS)
    if licence_type in SPECIFIC:
        labels.update(SPECIFIC[licence_type][0])
    return labels
