"""A member's statement of a year's distribution (分配明细): the cooperative, the year, the
member's shares and trading and their parts of all, the amounts by trading and by shares,
the total, for a run "by shares" what the statutory split would have paid and the
difference (Art. 44), and the steps in short. Shown as a page and printed as an A4 PDF (WeasyPrint
from HTML, in Simplified Chinese whoever prints it, in the platform's CJK font:
yiwang.core.pdf), to hand to the member."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import Sum
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from yiwang.coops import distribution as engine
from yiwang.core.masking import mask_name
from yiwang.core.pdf import FONT_FAMILY, LANGUAGE

HUNDREDTH = Decimal("0.01")
# The statutory split a run "by shares" is compared with: Art. 44's 60% by trading.
STATUTORY_SHARE = Decimal("0.600")


def yuan(amount) -> str:
    """An amount in yuan with two decimals and thousands separated: 1,180,000.00."""
    return f"{Decimal(amount or 0):,.2f}"


def percent_of_rate(rate) -> str:
    """A rate of the charter (0.100) as a percent (10%)."""
    return f"{(Decimal(rate) * 100).normalize():f}%"


def percent(part, whole) -> str:
    """`part` of `whole` as a percent to two decimals (half up); a dash when whole is 0."""
    if not whole:
        return "—"
    value = (Decimal(part) * 100 / Decimal(whole)).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)
    return f"{value}%"


def signed(amount) -> str:
    """A difference in yuan with its sign: +27,308.57, −382,320.00, 0.00."""
    amount = Decimal(amount)
    if amount > 0:
        return f"+{amount:,.2f}"
    if amount < 0:
        return f"−{-amount:,.2f}"
    return "0.00"


def statutory_split(run, rows) -> dict:
    """What a run "by shares" would have paid under the statutory mode (Art. 44: 60% of
    the distributable surplus by trading, the rest by shares), from the same surplus,
    reserve rate and each line's stored shares and trading: one call of the pure engine
    (yiwang.coops.distribution), nothing written. `rows` are (member id, shares, trading)
    of every line of the run. Returns {"amounts": {member id: Decimal}} or, when the split
    cannot be made (no trading recorded), {"error": message}."""
    rows = list(rows)
    if not rows:
        return {"error": _("The run has no members' lines to compare.")}
    if not any(Decimal(trading or 0) for _member, _shares, trading in rows):
        return {
            "error": _(
                "No trading was recorded for the year: the statutory split, which shares "
                "at least 60% by trading, cannot be made without trading."
            )
        }
    try:
        result = engine.distribute(
            surplus=Decimal(run.surplus),
            reserve_rate=Decimal(run.reserve_rate),
            mode=engine.Mode.STATUTORY,
            members=[
                engine.Member(key=member, shares=shares, trading=Decimal(trading or 0))
                for member, shares, trading in rows
            ],
            trading_share=STATUTORY_SHARE,
        )
    except engine.DistributionError as error:
        return {"error": str(error.message)}
    return {"amounts": {line.key: line.total for line in result.lines}}


def moved_between_members(differences) -> dict:
    """The sum that moves between members (the gains, equal to the losses) and how many
    gain and lose."""
    gains = [d for d in differences if d > 0]
    losses = [d for d in differences if d < 0]
    return {
        "moved": yuan(sum(gains, Decimal(0))),
        "gain": len(gains),
        "lose": len(losses),
    }


def statement_comparison(run, line) -> dict | None:
    """The statutory comparison of one member's line of a run "by shares" (None for a
    statutory run): {"statutory", "difference"} or {"error"}."""
    if run.mode != "by_shares":
        return None
    split = statutory_split(run, run.lines.values_list("member_id", "shares", "trading"))
    if "error" in split:
        return {"error": split["error"]}
    statutory = split["amounts"][line.member_id]
    return {
        "statutory": yuan(statutory),
        "difference": signed(statutory - line.total),
        "gains": statutory > line.total,
    }


def facts(run, line, *, show_names: bool = True) -> dict:
    """What the statement shows, the same on the page and in the PDF: the figures, the
    statutory comparison of a run "by shares" (`comparison`, None otherwise) and the steps
    in short. The member's name in full when `show_names` (access.sees_member_names),
    masked otherwise."""
    totals = run.lines.aggregate(shares=Sum("shares"), trading=Sum("trading"))
    all_shares = totals["shares"] or 0
    all_trading = totals["trading"] or Decimal(0)
    by_shares_mode = run.mode == "by_shares"
    steps = [
        _(
            "The surplus of %(year)d was %(surplus)s yuan; the reserve at %(rate)s, "
            "%(reserve)s yuan, was set aside first, leaving %(distributable)s yuan to share."
        )
        % {
            "year": run.year,
            "surplus": yuan(run.surplus),
            "rate": percent_of_rate(run.reserve_rate),
            "reserve": yuan(run.reserve),
            "distributable": yuan(run.distributable),
        }
    ]
    if not by_shares_mode:
        steps.append(
            _(
                "By trading (%(share)s of it): %(pool)s yuan in proportion to trading; the "
                "member traded %(trading)s of %(all)s yuan (%(percent)s): %(amount)s yuan."
            )
            % {
                "share": percent_of_rate(run.trading_share),
                "pool": yuan(run.trading_pool),
                "trading": yuan(line.trading),
                "all": yuan(all_trading),
                "percent": percent(line.trading, all_trading),
                "amount": yuan(line.by_trading),
            }
        )
    steps.append(
        _(
            "By shares: %(pool)s yuan in proportion to shares; the member holds %(shares)s of "
            "%(all)s shares (%(percent)s): %(amount)s yuan."
        )
        % {
            "pool": yuan(run.shares_pool),
            "shares": f"{line.shares:,d}",
            "all": f"{all_shares:,d}",
            "percent": percent(line.shares, all_shares),
            "amount": yuan(line.by_shares),
        }
    )
    steps.append(
        _(
            "Each amount is rounded down to the fen and the fen left over go one each to the "
            "largest remainders, so that the members' amounts and the reserve add up to the "
            "surplus exactly."
        )
    )
    steps.append(
        _("Total: %(by_trading)s + %(by_shares)s = %(total)s yuan.")
        % {
            "by_trading": yuan(line.by_trading),
            "by_shares": yuan(line.by_shares),
            "total": yuan(line.total),
        }
    )
    return {
        "member": line.member,
        "member_name": line.member.name if show_names else mask_name(line.member.name),
        "coop": run.cooperative,
        "by_shares_mode": by_shares_mode,
        "amounts": {
            "shares": f"{line.shares:,d}",
            "all_shares": f"{all_shares:,d}",
            "shares_percent": percent(line.shares, all_shares),
            "trading": yuan(line.trading),
            "all_trading": yuan(all_trading),
            "trading_percent": percent(line.trading, all_trading),
            "by_trading": yuan(line.by_trading),
            "by_shares": yuan(line.by_shares),
            "total": yuan(line.total),
        },
        "comparison": statement_comparison(run, line),
        "short_steps": steps,
    }


def file_name(run, line) -> str:
    return f"statement-{run.year}-{run.pk}-{line.member_id}.pdf"


def render(run, line, *, show_names: bool = True) -> bytes:
    from weasyprint import HTML  # loads pango: only where a statement is printed

    with translation.override(LANGUAGE):
        html = render_to_string(
            "coops/statement_pdf.html",
            {
                "run": run,
                "line": line,
                **facts(run, line, show_names=show_names),
                "printed_on": timezone.localdate(),
                "font_family": FONT_FAMILY,
            },
        )
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
