"""A small knowledge base over the test catalogue's departments: published, expired, retired and draft."""

from datetime import timedelta

import pytest

from onewindow.common import time as beijing
from onewindow.common.security import SYSTEM
from onewindow.knowledge import service as kb

ARTICLES = [
    ("公积金", "RSJ", "住房公积金提取需要哪些材料", "职工退休后可以提取住房公积金账户余额，需携带本人身份证和银行卡到服务大厅办理。",
     ["公积金提取", "退休"]),
    ("社保", "RSJ", "养老保险关系跨省转移接续", "参保人员跨省流动就业的，可通过国家社会保险公共服务平台申请养老保险关系转移。",
     ["养老保险", "转移接续"]),
    ("企业开办", "SCJGJ", "营业执照办理流程", "企业开办实行一网通办，营业执照、公章刻制、发票申领一个工作日内办结。", ["营业执照", "企业开办"]),
    ("税务", "SWJ", "小规模纳税人增值税减免政策", "月销售额10万元以下的小规模纳税人免征增值税。", ["增值税", "小规模纳税人"]),
]


def publish(session, topic, dept, title, body, keywords, **dates):
    article = kb.create_article(session, actor=SYSTEM, data={
        "topic": topic, "department": dept, "title": title, "body": body, "keywords": keywords, **dates})
    return kb.publish_article(session, actor=SYSTEM, code=article.code, version=1,
                              valid_from=dates.get("valid_from"))


@pytest.fixture
def kb_data(catalog):
    session = catalog
    today = beijing.today()
    made = {a[2]: publish(session, *a) for a in ARTICLES}
    made["expired"] = publish(session, "户籍", "GAJ", "户口迁移临时政策（已过期）", "户口迁移政策执行至去年底。",
                              ["户口迁移"], valid_from=today - timedelta(days=400), valid_to=today - timedelta(days=1))
    retired = publish(session, "户籍", "GAJ", "户口迁移旧口径", "户口迁移需到派出所办理。", ["户口迁移"])
    made["retired"] = kb.retire_article(session, actor=SYSTEM, code=retired.code, version=1)
    made["draft"] = kb.create_article(session, actor=SYSTEM, data={
        "topic": "户籍", "department": "GAJ", "title": "户口迁移新规草稿", "body": "户口迁移全程网办。",
        "keywords": ["户口迁移"]})
    made["current"] = publish(session, "户籍", "GAJ", "户口迁移办理指南", "户口迁移可在线申请，派出所审核后办结。",
                              ["户口迁移", "迁入"])
    session.commit()
    return made
