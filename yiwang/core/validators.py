"""Cleaning what village staff type or paste from Excel: text, ID numbers, phones, dates, sex.

Each `clean_*` function returns the clean value or raises `ValidationError` with a message
that names what is wrong and how to fix it (`clean_line` and `clean_text`, for what people
type into a form, add their message to the caller's dict of errors instead). Empty input
(None, "", only spaces) is not an error here, since whether a field is required is the
caller's business:

- `normalize_text`, `normalize_code`, `clean_id_number`, `clean_phone`, `clean_sex` return "";
- `clean_date` returns None;
- `id_number_facts` returns ("", None), the empty sex and the empty date.
"""

from __future__ import annotations

import datetime
import functools
import math
import re
import unicodedata

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from phonenumbers import PhoneNumberType
from stdnum import numdb
from stdnum.cn import ric

# --- text -------------------------------------------------------------------------------

# NFKC only where it is wanted. Prose (a description, a note, an address, a name) keeps
# what was typed but for the full-width forms of the ASCII letters and digits (１２３ ＡＢＣ,
# so that a search for 3号楼 finds ３号楼), the ideographic space, and the Kangxi radicals
# that copying from a PDF puts in place of ideographs (⼀ for 一), which look right but
# never match a search: its Chinese punctuation (，。：；（）！？) stays, as it was written.
# Codes and numbers (ID numbers, phone numbers, dates, household numbers, codes) also have
# the full-width signs made ASCII (－ （ ） ／ ．), since only their ASCII forms are read.
# NFKC over the whole text would also turn ① into 1, ㎡ into m2 and … into ..., which staff
# typed on purpose.
_FULL_WIDTH_ALNUM = [*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B)]
_KANGXI = [0x3000, *range(0x2F00, 0x2FD6)]


def _nfkc(codes) -> dict[int, str]:
    return {code: unicodedata.normalize("NFKC", chr(code)) for code in codes}


# Invisible format characters (Unicode category Cf) are dropped from every text and code.
# Zero-width characters come along with text pasted from web pages and chat apps; the
# bidirectional controls (U+202A-U+202E embeddings and overrides, U+2066-U+2069 isolates,
# U+200E/U+200F and U+061C marks) make a name or a note display in another order than it
# is stored ("Trojan Source"), so that what a reviewer reads is not what is kept, searched
# or exported. The list is every Cf character of Unicode 15 (a test checks it against the
# running Python's unicodedata): the soft hyphen, Arabic and Syriac number signs, the
# Mongolian vowel separator, word joiner and invisible operators, deprecated format
# controls, interlinear annotations, the BOM, and the tag characters.
_FORMAT_RANGES = [
    (0x00AD, 0x00AD),
    (0x0600, 0x0605),
    (0x061C, 0x061C),
    (0x06DD, 0x06DD),
    (0x070F, 0x070F),
    (0x0890, 0x0891),
    (0x08E2, 0x08E2),
    (0x180E, 0x180E),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x2064),
    (0x2066, 0x206F),
    (0xFEFF, 0xFEFF),
    (0xFFF9, 0xFFFB),
    (0x110BD, 0x110BD),
    (0x110CD, 0x110CD),
    (0x13430, 0x1343F),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0001, 0xE0001),
    (0xE0020, 0xE007F),
]
_INVISIBLE = dict.fromkeys(code for low, high in _FORMAT_RANGES for code in range(low, high + 1))
_TEXT_TABLE = str.maketrans({**_nfkc([*_FULL_WIDTH_ALNUM, *_KANGXI]), **_INVISIBLE})
_CODE_TABLE = str.maketrans({**_nfkc([*range(0xFF01, 0xFF5F), *_KANGXI]), **_INVISIBLE})
# \s covers tabs, line breaks (Alt+Enter in a cell), no-break spaces and the other
# Unicode spaces.
_WHITESPACE = re.compile(r"\s+")


def _normalize(value: object, table: dict) -> str:
    if not value:
        return "" if value is None or value == "" else str(value)
    text = value if isinstance(value, str) else str(value)
    # Most cells need nothing but the ends stripped: no Unicode spaces, line breaks or
    # invisible characters (none of them is printable) and no run of spaces.
    if text.isprintable() and "  " not in text:
        return (text if text.isascii() else text.translate(table)).strip()
    return _WHITESPACE.sub(" ", text.translate(table)).strip()


def normalize_text(value: object) -> str:
    """One line of prose as it was meant: full-width letters and digits made ASCII,
    zero-width characters and bidirectional controls (every format character) removed,
    every run of spaces (no-break spaces and line breaks too) made one space, and the ends
    stripped. Chinese characters and Chinese punctuation
    (，。：（）) are kept as they are. None gives ""."""
    return _normalize(value, _TEXT_TABLE)


def normalize_code(value: object) -> str:
    """A code or a number as typed (an ID or phone number, a date, a household number, a
    code, a tracking code): as `normalize_text`, and every full-width sign made ASCII too
    (－ to -, （ to (, ／ to /), since codes are only ever read in their ASCII form."""
    return _normalize(value, _CODE_TABLE)


# What people type into a form (a case, a visit, a meeting, a setting): one line or several,
# checked for length, the errors collected per field in `errors` for the caller to raise.


def _strip_controls(text: str) -> str:
    # NUL and the other control characters come from pasted text and break PostgreSQL. The
    # line breaks (a lone CR too) and the tab stay, for the caller to make spaces or lines of.
    return "".join(ch for ch in text if ch in "\n\r\t" or unicodedata.category(ch) != "Cc")


_BLANK_LINES = re.compile(r"\n{3,}")


def clean_text(value, *, field: str, limit: int, required: bool, errors: dict) -> str:
    """Text as typed, kept as text (never interpreted as HTML): line breaks kept, each
    line tidied like any one-line field, at most one empty line in a row."""
    text = _strip_controls(str(value or "")).replace("\r\n", "\n").replace("\r", "\n")
    text = "\n".join(normalize_text(line) for line in text.split("\n"))
    text = _BLANK_LINES.sub("\n\n", text).strip()
    _check_length(text, field=field, limit=limit, required=required, errors=errors)
    return text


def clean_line(value, *, field: str, limit: int, required: bool, errors: dict) -> str:
    """One line as typed (a name, a title, a reason): control characters dropped, then
    tidied by `normalize_text`."""
    text = normalize_text(_strip_controls(str(value or "")))
    _check_length(text, field=field, limit=limit, required=required, errors=errors)
    return text


def _check_length(text: str, *, field: str, limit: int, required: bool, errors: dict) -> None:
    if required and not text:
        errors.setdefault(field, []).append(_("This field cannot be empty."))
    elif len(text) > limit:
        errors.setdefault(field, []).append(
            _("At most %(limit)d characters; this has %(n)d.") % {"limit": limit, "n": len(text)}
        )


def _is_number(value: object) -> bool:
    """A finite int or float, as a spreadsheet's number cell gives (bool is not one)."""
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and math.isfinite(value))


def unwrap(text: str) -> str:
    """Text without the wrappers that keep digits as text in Excel: a formula ="001" (what
    our own CSV exports write) or a leading apostrophe '001."""
    if text.startswith('="') and text.endswith('"'):
        text = text[2:-1]
    return text.removeprefix("'")


def compact(value: object) -> str:
    """The text of a number cell without any spaces, without the wrappers that keep a long
    number as text in Excel (a leading apostrophe '3708…, a formula ="3708…"), and without
    the .0 of a number cell read as a float."""
    text = unwrap(normalize_code(value).replace(" ", ""))
    if text.endswith(".0") and text[:-2].isascii() and text[:-2].isdigit():
        text = text[:-2]
    return text


# --- ID numbers (公民身份号码, GB 11643) --------------------------------------------------

# 3.70829E+17, 3.70829199001011e+17: an ID number that Excel shows as a number.
_SCIENTIFIC = re.compile(r"^[+-]?\d+(\.\d*)?[eE][+-]?\d+$")
# Excel keeps 15 significant digits (a double holds every integer below 2**53 ≈ 9.007e15),
# so a number cell of 16 digits or more has already lost some.
_EXCEL_EXACT_DIGITS = 15
_ONE_DAY = datetime.timedelta(days=1)


def _excel_damage() -> ValidationError:
    return ValidationError(
        _(
            "The ID number was stored as a number in Excel and lost its last digits: format "
            "the ID column as text and type the number again."
        ),
        code="id_number_excel",
    )


@functools.lru_cache(maxsize=4096)
def _is_known_region(code: str) -> bool:
    # stdnum's own check (in ric.validate and ric.get_birth_place) also demands that the
    # code existed in the birth year. That rejects everyone in 嘉祥县 (code 370829 since
    # 1983) born before 1983: the region in an ID number is where the number was first
    # registered, not where its holder was born. So any code that was ever in use counts.
    # (ric.get_birth_place also raises KeyError for an unknown county in a known city.)
    parts = numdb.get("cn/loc").info(code)
    return any("county" in properties for _part, properties in parts)


def clean_id_number(value: object) -> str:
    """The 18-character ID number with an upper-case X, or "" for empty input.

    Checks the length, the digits, the check digit, the birth date (digits 7–14, a real
    date not in the future) and the region code (digits 1–6), and recognises a number
    that Excel stored as a number and so lost its last digits.
    """
    if _is_number(value):
        if len(str(int(abs(value)))) > _EXCEL_EXACT_DIGITS:
            raise _excel_damage()
        if value == int(value):
            value = int(value)  # 15 digits: an old ID number, reported below
    number = compact(value).upper()
    if not number:
        return ""
    if _SCIENTIFIC.match(number):
        raise _excel_damage()
    if len(number) == 15 and number.isascii() and number.isdigit():
        raise ValidationError(
            _(
                "This is an old 15-digit ID number: enter the 18-digit number from the "
                "resident's current ID card."
            ),
            code="id_number_old",
        )
    if len(number) != 18:
        raise ValidationError(
            _(
                "The ID number has %(count)d characters instead of 18: check for missing or "
                "extra digits."
            ),
            code="id_number_length",
            params={"count": len(number)},
        )
    body, check = number[:17], number[17]
    if not (body.isascii() and body.isdigit() and check in "0123456789X"):
        raise ValidationError(
            _(
                "The ID number may only have digits, and an X as the last character: remove "
                "the other letters or signs."
            ),
            code="id_number_format",
        )
    if check != ric.calc_check_digit(number):
        if number.endswith("000"):
            raise _excel_damage()  # Excel turned the last three digits into zeros
        raise ValidationError(
            _(
                "The ID number's check digit (the last character) does not match the other "
                "digits: check the number for a typo."
            ),
            code="id_number_checksum",
        )
    try:
        birth_date = birth_date_of(number)
    except ValueError:
        raise ValidationError(
            _(
                "The birth date in the ID number (digits 7 to 14: %(digits)s) is not a real "
                "date: check those digits."
            ),
            code="id_number_birth_date",
            params={"digits": number[6:14]},
        ) from None
    # timezone.localdate() costs more than all the other checks together, so ask it only
    # about the rare birth date that the server's own clock puts around today.
    if birth_date >= datetime.date.today() - _ONE_DAY and birth_date > timezone.localdate():
        raise ValidationError(
            _("The birth date in the ID number (%(date)s) is in the future: check digits 7 to 14."),
            code="id_number_birth_date",
            params={"date": birth_date.isoformat()},
        )
    if not _is_known_region(number[:6]):
        raise ValidationError(
            _(
                "The first 6 digits of the ID number (%(region)s) are not a known region "
                "code: check them."
            ),
            code="id_number_region",
            params={"region": number[:6]},
        )
    return number


def birth_date_of(number: str) -> datetime.date:
    """Digits 7–14 of a clean ID number as a date (what ric.get_birth_date reads, without
    cleaning the number again); ValueError when they are not one."""
    return datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def id_number_facts(number: object) -> tuple[str, datetime.date | None]:
    """(sex, birth date) that the ID number states: "male" when its 17th digit is odd,
    "female" when even; the birth date from digits 7–14.

    The number is cleaned first (so a bad one raises as `clean_id_number` does); an empty
    one gives ("", None).
    """
    number = clean_id_number(number)
    if not number:
        return "", None
    return sex_of(number), birth_date_of(number)


def sex_of(number: str) -> str:
    """The sex a clean ID number states: "male" when its 17th digit is odd."""
    return "male" if int(number[16]) % 2 else "female"


# --- phone numbers ----------------------------------------------------------------------

_PHONE_TYPES = {
    PhoneNumberType.MOBILE,
    PhoneNumberType.FIXED_LINE,
    PhoneNumberType.FIXED_LINE_OR_MOBILE,
}
_PHONE_CHARACTERS = re.compile(r"^\+?[\d()\-.]+$")
# Several numbers in one cell: 13812345678/13912345678, 138-1234-5678、0537-7212345.
_PHONE_SEPARATORS = re.compile(r"[/,;、|]|或")
_NOT_DIGITS = re.compile(r"\D")
# An 11-digit mobile number as typed, checked against phonenumbers' own metadata for
# mainland mobiles: what parse, is_valid_number and number_type decide for it, in a
# fraction of the time (an import checks a million of them).
_MOBILE_SHAPE = re.compile(r"1\d{10}\Z", re.ASCII)
_MOBILE = re.compile(
    phonenumbers.PhoneMetadata.metadata_for_region("CN").mobile.national_number_pattern
)


def _invalid_phone() -> ValidationError:
    return ValidationError(
        _(
            "This is not a valid phone number: enter an 11-digit mobile number, or a "
            "landline number with its area code such as 0537-7212345."
        ),
        code="phone_invalid",
    )


def clean_phone(value: object) -> str:
    """A mainland China phone number in one form, or "" for empty input.

    Mobiles come back as 11 digits (13812345678); landlines as the area code with its
    leading 0, a hyphen and the local number (0537-7212345, 010-12345678). Spaces,
    hyphens, brackets and a +86 or 0086 prefix may be typed.
    """
    if isinstance(value, str) and _MOBILE_SHAPE.match(value) and _MOBILE.fullmatch(value):
        return value  # the common case, decided by phonenumbers' own pattern for mobiles
    if _is_number(value) and value == int(value):
        value = int(value)  # a number cell read as a float
    text = normalize_code(value)
    if not text:
        return ""
    parts = _PHONE_SEPARATORS.split(text)
    if sum(len(_NOT_DIGITS.sub("", part)) >= 7 for part in parts) > 1:
        raise ValidationError(
            _("The cell holds more than one phone number: keep one."), code="phone_several"
        )
    digits = compact(text)
    if not _PHONE_CHARACTERS.match(digits):
        raise _invalid_phone()
    try:
        phone = phonenumbers.parse(digits, "CN")
    except phonenumbers.NumberParseException:
        raise _invalid_phone() from None
    if phone.country_code != 86:
        raise ValidationError(
            _(
                "This is not a mainland China phone number: enter a mainland mobile or "
                "landline number."
            ),
            code="phone_not_mainland",
        )
    national = phonenumbers.national_significant_number(phone)
    kind = phonenumbers.number_type(phone)
    if not phonenumbers.is_valid_number(phone) or kind not in _PHONE_TYPES:
        if national.startswith("1") and len(national) != 11:
            raise ValidationError(
                _(
                    "A mobile number has 11 digits, this one has %(count)d: check for missing "
                    "or extra digits."
                ),
                code="phone_mobile_length",
                params={"count": len(national)},
            )
        if len(national) in (7, 8) and national[0] in "23456789":
            raise ValidationError(
                _("The landline number has no area code: add it in front, such as 0537-7212345."),
                code="phone_no_area_code",
            )
        raise _invalid_phone()
    area = phonenumbers.length_of_geographical_area_code(phone)
    if kind == PhoneNumberType.MOBILE or not area:
        return national
    return f"0{national[:area]}-{national[area:]}"


# --- dates ------------------------------------------------------------------------------

_YMD = re.compile(
    r"^(?P<y>\d{4})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"  # 2024-03-05 00:00:00 from an export
)
_CHINESE = re.compile(r"^(?P<y>\d{4}) ?年 ?(?P<m>\d{1,2}) ?月 ?(?P<d>\d{1,2}) ?[日号]?$")
_COMPACT = re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$")
_SERIAL = re.compile(r"^\d{1,5}(\.\d+)?$")
FIRST_YEAR, LAST_YEAR = 1900, 2099
# Excel counts days from 1900-01-01 = 1 and believes 1900 was a leap year: serial 60 is
# 1900-02-29, which never was, and from serial 61 on every serial is one day too many.
_EXCEL_EPOCH = datetime.date(1899, 12, 30)
_EXCEL_LAST_SERIAL = (datetime.date(LAST_YEAR, 12, 31) - _EXCEL_EPOCH).days


def _not_a_date(value: object) -> ValidationError:
    return ValidationError(
        _(
            '"%(value)s" is not a date: enter it as 2024-03-05, 2024/3/5, 2024.3.5, '
            "2024年3月5日 or 20240305."
        ),
        code="date_format",
        params={"value": value},
    )


def _from_excel_serial(serial: int) -> datetime.date:
    if serial == 60:
        raise ValidationError(
            _(
                "Excel's date number 60 stands for 29 February 1900, a day that never was: "
                "enter the real date."
            ),
            code="date_impossible",
        )
    if serial < 60:
        return _EXCEL_EPOCH + datetime.timedelta(days=serial + 1)
    return _EXCEL_EPOCH + datetime.timedelta(days=serial)


def _from_number(number: int, value: object) -> datetime.date:
    if FIRST_YEAR <= number <= LAST_YEAR:
        raise ValidationError(
            _('"%(value)s" is only a year: enter the whole date, such as 2024-03-05.'),
            code="date_year_only",
            params={"value": value},
        )
    if 1 <= number <= _EXCEL_LAST_SERIAL:
        return _from_excel_serial(number)
    if 10_000_000 <= number <= 99_999_999:
        return _from_parts(str(number)[:4], str(number)[4:6], str(number)[6:], value)
    raise _not_a_date(value)


def _from_parts(year: str, month: str, day: str, value: object) -> datetime.date:
    try:
        return datetime.date(int(year), int(month), int(day))
    except ValueError:
        raise ValidationError(
            _('"%(value)s" is not a real date: check the month and the day.'),
            code="date_impossible",
            params={"value": value},
        ) from None


def clean_date(value: object) -> datetime.date | None:
    """The date that was typed, or None for empty input.

    Accepts 2024-03-05, 2024/3/5, 2024.3.5 (each with an optional time after it),
    2024年3月5日, 2024年3月5号, 20240305, full-width digits, a date or datetime, and
    Excel's serial numbers (45356 is 2024-03-05) as a number or as text. A number from
    1900 to 2099 is a year alone and is rejected. Dates must fall in 1900–2099.
    """
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        date = (timezone.localtime(value) if timezone.is_aware(value) else value).date()
    elif isinstance(value, datetime.date):
        date = value
    elif _is_number(value):
        if value < 0:
            raise _not_a_date(value)
        date = _from_number(int(value), value)  # a serial's fraction is the time of day
    else:
        text = normalize_code(value)
        if not text:
            return None
        match = _YMD.match(text) or _CHINESE.match(text) or _COMPACT.match(text)
        if match:
            date = _from_parts(match["y"], match["m"], match["d"], text)
        elif _SERIAL.match(text):
            date = _from_number(int(float(text)), text)
        else:
            raise _not_a_date(text)
    if not FIRST_YEAR <= date.year <= LAST_YEAR:
        raise ValidationError(
            _("The date %(date)s is not between 1900 and 2099: check the year."),
            code="date_range",
            params={"date": date.isoformat()},
        )
    return date


# --- sex --------------------------------------------------------------------------------

_SEXES = {
    "男": "male",
    "男性": "male",
    "male": "male",
    "m": "male",
    "女": "female",
    "女性": "female",
    "female": "female",
    "f": "female",
}


def clean_sex(value: object) -> str:
    """ "male" or "female" from 男/女 (or 男性/女性), male/female or M/F in any case, or ""
    for empty input."""
    text = normalize_code(value)
    if not text:
        return ""
    try:
        return _SEXES[text.lower()]
    except KeyError:
        raise ValidationError(
            _('The sex "%(value)s" is not recognised: enter 男 or 女.'),
            code="sex_invalid",
            params={"value": text},
        ) from None


def read_datetime(text: str) -> datetime.datetime | None:
    """An ISO date and time as a client sends it, None when it is not one. Django's
    parse_datetime returns None for a malformed text but raises ValueError for a
    well-formed impossible one (2026-13-45T99:99): both are "not a time" here."""
    from django.utils.dateparse import parse_datetime

    try:
        return parse_datetime(text)
    except ValueError:
        return None


def read_date(text: str) -> datetime.date | None:
    """An ISO date as a client sends it, None when it is not one (2026-02-30 too)."""
    from django.utils.dateparse import parse_date

    try:
        return parse_date(text)
    except ValueError:
        return None


# The largest key either database stores (a 64-bit signed integer): an id beyond it is
# refused as unknown, never handed to the database (SQLite overflows on it).
MAX_ID = 2**63 - 1


def read_id(value: object) -> int | None:
    """A row's id as a page or a client sends it (12, "12"), None when it is not one: ASCII
    digits only (str.isdigit() is true of '¹'), from 1 to MAX_ID."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    else:
        text = str(getattr(value, "pk", value)).strip()
        if not (text.isascii() and text.isdigit()) or len(text) > 19:
            return None
        number = int(text)
    return number if 1 <= number <= MAX_ID else None
