"""Masking of personal data, applied everywhere by default."""


def mask_phone(phone: str) -> str:
    """138****5678: the first three and last four digits stay."""
    digits = phone.strip()
    if len(digits) < 8:
        return "*" * len(digits)
    return f"{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"


def mask_id_number(number: str) -> str:
    """3708**********123X: the first four and last four characters stay."""
    number = number.strip()
    if len(number) < 9:
        return "*" * len(number)
    return f"{number[:4]}{'*' * (len(number) - 8)}{number[-4:]}"
