"""Synthetic enterprise profiles: N market entities of a Chinese province with realistic shares, for the
matching benchmarks and the demo city's enterprises. Fully vectorised with numpy (2,000,000 rows in a
couple of seconds) and deterministic for a seed.

The shapes follow national statistics, rounded (2023 unless said otherwise):

- about two thirds of market entities are 个体工商户 (1.24 亿 of 1.84 亿); of the enterprises, ~95 % are
  小微 by size, and only 2–3 % are in the 统计局's "四上" statistics (规上工业 ~1 % of all enterprises);
- sections as in a typical prefecture: wholesale/retail (F) first, then leasing and business services
  (L), manufacturing (C), technology services (M), construction (E); shops are mostly F, H and O;
- age is skewed young (half of all entities are under five years old); size is one latent variable per
  entity, so registered capital, employees, revenue, tax, R&D and insurance rise together;
- 纳税信用等级 B is the commonest grade, M marks new taxpayers, C and D are a few per cent;
- certifications are rare and only held by enterprises (高新技术企业 ~1.5 % of them, 专精特新 tiers
  rarer, 专精特新"小巨人" a few in ten thousand), concentrated in manufacturing and technology;
- the columns that registries leave empty when they have no figure (revenue, tax grade, social
  insurance, layoffs, graduates, R&D) are null for a few per cent of rows, so unknown data matters.
  The rest are never null, as in a snapshot built from the registries (policies/matching/profiles.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import polars as pl

from onewindow.policies import CERTIFICATIONS, FLAGS, PROFILE_SCHEMA, TAX_CREDIT_GRADES

# The demo city's districts (registries.yaml) and their share of market entities.
DEMO_REGIONS = {"149902": 0.42, "149903": 0.33, "149921": 0.25}

SHOP_SHARE = 0.64  # 个体工商户 among market entities


@dataclass(frozen=True)
class IndustryClass:
    """A GB/T 4754-2017 class (小类) with how common it is and the words names use for it."""

    code: str
    label: str
    firm_word: str  # in a company's name: 示范市恒通「物流」有限公司
    shop_word: str  # in a 个体工商户's name: 示范市东城区老王「便利店」; "" when shops rarely do this
    firm_weight: float  # relative weight within its section, among enterprises
    shop_weight: float  # the same among 个体工商户
    tech: float = 1.0  # relative propensity for technology certifications and R&D


_C = IndustryClass
INDUSTRY_CLASSES: tuple[IndustryClass, ...] = (
    _C("A0141", "蔬菜种植", "农业开发", "蔬菜种植园", 3, 4),
    _C("A0143", "花卉种植", "园林苗木", "花卉种植园", 1, 1),
    _C("A0151", "仁果类和核果类水果种植", "果业", "果园", 2, 2),
    _C("A0313", "猪的饲养", "牧业", "养殖场", 2, 3),
    _C("A0321", "鸡的饲养", "禽业", "养鸡场", 1, 2),
    _C("A0511", "种子种苗培育活动", "种业", "", 1, 0, 2),
    _C("B0610", "烟煤和无烟煤开采洗选", "煤业", "", 4, 0),
    _C("B0810", "铁矿采选", "矿业", "", 1, 0),
    _C("B1011", "石灰石、石膏开采", "石料", "", 1, 0),
    _C("C1312", "小麦加工", "面业", "面粉加工部", 1, 1),
    _C("C1351", "牲畜屠宰", "肉类食品", "", 1, 0),
    _C("C1411", "糕点、面包制造", "食品", "糕点坊", 2, 3),
    _C("C1431", "米、面制品制造", "食品加工", "面食坊", 1, 3),
    _C("C1462", "酱油、食醋及类似制品制造", "醋业", "醋坊", 1, 1),
    _C("C1512", "白酒制造", "酒业", "", 1, 0),
    _C("C2110", "木质家具制造", "家具", "家具厂", 1, 2),
    _C("C2231", "纸和纸板容器制造", "包装", "", 1, 0),
    _C("C2319", "包装装潢及其他印刷", "印务", "图文印刷部", 1, 1),
    _C("C2521", "炼焦", "焦化", "", 1, 0),
    _C("C2614", "有机化学原料制造", "化工", "", 0.5, 0, 3),
    _C("C2740", "中成药生产", "药业", "", 0.5, 0, 4),
    _C("C2922", "塑料板、管、型材制造", "塑业", "", 1, 0),
    _C("C3021", "水泥制品制造", "建材", "水泥制品厂", 1.5, 1),
    _C("C3031", "粘土砖瓦及建筑砌块制造", "新型建材", "砖厂", 1, 1),
    _C("C3089", "耐火陶瓷制品及其他耐火材料制造", "耐材", "", 1, 0, 2),
    _C("C3130", "钢压延加工", "钢材", "", 0.5, 0),
    _C("C3217", "镁冶炼", "镁业", "", 0.3, 0, 2),
    _C("C3311", "金属结构制造", "钢结构", "", 2, 0),
    _C("C3312", "金属门窗制造", "门窗", "门窗加工部", 1, 2),
    _C("C3391", "黑色金属铸造", "铸造", "", 1.5, 0, 2),
    _C("C3489", "其他通用零部件制造", "机械制造", "机加工部", 2, 1, 4),
    _C("C3511", "矿山机械制造", "矿山机械", "", 1, 0, 5),
    _C("C3670", "汽车零部件及配件制造", "汽车配件", "", 1, 0, 5),
    _C("C3825", "光伏设备及元器件制造", "光伏科技", "", 0.5, 0, 8),
    _C("C3841", "锂离子电池制造", "新能源科技", "", 0.3, 0, 8),
    _C("C3976", "光电子器件制造", "光电科技", "", 0.3, 0, 10),
    _C("C3982", "电子电路制造", "电子科技", "", 0.5, 0, 8),
    _C("C4011", "工业自动控制系统装置制造", "自动化科技", "", 0.5, 0, 10),
    _C("C4210", "金属废料和碎屑加工处理", "再生资源", "", 1, 0),
    _C("D4411", "火力发电", "电力", "", 1, 0),
    _C("D4416", "太阳能发电", "新能源", "", 1, 0, 3),
    _C("D4430", "热力生产和供应", "热力", "", 1, 0),
    _C("D4511", "天然气生产和供应业", "燃气", "", 1, 0),
    _C("E4710", "住宅房屋建筑", "建筑工程", "", 3, 0),
    _C("E4813", "市政道路工程建筑", "市政工程", "", 1, 0),
    _C("E4910", "电气安装", "电力工程", "水电安装部", 1, 2),
    _C("E5011", "公共建筑装饰和装修", "装饰工程", "", 2, 0),
    _C("E5012", "住宅装饰和装修", "装饰设计", "装修队", 2, 6),
    _C("F5111", "谷物、豆及薯类批发", "粮贸", "粮油批发部", 2, 2),
    _C("F5123", "果品、蔬菜批发", "果蔬", "果蔬批发部", 3, 4),
    _C("F5127", "酒、饮料及茶叶批发", "酒业商贸", "烟酒批发部", 2, 2),
    _C("F5161", "煤炭及制品批发", "煤炭销售", "", 3, 0),
    _C("F5164", "金属及金属矿批发", "物资", "", 2, 0),
    _C("F5165", "建材批发", "建材商贸", "建材经销部", 4, 3),
    _C("F5174", "五金产品批发", "五金机电", "五金批发部", 2, 2),
    _C("F5176", "计算机、软件及辅助设备批发", "信息设备", "", 2, 0, 2),
    _C("F5191", "再生物资回收与批发", "再生资源回收", "废品收购站", 1, 2),
    _C("F5193", "互联网批发", "电子商务", "", 2, 0, 2),
    _C("F5211", "百货零售", "百货", "百货商店", 2, 6),
    _C("F5212", "超级市场零售", "商贸", "便民超市", 4, 10),
    _C("F5213", "便利店零售", "便利连锁", "便利店", 1, 12),
    _C("F5221", "粮油零售", "粮油", "粮油店", 1, 5),
    _C("F5223", "果品、蔬菜零售", "鲜果", "水果店", 1, 8),
    _C("F5224", "肉、禽、蛋、奶及水产品零售", "生鲜", "鲜肉店", 1, 7),
    _C("F5226", "酒、饮料及茶叶零售", "茶业", "烟酒店", 1, 6),
    _C("F5232", "服装零售", "服饰", "服装店", 2, 10),
    _C("F5234", "化妆品及卫生用品零售", "美妆", "化妆品店", 1, 3),
    _C("F5251", "西药零售", "大药房", "药店", 1, 2),
    _C("F5263", "汽车零配件零售", "汽配", "汽配店", 1, 3),
    _C("F5274", "通信设备零售", "通讯", "手机店", 1, 4),
    _C("F5281", "五金零售", "五金", "五金店", 1, 6),
    _C("F5261", "汽车新车零售", "汽车销售服务", "", 1, 0),
    _C("F5292", "互联网零售", "网络科技", "网店", 3, 6, 2),
    _C("G5413", "出租车客运", "出租汽车", "", 0.5, 2),
    _C("G5431", "普通货物道路运输", "物流", "货运部", 4, 8),
    _C("G5437", "城市配送", "城配物流", "配送站", 1, 2),
    _C("G5821", "货物运输代理", "货运代理", "", 2, 0),
    _C("G6020", "快递服务", "快递", "快递驿站", 1, 2),
    _C("H6110", "旅游饭店", "酒店管理", "", 1, 0),
    _C("H6121", "经济型连锁酒店", "酒店", "宾馆", 1, 2),
    _C("H6130", "民宿服务", "民宿", "民宿", 0.5, 1),
    _C("H6210", "正餐服务", "餐饮管理", "饭店", 3, 12),
    _C("H6220", "快餐服务", "餐饮", "快餐店", 1, 6),
    _C("H6231", "茶馆服务", "茶文化", "茶馆", 0.5, 1),
    _C("H6291", "小吃服务", "小吃", "小吃店", 1, 12),
    _C("I6432", "互联网生活服务平台", "网络科技", "", 1, 0, 6),
    _C("I6450", "互联网数据服务", "数据科技", "", 1, 0, 8),
    _C("I6513", "应用软件开发", "软件科技", "", 3, 0, 8),
    _C("I6531", "信息系统集成服务", "信息技术", "", 2, 0, 6),
    _C("I6560", "信息技术咨询服务", "信息咨询", "", 1, 0, 4),
    _C("I6572", "动漫、游戏数字内容服务", "数字文化", "", 0.5, 0, 5),
    _C("I6591", "呼叫中心", "呼叫服务", "", 0.3, 0),
    _C("I6599", "其他未列明信息技术服务业", "科技", "电脑服务部", 1, 1, 3),
    _C("J6633", "典当", "典当", "", 1, 0),
    _C("J6635", "小额贷款公司服务", "小额贷款", "", 1, 0),
    _C("J6852", "保险代理服务", "保险代理", "", 1, 0),
    _C("K7010", "房地产开发经营", "置业", "", 3, 0),
    _C("K7020", "物业管理", "物业管理", "", 3, 0),
    _C("K7030", "房地产中介服务", "房产经纪", "房屋中介", 2, 1),
    _C("L7111", "汽车租赁", "汽车租赁", "租车行", 1, 1),
    _C("L7113", "建筑工程机械与设备经营租赁", "机械设备租赁", "", 1, 0),
    _C("L7212", "投资与资产管理", "投资", "", 3, 0),
    _C("L7224", "供应链管理服务", "供应链管理", "", 1, 0),
    _C("L7241", "会计、审计及税务服务", "财务咨询", "", 1, 0),
    _C("L7243", "社会经济咨询", "企业管理咨询", "", 2, 0),
    _C("L7259", "其他广告服务", "广告传媒", "广告部", 2, 2),
    _C("L7263", "劳务派遣服务", "人力资源", "", 1, 0),
    _C("L7291", "旅行社及相关服务", "旅行社", "", 1, 0),
    _C("L7297", "商务代理代办服务", "商务服务", "代办服务部", 1, 1),
    _C("L7299", "其他未列明商务服务业", "商务信息咨询", "", 2, 0),
    _C("M7320", "工程和技术研究和试验发展", "技术研究院", "", 1, 0, 10),
    _C("M7452", "检测服务", "检测技术", "", 1, 0, 4),
    _C("M7482", "工程监理服务", "工程监理", "", 1, 0),
    _C("M7484", "工程设计活动", "工程设计", "", 1, 0, 2),
    _C("M7492", "专业设计服务", "设计", "设计工作室", 1, 2, 2),
    _C("M7511", "农林牧渔技术推广服务", "农业科技", "", 1, 0, 3),
    _C("M7514", "节能技术推广服务", "节能科技", "", 1, 0, 5),
    _C("M7519", "其他技术推广服务", "科技发展", "", 3, 0, 4),
    _C("M7520", "知识产权服务", "知识产权代理", "", 0.5, 0, 2),
    _C("N7723", "固体废物治理", "环保科技", "", 1, 0, 3),
    _C("N7840", "绿化管理", "园林绿化", "", 2, 0),
    _C("O8010", "家庭服务", "家政服务", "家政服务部", 2, 5),
    _C("O8030", "洗染服务", "洗涤", "干洗店", 0.5, 3),
    _C("O8040", "理发及美容服务", "美容美发", "理发店", 2, 16),
    _C("O8051", "洗浴服务", "洗浴", "浴池", 0.5, 2),
    _C("O8060", "摄影扩印服务", "文化传播", "照相馆", 0.5, 2),
    _C("O8111", "汽车修理与维护", "汽车服务", "汽车修理部", 2, 8),
    _C("O8131", "家用电子产品修理", "电器维修", "家电维修部", 0.5, 3),
    _C("O8211", "建筑物清洁服务", "保洁服务", "保洁部", 1, 1),
    _C("P8391", "职业技能培训", "职业培训学校", "", 1, 0),
    _C("P8393", "文化艺术培训", "文化艺术培训", "艺术培训部", 1, 1),
    _C("Q8425", "门诊部（所）", "门诊部", "诊所", 1, 1),
    _C("Q8514", "老年人、残疾人养护服务", "养老服务", "", 1, 0),
    _C("R8930", "健身休闲活动", "健身", "健身房", 1, 1),
    _C("R9013", "网吧活动", "网络会所", "网吧", 0.5, 2),
    _C("R9030", "休闲观光活动", "文旅", "农家乐", 1, 2),
    _C("R9051", "文化活动服务", "文化传媒", "", 1, 0),
)
del _C
CLASSES_BY_CODE = {c.code: c for c in INDUSTRY_CLASSES}

# Shares of each GB/T 4754 section (%, each column sums to 100).
FIRM_SECTIONS = {"A": 3, "B": 0.5, "C": 11, "D": 1, "E": 7, "F": 30, "G": 4, "H": 3.5, "I": 5, "J": 1, "K": 3.5,
                 "L": 13, "M": 9, "N": 1.5, "O": 3.5, "P": 1, "Q": 0.8, "R": 1.7}
SHOP_SECTIONS = {"A": 3, "C": 3, "E": 2, "F": 52, "G": 6, "H": 16, "I": 0.5, "K": 1, "L": 1, "M": 0.5, "O": 12,
                 "P": 0.5, "Q": 0.5, "R": 2}

# Per section: median insured employees of an enterprise, median revenue per worker (万元/年) and
# average wage (万元/年, for unemployment insurance at the employer's 0.5 %).
SECTION_ECONOMICS = {
    "A": (3, 20, 5), "B": (50, 70, 9), "C": (8, 35, 7), "D": (10, 80, 11), "E": (8, 25, 7),
    "F": (3, 30, 6), "G": (4, 25, 7), "H": (4, 10, 5), "I": (6, 25, 13), "J": (5, 60, 14),
    "K": (4, 60, 8), "L": (2, 20, 8), "M": (4, 20, 10), "N": (5, 20, 6), "O": (3, 10, 5),
    "P": (4, 8, 6), "Q": (6, 15, 9), "R": (3, 10, 6),
}

# 统计局 "四上" thresholds on main-business revenue (元): which flag an enterprise of a section
# (or division) gets, and from what revenue. 资质内建筑业 needs a construction licence the registry
# does not hold; revenue of 500万 stands in for it.
STATS_THRESHOLDS = {
    "B": ("规上", 20_000_000), "C": ("规上", 20_000_000), "D": ("规上", 20_000_000),
    "F51": ("限上", 20_000_000), "F52": ("限上", 5_000_000), "H": ("限上", 2_000_000),
    "E": ("资质内建筑业", 5_000_000),
    "G": ("规上服务业", 20_000_000), "I": ("规上服务业", 20_000_000), "N": ("规上服务业", 20_000_000),
    "L": ("规上服务业", 10_000_000), "M": ("规上服务业", 10_000_000), "P": ("规上服务业", 10_000_000),
    "Q": ("规上服务业", 10_000_000), "K": ("规上服务业", 5_000_000), "O": ("规上服务业", 5_000_000),
    "R": ("规上服务业", 5_000_000),
}
NEW_FLAG = {"规上": "新升规上", "限上": "新升限上", "资质内建筑业": "新升资质内建筑业", "规上服务业": "新升规上服务业"}

FIRM_GRADES = (0.10, 0.62, 0.20, 0.05, 0.03)  # A B M C D
SHOP_GRADES = (0.02, 0.62, 0.31, 0.03, 0.02)

_FLAG_ORDER = tuple(sorted(FLAGS))
_CERT_ORDER = tuple(sorted(CERTIFICATIONS))
_SECTIONS = tuple(sorted(set(FIRM_SECTIONS) | set(SHOP_SECTIONS)))
_EPOCH = date(1970, 1, 1)
BLOCK = 250_000  # rows generated at a time


def _class_probabilities(sections: Mapping[str, float], weight: str) -> np.ndarray:
    totals: dict[str, float] = {}
    for c in INDUSTRY_CLASSES:
        totals[c.code[0]] = totals.get(c.code[0], 0.0) + getattr(c, weight)
    p = np.array([sections.get(c.code[0], 0.0) * getattr(c, weight) / totals[c.code[0]]
                  if totals[c.code[0]] else 0.0 for c in INDUSTRY_CLASSES])
    return p / p.sum()


_FIRM_P = _class_probabilities(FIRM_SECTIONS, "firm_weight")
_SHOP_P = _class_probabilities(SHOP_SECTIONS, "shop_weight")
_CLASS_SECTION = np.array([_SECTIONS.index(c.code[0]) for c in INDUSTRY_CLASSES])
_CLASS_TECH = np.array([c.tech for c in INDUSTRY_CLASSES], dtype=float)


def _per_class(values_by_section: Mapping[str, Any], pick) -> np.ndarray:
    return np.array([pick(values_by_section.get(c.code[0])) for c in INDUSTRY_CLASSES], dtype=float)


_CLASS_STAFF = _per_class(SECTION_ECONOMICS, lambda e: e[0])
_CLASS_REVENUE = _per_class(SECTION_ECONOMICS, lambda e: e[1] * 10_000)
_CLASS_WAGE = _per_class(SECTION_ECONOMICS, lambda e: e[2] * 10_000)
_CLASS_THRESHOLD = np.array([(STATS_THRESHOLDS.get(c.code[:3]) or STATS_THRESHOLDS.get(c.code[0]) or ("", 0))[1]
                             for c in INDUSTRY_CLASSES], dtype=float)
_CLASS_STATS_FLAG = [(STATS_THRESHOLDS.get(c.code[:3]) or STATS_THRESHOLDS.get(c.code[0]) or ("", 0))[0]
                     for c in INDUSTRY_CLASSES]
_CLASS_STATS_FLAG[[c.code for c in INDUSTRY_CLASSES].index("K7010")] = ""  # 房地产开发 has its own survey


def _pick(rng: np.random.Generator, p: np.ndarray, size: int) -> np.ndarray:
    return np.minimum(np.searchsorted(np.cumsum(p), rng.random(size), side="right"), len(p) - 1)


def _nice(amount: np.ndarray, floor: float) -> np.ndarray:
    """Round to how people register capital: two significant figures in halves (35万, 500万, 1.5亿)."""
    amount = np.maximum(amount, floor)
    scale = 10.0 ** np.floor(np.log10(amount))
    return np.round(amount / scale * 2) / 2 * scale


def _fen(yuan: np.ndarray) -> np.ndarray:
    return np.round(yuan * 100).astype(np.int64)


def profiles(n: int, *, seed: int, as_of: date, regions: Sequence[str] | None = None) -> pl.DataFrame:
    """``enterprise_id`` (1..n) and every stored profile field (``PROFILE_SCHEMA.polars_schema()``), one
    row per market entity, the same for the same arguments. ``regions`` are region codes, drawn
    uniformly; by default the demo city's districts with their shares."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"企业数量应为非负整数，而不是「{n!r}」")
    if regions is None:
        region_codes, region_p = list(DEMO_REGIONS), np.array(list(DEMO_REGIONS.values()))
    else:
        region_codes = [str(r) for r in regions]
        if not region_codes:
            raise ValueError("地区代码列表不能为空")
        region_p = np.full(len(region_codes), 1.0)
    schema = {"enterprise_id": pl.Int64, **PROFILE_SCHEMA.polars_schema()}
    if n == 0:
        return pl.Schema(schema).to_frame()
    # Blocks with their own random streams keep the numpy temporaries small: peak memory is the result
    # plus one block's working set, whatever n is. The frame keeps one chunk per block (no copy).
    blocks = [_block(np.random.default_rng([seed, b]), start, min(BLOCK, n - start), as_of, region_codes,
                     region_p / region_p.sum(), schema) for b, start in enumerate(range(0, n, BLOCK))]
    return pl.concat(blocks, rechunk=False)


def _block(rng: np.random.Generator, start: int, n: int, as_of: date, region_codes: list[str],
           region_p: np.ndarray, schema: Mapping[str, Any]) -> pl.DataFrame:
    shop = rng.random(n) < SHOP_SHARE
    firm = ~shop
    cls = np.empty(n, dtype=np.int64)
    cls[shop] = _pick(rng, _SHOP_P, int(shop.sum()))
    cls[firm] = _pick(rng, _FIRM_P, int(firm.sum()))
    region = _pick(rng, region_p, n)
    size = rng.standard_normal(n)  # one latent size per entity: capital, staff, revenue and tax move together

    # Insured employees: most shops have none, nor do over a quarter of companies (shells, family firms).
    employees = np.where(
        shop,
        np.floor(0.9 * np.exp(0.9 * size)),
        np.floor(_CLASS_STAFF[cls] * np.exp(1.15 * size)) * (rng.random(n) >= 0.15),
    )
    employees = np.minimum(employees, 60_000).astype(np.int64)
    capital = np.where(
        shop,
        _nice(50_000 * np.exp(0.3 * size + 0.8 * rng.standard_normal(n)), 1_000),
        _nice(1_000_000 * np.exp(0.8 * size + 0.9 * rng.standard_normal(n)), 10_000),
    )
    # Revenue: workers (staff plus the owner) × revenue per worker; a tenth of companies did no business.
    per_worker = _CLASS_REVENUE[cls] * np.exp(0.25 * size + 0.6 * rng.standard_normal(n)) * np.where(shop, 0.35, 1.0)
    revenue = np.round((employees + 1) * per_worker * (shop | (rng.random(n) >= 0.10)))
    rate = np.where(shop, 0.01, 0.03) * np.exp(0.6 * rng.standard_normal(n))
    exempt = shop & (revenue < 1_200_000) & (rng.random(n) < 0.6)  # 小规模纳税人 below the VAT threshold
    tax_paid = np.where(exempt, 0.0, np.round(revenue * np.minimum(rate, 0.2)))

    years = rng.exponential(np.where(shop, 5.5, 7.5) * np.exp(0.25 * size))
    days = np.minimum(np.floor(years * 365.25), 45 * 365).astype(np.int64)
    established = (as_of - _EPOCH).days - days

    violations = rng.poisson(np.where(shop, 0.03, 0.05) * np.exp(0.3 * size))
    credit_serious = rng.random(n) < 0.002 + 0.06 * (violations > 0)

    grade = np.where(shop, _pick(rng, np.array(SHOP_GRADES), n), _pick(rng, np.array(FIRM_GRADES), n))
    grade = np.where(days < 365, 2, grade)  # 新设立 taxpayers are graded M
    grade = np.where(credit_serious & (rng.random(n) < 0.6), 4, grade)

    flags = _stats_flags(rng, shop, cls, employees, revenue)
    certs = _certifications(rng, firm, cls, size)
    certified = (certs & _RD_CERTIFIED) != 0

    wage = _CLASS_WAGE[cls] * np.exp(0.3 * rng.standard_normal(n))
    insurance = np.round(employees * wage * 0.005)
    laid_off = (employees > 0) & (rng.random(n) < 0.15)
    layoffs = np.where(laid_off, rng.binomial(employees, np.minimum(rng.exponential(0.06, n), 0.9)), 0)
    graduates = rng.poisson(employees * np.where(shop, 0.005, 0.03 * np.sqrt(_CLASS_TECH[cls])))
    # Certified enterprises must spend 3 %+ of revenue on R&D; a few other firms in technical trades spend some.
    some_rd = firm & (rng.random(n) < 0.04 * _CLASS_TECH[cls])
    rd_share = np.where(certified, rng.uniform(0.03, 0.09, n),
                        np.where(some_rd, 0.01 * np.exp(rng.standard_normal(n)), 0))
    rd_expense = np.round(revenue * np.minimum(rd_share, 0.5))

    def unknown(share: float) -> pl.Series:
        return pl.Series(rng.random(n) < share)

    columns = {
        "enterprise_id": pl.Series(np.arange(start + 1, start + n + 1, dtype=np.int64)),
        "industry": pl.Series([c.code for c in INDUSTRY_CLASSES]).gather(cls),
        "region": pl.Series(region_codes).gather(region),
        "registered_capital": pl.Series(_fen(capital)),
        "established_on": pl.Series(established.astype(np.int32)).cast(pl.Date),
        "employees": pl.Series(employees),
        "tax_paid": pl.Series(_fen(tax_paid)),
        "tax_credit_grade": pl.Series(list(TAX_CREDIT_GRADES)).gather(grade).set(unknown(0.03), None),
        "certifications": _set_column(certs, _CERT_ORDER),
        "violations": pl.Series(violations.astype(np.int64)),
        "credit_serious": pl.Series(credit_serious),
        "flags": _set_column(flags, _FLAG_ORDER),
        "revenue": pl.Series(_fen(revenue)).set(unknown(0.05), None),
        "unemployment_insurance_paid": pl.Series(_fen(insurance)).set(unknown(0.04), None),
        "layoffs": pl.Series(layoffs.astype(np.int64)).set(unknown(0.05), None),
        "graduates_hired": pl.Series(graduates.astype(np.int64)).set(unknown(0.05), None),
        "rd_expense": pl.Series(_fen(rd_expense)).set(unknown(0.06), None),
    }
    return pl.DataFrame({name: columns[name].alias(name) for name in schema}).cast(schema)


def _bit(names: Sequence[str], name: str) -> np.uint32:
    return np.uint32(1 << names.index(name))


def _stats_flags(rng: np.random.Generator, shop: np.ndarray, cls: np.ndarray, employees: np.ndarray,
                 revenue: np.ndarray) -> np.ndarray:
    """Flag sets as bit masks over ``_FLAG_ORDER``. "四上" flags are for legal persons, so never for shops;
    one in ten enterprises over a threshold is not in the statistics yet (a 小升规 candidate)."""
    n = len(shop)
    out = np.zeros(n, dtype=np.uint32)

    def put(flag: str, mask: np.ndarray) -> None:
        out[mask] |= _bit(_FLAG_ORDER, flag)

    firm = ~shop
    put("个体工商户", shop)
    put("小微企业", firm & (employees < 300) & (revenue < 50_000_000))
    over = firm & (_CLASS_THRESHOLD[cls] > 0) & (revenue >= _CLASS_THRESHOLD[cls]) & (rng.random(n) < 0.9)
    new = over & (rng.random(n) < 0.15)
    names = np.array(_CLASS_STATS_FLAG)[cls]
    for flag, new_flag in NEW_FLAG.items():
        put(flag, over & (names == flag))
        put(new_flag, new & (names == flag))
    put("外资", firm & (rng.random(n) < 0.008))
    # Listing stages are milestones: a company whose application was accepted also filed for tutoring.
    big = firm & (revenue >= 50_000_000)
    roll = rng.random(n)
    listed, accepted, tutored = big & (roll < 0.02), big & (roll < 0.026), big & (roll < 0.035)
    put("上市", listed)
    put("上市申报受理", accepted & ~listed)
    put("上市辅导备案", tutored & ~listed)
    put("新三板", big & ~tutored & (roll < 0.07))
    return out


# Certification shares among enterprises (not shops) of average technology propensity and size.
_CERT_SHARES = {"高新技术企业": 0.015, "科技型中小企业": 0.012, "省级科技小巨人": 0.0008, "省级新型研发机构": 0.0002}
_AMONG_HIGHTECH = {"瞪羚企业": 0.0008, "独角兽企业": 0.00001}
_LADDERS = (  # tiers: holding a higher one means holding the lower ones too
    ((("创新型中小企业",), 0.010), (("市级专精特新中小企业",), 0.004),
     (("省级专精特新中小企业", "专精特新中小企业"), 0.002), (('专精特新"小巨人"',), 0.00025)),
    ((("市级技术中心",), 0.002), (("省级技术中心",), 0.0006), (("国家级技术中心",), 0.00005)),
    ((("市级工程技术研究中心",), 0.0015), (("省级工程技术研究中心",), 0.0005)),
    ((("省级重点实验室",), 0.0002), (("国家级重点实验室",), 0.00002)),
)
_MANUFACTURING_ONLY = {"制造业单项冠军": 0.00005, "技术创新示范企业": 0.0001}
_RD_CERTIFIED = sum(int(_bit(_CERT_ORDER, c)) for c in ("高新技术企业", "科技型中小企业", "专精特新中小企业"))


def _certifications(rng: np.random.Generator, firm: np.ndarray, cls: np.ndarray, size: np.ndarray) -> np.ndarray:
    """Certification sets as bit masks over ``_CERT_ORDER``; only enterprises hold any."""
    n = len(firm)
    out = np.zeros(n, dtype=np.uint32)
    propensity = _CLASS_TECH[cls] * np.exp(0.6 * size)
    if firm.any():
        propensity /= propensity[firm].mean()  # the shares above hold on average
    propensity[~firm] = 0.0

    def put(name: str, mask: np.ndarray) -> None:
        out[mask] |= _bit(_CERT_ORDER, name)

    def chance(share: float) -> np.ndarray:
        return rng.random(n) < np.minimum(share * propensity, 0.9)

    for name, share in _CERT_SHARES.items():
        put(name, chance(share))
    hightech = (out & _bit(_CERT_ORDER, "高新技术企业")) != 0
    for name, share in _AMONG_HIGHTECH.items():  # recognised among 高新技术企业 only
        put(name, hightech & (rng.random(n) < share / _CERT_SHARES["高新技术企业"]))
    manufacturing = _CLASS_SECTION[cls] == _SECTIONS.index("C")
    for name, share in _MANUFACTURING_ONLY.items():
        put(name, chance(share / FIRM_SECTIONS["C"] * 100) & manufacturing)
    for ladder in _LADDERS:
        roll = rng.random(n)
        for names, share in ladder:
            held = roll < np.minimum(share * propensity, 0.9)
            for name in names:
                put(name, held)
    return out


def _set_column(masks: np.ndarray, names: Sequence[str]) -> pl.Series:
    """A List(Utf8) column from bit masks over ``names``. Entities share few distinct sets, so each
    distinct set is built once and gathered."""
    distinct = np.flatnonzero(np.bincount(masks, minlength=1 << len(names)))  # linear, unlike np.unique
    index = np.zeros(1 << len(names), dtype=np.int64)
    index[distinct] = np.arange(len(distinct))
    lists = [[name for bit, name in enumerate(names) if int(mask) >> bit & 1] for mask in distinct]
    return pl.Series(lists, dtype=pl.List(pl.Utf8)).gather(index[masks])


def row_profile(row: Mapping[str, Any]) -> dict[str, Any]:
    """A profile frame's row (``df.row(i, named=True)``, from here or from a snapshot) as the dict
    ``explain()`` takes: profile fields only, sets as frozensets."""
    out = {}
    for field in PROFILE_SCHEMA.stored():
        value = row.get(field.name)
        out[field.name] = frozenset(value) if field.type == "set" and value is not None else value
    return out
