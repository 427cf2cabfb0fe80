"""Party-branch-led cooperatives: each village's cooperative with its charter and board,
its members and their shares (money, land and labour turned into shares, the holding cap),
their trading, and the year's surplus shared by law (Art. 44) or by shares, to the fen."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoopsConfig(AppConfig):
    name = "yiwang.coops"
    label = "coops"
    verbose_name = _("Cooperatives")
