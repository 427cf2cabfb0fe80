"""The consumer of the bulk queue (imports and exports), beside `run_huey` for the rest."""

import logging

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.module_loading import autodiscover_modules
from huey.consumer_options import ConsumerConfig


class Command(BaseCommand):
    help = "Runs the consumer of the imports and exports queue (settings.HUEY_BULK)."

    def add_arguments(self, parser):
        parser.add_argument(
            "-w", "--workers", type=int, help="Worker threads (default: HUEY_BULK_WORKERS)."
        )

    def handle(self, *args, **options):
        from yiwang.core.queues import bulk

        autodiscover_modules("tasks")
        config = {**settings.HUEY_BULK.get("consumer", {}), "periodic": False}
        if options["workers"]:
            config["workers"] = options["workers"]
        config = ConsumerConfig(**config)
        config.validate()
        logger = logging.getLogger("huey")
        if not logger.handlers:
            config.setup_logger(logger)
        bulk.create_consumer(**config.values).run()
