"""API v1: one router for every module's viewsets, the token endpoint, the schema."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from yiwang.accounts.api import PostViewSet, TokenView, UserViewSet
from yiwang.areas.api import AreaViewSet
from yiwang.core.api_views import AuditEntryViewSet

router = DefaultRouter()
router.register("areas", AreaViewSet, basename="area")
router.register("posts", PostViewSet, basename="post")
router.register("users", UserViewSet, basename="user")
router.register("audit", AuditEntryViewSet, basename="auditentry")

app_name = "api"
urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="token"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("", include(router.urls)),
]
