"""Masking of personal data: what stays visible of a phone, an ID number and a name."""

import pytest

from yiwang.core.masking import mask_id_number, mask_name, mask_phone


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("张三", "张*"),
        ("张建国", "张*国"),
        ("欧阳建国", "欧**国"),
        ("李", "李"),
        (" 王小明 ", "王*明"),
    ],
)
def test_a_name_keeps_its_first_and_last_character(name, shown):
    assert mask_name(name) == shown


def test_a_phone_and_an_id_number_keep_their_ends():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_id_number("37082919600101123X") == "3708**********123X"
