"""Pages of outreach: pairings."""

urlpatterns: list = []
