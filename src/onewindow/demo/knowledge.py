"""The demo city's 12345 knowledge base (知识库): answer texts (答复口径) by topic and department,
generated reproducibly from a fixed seed — a few hundred for the demo, 100,000 for the benchmark.

Each article is one subject of a topic (公积金 → 退休提取) asked one way (材料 / 流程 / 时限 …),
optionally for one group of callers or one district; the same seed gives the same articles.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta

import yaml

# topic → (department codes of the demo city, subjects: (subject, keywords, what the answer says))
TOPICS: dict[str, tuple[tuple[str, ...], tuple[tuple[str, tuple[str, ...], str], ...]]] = {
    "企业开办": (("SCJGJ", "ZWFWJ"), (
        ("营业执照申领", ("营业执照", "设立登记"), "通过省政务服务网“企业开办一件事”专区填报，电子营业执照与纸质执照同步发放"),
        ("公章刻制", ("公章", "印章刻制"), "企业开办时可一并申请首套印章，费用由政府买单"),
        ("企业名称自主申报", ("企业名称", "名称申报"), "登录企业名称自主申报系统，系统自动比对近似名称"),
        ("个体工商户登记", ("个体工商户", "个体户"), "个体工商户登记可全程网办，材料齐全当场办结"),
        ("企业注销", ("企业注销", "简易注销"), "未开业或无债权债务的企业可申请简易注销，公告期20日"),
        ("经营范围变更", ("经营范围", "变更登记"), "经营范围变更在线提交，审核通过后换发营业执照"),
    )),
    "社保": (("RSJ",), (
        ("养老保险关系转移接续", ("养老保险", "转移接续"), "通过国家社会保险公共服务平台申请，转出地和转入地线上协同"),
        ("灵活就业人员参保", ("灵活就业", "参保登记"), "本市户籍或居住证持有人可按灵活就业人员身份参加职工养老保险"),
        ("失业保险金申领", ("失业保险金", "失业登记"), "失业人员在线申领失业保险金，审核通过后按月发放"),
        ("社保卡补换", ("社保卡", "补卡"), "社保卡丢失可先电话挂失，再到合作银行网点即时补卡"),
        ("工伤认定申请", ("工伤认定", "工伤"), "用人单位应自事故发生之日起30日内提出工伤认定申请"),
        ("退休待遇申领", ("退休", "养老金"), "达到法定退休年龄前3个月可申请退休待遇资格确认"),
    )),
    "公积金": (("GJJZX",), (
        ("退休提取住房公积金", ("公积金提取", "退休"), "职工退休后可申请销户提取住房公积金账户全部余额"),
        ("租房提取住房公积金", ("公积金提取", "租房"), "无自有住房且租房居住的职工可按月或按年提取"),
        ("购房提取住房公积金", ("公积金提取", "购房"), "购买自住住房的职工及其配偶可在购房之日起一年内提取"),
        ("住房公积金贷款申请", ("公积金贷款", "购房贷款"), "连续足额缴存6个月以上的职工可申请住房公积金贷款"),
        ("住房公积金异地转移", ("公积金转移", "异地"), "通过全国住房公积金小程序申请异地转移接续"),
        ("单位公积金缴存登记", ("缴存登记", "单位开户"), "新设立单位应自设立之日起30日内办理住房公积金缴存登记"),
    )),
    "不动产": (("BDCDJZX", "ZRZYJ"), (
        ("二手房转移登记", ("二手房", "过户", "转移登记"), "买卖双方可在不动产登记大厅“一窗受理”，税费同步缴纳"),
        ("不动产权证书补发", ("不动产权证书", "补证"), "证书遗失的，经公告15个工作日后补发"),
        ("抵押权注销登记", ("抵押注销", "抵押登记"), "贷款还清后由银行在线申请抵押注销，权利人无需到场"),
        ("新建商品房首次登记", ("首次登记", "商品房"), "开发企业申请首次登记后，购房人可办理转移登记"),
        ("不动产登记信息查询", ("登记信息查询", "查档"), "权利人可凭身份证在自助机或网上查询本人名下不动产"),
    )),
    "税务": (("SWJ",), (
        ("小规模纳税人增值税减免", ("增值税", "小规模纳税人"), "月销售额10万元以下的增值税小规模纳税人免征增值税"),
        ("个人所得税专项附加扣除", ("个税", "专项附加扣除"), "通过个人所得税APP填报子女教育、住房贷款利息等扣除信息"),
        ("发票申领", ("发票", "数电发票"), "新办纳税人可通过电子税务局申领数电发票"),
        ("个税年度汇算", ("个税汇算", "退税"), "每年3月1日至6月30日办理上一年度综合所得汇算清缴"),
        ("研发费用加计扣除", ("研发费用", "加计扣除"), "企业研发费用可按规定比例在税前加计扣除"),
    )),
    "户籍": (("GAJ",), (
        ("户口迁入", ("户口迁移", "落户"), "符合落户条件的可在线申请户口迁入，实行“一站式”迁移"),
        ("新生儿落户", ("新生儿", "出生登记"), "新生儿出生后一个月内凭出生医学证明申报户口"),
        ("居住证办理", ("居住证", "居住登记"), "在本市居住半年以上的可申领居住证"),
        ("身份证补换领", ("身份证", "补领"), "身份证可跨省异地补换领，制证后邮寄到家"),
        ("户籍证明开具", ("户籍证明", "证明开具"), "户籍证明可在派出所或网上开具，当场出具"),
    )),
    "医保": (("YBJ",), (
        ("异地就医备案", ("异地就医", "备案"), "通过国家医保服务平台APP在线备案，备案后可直接结算"),
        ("门诊慢特病申请", ("慢特病", "门诊"), "患者可在定点医院申请门诊慢特病认定，认定后享受待遇"),
        ("居民医保参保缴费", ("居民医保", "参保缴费"), "城乡居民医保集中缴费期为每年9月至12月"),
        ("医保关系转移", ("医保转移", "转移接续"), "跨统筹区就业的，可在线申请基本医保关系转移接续"),
        ("生育津贴申领", ("生育津贴", "生育保险"), "参保职工生育后可申领生育津贴，按单位缴费基数计发"),
    )),
    "交通": (("JTYSJ", "GAJ"), (
        ("机动车驾驶证换证", ("驾驶证", "换证"), "驾驶证有效期满前90日内可通过交管12123申请换证"),
        ("网约车驾驶员证申请", ("网约车", "从业资格"), "申请人须取得相应准驾车型驾驶证并具有3年以上驾龄"),
        ("公交线路调整咨询", ("公交线路", "公交"), "公交线路调整信息在交通运输局官网和公交APP公布"),
        ("道路运输经营许可", ("道路运输", "经营许可"), "申请道路货物运输经营许可应有与其经营业务相适应的车辆"),
        ("交通违法处理", ("交通违法", "罚款"), "非现场交通违法可通过交管12123在线处理和缴纳罚款"),
    )),
    "城管": (("CGJ",), (
        ("户外广告设置审批", ("户外广告", "招牌"), "设置户外广告须向城市管理部门申请，材料齐全5个工作日办结"),
        ("占道经营投诉", ("占道经营", "投诉"), "来电反映占道经营的，派单至属地城管中队现场处置"),
        ("建筑垃圾处置核准", ("建筑垃圾", "渣土"), "施工单位应在开工前办理建筑垃圾处置核准"),
        ("噪音扰民投诉", ("噪音", "扰民"), "夜间施工噪音扰民的，由城管执法部门依法查处"),
        ("违章搭建举报", ("违章搭建", "违建"), "违法建设举报受理后，属地执法部门5个工作日内核查"),
    )),
    "供水供电": (("GSGS", "GDGS", "SWUJ"), (
        ("居民用水报装", ("用水报装", "供水"), "居民用水报装实行“零材料”申请，3个工作日内通水"),
        ("企业用电报装", ("用电报装", "低压接电"), "小微企业低压接电实行“三零”服务：零上门、零审批、零投资"),
        ("停水停电查询", ("停水", "停电"), "计划停水停电信息提前24小时在供水、供电公司官网公告"),
        ("水费电费缴纳", ("水费", "电费", "缴费"), "可通过网上国网、微信、支付宝等渠道缴纳水电费"),
        ("阶梯电价咨询", ("阶梯电价", "电价"), "居民生活用电实行年度阶梯电价，按年累计用电量计费"),
    )),
    "教育": (("JYJ",), (
        ("义务教育入学报名", ("入学报名", "义务教育"), "适龄儿童入学报名通过教育入学服务平台网上进行"),
        ("学籍转学", ("转学", "学籍"), "义务教育阶段转学通过全国学籍系统办理，每学期初集中受理"),
        ("教师资格认定", ("教师资格", "认定"), "教师资格认定每年春秋两季受理，网上报名后现场确认"),
        ("民办学校收费咨询", ("民办学校", "收费"), "民办学校收费项目和标准须向社会公示"),
        ("家庭经济困难学生资助", ("学生资助", "助学金"), "家庭经济困难学生可向学校申请国家助学金"),
    )),
    "惠企政策": (("GXJ", "KJJ", "SHWJ", "FGW"), (
        ("高新技术企业认定奖励", ("高新技术企业", "奖励"), "首次认定的高新技术企业按规定给予一次性奖励"),
        ("专精特新企业奖补", ("专精特新", "奖补"), "新认定的省级专精特新中小企业给予奖励，免申即享"),
        ("稳岗返还", ("稳岗返还", "失业保险"), "符合条件的企业无需申请，稳岗返还资金直接拨付"),
        ("创业担保贷款", ("创业担保贷款", "贴息"), "个人创业可申请最高30万元创业担保贷款并享受贴息"),
        ("外贸企业出口信保补贴", ("出口信用保险", "外贸"), "对外贸企业投保出口信用保险的保费给予补贴"),
    )),
    "民政": (("MZJ",), (
        ("婚姻登记预约", ("婚姻登记", "结婚登记"), "婚姻登记实行网上预约，当事人双方须共同到场"),
        ("低保申请", ("低保", "最低生活保障"), "家庭人均收入低于当地低保标准的可向乡镇（街道）申请"),
        ("高龄津贴申领", ("高龄津贴", "老年人"), "80周岁以上老年人可申领高龄津贴，按月发放"),
        ("残疾人两项补贴", ("残疾人补贴", "护理补贴"), "困难残疾人生活补贴和重度残疾人护理补贴可在线申请"),
    )),
    "卫生健康": (("WJW",), (
        ("出生医学证明办理", ("出生医学证明", "新生儿"), "新生儿出生后由助产机构签发出生医学证明"),
        ("医师执业注册", ("医师执业", "执业注册"), "医师执业注册实行电子化注册，网上申请即时办结"),
        ("预防接种咨询", ("预防接种", "疫苗"), "儿童预防接种到居住地社区卫生服务中心预约"),
        ("公共场所卫生许可", ("卫生许可", "公共场所"), "公共场所卫生许可实行告知承诺制，当场发证"),
    )),
    "市场监管": (("SCJGJ",), (
        ("食品经营许可", ("食品经营许可", "餐饮"), "食品经营许可实行告知承诺，材料齐全当场发证"),
        ("消费投诉举报", ("消费投诉", "12315"), "消费纠纷可通过全国12315平台投诉，7个工作日内决定是否受理"),
        ("预付卡退费纠纷", ("预付卡", "退费"), "经营者停业不退预付款的，可向市场监管部门投诉"),
        ("价格违法举报", ("价格违法", "明码标价"), "经营者未明码标价或价格欺诈的，可向市场监管部门举报"),
    )),
}

# How the caller asks: (title suffix, how the answer goes on)
ASPECTS = (
    ("需要哪些材料", "所需材料：本人有效身份证件{more}；材料可通过共享获取的，无需另行提供。"),
    ("办理流程", "办理流程：网上或窗口提交申请→部门审核→办结并告知结果；全程可在一窗通查询进度。"),
    ("多长时间办好", "承诺时限：材料齐全的{days}个工作日内办结，法定时限以办事指南为准。"),
    ("收费吗", "收费标准：本事项不收取任何费用。"),
    ("可以网上办吗", "网办方式：可通过一窗通网上办事大厅或“示范市政务服务”小程序全程网办，无需到现场。"),
    ("在哪里办理", "办理地点：示范市政务服务中心综合窗口（示范大道88号），各县区政务服务中心就近可办。"),
    ("办理条件", "办理条件：申请人应符合相关规定，具体以政策文件为准。"),
)
GROUPS = ("", "个人", "企业", "外地户籍人员", "灵活就业人员", "老年人", "残疾人", "退役军人", "高校毕业生", "个体工商户")
PLACES = ("", "示范县", "东城区", "青山镇", "河口乡", "东湖街道")
MORE = ("", "、户口簿", "、营业执照", "、相关证明材料", "（委托他人办理的另需授权委托书）")


def _article(rng: random.Random, n: int, today: date) -> dict:
    topic = rng.choice(tuple(TOPICS))
    depts, subjects = TOPICS[topic]
    subject, keywords, says = rng.choice(subjects)
    aspect, goes_on = rng.choice(ASPECTS)
    group, place = rng.choice(GROUPS), rng.choice(PLACES)
    who = f"（{group}）" if group else ""
    title = f"{place}{subject}{aspect}{who}"
    body = (f"来电人咨询{place}{subject}{aspect}的，可答复：{says}。"
            + goes_on.format(more=rng.choice(MORE), days=rng.choice((1, 3, 5, 7, 10, 15)))
            + (f"{group}办理的，按本市对{group}的有关规定执行。" if group else "")
            + "如需进一步了解，可转主管部门或拨打12345。")
    start = today - timedelta(days=rng.randint(30, 900))
    roll = rng.random()
    status, valid_to = "published", None
    if roll < 0.03:
        valid_to = today - timedelta(days=rng.randint(1, 20))  # expired: kept, never suggested
    elif roll < 0.05:
        status = "retired"
    elif roll < 0.08:
        status, start = "draft", None
    return {"code": f"KB-{n:06d}", "version": 1, "status": status, "topic": topic, "department": rng.choice(depts),
            "title": title[:200], "body": body, "keywords": list(keywords) + ([group] if group else []),
            "valid_from": start, "valid_to": valid_to}


def generate_articles(count: int, *, seed: int = 12345, today: date | None = None) -> Iterator[dict]:
    """`count` articles as the knowledge import spells them; some with a second version, so the demo
    shows history. Reproducible: the same seed and day give the same articles."""
    from onewindow.common import time as beijing

    rng = random.Random(seed)
    today = today or beijing.today()
    for n in range(1, count + 1):
        row = _article(rng, n, today)
        if row["status"] == "published" and row["valid_to"] is None and rng.random() < 0.1:
            revised = today - timedelta(days=rng.randint(1, 25))
            if revised > row["valid_from"]:
                yield {**row, "valid_to": revised - timedelta(days=1)}
                row = {**row, "version": 2, "keywords": list(row["keywords"]), "valid_from": revised,
                       "body": row["body"].replace("可答复：", "可答复（新口径）：")}
        yield row


def knowledge_document(count: int = 240, *, seed: int = 12345) -> bytes:
    """The YAML file the demo loader imports through the knowledge base's ordinary import."""
    rows = list(generate_articles(count, seed=seed))
    return yaml.safe_dump({"format": "onewindow-knowledge/1", "articles": rows}, allow_unicode=True,
                          sort_keys=False, width=1000).encode()


def load_knowledge(session, count: int = 240) -> int:
    """Load the demo knowledge base (the ordinary import: checked, all or nothing); articles in force."""
    from onewindow.common.security import SYSTEM
    from onewindow.knowledge import service as knowledge

    knowledge.import_articles(session, actor=SYSTEM, filename="knowledge.yaml", content=knowledge_document(count))
    return knowledge.search_articles(session, query=None, per_page=1).total
