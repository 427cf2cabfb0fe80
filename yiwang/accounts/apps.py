"""People who log in, their posts on the area tree, and what each may see and do."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "yiwang.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from yiwang.accounts import scope, selectors, services, views
        from yiwang.areas import panels
        from yiwang.areas.services import area_closing
        from yiwang.core import access, menus

        # The scope rule, for core and areas, which sit below the posts it reads.
        access.register(scope)
        # An area on which someone holds a post stays open.
        area_closing.connect(
            services.refuse_closing_an_area_with_posts, dispatch_uid="accounts.posts_on_area"
        )
        # An area's page: the grid workers under each child, and the posts on the area.
        panels.register_child_figures(
            panels.ChildFigures(
                key="accounts.workers",
                add=selectors.add_grid_workers,
                badges="accounts/_area_child_badges.html",
                in_rollup=True,
            )
        )
        panels.register_section(
            panels.Section(
                key="accounts.posts", template="accounts/_area_posts.html", context=views.area_posts
            )
        )
        # The audit log names this app's actions.
        from yiwang.core import audit

        audit.register_actions(
            {
                "user.create": _("Add a user"),
                "post.grant": _("Give a post"),
                "post.end": _("End a post"),
                "token.issue": _("Issue an API token"),
                "token.revoke": _("Revoke an API token"),
                "user.password_change": _("Change a password"),
            }
        )
        # The main menu: the home (the phone's first tab), people, posts, oneself.
        item = menus.MenuItem
        menus.register(
            item(
                "accounts.home", _("Home"), "accounts:home", "work", 0, tab=1, tab_label=_("Today")
            ),
            item(
                "accounts.me", _("My account"), "accounts:me", "work", 90, tab=5, tab_label=_("Me")
            ),
            item("accounts.password", _("Change password"), "accounts:password", "work", 92),
            item("accounts.tokens", _("My API tokens"), "accounts:tokens", "work", 94),
            item("accounts.users", _("People"), "accounts:users", "areas", 20),
            item(
                "accounts.posts", _("Posts"), "accounts:posts", "areas", 30, scope.can_manage_posts
            ),
            item(
                "accounts.tokens_all",
                _("API tokens"),
                "accounts:tokens-all",
                "settings",
                90,
                scope.can_configure,
            ),
        )
