"""A synthetic but realistic catalogue document for benchmarks (format onewindow-catalog/1).

Departments form a city → county → township → village tree; item names are built from the business
areas of each department and the usual 政务服务 actions, so jieba splits them into real words;
material codes and form-field keys are shared across items as in a real catalogue; bundles (一件事)
have acyclic dependencies. Everything is drawn from one seeded RNG, so the same arguments give the
same file byte for byte (openpyxl timestamps aside).

    .venv/bin/python bench/generate.py --items 5000 --bundles 500 --out bench/out --check
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from onewindow.catalog.documents import FORMAT, write_xlsx, write_yaml

CITY = "云溪市"
# (code, name suffix, business areas: the objects of its items)
BUREAUS: list[tuple[str, str, list[str]]] = [
    ("SCJGJ", "市场监督管理局", ["食品经营", "食品生产", "药品零售", "医疗器械经营", "特种设备使用", "计量器具",
                               "企业设立", "个体工商户", "农民专业合作社", "广告发布", "工业产品生产", "检验检测机构"]),
    ("SWJ", "税务局", ["税务登记", "发票领用", "增值税一般纳税人", "纳税信用", "出口退税", "个人所得税汇算",
                      "契税申报", "车船税"]),
    ("RSJ", "人力资源和社会保障局", ["社会保险", "失业保险金", "工伤认定", "劳务派遣经营", "人力资源服务",
                                     "职业技能等级", "就业创业证", "养老保险待遇", "技工学校"]),
    ("YBJ", "医疗保障局", ["医疗保险参保", "异地就医", "门诊慢特病", "生育保险待遇", "定点医药机构"]),
    ("GJJ", "住房公积金管理中心", ["住房公积金缴存", "住房公积金提取", "住房公积金贷款", "公积金账户"]),
    ("GAJ", "公安局", ["户口迁移", "居民身份证", "居住证", "出入境证件", "机动车登记", "机动车驾驶证",
                      "犬只", "旅馆业特种行业", "公章刻制", "易制毒化学品购买"]),
    ("ZRZYJ", "自然资源和规划局", ["建设用地规划", "建设工程规划", "国有建设用地使用权", "林木采伐",
                                   "临时用地", "测绘资质", "地质灾害危险性评估"]),
    ("BDCDJ", "不动产登记中心", ["不动产首次登记", "不动产转移登记", "不动产抵押登记", "不动产更正登记",
                                "不动产查封登记", "不动产登记资料查询"]),
    ("ZJJ", "住房和城乡建设局", ["建筑工程施工", "建设工程竣工验收", "商品房预售", "建筑业企业资质",
                                "物业服务", "城镇排水", "燃气经营", "房屋建筑工程质量监督"]),
    ("STHJJ", "生态环境局", ["建设项目环境影响评价", "排污许可", "危险废物经营", "辐射安全",
                             "环境保护设施验收"]),
    ("JTYSJ", "交通运输局", ["道路运输经营", "道路货物运输", "出租汽车经营", "机动车维修经营", "公路超限运输",
                             "港口经营", "网络预约出租汽车"]),
    ("SWUJ", "水务局", ["取水", "河道采砂", "水土保持方案", "洪水影响评价", "城市供水"]),
    ("WJW", "卫生健康委员会", ["医疗机构执业", "医师执业", "护士执业", "出生医学证明", "公共场所卫生",
                              "放射诊疗", "母婴保健技术服务", "生活饮用水卫生"]),
    ("MZJ", "民政局", ["结婚登记", "离婚登记", "社会团体登记", "民办非企业单位", "养老机构", "最低生活保障",
                      "临时救助", "特困人员供养", "殡葬服务", "残疾人两项补贴"]),
    ("JYJ", "教育局", ["民办学校办学", "幼儿园办园", "教师资格", "学生资助", "校外培训机构", "学籍"]),
    ("WLJ", "文化和旅游局", ["营业性演出", "娱乐场所经营", "旅行社业务经营", "网络文化经营", "文物保护工程",
                            "互联网上网服务营业场所", "星级饭店评定"]),
    ("YJJ", "应急管理局", ["危险化学品经营", "危险化学品安全使用", "烟花爆竹经营", "非煤矿山安全生产",
                          "安全生产标准化"]),
    ("XFJY", "消防救援支队", ["公众聚集场所投入使用营业前消防安全检查", "建设工程消防验收", "消防设计审查"]),
    ("SWJU", "商务局", ["对外贸易经营者", "单用途商业预付卡", "成品油零售经营", "拍卖企业", "二手车交易市场"]),
    ("NYNCJ", "农业农村局", ["种子生产经营", "兽药经营", "农药经营", "动物防疫条件", "渔业捕捞", "生猪定点屠宰",
                            "农村宅基地", "农机驾驶证"]),
    ("CGJ", "城市管理局", ["户外广告设置", "城市道路占用挖掘", "城市建筑垃圾处置", "临时占用城市绿地",
                          "砍伐城市树木", "燃气设施改动"]),
    ("RFB", "人民防空办公室", ["人防工程建设", "防空地下室易地建设", "人防工程拆除"]),
    ("QXJ", "气象局", ["雷电防护装置设计", "升放无人驾驶自由气球", "气象信息服务"]),
    ("YCJ", "烟草专卖局", ["烟草专卖零售", "烟草专卖品准运"]),
    ("SFJ", "司法局", ["律师执业", "公证机构", "法律援助", "基层法律服务工作者", "司法鉴定"]),
    ("TYJRJ", "退役军人事务局", ["退役士兵安置", "优待证", "伤残抚恤", "烈士褒扬", "退役军人创业扶持"]),
    ("FGW", "发展和改革委员会", ["企业投资项目核准", "企业投资项目备案", "固定资产投资项目节能审查",
                                "政府投资项目可行性研究报告"]),
    ("TJJ", "统计局", ["统计调查项目", "统计登记", "统计数据使用"]),
    ("DAJ", "档案馆", ["档案查阅", "婚姻档案证明", "档案寄存"]),
    ("ZWFWJ", "政务服务管理局", ["工程建设项目联合审批", "证明事项告知承诺", "政务服务好差评", "帮办代办"]),
]
COUNTIES = [("QSX", "青山县"), ("BLX", "白鹭县"), ("DCQ", "东城区")]
COUNTY_BUREAUS = ["SCJGJ", "RSJ", "MZJ", "ZJJ", "NYNCJ"]
TOWNS = [("镇", "桥头"), ("乡", "河口")]

# action, item type, result type, result-name pattern ("" = none), share of names that carry it
ACTIONS: list[tuple[str, str, str, str]] = [
    ("许可", "行政许可", "证照", "{o}许可证"),
    ("许可证核发", "行政许可", "证照", "{o}许可证"),
    ("许可证变更", "行政许可", "证照", "{o}许可证"),
    ("许可证延续", "行政许可", "证照", "{o}许可证"),
    ("许可证注销", "行政许可", "批文", "注销通知书"),
    ("许可证补发", "行政许可", "证照", "{o}许可证"),
    ("备案", "其他", "备案回执", "{o}备案回执"),
    ("登记", "行政确认", "证明", "{o}登记证明"),
    ("变更登记", "行政确认", "证明", "{o}变更登记通知书"),
    ("注销登记", "行政确认", "证明", "{o}注销登记通知书"),
    ("审批", "行政许可", "批文", "{o}批复"),
    ("核准", "行政许可", "批文", "{o}核准文件"),
    ("资格认定", "行政确认", "证照", "{o}资格证书"),
    ("确认", "行政确认", "证明", "{o}确认书"),
    ("证明开具", "公共服务", "证明", "{o}证明"),
    ("信息查询", "公共服务", "其他", ""),
    ("年度报告", "其他", "备案回执", ""),
    ("待遇申领", "行政给付", "其他", "待遇核定通知"),
    ("补贴申领", "行政给付", "其他", "补贴发放通知"),
    ("奖励", "行政奖励", "其他", "表彰决定"),
    ("裁决", "行政裁决", "批文", "裁决书"),
    ("费用征收", "行政征收", "其他", "缴费凭证"),
]
QUALIFIERS = ["", "", "", "", "个体工商户", "小微企业", "外商投资企业", "分支机构", "农村", "跨区域",
              "新建项目", "临时"]
SUFFIXES = ["", "", "", "", "", "（首次申请）", "（变更法定代表人）", "（变更地址）", "（跨省通办）", "（告知承诺制）"]
LAWS = ["中华人民共和国行政许可法", "中华人民共和国食品安全法", "中华人民共和国社会保险法", "中华人民共和国建筑法",
        "中华人民共和国道路运输条例", "中华人民共和国药品管理法", "中华人民共和国消防法", "中华人民共和国环境保护法",
        "住房公积金管理条例", "不动产登记暂行条例", "中华人民共和国市场主体登记管理条例", "中华人民共和国民法典",
        "中华人民共和国户口登记条例", "中华人民共和国安全生产法", "中华人民共和国水法", "中华人民共和国教育法"]
CONDITIONS = ["申请人具有完全民事行为能力", "具有与经营项目相适应的场所和设施", "有健全的管理制度和专业技术人员",
              "申请人依法设立且未被列入严重违法失信名单", "符合国土空间规划和用途管制要求", "材料齐全、符合法定形式"]

# Materials every kind of item asks for: (code, name, shared source or None)
COMMON_MATERIALS = [
    ("M-SFZ", "申请人身份证件", "licence:身份证"), ("M-YYZZ", "营业执照", "licence:营业执照"),
    ("M-SQWTS", "授权委托书", None), ("M-FDDBR", "法定代表人身份证件", "licence:身份证"),
    ("M-HKB", "居民户口簿", "licence:户口簿"), ("M-JHZ", "结婚证", "licence:结婚证"),
    ("M-CQZM", "房屋产权证明", "licence:不动产权证书"), ("M-ZLHT", "房屋租赁合同", None),
    ("M-PMT", "经营场所平面图", None), ("M-GSZC", "公司章程", None), ("M-CNS", "信用承诺书", None),
    ("M-ZP", "近期免冠照片", None), ("M-TJ", "健康体检证明", None), ("M-XL", "学历证书", None),
    ("M-YHZH", "银行账户信息", None), ("M-WFZ", "无犯罪记录证明", None), ("M-SBK", "社会保障卡", "licence:社会保障卡"),
    ("M-CSZM", "出生医学证明", "person.birth_medical_certificate"), ("M-SWZM", "死亡医学证明", "person.death_record"),
    ("M-CJR", "残疾人证", "licence:残疾人证"), ("M-GHXK", "建设工程规划许可证", "licence:建设工程规划许可证"),
    ("M-STHG", "施工图审查合格书", None), ("M-HPPF", "环境影响评价批复", None), ("M-AQPJ", "安全评价报告", None),
    ("M-JSRY", "专业技术人员资格证书", None), ("M-LDHT", "劳动合同", None), ("M-GDJY", "股东会决议", None),
    ("M-SBSJ", "主要设备清单", None), ("M-GLZD", "管理制度文本", None), ("M-SJBG", "审计报告", None),
]

# Form fields: (key, label, type, options, shared source or None)
FIELDS: list[tuple[str, str, str, list[str], str | None]] = [
    ("applicant_name", "申请人姓名", "text", [], "person.name"),
    ("applicant_id_number", "申请人身份证号", "id_number", [], "person.id_number"),
    ("contact_phone", "联系电话", "phone", [], None), ("contact_email", "电子邮箱", "email", [], None),
    ("enterprise_name", "企业名称", "text", [], "enterprise.name"),
    ("uscc", "统一社会信用代码", "uscc", [], "enterprise.uscc"),
    ("legal_person_name", "法定代表人姓名", "text", [], "enterprise.legal_person_name"),
    ("legal_person_id_number", "法定代表人身份证号", "id_number", [], "enterprise.legal_person_id_number"),
    ("business_address", "经营场所", "text", [], "enterprise.address"),
    ("registered_capital", "注册资本", "money", [], "enterprise.registered_capital_fen"),
    ("enterprise_type", "企业类型", "select", ["有限责任公司", "股份有限公司", "个人独资企业", "合伙企业"],
     "enterprise.type"),
    ("employee_count", "从业人数", "number", [], "enterprise.insured_employees"),
    ("business_scope", "经营范围", "textarea", [], None), ("application_date", "申请日期", "date", [], None),
    ("project_name", "项目名称", "text", [], None), ("project_address", "项目地址", "text", [], None),
    ("building_area", "建筑面积（平方米）", "number", [], None), ("investment_amount", "总投资", "money", [], None),
    ("gender", "性别", "select", ["男", "女"], "person.gender"), ("birth_date", "出生日期", "date", [], "person.birth_date"),
    ("household_address", "户籍地址", "text", [], "person.household_registration"),
    ("residence_address", "现居住地址", "text", [], "person.address"),
    ("marital_status", "婚姻状况", "select", ["未婚", "已婚", "离异", "丧偶"], "person.marital_status"),
    ("education", "文化程度", "select", ["小学", "初中", "高中", "大专", "本科", "研究生"], None),
    ("bank_name", "开户银行", "text", [], None), ("bank_account", "银行账号", "text", [], None),
    ("certificate_no", "证书编号", "text", [], None), ("change_items", "变更事项", "textarea", [], None),
    ("change_reason", "变更原因", "textarea", [], None), ("dereg_reason", "注销原因", "textarea", [], None),
    ("property_certificate", "不动产权证号", "text", [], "property.certificate"),
    ("vehicle_plate", "号牌号码", "text", [], None), ("start_date", "开始日期", "date", [], None),
    ("end_date", "结束日期", "date", [], None), ("remarks", "备注", "textarea", [], None),
    ("industry", "所属行业", "select", ["制造业", "批发和零售业", "住宿和餐饮业", "建筑业", "其他"],
     "enterprise.industry_code"),
    ("food_business_type", "食品经营类别", "select", ["预包装食品销售", "散装食品销售", "热食类食品制售"], None),
    ("operating_area", "经营面积（平方米）", "number", [], None), ("staff_count", "专业技术人员数", "number", [], None),
    ("annual_output", "年产值", "money", [], None), ("water_volume", "取水量（立方米/年）", "number", [], None),
    ("vehicle_count", "车辆数", "number", [], None), ("school_name", "学校名称", "text", [], None),
    ("child_name", "子女姓名", "text", [], None), ("family_size", "家庭人口", "number", [], None),
    ("monthly_income", "家庭月收入", "money", [], None), ("disability_level", "残疾等级", "select",
                                                          ["一级", "二级", "三级", "四级"], None),
]

# Citizens' queries: business areas, actions, colloquial phrases, two-word queries, and a few misses.
QUERIES = [
    "食品经营许可", "营业执照", "企业设立", "公积金提取", "不动产登记", "社会保险", "个体工商户", "出生医学证明",
    "建筑工程施工", "药品零售", "户口迁移", "残疾人", "养老机构", "排水", "燃气经营", "补发", "注销登记",
    "消防", "特种设备", "烟草专卖", "医疗机构执业", "危险化学品", "教师资格", "居住证", "结婚登记", "渔业捕捞",
    "林木采伐", "户外广告", "税务登记", "发票", "失业保险金", "退役军人", "最低生活保障", "临时救助", "营业性演出",
    "出入境", "机动车", "驾驶证", "道路运输", "排污许可", "取水许可", "人防工程", "律师执业", "异地就医",
    "食品 许可证", "企业 注销", "不动产 抵押", "公积金 贷款", "变更法定代表人", "跨省通办", "告知承诺制",
    "网约车", "开饭店", "量子计算机", "区块链存证",
]


@dataclass(frozen=True)
class Spec:
    departments: int = 60
    items: int = 5000
    bundles: int = 500
    seed: int = 20260101


def _departments(n: int) -> tuple[list[dict], list[tuple[dict, list[str]]]]:
    """The tree and, for each department that implements items, its business areas."""
    depts = [{"code": "SZF", "name": f"{CITY}人民政府", "level": "市", "parent": None}]
    implementing: list[tuple[dict, list[str]]] = []
    areas = {code: objs for code, _, objs in BUREAUS}
    for code, suffix, objs in BUREAUS:
        d = {"code": code, "name": f"{CITY}{suffix}", "level": "市", "parent": "SZF"}
        depts.append(d)
        implementing.append((d, objs))
    for ccode, cname in COUNTIES:
        gov = {"code": f"{ccode}-ZF", "name": f"{CITY}{cname}人民政府", "level": "县", "parent": "SZF"}
        depts.append(gov)
        for bcode in COUNTY_BUREAUS:
            suffix = next(s for c, s, _ in BUREAUS if c == bcode)
            d = {"code": f"{ccode}-{bcode}", "name": f"{cname}{suffix}", "level": "县", "parent": gov["code"]}
            depts.append(d)
            implementing.append((d, areas[bcode]))
        for kind, town in TOWNS:
            t = {"code": f"{ccode}-{'Z' if kind == '镇' else 'X'}01", "name": f"{cname}{town}{kind}人民政府",
                 "level": "乡", "parent": gov["code"]}
            depts.append(t)
            implementing.append((t, areas["MZJ"][-4:] + areas["NYNCJ"][-2:]))  # 便民服务: 救助、宅基地
        village = {"code": f"{ccode}-C01", "name": f"{cname}桥头镇石桥村村民委员会", "level": "村",
                   "parent": f"{ccode}-Z01"}
        depts.append(village)
        implementing.append((village, areas["MZJ"][-4:-1]))
    # Trim or pad to n: extra 街道办事处 under the districts.
    i = 0
    while len(depts) < n:
        ccode, cname = COUNTIES[i % len(COUNTIES)]
        i += 1
        d = {"code": f"{ccode}-J{i:02d}", "name": f"{cname}第{i}街道办事处", "level": "乡", "parent": f"{ccode}-ZF"}
        depts.append(d)
        implementing.append((d, areas["MZJ"][-4:]))
    if len(depts) > n:
        keep = {d["code"] for d in depts[:n]}
        depts = [d for d in depts if d["code"] in keep and (d["parent"] is None or d["parent"] in keep)]
        implementing = [(d, objs) for d, objs in implementing if d["code"] in keep]
    return depts, implementing


def build(spec: Spec = Spec()) -> dict:
    rng = random.Random(spec.seed)
    depts, implementing = _departments(spec.departments)
    # Weight: city bureaus implement most items.
    weights = [len(objs) * (4 if d["level"] == "市" else 2 if d["level"] == "县" else 1) for d, objs in implementing]
    # Each business area has its own handful of actions (食品经营 has 许可证核发/变更/延续…, not 裁决).
    actions_of = {o: rng.sample(ACTIONS, rng.randint(5, 9)) for _, _, objs in BUREAUS for o in objs}

    specific_materials: dict[str, tuple[str, str, str | None]] = {}  # name -> (code, name, source)

    def material_for(name: str) -> tuple[str, str, str | None]:
        if name not in specific_materials:
            specific_materials[name] = (f"M-{len(specific_materials) + 1:04d}", name, None)
        return specific_materials[name]

    basic_codes: dict[str, str] = {}
    used_names: dict[str, set[str]] = {}  # per department: no two items of one department share a name
    items: list[dict] = []
    current_codes: list[tuple[str, str]] = []  # (code, department) of items with a version in force
    seq = 0
    attempts = 0
    while len(items) < spec.items and attempts < spec.items * 50:
        attempts += 1
        dept, objs = rng.choices(implementing, weights)[0]
        obj = rng.choice(objs)
        action, item_type, result_type, result_pat = rng.choice(actions_of[obj])
        name = f"{rng.choice(QUALIFIERS)}{obj}{action}{rng.choice(SUFFIXES)}"
        if name in used_names.setdefault(dept["code"], set()):
            continue
        used_names[dept["code"]].add(name)
        seq += 1
        basic = basic_codes.setdefault(f"{obj}{action}", f"{len(basic_codes) + 1:06d}{rng.randrange(10**6):06d}")
        code = f"11350{depts.index(dept):03d}-{basic}-{seq:05d}"
        statutory = rng.choice([0, 1, 5, 10, 15, 20, 30, 45, 60])
        promised = rng.randint(0, statutory)
        steps = rng.randint(2, 8)
        materials = [material_for(f"{obj}{action}申请表")]
        if rng.random() < 0.5:
            materials.append(material_for(f"{obj}相关证明材料"))
        materials += rng.sample(COMMON_MATERIALS, rng.randint(max(0, 2 - len(materials)), 8 - len(materials)))
        fields = rng.sample(FIELDS, rng.randint(3, 10))
        base = {
            "code": code, "version": 1, "status": "published", "valid_from": None, "valid_to": None,
            "basic_code": basic, "name": name, "item_type": item_type, "department": dept["code"],
            "level": dept["level"],
            "legal_basis": f"《{rng.choice(LAWS)}》第{rng.randint(2, 90)}条",
            "conditions": "；".join(rng.sample(CONDITIONS, rng.randint(1, 3))),
            "statutory_limit_days": statutory, "promised_limit_days": promised, "steps": steps,
            "visits": rng.choice([0, 0, 0, 1, 1, 2]), "fee_fen": rng.choice([0] * 8 + [2000, 5000, 10000]),
            "fee_basis": "", "online_depth": rng.choice(["全程网办", "全程网办", "网上可办", "不可网办"]),
            "cross_province": rng.random() < 0.2, "within_province": rng.random() < 0.5,
            "commitment_allowed": rng.random() < 0.3, "result_type": result_type,
            "result_name": result_pat.format(o=obj),
            "materials": [{"code": c, "name": n, "required": rng.random() < 0.85,
                           "pending_allowed": rng.random() < 0.15,
                           "form": "电子" if src else rng.choice(["原件", "复印件", "电子", "原件及复印件"]),
                           "copies": rng.choice([0, 1, 1, 1, 2]),
                           "source": "政府部门核发" if src else "申请人自备", "shared_source": src}
                          for c, n, src in materials],
            "form_fields": [{"key": k, "label": lab, "type": t, "required": rng.random() < 0.8, "options": list(opts),
                             "shared_source": src if rng.random() < 0.7 else None}
                            for k, lab, t, opts, src in fields],
        }
        base["fee_basis"] = "不收费" if base["fee_fen"] == 0 else "按省物价部门核定标准收取"
        start = date(2019, 1, 1) + timedelta(days=rng.randrange(5 * 365))
        shape = rng.random()
        room = spec.items - len(items)
        if shape < 0.06 and room >= 2:  # revised: v1 ended, v2 in force
            v2_from = start + timedelta(days=rng.randint(90, 700))
            items.append({**base, "valid_from": start, "valid_to": v2_from - timedelta(days=1)})
            items.append({**base, "version": 2, "valid_from": v2_from,
                          "promised_limit_days": max(0, promised - 1), "steps": max(1, steps - 1)})
            current_codes.append((code, dept["code"]))
        elif shape < 0.09 and room >= 2:  # v1 in force, v2 being drafted
            items.append({**base, "valid_from": start})
            items.append({**base, "version": 2, "status": "draft", "promised_limit_days": max(0, promised - 1)})
            current_codes.append((code, dept["code"]))
        elif shape < 0.11:  # a draft nobody has published yet
            items.append({**base, "status": "draft"})
        elif shape < 0.12:  # retired
            items.append({**base, "status": "retired", "valid_from": start, "valid_to": start + timedelta(days=400)})
        else:
            items.append({**base, "valid_from": start})
            current_codes.append((code, dept["code"]))
    if len(items) < spec.items:
        raise SystemExit(f"could only build {len(items)} distinct items; add words to the pools")

    themes = ["开办餐饮店", "开办药店", "开办便利店", "开办民宿", "开办旅行社", "开办幼儿园", "开办养老机构",
              "开办健身房", "开办汽车维修店", "开办网吧", "新生儿出生", "身后事联办", "退休", "员工录用",
              "企业开办", "企业注销", "企业迁移", "二手房转移登记及水电气联动过户", "新建住房交易", "工程建设项目开工",
              "竣工验收", "残疾人服务", "困难群众救助", "退役军人服务", "教师资格认定", "入学", "就医费用报销",
              "公积金贷款购房", "货车营运", "出租车上岗", "危化品经营", "农民专业合作社成立", "家庭农场", "渔船登记",
              "演出活动举办", "户外广告设置", "建筑垃圾处置", "外商投资企业设立", "跨省迁户", "婚育户"]
    by_dept: dict[str, list[str]] = {}
    for code, dept_code in current_codes:
        by_dept.setdefault(dept_code, []).append(code)
    all_current = [c for c, _ in current_codes]
    bundles = []
    for b in range(1, spec.bundles + 1):
        size = rng.randint(3, 12)
        # Mostly items of a few departments (a real 一件事 spans 2–6 departments), topped up at random.
        picked: list[str] = []
        for dept_code in rng.sample(sorted(by_dept), rng.randint(2, 6)):
            picked += rng.sample(by_dept[dept_code], min(len(by_dept[dept_code]), rng.randint(1, 3)))
        picked = list(dict.fromkeys(picked))[:size]
        while len(picked) < size:
            c = rng.choice(all_current)
            if c not in picked:
                picked.append(c)
        rng.shuffle(picked)
        entries = []
        for i, c in enumerate(picked):  # depends only on earlier items: acyclic by construction
            deps = rng.sample(picked[:i], rng.randint(0, min(2, i))) if i else []
            entries.append({"item": c, "depends_on": deps})
        county = rng.choice(["", "", *[n for _, n in COUNTIES]])
        bundles.append({"code": f"YJS-{b:04d}", "name": f"{county}{rng.choice(themes)}一件事（{b}）",
                        "description": f"{county or CITY}“高效办成一件事”：一次告知、一表申请、一套材料、一窗受理。",
                        "status": "published" if rng.random() < 0.9 else "draft",
                        "core_item": picked[0] if rng.random() < 0.5 else None, "items": entries})
    return {"format": FORMAT, "departments": depts, "items": items, "bundles": bundles}


def row_count(data: dict) -> int:
    """Rows an import writes: departments, items, materials, form fields, bundles, bundle items."""
    return (len(data["departments"]) + len(data["items"])
            + sum(len(i["materials"]) + len(i["form_fields"]) for i in data["items"])
            + len(data["bundles"]) + sum(len(b["items"]) for b in data["bundles"]))


def check_imports(path: Path) -> str:
    """Import the file into a fresh SQLite database; raise if the import reports any error."""
    from sqlalchemy import func, select

    from onewindow import migrate
    from onewindow.catalog import transfer
    from onewindow.catalog.models import ServiceItem
    from onewindow.common.errors import ValidationFailed
    from onewindow.common.security import SYSTEM
    from onewindow.db import make_engine, session_scope

    with tempfile.TemporaryDirectory(prefix="ow-gen-check-") as tmp:
        engine = make_engine(f"sqlite:///{tmp}/check.db")
        migrate.upgrade(engine)
        try:
            with session_scope(engine) as session:
                s = transfer.import_catalog(session, actor=SYSTEM, filename=path.name, content=path.read_bytes())
                stored = session.scalar(select(func.count()).select_from(ServiceItem))
        except ValidationFailed as exc:
            shown = "\n".join(f"  {d}" for d in exc.details[:20])
            raise SystemExit(f"{path.name}: {exc.message} ({len(exc.details)} errors)\n{shown}") from exc
        finally:
            engine.dispose()
    return f"{path.name}: imports cleanly ({s.departments} departments, {stored} item rows, {s.bundles} bundles)"


def write(spec: Spec, out: Path) -> tuple[Path, Path, dict]:
    data = build(spec)
    out.mkdir(parents=True, exist_ok=True)
    stem = f"catalog_{spec.items}_{spec.bundles}"
    xlsx, yml = out / f"{stem}.xlsx", out / f"{stem}.yaml"
    xlsx.write_bytes(write_xlsx(data))
    yml.write_text(write_yaml(data), encoding="utf-8")
    return xlsx, yml, data


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--departments", type=int, default=60)
    p.add_argument("--items", type=int, default=5000)
    p.add_argument("--bundles", type=int, default=500)
    p.add_argument("--seed", type=int, default=Spec.seed)
    p.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "out")
    p.add_argument("--check", action="store_true", help="import both files into a fresh SQLite database")
    a = p.parse_args(argv)
    t = time.perf_counter()
    xlsx, yml, data = write(Spec(a.departments, a.items, a.bundles, a.seed), a.out)
    print(f"wrote {xlsx} and {yml}: {len(data['departments'])} departments, {len(data['items'])} items, "
          f"{len(data['bundles'])} bundles, {row_count(data)} rows in {time.perf_counter() - t:.1f}s")
    if a.check:
        for path in (xlsx, yml):
            print(check_imports(path))


if __name__ == "__main__":
    sys.exit(main())
