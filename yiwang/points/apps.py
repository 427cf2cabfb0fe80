"""Points (积分): duty lists, red points and the civility index, the monthly evaluation,
benefit passes and the points shop."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PointsConfig(AppConfig):
    name = "yiwang.points"
    label = "points"
    verbose_name = _("Points")

    def ready(self):
        # Each topic registers its menu items, its audit actions' labels and its kinds of
        # notification.
        from yiwang.points.views import entries, evaluation, lists, overview, passes, shop

        for part in (overview, lists, entries, evaluation, shop, passes):
            part.register()
        # The cockpit's figures of points.
        from yiwang.points.indicators import register_indicators

        register_indicators()
