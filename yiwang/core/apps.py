"""What every module shares: base models, scoping, the audit log, imports."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "yiwang.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        # The audit log in the main menu: anyone reads the entries of their scope.
        from yiwang.core import menus

        menus.register(menus.MenuItem("core.audit", _("Audit log"), "core:audit", "areas", 90))
