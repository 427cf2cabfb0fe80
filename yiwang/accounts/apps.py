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
        from yiwang.core import access

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
            }
        )
