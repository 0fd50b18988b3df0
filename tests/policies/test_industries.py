import pytest

from onewindow.policies.rules import industries
from onewindow.policies.rules.industries import IndustryCodeError, covers, normalize, validate


def test_twenty_sections_partition_divisions_01_to_97():
    assert len(industries.SECTIONS) == 20
    assert industries.SECTIONS["C"].name == "制造业"
    seen = [d for s in industries.SECTIONS.values() for d in s.divisions]
    assert seen == list(range(1, 98))  # contiguous, no overlap, in letter order


@pytest.mark.parametrize(
    ("letter", "first", "last"), [("C", 13, 43), ("F", 51, 52), ("I", 63, 65), ("K", 70, 70), ("T", 97, 97)]
)
def test_section_ranges_from_the_standard(letter, first, last):
    section = industries.SECTIONS[letter]
    assert (section.first, section.last) == (first, last)


def test_covers_the_whole_subtree():
    for ancestor in ("C", "C30", "C301", "C3011"):
        assert covers(ancestor, "C3011")
    assert not covers("C31", "C3011")
    assert not covers("F", "C3011")
    assert not covers("C", None)


@pytest.mark.parametrize("code", ["C", "C30", "C301", "C3011", "A01", "T97", "I6510"])
def test_valid_codes(code):
    assert validate(code) == code
    assert industries.is_valid(code)


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("C51", "门类 C（制造业）的大类为 13–43，51 属于门类 F（批发和零售业）"),
        ("C99", "门类 C（制造业）的大类为 13–43"),
        ("U", "应为门类字母 A–T"),
        ("C3", "应为门类字母 A–T"),
        ("C30111", "应为门类字母 A–T"),
        ("c30", "应为门类字母 A–T"),
    ],
)
def test_invalid_codes_say_why(code, message):
    with pytest.raises(IndustryCodeError, match=message):
        validate(code)
    assert not industries.is_valid(code)


def test_normalize_adds_the_section_letter():
    assert normalize("3011") == "C3011"
    assert normalize(" f5211 ") == "F5211"
    assert industries.level("C301") == "中类"
    assert industries.describe("C3011") == "C3011（制造业）"
    with pytest.raises(IndustryCodeError):
        normalize("9911")
