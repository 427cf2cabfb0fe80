"""Pages of the core module."""

urlpatterns = []
