"""Pages of the areas module."""

urlpatterns = []
