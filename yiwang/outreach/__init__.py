"""Outreach (结对与走访): pairings, visit rules, visits, must-attend events, routines."""


def __getattr__(name):
    # demo.py, on its way to an app of its own, still says `from yiwang.outreach import
    # tally`; the tally is services/tally.py now. Goes once nothing uses the old name.
    if name == "tally":
        from yiwang.outreach.services import tally

        return tally
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
