"""Reads of posts that are more than a filter (figures rolled up the area tree), and of
API tokens (one's own, and those an admin may revoke)."""

from __future__ import annotations

import re

from django.db.models import Count
from django.db.models.functions import Substr
from django.utils import timezone
from knox.models import AuthToken

from yiwang.accounts import scope
from yiwang.accounts.models import Post, Role, User
from yiwang.areas import codes
from yiwang.areas.models import Area
from yiwang.core.scoping import subtree_q


def add_grid_workers(area: Area, children: list[dict]) -> None:
    """Sets on each child row of `area` (areas' roll-up) the current grid-worker posts in
    its subtree, in one GROUP BY on the code prefix of the child."""
    prefix_length = len(area.code) + codes.SUFFIX_DIGITS
    by_code = {child["code"]: child for child in children}
    for child in children:
        child["workers"] = 0
    workers = (
        Post.objects.current()
        .filter(subtree_q("area_code", area.code), role=Role.GRID_WORKER)
        .exclude(area_code=area.code)
        .values(prefix=Substr("area_code", 1, prefix_length))
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in workers:
        if row["prefix"] in by_code:
            by_code[row["prefix"]]["workers"] = row["n"]


# A token is named on pages and in the audit log by the first characters of its digest
# (its primary key), which tell nothing of the key, and shown by the first characters of
# the key itself, which its owner recognises.
TOKEN_ID_LENGTH = 16
TOKEN_PREFIX_LENGTH = 8
_TOKEN_ID = re.compile(rf"[0-9a-f]{{{TOKEN_ID_LENGTH}}}")


def token_id(token: AuthToken) -> str:
    return token.digest[:TOKEN_ID_LENGTH]


def token_prefix(token: AuthToken) -> str:
    return token.token_key[:TOKEN_PREFIX_LENGTH]


def tokens_of(user):
    """The user's tokens that have not expired, newest first."""
    return AuthToken.objects.filter(user=user, expiry__gt=timezone.now()).order_by(
        "-created", "digest"
    )


def tokens_revocable_by(actor):
    """The actor's own tokens and, for one who may configure the county's settings, those
    of every user in their scope; unexpired, newest first."""
    tokens = AuthToken.objects.filter(expiry__gt=timezone.now())
    if scope.can_configure(actor):
        tokens = tokens.filter(user__in=User.objects.visible_to(actor))
    else:
        tokens = tokens.filter(user=actor)
    return tokens.order_by("-created", "digest")


def revocable_token(actor, token_id: str, lock: bool = False) -> AuthToken | None:
    """The token named `token_id` among those the actor may revoke, else None."""
    if not _TOKEN_ID.fullmatch(token_id or ""):
        return None
    tokens = tokens_revocable_by(actor).filter(digest__startswith=token_id)
    if lock:
        tokens = tokens.select_for_update(of=("self",))
    return tokens.select_related("user").first()
