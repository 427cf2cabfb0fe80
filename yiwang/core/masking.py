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


def mask_name(name: str) -> str:
    """张*三 for a name on a public page: the first and the last character stay (张* for a
    name of two)."""
    name = name.strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return f"{name[0]}*"
    return f"{name[0]}{'*' * (len(name) - 2)}{name[-1]}"


# Who may see personal data in full (with a reason, logged): the ledger's permission, named
# here so that core's pages and API (the audit log, import error files) can ask for it.
REVEAL_PERMISSION = "registry.reveal_personal_data"


def may_reveal(user) -> bool:
    return bool(user is not None and user.has_perm(REVEAL_PERMISSION))


def mask_birth_date(value, id_number: str = "?") -> str:
    """1960-**-**: the year only for someone with an ID number, whose full birth date is
    eight of the masked ID's hidden digits; a date (or ISO text) in full for someone known
    to have none. `id_number` left out: unknown, so masked."""
    if value is None or value == "":
        return ""
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    if not id_number:
        return text
    return f"{text[:4]}-**-**" if len(text) >= 4 and text[:4].isdigit() else "****-**-**"
