"""Pages of the accounts module. Log-in and log-out keep the plain names "login" and
"logout" (settings.LOGIN_URL); the rest is under the "accounts" namespace."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from yiwang.accounts import views

account_patterns = [
    path("", views.home, name="home"),
    path("me/", views.me, name="me"),
    path("posts/", views.post_list, name="posts"),
    path("posts/new/", views.post_give, name="post-give"),
    path("posts/<int:post_id>/end/", views.post_end, name="post-end"),
    path("users/", views.user_list, name="users"),
    path("users/<int:user_id>/", views.user_detail, name="user-detail"),
    path("me/password/", views.PasswordChangeView.as_view(), name="password"),
    path("me/tokens/", views.tokens, name="tokens"),
    path("me/tokens/<str:token_id>/revoke/", views.token_revoke, name="token-revoke"),
    path("tokens/", views.tokens_all, name="tokens-all"),
]

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="accounts/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include((account_patterns, "accounts"))),
]
