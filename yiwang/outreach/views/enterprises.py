"""Pages of outreach: enterprises."""

urlpatterns: list = []
