"""What every module shares: base models, scoping, the audit log, imports."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "yiwang.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        # Each module's lists register their exporters (yiwang.<app>.exporters) with the
        # background exports; the queue consumer, which never loads the pages, knows
        # them too.
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("exporters")
