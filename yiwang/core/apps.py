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

        import django_filters

        from yiwang.core.filters import YesNoField

        # Every yes/no filter of every app, on its page and in the API, offers "all".
        django_filters.BooleanFilter.field_class = YesNoField

        from yiwang.core.api import text_fields_take_text

        # The API's text fields take text, not numbers (the schema says string).
        text_fields_take_text()

        from yiwang.core import audit

        audit.register_actions(
            {
                "import.start": _("Start an import"),
                "import.download_errors": _("Download an import's rejected rows"),
                "export.start": _("Start an export"),
                "export.download": _("Download an export"),
            }
        )
        # The audit log in the main menu: anyone reads the entries of their scope.
        from yiwang.core import menus

        menus.register(
            menus.MenuItem("core.audit", _("Audit log"), "core:audit", "areas", 90),
            # Everyone's own background exports, with their progress and downloads.
            menus.MenuItem("core.exports", _("My exports"), "core:exports", "work", 80),
            # The imports of one's scope, with their status and how many errors each has.
            menus.MenuItem("core.imports", _("Imports"), "core:imports", "work", 81),
        )

        # A task enqueued while a request is served logs with the request's id.
        from huey.contrib.djhuey import HUEY

        from yiwang.core.logs import carry_request_ids
        from yiwang.core.queues import bulk

        carry_request_ids(HUEY)
        carry_request_ids(bulk)
