"""Pages of the accounts module."""

urlpatterns = []
