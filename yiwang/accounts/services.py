"""Every write to users and posts: atomic, checked against the actor's posts, audited."""

from __future__ import annotations

import datetime

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.accounts import scope, selectors
from yiwang.accounts.models import ROLE_LEVELS, Post, Role, User
from yiwang.areas.models import Area, Level
from yiwang.core import audit, validators
from yiwang.core.scoping import get_in_scope


@transaction.atomic
def create_user(
    *,
    actor,
    username: str,
    password: str,
    full_name: str = "",
    phone: str = "",
    area_code: str = "",
) -> User:
    """A new account belonging to `area_code`, where the actor may give posts."""
    if actor is not None:
        scope.recheck(actor)
        scope.require_in_scope(actor, area_code)
        if not scope.grantable_roles(actor, area_code):
            raise PermissionDenied(_("Your posts do not allow creating accounts."))
    username = (username or "").strip()
    if not username:
        raise ValidationError({"username": _("The username cannot be empty.")})
    if User.objects.filter(username=username).exists():
        raise ValidationError(
            {"username": _("The username %(u)s is already taken.") % {"u": username}}
        )
    user = User(
        username=username,
        full_name=validators.normalize_text(full_name),
        phone=(phone or "").strip(),
        area_code=area_code,
    )
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None
    user.set_password(password)
    user.save()
    audit.record(actor=actor, action="user.create", obj=user, after=audit.snapshot(user))
    return user


@transaction.atomic
def grant_post(
    *,
    actor,
    user: User,
    role: str,
    area_code: str,
    starts_on: datetime.date | None = None,
    ends_on: datetime.date | None = None,
) -> Post:
    """Gives `user` the post `role` on the area; the actor must hold a post above it."""
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role %(role)s.") % {"role": role}})
    if actor is not None:
        scope.recheck(actor)
        scope.require_in_scope(actor, area_code)
        if not User.objects.visible_to(actor).filter(pk=user.pk).exists():
            raise Http404(_("Not found."))
    area = Area.objects.select_for_update().filter(code=area_code).first()
    if area is None:
        raise ValidationError(
            {"area": _("There is no area with the code %(code)s.") % {"code": area_code}}
        )
    if actor is not None and role not in scope.grantable_roles(actor, area.code):
        raise PermissionDenied(_("Your posts do not allow giving this post."))
    if area.level not in ROLE_LEVELS[role]:
        raise ValidationError(
            {
                "role": _("A %(role)s post is held on a %(levels)s, not on a %(level)s.")
                % {
                    "role": Role(role).label,
                    "levels": "/".join(str(Level(lv).label) for lv in ROLE_LEVELS[role]),
                    "level": area.get_level_display(),
                }
            }
        )
    if not area.is_open:
        raise ValidationError(
            {
                "area": _("The area %(name)s is closed; no post can be held on it.")
                % {"name": area.name}
            }
        )
    starts_on = starts_on or timezone.localdate()
    if ends_on is not None and ends_on <= starts_on:
        raise ValidationError({"ends_on": _("A post must end after it starts.")})
    # [starts_on, ends_on) meets an existing post's [starts_on, ends_on).
    overlapping = Post.objects.filter(user=user, role=role, area=area).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gt=starts_on)
    )
    if ends_on is not None:
        overlapping = overlapping.filter(starts_on__lt=ends_on)
    if overlapping.exists():
        raise ValidationError({"role": _("%(user)s already holds this post.") % {"user": user}})
    post = Post.objects.create(
        user=user, role=role, area=area, area_code=area.code, starts_on=starts_on, ends_on=ends_on
    )
    if user.area_code != area.code:
        User.objects.filter(pk=user.pk).update(area_code=area.code)
        user.area_code = area.code
    scope.forget(user)
    audit.record(actor=actor, action="post.grant", obj=post, after=audit.snapshot(post))
    return post


@transaction.atomic
def end_post(*, actor, post_id: int, on: datetime.date | None = None) -> Post:
    """Ends a post: from `on` (today by default) it no longer holds."""
    post = get_in_scope(
        Post.objects.select_related("user", "area"), actor, lock=True, recheck=True, pk=post_id
    )
    if actor is not None and post.role not in scope.grantable_roles(actor, post.area_code):
        raise PermissionDenied(_("Your posts do not allow ending this post."))
    on = on or timezone.localdate()
    if post.ends_on is not None and post.ends_on <= on:
        raise ValidationError({"ends_on": _("The post has already ended.")})
    if on < post.starts_on:
        raise ValidationError({"ends_on": _("A post cannot end before it starts.")})
    before = audit.snapshot(post)
    post.ends_on = on
    post.save(update_fields=["ends_on", "updated_at"])
    scope.forget(post.user)
    audit.record(
        actor=actor, action="post.end", obj=post, before=before, after=audit.snapshot(post)
    )
    return post


def _token_audit(token) -> dict:
    """What an audit entry says of a token: whose, its first characters, until when;
    never its digest."""
    return {
        "user": token.user.get_username(),
        "prefix": selectors.token_prefix(token),
        "expiry": token.expiry,
    }


def _record_token(actor, action: str, token) -> None:
    after = _token_audit(token)
    audit.record(
        actor=actor,
        action=action,
        object_type="knox.authtoken",
        object_id=selectors.token_id(token),
        object_repr=f"{token.user} · {after['prefix']}…",
        area_code=token.user.area_code,
        before=after if action == "token.revoke" else None,
        after=after if action == "token.issue" else None,
    )


@transaction.atomic
def issue_token(*, user: User, actor=None):
    """A new API token for `user`, expiring after settings.API_TOKEN_DAYS. Only its digest
    and first characters are stored: the key is on the returned token as `.key`, to be
    shown once. The user's expired tokens are deleted on the way."""
    from knox.models import AuthToken

    from yiwang.accounts.auth import may_use_tokens

    if not may_use_tokens(user):
        raise ValidationError(_("You hold no current post: an API token would not be accepted."))
    AuthToken.objects.filter(user=user, expiry__lt=timezone.now()).delete()
    token, key = AuthToken.objects.create(user=user)
    token.key = key
    _record_token(actor if actor is not None else user, "token.issue", token)
    return token


@transaction.atomic
def revoke_token(*, actor, token_id: str) -> None:
    """Revokes (deletes) one API token: the actor's own, or, for one who may configure
    the county's settings, a token of a user in their scope. 404 for any other."""
    scope.recheck(actor)
    token = selectors.revocable_token(actor, token_id, lock=True)
    if token is None:
        raise Http404(_("Not found."))
    _record_token(actor, "token.revoke", token)
    token.delete()


@transaction.atomic
def revoke_all_tokens(*, actor, user: User) -> int:
    """Revokes every API token of `user` (after a password change); how many were still
    valid (each is audited; expired ones go silently)."""
    from knox.models import AuthToken

    tokens = AuthToken.objects.filter(user=user).select_for_update(of=("self",))
    now = timezone.now()
    valid = [t for t in tokens.select_related("user") if t.expiry is None or t.expiry > now]
    for token in valid:
        _record_token(actor, "token.revoke", token)
    AuthToken.objects.filter(user=user).delete()
    return len(valid)


@transaction.atomic
def change_password(*, actor, user: User, password: str) -> None:
    """Sets a new password (validated, e.g. not like the username) and revokes the user's
    API tokens, which were obtained with the old one."""
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"new_password1": exc.messages}) from None
    user.set_password(password)
    user.save(update_fields=["password"])
    audit.record(
        actor=actor,
        action="user.password_change",
        obj=user,
        object_type="accounts.user",
        area_code=user.area_code,
    )
    revoke_all_tokens(actor=actor, user=user)


def refuse_closing_an_area_with_posts(sender, *, area, on, **kwargs) -> None:
    """Receives areas' `area_closing` (inside close_area's transaction): an area on which
    someone holds a current post stays open."""
    if Post.objects.current().filter(area=area).exists():
        raise ValidationError({"closed_on": _("End the posts held on this area first.")})
