"""Pages of the accounts module: the home, log-in lockout, posts (give, end), people, one's
password and API tokens."""

from __future__ import annotations

from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from yiwang.accounts import homes, scope, selectors, services
from yiwang.accounts.filters import PostFilterSet, UserFilterSet
from yiwang.accounts.forms import EndPostForm, GivePostForm, NewTokenForm, PasswordChangeForm
from yiwang.accounts.models import Post, User
from yiwang.accounts.throttling import address_locked
from yiwang.core.forms import add_service_error
from yiwang.core.scoping import get_in_scope

PAGE_SIZE = 50


def locked_out(request, credentials=None, *args, **kwargs):
    """Axes' answer once a username has failed to log in too often from one address.

    Axes calls this with (request, original_response, credentials) or, in older versions,
    (request, credentials); neither is needed here.
    """
    cool_off = get_cool_off(request)
    minutes = int(cool_off.total_seconds() // 60) if cool_off else 15
    address = address_locked(request)
    if request.path.startswith("/api/"):
        if address:
            message = _(
                "Too many failed logins from your network address: logins from it are "
                "paused. Try again in %(minutes)d minutes."
            ) % {"minutes": minutes}
        else:
            message = _(
                "Too many failed logins: this account is locked. Try again in %(minutes)d minutes."
            ) % {"minutes": minutes}
        return JsonResponse({"detail": message}, status=429)
    context = {"minutes": minutes, "address": address}
    return render(request, "accounts/locked_out.html", context, status=429)


def _require_post_manager(user) -> None:
    if not scope.can_manage_posts(user):
        raise PermissionDenied(_("Your posts do not allow managing posts."))


@login_required
def post_list(request):
    _require_post_manager(request.user)
    data = request.GET.copy()
    include_ended = data.get("ended") == "on"
    if not include_ended:
        data["current"] = "true"
    queryset = Post.objects.visible_to(request.user).select_related("user", "area")
    filterset = PostFilterSet(data, queryset=queryset)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/post_list.html",
        {"filterset": filterset, "include_ended": include_ended, "page_obj": page},
    )


@login_required
@require_http_methods(["GET", "POST"])
def post_give(request):
    _require_post_manager(request.user)
    initial = {"area_code": request.GET.get("area", "")}
    form = GivePostForm(request.user, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            # One transaction: a new account is not left behind if the post is refused.
            with transaction.atomic():
                user = form.existing_user or services.create_user(
                    actor=request.user,
                    username=data["new_username"],
                    password=data["password"],
                    full_name=data["full_name"],
                    phone=data["phone"],
                    area_code=data["area_code"],
                )
                post = services.grant_post(
                    actor=request.user,
                    user=user,
                    role=data["role"],
                    area_code=data["area_code"],
                    starts_on=data["starts_on"],
                )
        except ValidationError as exc:
            add_service_error(
                form, exc, {"username": "new_username", "area": "area_code", "ends_on": None}
            )
        else:
            messages.success(
                request,
                _("%(user)s now holds the post %(role)s on %(area)s.")
                % {"user": user, "role": post.get_role_display(), "area": post.area.name},
            )
            return redirect("accounts:posts")
    return render(request, "accounts/post_give.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def post_end(request, post_id: int):
    """Ending is irreversible, so GET shows what will end and asks; POST ends it."""
    _require_post_manager(request.user)
    post = get_object_or_404(
        Post.objects.visible_to(request.user).select_related("user", "area"), pk=post_id
    )
    form = EndPostForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.end_post(actor=request.user, post_id=post.pk, on=form.cleaned_data["ends_on"])
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request,
                _("The post %(role)s of %(user)s on %(area)s has ended.")
                % {"role": post.get_role_display(), "user": post.user, "area": post.area.name},
            )
            return redirect("accounts:posts")
    context = {
        "post": post,
        "form": form,
        "can_end": post.role in scope.grantable_roles(request.user, post.area_code),
        "has_ended": post.ends_on is not None and post.ends_on <= timezone.localdate(),
    }
    return render(request, "accounts/post_end.html", context)


@login_required
def user_list(request):
    queryset = (
        User.objects.visible_to(request.user)
        .order_by("username")
        .prefetch_related(
            Prefetch(
                "posts",
                queryset=Post.objects.visible_to(request.user).current().select_related("area"),
                to_attr="visible_posts",
            )
        )
    )
    filterset = UserFilterSet(request.GET, queryset=queryset)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "accounts/user_list.html", {"filterset": filterset, "page_obj": page})


@login_required
def user_detail(request, user_id: int):
    person = get_in_scope(User.objects, request.user, pk=user_id)
    posts = (
        Post.objects.visible_to(request.user)
        .filter(user=person)
        .select_related("area")
        .order_by("-starts_on", "-id")
    )
    return render(request, "accounts/user_detail.html", {"person": person, "posts": posts})


def area_posts(request, area) -> dict:
    """The context of the posts section on an area's page (areas.panels): who holds a
    current post on the area, and whether the viewer may give one there."""
    user = request.user
    return {
        "posts": Post.objects.visible_to(user)
        .current()
        .filter(area=area)
        .select_related("user")
        .order_by("role", "user__full_name", "id"),
        "can_manage_posts": scope.can_manage_posts(user),
    }


@login_required
@require_GET
def home(request):
    """The page a person lands on: their day, their village or their area's summary, made
    of the panels the apps register (accounts.homes)."""
    kind = homes.kind(request.user)
    shown = [
        render_to_string(panel.template, context, request)
        for panel, context in homes.render_panels(request, kind)
    ]
    return render(
        request,
        "accounts/home.html",
        {"kind": kind, "title": homes.TITLES[kind], "panels": [mark_safe(p) for p in shown]},
    )


@login_required
@require_GET
def me(request):
    """The phone's "me" tab: the user's own page (their posts)."""
    return redirect("accounts:user-detail", user_id=request.user.pk)


class PasswordChangeView(auth_views.PasswordChangeView):
    """Any signed-in person changes their own password: the old one, the new one twice
    (validated as everywhere: not like the username, not common, long enough). The
    change is audited, and the person's API tokens are revoked."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:me")
    form_class = PasswordChangeForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def form_valid(self, form):
        try:
            services.change_password(
                actor=self.request.user,
                user=form.user,
                password=form.cleaned_data["new_password1"],
            )
        except ValidationError as exc:
            add_service_error(form, exc)
            return self.form_invalid(form)
        update_session_auth_hash(self.request, form.user)
        messages.success(self.request, _("Your password has been changed."))
        return HttpResponseRedirect(self.get_success_url())


@never_cache  # a new key is in the page: no cache may keep it
@login_required
@require_http_methods(["GET", "POST"])
def tokens(request):
    """One's own API tokens: each with its first characters, when it was made and when it
    expires, and a button to revoke it; a new one is shown here once, never again."""
    user = request.user
    form = NewTokenForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        checked = authenticate(
            request, username=user.get_username(), password=form.cleaned_data["password"]
        )
        if checked is None or checked.pk != user.pk:
            form.add_error("password", _("The password is wrong."))
        else:
            try:
                new_key = services.issue_token(user=user, actor=user).key
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                form = NewTokenForm()
    context = {
        "form": form,
        "new_key": new_key,
        "tokens": [_token_row(token) for token in selectors.tokens_of(user).select_related("user")],
        "days": settings.API_TOKEN_DAYS,
        "can_configure": scope.can_configure(user),
    }
    return render(request, "accounts/tokens.html", context)


def _token_row(token) -> dict:
    return {
        "id": selectors.token_id(token),
        "prefix": selectors.token_prefix(token),
        "user": token.user,
        "created": token.created,
        "expiry": token.expiry,
    }


@login_required
@require_GET
def tokens_all(request):
    """The API tokens of everyone in the admin's scope, to revoke one that should not be
    used any more (a lost phone, a person who left)."""
    scope.require_configure(request.user)
    queryset = selectors.tokens_revocable_by(request.user).select_related("user")
    username = (request.GET.get("user") or "").strip()
    if username:
        queryset = queryset.filter(user__username=username)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [_token_row(token) for token in page]
    return render(
        request,
        "accounts/tokens_all.html",
        {"page_obj": page, "rows": rows, "username": username},
    )


@login_required
@require_http_methods(["GET", "POST"])
def token_revoke(request, token_id: str):
    """GET shows the token and asks; POST revokes it. One's own, or as one who may
    configure, a token of someone in one's scope; any other answers 404."""
    token = selectors.revocable_token(request.user, token_id)
    if token is None:
        raise Http404(_("Not found."))
    own = token.user_id == request.user.pk
    back = "accounts:tokens" if own else "accounts:tokens-all"
    if request.method == "POST":
        services.revoke_token(actor=request.user, token_id=token_id)
        messages.success(request, _("The API token has been revoked."))
        return redirect(back)
    return render(
        request,
        "accounts/token_revoke.html",
        {"token": _token_row(token), "own": own, "back": back},
    )
