"""The demo county, built from every app: areas, accounts, ledger, cases and outreach."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    name = "yiwang.demo"
    label = "demo"
    verbose_name = _("Demo")
