"""GB/T 4754-2017 国民经济行业分类: the industry hierarchy used by policy rules.

A code is a section letter (门类, A–T) followed by 0, 2, 3 or 4 digits: the division (大类, two
digits), group (中类, three) and class (小类, four), e.g. ``C`` → ``C30`` → ``C301`` → ``C3011``.
Divisions are numbered across the whole standard, so the section is implied by the division;
:data:`SECTIONS` holds the standard's section → division ranges, and :func:`validate` rejects a
division outside its section (``C51`` — 51 belongs to F).

Enterprise profiles carry the full four-digit class with its letter (``C3011``). A rule may name
any level; :func:`covers` is then a plain prefix test on canonical codes, which is exactly what
the vectorised engine does (``str.starts_with``), so both evaluators agree by construction.
:func:`normalize` adds the letter to a bare numeric code (``3011`` → ``C3011``) for imports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    letter: str
    name: str
    first: int  # first division number (大类)
    last: int  # last division number, inclusive

    @property
    def divisions(self) -> range:
        return range(self.first, self.last + 1)


# The 20 sections (门类) of GB/T 4754-2017 with their division ranges.
SECTIONS: dict[str, Section] = {
    s.letter: s
    for s in (
        Section("A", "农、林、牧、渔业", 1, 5),
        Section("B", "采矿业", 6, 12),
        Section("C", "制造业", 13, 43),
        Section("D", "电力、热力、燃气及水生产和供应业", 44, 46),
        Section("E", "建筑业", 47, 50),
        Section("F", "批发和零售业", 51, 52),
        Section("G", "交通运输、仓储和邮政业", 53, 60),
        Section("H", "住宿和餐饮业", 61, 62),
        Section("I", "信息传输、软件和信息技术服务业", 63, 65),
        Section("J", "金融业", 66, 69),
        Section("K", "房地产业", 70, 70),
        Section("L", "租赁和商务服务业", 71, 72),
        Section("M", "科学研究和技术服务业", 73, 75),
        Section("N", "水利、环境和公共设施管理业", 76, 79),
        Section("O", "居民服务、修理和其他服务业", 80, 82),
        Section("P", "教育", 83, 83),
        Section("Q", "卫生和社会工作", 84, 85),
        Section("R", "文化、体育和娱乐业", 86, 90),
        Section("S", "公共管理、社会保障和社会组织", 91, 96),
        Section("T", "国际组织", 97, 97),
    )
}

LEVELS = {1: "门类", 3: "大类", 4: "中类", 5: "小类"}  # by length of the canonical code

_CODE = re.compile(r"^([A-T])(\d{2}|\d{3}|\d{4})?$")


class IndustryCodeError(ValueError):
    """An invalid industry code; the message is Chinese and names the code."""


def section_of_division(division: int) -> Section | None:
    for section in SECTIONS.values():
        if section.first <= division <= section.last:
            return section
    return None


def validate(code: str) -> str:
    """Return ``code`` if it is a canonical GB/T 4754-2017 code at any level, else raise."""
    if not isinstance(code, str):
        raise IndustryCodeError(f"行业代码须为文本，而不是「{code!r}」")
    match = _CODE.match(code)
    if not match:
        raise IndustryCodeError(
            f"无效的行业代码「{code}」：应为门类字母 A–T，后接 0、2、3 或 4 位数字，如 C、C30、C301、C3011"
        )
    letter, digits = match.groups()
    if digits:
        section = SECTIONS[letter]
        division = int(digits[:2])
        if division not in section.divisions:
            owner = section_of_division(division)
            hint = f"，{digits[:2]} 属于门类 {owner.letter}（{owner.name}）" if owner else ""
            raise IndustryCodeError(
                f"无效的行业代码「{code}」：门类 {letter}（{section.name}）的大类为 "
                f"{section.first:02d}–{section.last:02d}{hint}"
            )
    return code


def is_valid(code: object) -> bool:
    try:
        validate(code)  # type: ignore[arg-type]
    except IndustryCodeError:
        return False
    return True


def normalize(code: str) -> str:
    """Canonical form: strip spaces, upper-case, add the section letter to a bare numeric code."""
    text = str(code).strip().upper()
    if text[:1].isdigit() and len(text) >= 2:
        section = section_of_division(int(text[:2]))
        if section is None:
            raise IndustryCodeError(f"无效的行业代码「{code}」：大类 {text[:2]} 不存在")
        text = section.letter + text
    return validate(text)


def covers(ancestor: str, code: str | None) -> bool:
    """True when ``code`` lies in the subtree of ``ancestor`` (a code covers itself)."""
    return code is not None and code.startswith(ancestor)


def level(code: str) -> str:
    return LEVELS[len(validate(code))]


def describe(code: str) -> str:
    """``C3011`` → ``C3011（制造业）``: the code with its section's Chinese name."""
    section = SECTIONS.get(code[:1]) if code else None
    return f"{code}（{section.name}）" if section else code
