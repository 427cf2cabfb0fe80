"""Party-branch-led cooperatives: each village's cooperative with its charter and board,
its members and their shares (money, land and labour turned into shares, the holding cap),
their trading, and the year's surplus shared by law (Art. 44) or by shares, to the fen."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoopsConfig(AppConfig):
    name = "yiwang.coops"
    label = "coops"
    verbose_name = _("Cooperatives")

    def ready(self):
        from yiwang.coops import views
        from yiwang.core import audit

        # Each topic registers its menu items and its kinds of notification, then the
        # cockpit's figures (views.registry_core).
        for part in views.TOPICS:
            part.register()

        audit.register_actions(
            {
                "coops.create": _("Create a cooperative"),
                "coops.charter": _("Change a cooperative's charter"),
                "coops.appoint": _("Appoint to a cooperative's board"),
                "coops.end_seat": _("End a seat on a cooperative's board"),
                "coops.member_add": _("Add a member to a cooperative"),
                "coops.contribute": _("Record a contribution to a cooperative"),
                "coops.withdraw": _("Withdraw a member's shares"),
                "coops.member_leave": _("Record a member leaving a cooperative"),
                "coops.trading": _("Record a member's trading with the cooperative"),
                "coops.trading_import": _("Import the members' trading with the cooperative"),
                "coops.distribution_run": _("Work out a cooperative's distribution"),
                "coops.distribution_approve": _("Approve a cooperative's distribution"),
                "coops.alliance_create": _("Create a town's cooperatives' alliance"),
                "coops.alliance_rename": _("Rename a cooperatives' alliance"),
                "coops.set_alliance": _("Put a cooperative in an alliance or take it out"),
            }
        )
