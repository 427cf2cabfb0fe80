"""Cleaning what village staff type or paste from Excel: every rule and every message."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from stdnum.cn import ric

from yiwang.core.validators import (
    clean_date,
    clean_id_number,
    clean_line,
    clean_phone,
    clean_sex,
    clean_text,
    id_number_facts,
    normalize_code,
    normalize_text,
)

JIAXIANG = "370829"  # 嘉祥县
GB_11643_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]

EXCEL_DAMAGE = (
    "The ID number was stored as a number in Excel and lost its last digits: format the ID "
    "column as text and type the number again."
)
NOT_A_PHONE = (
    "This is not a valid phone number: enter an 11-digit mobile number, or a landline "
    "number with its area code such as 0537-7212345."
)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def make_id(birth: str = "19900101", seq: str = "123", region: str = JIAXIANG) -> str:
    """A valid ID number. stdnum's calc_check_digit takes the number with a (any) check
    digit in place, so the body gets a placeholder before it is asked."""
    body = f"{region}{birth}{seq}"
    return body + ric.calc_check_digit(body + "0")


def with_wrong_check_digit(number: str) -> str:
    wrong = "0" if number[-1] != "0" else "1"
    return number[:-1] + wrong


def rejection(function, value) -> str:
    with pytest.raises(ValidationError) as caught:
        function(value)
    [message] = caught.value.messages
    return message


# --- the test numbers themselves ---------------------------------------------------------


def test_the_test_numbers_have_the_gb_11643_check_digit():
    # Computed by hand from the standard, so that the other tests do not merely trust stdnum.
    for number in [make_id(), make_id("19500101", "234"), make_id("20100228", "017")]:
        total = sum(
            int(digit) * weight for digit, weight in zip(number[:17], GB_11643_WEIGHTS, strict=True)
        )
        assert number[-1] == "10X98765432"[total % 11]
    assert make_id() == "37082919900101123X"
    assert make_id("19500101", "234") == "370829195001012349"


# --- normalize_text ----------------------------------------------------------------------


def test_prose_keeps_its_chinese_punctuation_and_gets_ascii_digits_and_letters():
    assert normalize_text("１２３ＡＢＣｘｙｚ") == "123ABCxyz"
    assert normalize_text("南门街，３号：（东）") == "南门街，3号：（东）"
    assert normalize_text("路灯坏了！请修理？“尽快”；谢谢。") == "路灯坏了！请修理？“尽快”；谢谢。"
    assert normalize_text("１－２－１０１") == "1－2－101"  # prose: the sign as typed


def test_a_code_gets_every_full_width_sign_made_ascii():
    assert normalize_code("１２３ＡＢＣｘｙｚ") == "123ABCxyz"
    assert normalize_code("１－２－１０１") == "1-2-101"
    assert normalize_code("（０５３７）７２１２３４５／") == "(0537)7212345/"
    assert normalize_code("２０２４．３．５") == "2024.3.5"
    assert normalize_code("\ufeffＫ７Ｍ４\u3000Ｑ９ＸＰ\u200b") == "K7M4 Q9XP"
    assert normalize_code(None) == ""
    assert normalize_code(12) == "12"


def test_numbers_typed_with_full_width_signs_are_still_read():
    assert clean_phone("０５３７－７２１２３４５") == "0537-7212345"
    assert clean_phone("（０５３７）７２１２３４５") == "0537-7212345"
    assert clean_date("２０２４／３／５") == datetime.date(2024, 3, 5)
    assert clean_date("２０２４．０３．０５") == datetime.date(2024, 3, 5)


def test_it_turns_the_full_width_space_into_a_space():
    assert normalize_text("张三\u3000李四") == "张三 李四"


def test_it_strips_and_collapses_whitespace_to_one_space():
    assert normalize_text("  南门街 \t 3号\n\r东  ") == "南门街 3号 东"


def test_it_removes_zero_width_characters():
    assert normalize_text("\ufeff张\u200b三\u200c\u200d") == "张三"


# The bidirectional controls: embeddings and overrides, isolates, and the marks.
BIDI_CONTROLS = [
    *map(chr, range(0x202A, 0x202F)),
    *map(chr, range(0x2066, 0x206A)),
    "\u200e",
    "\u200f",
    "\u061c",
]


@pytest.mark.parametrize("control", BIDI_CONTROLS, ids=lambda c: f"U+{ord(c):04X}")
def test_it_removes_bidirectional_controls_from_names_and_text(control):
    """A right-to-left override in a name ("张\u202e三李") shows one name and stores
    another; every cleaning path drops it, and the text reads as it is stored."""
    name = f"{control}张{control}三"
    assert normalize_text(name) == "张三"
    assert normalize_code(f"3708{control}29") == "370829"
    assert _line(f"南门街{control}3号")[0] == "南门街3号"
    assert _text(f"第一段{control}\n{control}第二段")[0] == "第一段\n第二段"


def test_a_name_with_a_right_to_left_override_reads_as_stored():
    assert normalize_text("\u202e\u2067王\u2069五\u202c\u200f") == "王五"
    assert clean_line("备注\u202eFDP.exe", field="f", limit=50, required=True, errors={}) == (
        "备注FDP.exe"
    )


def test_it_removes_every_format_character_that_python_knows():
    """The table lists the format characters (Unicode category Cf) by range; a Unicode
    update that adds one fails here rather than letting it through."""
    import sys
    import unicodedata

    format_characters = [
        chr(code) for code in range(sys.maxunicode + 1) if unicodedata.category(chr(code)) == "Cf"
    ]
    assert len(format_characters) > 150
    text = "甲" + "".join(format_characters) + "乙"
    assert normalize_text(text) == "甲乙"
    assert normalize_code(text) == "甲乙"


def test_it_keeps_the_marks_that_are_part_of_a_name():
    """Only invisible format characters go: the middle dot of a transliterated name, the
    ideographic iteration mark and the emoji a note may have are text."""
    for text in ["买买提·艾力", "佐々木", "好〻", "👍", "①②"]:
        assert normalize_text(text) == text


def test_it_treats_a_non_breaking_space_as_a_space():
    assert normalize_text("\u00a0南门街\u00a0\u00a03号\u00a0") == "南门街 3号"


def test_it_keeps_chinese_characters_intact():
    for text in ["张三", "〇", "汶上县", "嘉祥县纸坊镇", "、。《》【】"]:
        assert normalize_text(text) == text


def test_it_turns_kangxi_radicals_from_pdf_copies_into_the_ideographs():
    assert normalize_text("\u2f00\u2f08") == "一人"


def test_it_keeps_symbols_that_were_typed_on_purpose():
    assert normalize_text("①号楼 120㎡…") == "①号楼 120㎡…"


def test_it_gives_empty_text_for_none_and_blank_input():
    assert normalize_text(None) == ""
    assert normalize_text("") == ""
    assert normalize_text(" \u3000\u200b ") == ""


def test_it_gives_the_text_of_a_number():
    assert normalize_text(12) == "12"


# --- clean_line and clean_text: what people type into a form ----------------------------
# One place for the cases' texts, the visits' notes and reasons, and the outreach settings,
# events and meetings, whose own copies differed on control characters and blank lines.


def _line(value, *, limit=20, required=False):
    errors: dict = {}
    return clean_line(value, field="f", limit=limit, required=required, errors=errors), errors


def _text(value, *, limit=50, required=False):
    errors: dict = {}
    return clean_text(value, field="f", limit=limit, required=required, errors=errors), errors


def test_a_line_is_tidied_like_a_cell():
    assert _line("  南门街，３号\u3000（东）\u200b ") == ("南门街，3号 （东）", {})
    assert _line("两行\r\n\t变一行") == ("两行 变一行", {})


def test_a_lone_carriage_return_breaks_a_line_as_any_line_break_does():
    """The cases' copy dropped a lone CR (old Mac line ends, some API clients) with the
    control characters, joining two lines into one word; the outreach copy broke the line
    there. Now a lone CR is a line break everywhere: a space in one line, a new line in a
    text."""
    assert _line("第一段\r第二段")[0] == "第一段 第二段"
    assert _text("第一段\r第二段\r\r\r第三段")[0] == "第一段\n第二段\n\n第三段"


def test_a_line_drops_control_characters():
    """The outreach settings', events' and meetings' copy kept NUL (which PostgreSQL
    refuses) and the other control characters; every line now drops them, as the cases'
    and the visits' did."""
    assert _line("积\x00水\x07\x1b")[0] == "积水"
    assert _line("a\x1fb")[0] == "ab"


def test_a_text_keeps_its_lines_each_tidied():
    text = '<script>alert("x")</script>\x00 <b>积水</b>\r\n第二段\r第三段 ，  好'
    assert _text(text) == ('<script>alert("x")</script> <b>积水</b>\n第二段\n第三段 ， 好', {})


def test_a_text_keeps_at_most_one_empty_line_in_a_row():
    """The outreach copy (a meeting's notes and minutes, an event's notes) kept every empty
    line; now at most one in a row, as in the cases and the visits."""
    assert _text("一\n\n\n\n二\r\n\r\n\r\n三\n \n\u3000\n四")[0] == "一\n\n二\n\n三\n\n四"
    assert _text("\n\n 一 \n\n")[0] == "一"


def test_empty_input_is_empty_text():
    for value in (None, "", "   ", "\x00", " \u3000\u200b "):
        assert _line(value) == ("", {})
        assert _text(value) == ("", {})


def test_a_required_field_left_empty_is_named():
    assert _line(" \u3000 ", required=True) == ("", {"f": ["This field cannot be empty."]})
    assert _text("\n\n", required=True) == ("", {"f": ["This field cannot be empty."]})


def test_the_limit_counts_the_cleaned_text():
    assert _line("　" * 5 + "x" * 20 + "　" * 5) == ("x" * 20, {})
    assert _line("x" * 21) == ("x" * 21, {"f": ["At most 20 characters; this has 21."]})
    assert _text("a\n\n\n\nb", limit=4) == ("a\n\nb", {})
    assert _text("ab\ncd", limit=4)[1] == {"f": ["At most 4 characters; this has 5."]}


def test_errors_add_to_the_callers():
    errors = {"f": ["earlier"], "g": ["other"]}
    clean_line("", field="f", limit=5, required=True, errors=errors)
    clean_text("123456", field="h", limit=5, required=False, errors=errors)
    assert errors == {
        "f": ["earlier", "This field cannot be empty."],
        "g": ["other"],
        "h": ["At most 5 characters; this has 6."],
    }


# --- clean_id_number ---------------------------------------------------------------------


def test_it_accepts_a_valid_id_number():
    assert clean_id_number("370829195001012349") == "370829195001012349"


def test_it_upper_cases_a_trailing_x():
    assert clean_id_number("37082919900101123x") == "37082919900101123X"


def test_it_normalises_full_width_characters_and_spaces_in_an_id_number():
    assert clean_id_number("３７０８２９　１９９００１０１　１２３ｘ") == "37082919900101123X"
    assert clean_id_number(" 370829 19500101 2349 \u200b") == "370829195001012349"


def test_it_unwraps_an_id_number_kept_as_text_with_an_apostrophe_or_a_formula():
    assert clean_id_number("'370829195001012349") == "370829195001012349"
    assert clean_id_number('="370829195001012349"') == "370829195001012349"


def test_it_accepts_residents_born_before_their_county_had_its_code():
    # 370829 dates from 1983; stdnum's ric.validate rejects this number for that reason.
    number = make_id("19381012", "021")
    assert not ric.is_valid(number)
    assert clean_id_number(number) == number


def test_it_accepts_a_region_code_no_longer_in_use():
    number = make_id("19700101", "123", region="110103")  # 北京市崇文区, merged in 2010
    assert clean_id_number(number) == number


def test_it_gives_empty_text_for_an_empty_id_number():
    assert clean_id_number(None) == ""
    assert clean_id_number("") == ""
    assert clean_id_number(" \u3000 ") == ""


def test_it_rejects_an_id_number_with_a_wrong_check_digit():
    assert rejection(clean_id_number, with_wrong_check_digit(make_id())) == (
        "The ID number's check digit (the last character) does not match the other digits: "
        "check the number for a typo."
    )


def test_it_rejects_an_id_number_of_the_wrong_length():
    assert rejection(clean_id_number, make_id()[:-1]) == (
        "The ID number has 17 characters instead of 18: check for missing or extra digits."
    )
    assert rejection(clean_id_number, make_id() + "1") == (
        "The ID number has 19 characters instead of 18: check for missing or extra digits."
    )


def test_it_rejects_an_id_number_with_letters_or_signs():
    for number in ["37082919900101123A", "3708291990X101123X", "370829-1990010112X"]:
        assert rejection(clean_id_number, number) == (
            "The ID number may only have digits, and an X as the last character: remove the "
            "other letters or signs."
        )


def test_it_rejects_an_id_number_with_an_impossible_birth_date():
    assert rejection(clean_id_number, make_id("19900230")) == (
        "The birth date in the ID number (digits 7 to 14: 19900230) is not a real date: "
        "check those digits."
    )
    assert rejection(clean_id_number, make_id("19901301")).startswith(
        "The birth date in the ID number (digits 7 to 14: 19901301)"
    )


def test_it_rejects_an_id_number_born_in_the_future():
    born = datetime.date(timezone.localdate().year + 1, 1, 1)  # in the future whenever run
    assert rejection(clean_id_number, make_id(f"{born:%Y%m%d}")) == (
        f"The birth date in the ID number ({born}) is in the future: check digits 7 to 14."
    )


def test_it_accepts_a_child_born_today_in_the_county_and_not_tomorrow():
    # 00:30 in Shanghai is still the day before in UTC.
    shanghai = datetime.timezone(datetime.timedelta(hours=8))
    with time_machine.travel(datetime.datetime(2024, 3, 5, 0, 30, tzinfo=shanghai), tick=False):
        assert clean_id_number(make_id("20240305", "002")) == make_id("20240305", "002")
        assert "is in the future" in rejection(clean_id_number, make_id("20240306", "002"))


def test_it_rejects_an_id_number_with_an_unknown_region_code():
    assert rejection(clean_id_number, make_id(region="999999")) == (
        "The first 6 digits of the ID number (999999) are not a known region code: check them."
    )


def test_it_rejects_an_unknown_county_within_a_known_city():
    # 3708 is 济宁市, which has no county 99 (stdnum's get_birth_place raises KeyError here).
    assert "(370899) are not a known region code" in rejection(
        clean_id_number, make_id(region="370899")
    )


def test_it_rejects_an_old_15_digit_id_number():
    assert rejection(clean_id_number, "370829900101123") == (
        "This is an old 15-digit ID number: enter the 18-digit number from the resident's "
        "current ID card."
    )


@pytest.mark.parametrize(
    "shown_by_excel",
    ["3.70829E+17", "3.70829199001011e+17", "3.708291990010110e+17", "３．７０８２９Ｅ＋１７"],
)
def test_it_reports_an_id_number_in_scientific_notation_as_excel_damage(shown_by_excel):
    assert rejection(clean_id_number, shown_by_excel) == EXCEL_DAMAGE


def test_it_reports_an_id_number_whose_last_three_digits_excel_zeroed():
    damaged = make_id()[:15] + "000"
    assert ric.calc_check_digit(damaged) != "0"  # the check fails, as for most such numbers
    assert rejection(clean_id_number, damaged) == EXCEL_DAMAGE


def test_it_accepts_an_id_number_ending_in_000_whose_check_digit_is_right():
    candidates = (
        make_id(f"199001{day:02d}", f"{first}00") for day in range(1, 32) for first in "0123456789"
    )
    number = next(number for number in candidates if number.endswith("000"))
    assert clean_id_number(number) == number


@pytest.mark.parametrize("cell", [3.70829199001011e17, 370829199001011000, 3708291990010112])
def test_it_reports_an_id_number_from_a_number_cell_as_excel_damage(cell):
    assert rejection(clean_id_number, cell) == EXCEL_DAMAGE


def test_it_reads_a_15_digit_number_cell_as_an_old_id_number():
    assert "old 15-digit ID number" in rejection(clean_id_number, 370829900101123)
    assert "old 15-digit ID number" in rejection(clean_id_number, 370829900101123.0)
    assert "old 15-digit ID number" in rejection(clean_id_number, "370829900101123.0")


def test_it_gives_the_error_a_code_for_each_kind_of_bad_id_number():
    cases = {
        "id_number_excel": "3.70829E+17",
        "id_number_old": "370829900101123",
        "id_number_length": "3708291990",
        "id_number_format": "37082919900101123A",
        "id_number_checksum": with_wrong_check_digit(make_id()),
        "id_number_birth_date": make_id("19900230"),
        "id_number_region": make_id(region="999999"),
    }
    for code, number in cases.items():
        with pytest.raises(ValidationError) as caught:
            clean_id_number(number)
        assert caught.value.code == code


# --- id_number_facts ---------------------------------------------------------------------


def test_it_reads_a_man_from_an_odd_17th_digit():
    assert id_number_facts(make_id("19500101", "231")) == ("male", datetime.date(1950, 1, 1))


def test_it_reads_a_woman_from_an_even_17th_digit():
    assert id_number_facts(make_id("20100228", "018")) == ("female", datetime.date(2010, 2, 28))


def test_it_cleans_the_number_before_reading_its_facts():
    assert id_number_facts("３７０８２９１９９００１０１１２３ｘ") == (
        "male",
        datetime.date(1990, 1, 1),
    )
    with pytest.raises(ValidationError):
        id_number_facts(with_wrong_check_digit(make_id()))


def test_it_gives_no_facts_for_an_empty_id_number():
    assert id_number_facts("") == ("", None)
    assert id_number_facts(None) == ("", None)


# --- clean_phone -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "13812345678",
        "138 1234 5678",
        "138-1234-5678",
        "+86 138 1234 5678",
        "+8613812345678",
        "0086 13812345678",
        "１３８１２３４５６７８",
        "'13812345678",
        "13812345678.0",
        13812345678,
        13812345678.0,
    ],
)
def test_it_gives_a_mobile_number_as_11_digits(typed):
    assert clean_phone(typed) == "13812345678"


@pytest.mark.parametrize(
    "typed",
    [
        "0537-7212345",
        "(0537)7212345",
        "（0537）7212345",
        "05377212345",
        "0537 721 2345",
        "+86 537 7212345",
        "5377212345",  # Excel dropped the leading 0
    ],
)
def test_it_gives_a_landline_number_with_a_hyphen_after_the_area_code(typed):
    assert clean_phone(typed) == "0537-7212345"


def test_it_keeps_the_area_code_length_of_each_city():
    assert clean_phone("0537-1234567") == "0537-1234567"
    assert clean_phone("01012345678") == "010-12345678"  # 北京
    assert clean_phone("021 6234 5678") == "021-62345678"  # 上海


def test_it_gives_empty_text_for_an_empty_phone():
    assert clean_phone(None) == ""
    assert clean_phone("") == ""
    assert clean_phone(" \u3000 ") == ""


def test_it_rejects_an_invalid_phone_number():
    for typed in ["12345678901", "95588", "abc", "0537-7212345转8001", "400-810-8888"]:
        assert rejection(clean_phone, typed) == NOT_A_PHONE


def test_it_rejects_a_mobile_number_with_digits_missing_or_extra():
    assert rejection(clean_phone, "1381234567") == (
        "A mobile number has 11 digits, this one has 10: check for missing or extra digits."
    )
    assert "this one has 12" in rejection(clean_phone, "138123456789")


def test_it_rejects_a_landline_number_without_its_area_code():
    assert rejection(clean_phone, "7212345") == (
        "The landline number has no area code: add it in front, such as 0537-7212345."
    )


def test_it_rejects_a_number_outside_the_mainland():
    assert rejection(clean_phone, "+852 9123 4567") == (
        "This is not a mainland China phone number: enter a mainland mobile or landline number."
    )


def test_it_rejects_a_cell_with_more_than_one_phone_number():
    for typed in [
        "13812345678/13912345678",
        "138-1234-5678、0537-7212345",
        "13812345678，13912345678",
    ]:
        assert rejection(clean_phone, typed) == (
            "The cell holds more than one phone number: keep one."
        )


# --- clean_date --------------------------------------------------------------------------

MARCH_5 = datetime.date(2024, 3, 5)


@pytest.mark.parametrize(
    "typed",
    [
        "2024-03-05",
        "2024-3-5",
        "2024/3/5",
        "2024/03/05",
        "2024.3.5",
        "2024年3月5日",
        "2024年03月05日",
        "2024年3月5号",
        "2024 年 3 月 5 日",
        "20240305",
        "２０２４－０３－０５",
        "２０２４年３月５日",
        " 2024-03-05 ",
        "2024-03-05 00:00:00",
        "2024/3/5 8:30",
    ],
)
def test_it_reads_the_date_formats_village_staff_type(typed):
    assert clean_date(typed) == MARCH_5


def test_it_reads_a_date_cell():
    assert clean_date(MARCH_5) == MARCH_5
    assert clean_date(datetime.datetime(2024, 3, 5, 23, 59)) == MARCH_5


def test_it_reads_an_aware_datetime_in_the_county_time_zone():
    # 2024-03-04 20:00 UTC is already 5 March in Shanghai.
    assert clean_date(datetime.datetime(2024, 3, 4, 20, 0, tzinfo=datetime.UTC)) == MARCH_5


def test_it_reads_a_number_cell_of_eight_digits_as_a_date():
    assert clean_date(20240305) == MARCH_5


@pytest.mark.parametrize("serial", [45356, 45356.0, 45356.75, "45356", "45356.5", "４５３５６"])
def test_it_reads_an_excel_serial_number(serial):
    assert clean_date(serial) == MARCH_5


def test_it_follows_excel_around_its_1900_leap_year_bug():
    assert clean_date(1) == datetime.date(1900, 1, 1)
    assert clean_date(59) == datetime.date(1900, 2, 28)
    assert clean_date(61) == datetime.date(1900, 3, 1)
    assert rejection(clean_date, 60) == (
        "Excel's date number 60 stands for 29 February 1900, a day that never was: enter the "
        "real date."
    )


def test_it_gives_none_for_an_empty_date():
    assert clean_date(None) is None
    assert clean_date("") is None
    assert clean_date(" \u3000 ") is None


def test_it_rejects_an_impossible_date():
    assert rejection(clean_date, "2024-02-30") == (
        '"2024-02-30" is not a real date: check the month and the day.'
    )
    assert "is not a real date" in rejection(clean_date, "2023年2月29日")
    assert "is not a real date" in rejection(clean_date, "20241301")


def test_it_accepts_the_29th_of_february_in_a_leap_year():
    assert clean_date("2024-02-29") == datetime.date(2024, 2, 29)


@pytest.mark.parametrize(
    "typed", ["hello", "5/3/2024", "2024-3/5", "2024年3月", "24-3-5", "1e5", "-3", -3, 100000]
)
def test_it_rejects_what_is_not_a_date_and_shows_the_accepted_formats(typed):
    assert rejection(clean_date, typed) == (
        f'"{typed}" is not a date: enter it as 2024-03-05, 2024/3/5, 2024.3.5, 2024年3月5日 '
        "or 20240305."
    )


def test_it_rejects_a_year_alone():
    assert rejection(clean_date, "1990") == (
        '"1990" is only a year: enter the whole date, such as 2024-03-05.'
    )
    assert "is only a year" in rejection(clean_date, 2024)


def test_it_rejects_a_date_outside_1900_to_2099():
    assert rejection(clean_date, "1850-01-01") == (
        "The date 1850-01-01 is not between 1900 and 2099: check the year."
    )
    assert "not between 1900 and 2099" in rejection(clean_date, datetime.date(2150, 1, 1))


# --- clean_sex ---------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["男", "男性", "male", "Male", "M", "m", " 男 ", "ｍ"])
def test_it_reads_male(typed):
    assert clean_sex(typed) == "male"


@pytest.mark.parametrize("typed", ["女", "女性", "female", "FEMALE", "F", "f", "女\u200b"])
def test_it_reads_female(typed):
    assert clean_sex(typed) == "female"


def test_it_gives_empty_text_for_an_empty_sex():
    assert clean_sex(None) == ""
    assert clean_sex("") == ""


def test_it_rejects_an_unknown_sex():
    assert rejection(clean_sex, "未知") == 'The sex "未知" is not recognised: enter 男 or 女.'
