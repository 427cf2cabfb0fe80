"""The client's address as seen through the reverse proxy in front of the app."""

from __future__ import annotations

import ipaddress


def _address(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """The right-most address of X-Forwarded-For, else REMOTE_ADDR.

    Behind one trusted proxy (nginx `proxy_add_x_forwarded_for`), the right-most entry is
    the address the proxy itself saw; anything to its left came from the client and can be
    forged, so a client cannot pick the address its failed logins are counted against.
    """
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded:
        address = _address(forwarded.split(",")[-1])
        if address:
            return address
    return request.META.get("REMOTE_ADDR")
