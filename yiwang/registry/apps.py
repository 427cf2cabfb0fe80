"""The ledger (台账): households, residents, tags, life events and migrants, by unit."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "yiwang.registry"
    label = "registry"
    verbose_name = _("Ledger")

    def ready(self):
        # Registers the ledger importer for background import jobs.
        from yiwang.registry import importers  # noqa: F401
