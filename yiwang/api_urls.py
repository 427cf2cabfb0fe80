"""API v1: one router for every module's viewsets, the token endpoint, the schema."""

from csp.decorators import csp_update
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from yiwang.accounts.api import PostViewSet, TokenView, UserViewSet
from yiwang.areas.api import AreaViewSet
from yiwang.cases.api import CaseViewSet, CategoryViewSet, DepartmentViewSet, NoticeViewSet
from yiwang.cockpit import map_api
from yiwang.cockpit.api import IndicatorViewSet
from yiwang.cockpit.report_api import ReportViewSet
from yiwang.coops import api as coops_api
from yiwang.core.api import AuditEntryViewSet, ImportJobViewSet
from yiwang.core.schema_view import SchemaView
from yiwang.duty import api as duty_api
from yiwang.notices.api import AnnouncementViewSet, InboxViewSet
from yiwang.notices.api import robots as robots_api
from yiwang.outreach import api as outreach_api
from yiwang.points import api as points_api
from yiwang.projects import api as projects_api
from yiwang.registry.api import (
    HouseholdViewSet,
    LikelyDuplicateViewSet,
    MigrantViewSet,
    ResidentViewSet,
    TagViewSet,
)
from yiwang.services import api as services_api
from yiwang.volunteering import api as volunteering_api

# Swagger UI styles itself inline (a <style> block, style attributes): allowed on its page
# only (style-src 'self' 'unsafe-inline'); scripts stay 'self'.
# The docs page, like the schema, is for signed-in users: a visitor is sent to log in.
docs_view = login_required(
    csp_update({"style-src": ["'unsafe-inline'"]})(
        SpectacularSwaggerSplitView.as_view(url_name="api:schema")
    )
)

# No `.json` format-suffix routes: nothing asks for them (JSON is the only renderer, and a
# client chooses by Accept), and they doubled the patterns every API request is resolved
# against.
router = DefaultRouter()
router.include_format_suffixes = False
router.register("areas", AreaViewSet, basename="area")
router.register("posts", PostViewSet, basename="post")
router.register("users", UserViewSet, basename="user")
router.register("audit", AuditEntryViewSet, basename="auditentry")
router.register("imports", ImportJobViewSet, basename="import")
router.register("announcements", AnnouncementViewSet, basename="announcement")
router.register("inbox", InboxViewSet, basename="inbox")
router.register("indicators", IndicatorViewSet, basename="indicator")
router.register("reports", ReportViewSet, basename="report")
robots_api.register(router)
router.register("households", HouseholdViewSet, basename="household")
router.register("residents", ResidentViewSet, basename="resident")
router.register("tags", TagViewSet, basename="tag")
router.register("migrants", MigrantViewSet, basename="migrant")
router.register("likely-duplicates", LikelyDuplicateViewSet, basename="likely-duplicate")
router.register("cases", CaseViewSet, basename="case")
router.register("case-categories", CategoryViewSet, basename="case-category")
router.register("case-departments", DepartmentViewSet, basename="case-department")
router.register("notices", NoticeViewSet, basename="notice")
outreach_api.register(router)
points_api.register(router)
volunteering_api.register(router)
projects_api.register(router)
services_api.register(router)
duty_api.register(router)
coops_api.register(router)

app_name = "api"
urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="token"),
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", docs_view, name="docs"),
    *map_api.urlpatterns,
    path("", include(router.urls)),
]
