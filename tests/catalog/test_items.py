"""Items: versions in force, drafts, publishing, Chinese search."""

from datetime import date, timedelta

import pytest

from onewindow.catalog import service, transfer
from onewindow.common import time as beijing
from onewindow.common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from onewindow.common.roles import Role
from onewindow.common.security import SYSTEM, Principal

CITIZEN = Principal(user_id=None, username="c", display_name="c", role=Role.applicant)


def test_version_in_force(catalog):
    item = service.get_item(catalog, code="T-RS-0002")
    assert item.version == 2 and item.name == "就业登记"
    old = service.get_item(catalog, code="T-RS-0002", version=1)
    assert old.valid_to == date(2025, 12, 31)


@pytest.mark.parametrize("query, expected", [
    ("营业执照", "T-SCJG-0001"), ("执照", "T-SCJG-0001"), ("社会保险", "T-RS-0001"), ("发票", "T-SW-0001"),
    ("公章", "T-GA-0001"), ("市场监督管理局", "T-SCJG-0001"),
])
def test_chinese_search(catalog, query, expected):
    codes = [i.code for i in service.search_items(catalog, q=query).items]
    assert expected in codes


def test_search_returns_only_versions_in_force(catalog):
    page = service.search_items(catalog, q="就业登记")
    assert [(i.code, i.version) for i in page.items] == [("T-RS-0002", 2)]
    assert service.search_items(catalog, q="不存在的事项名称").total == 0


def test_new_version_publish_keeps_old_version(catalog):
    draft = service.new_version(catalog, actor=SYSTEM, code="T-SW-0001")
    assert draft.version == 2 and draft.status == "draft"
    with pytest.raises(NotFound):
        service.get_item(catalog, code="T-SW-0001", version=2, actor=CITIZEN)  # drafts are not public
    with pytest.raises(Conflict):
        service.new_version(catalog, actor=SYSTEM, code="T-SW-0001")  # one draft at a time
    data = transfer.item_document(draft) | {"promised_limit_days": 0, "name": "发票申领（即办）"}
    service.save_draft(catalog, actor=SYSTEM, data=data)
    tomorrow = beijing.today() + timedelta(days=1)
    service.publish_item(catalog, actor=SYSTEM, code="T-SW-0001", version=2, valid_from=tomorrow)
    v1 = service.get_item(catalog, code="T-SW-0001", version=1)
    assert v1.valid_to == beijing.today() and v1.status == "published"
    assert service.get_item(catalog, code="T-SW-0001").version == 1  # v2 starts tomorrow
    assert service.get_item(catalog, code="T-SW-0001", version=2).promised_limit_days == 0


def test_save_draft_validates_every_field(catalog):
    draft = service.new_version(catalog, actor=SYSTEM, code="T-GA-0001")
    bad = transfer.item_document(draft) | {"promised_limit_days": 99, "department": "NOPE", "item_type": "许可"}
    bad["materials"] = bad["materials"] + [{"code": "M-LICENCE", "name": "重复"}]
    with pytest.raises(ValidationFailed) as info:
        service.save_draft(catalog, actor=SYSTEM, data=bad)
    fields = {d.field for d in info.value.details}
    assert {"promised_limit_days", "department", "item_type", "code"} <= fields


def test_published_version_cannot_be_saved_as_draft(catalog):
    item = service.get_item(catalog, code="T-GA-0001")
    with pytest.raises(ValidationFailed) as info:
        service.save_draft(catalog, actor=SYSTEM, data=transfer.item_document(item) | {"name": "改名"})
    assert "已发布" in info.value.details[0].message


def test_only_admins_edit(catalog):
    clerk = Principal(user_id=1, username="clerk", display_name="c", role=Role.clerk)
    with pytest.raises(Forbidden):
        service.new_version(catalog, actor=clerk, code="T-GA-0001")


def test_like_wildcards_are_literal(catalog):
    assert service.search_items(catalog, q="%").total == 0
    assert service.search_items(catalog, q="_").total == 0


def test_substring_fallback_when_no_word_matches(catalog):
    # "设立登" is not a jieba word of any item; the name substring still finds it.
    assert [i.code for i in service.search_items(catalog, q="设立登").items] == ["T-SCJG-0001"]
