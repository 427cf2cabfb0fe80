"""People who log in, their posts on the area tree, and what each may see and do."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "yiwang.accounts"
    label = "accounts"
    verbose_name = _("Accounts")
