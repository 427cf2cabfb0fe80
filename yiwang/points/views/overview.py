"""Pages of points: overview (filled by this topic's work)."""

urlpatterns: list = []


def register() -> None:
    """This topic's menu items, audit action labels and notification kinds."""
