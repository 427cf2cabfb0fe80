"""Pages of outreach: visits."""

urlpatterns: list = []
