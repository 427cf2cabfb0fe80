"""Pages of outreach: routines."""

urlpatterns: list = []
