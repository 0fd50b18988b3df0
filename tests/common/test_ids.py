"""Check digits and masks for the identifiers of domain.md (GB 32100, GB 11643)."""

import pytest

from onewindow.common.ids import id_number_problem, phone_problem, uscc_problem
from onewindow.common.masking import mask_id_number, mask_name, mask_phone


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91110000600037341L", "12100000400000624D"])
def test_valid_uscc(code):
    assert uscc_problem(code) is None


@pytest.mark.parametrize("code, reason", [
    ("91350100M000100Y44", "校验位"), ("91350100M000100Y4", "18位"), ("91350100M0001O0Y43", "字符"),
])
def test_invalid_uscc(code, reason):
    assert reason in uscc_problem(code)


@pytest.mark.parametrize("number", ["11010519491231002X", "110101199003071233"])
def test_valid_id_numbers(number):
    assert id_number_problem(number) is None


@pytest.mark.parametrize("number, reason", [
    ("110105194912310021", "校验位"), ("11010519491331002X", "出生日期"), ("1101051949123100", "18位"),
])
def test_invalid_id_numbers(number, reason):
    assert reason in id_number_problem(number)


def test_phones():
    assert phone_problem("13812345678") is None and phone_problem("0351-1234567") is None
    assert phone_problem("12812345678") and phone_problem("12345")


def test_masks():
    assert mask_id_number("11010519491231002X") == "110105********002X"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_name("张三") == "张*" and mask_name("欧阳修文") == "欧阳**" and mask_name("李") == "李"
