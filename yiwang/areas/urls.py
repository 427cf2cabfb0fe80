"""Pages of the areas module: the tree browser."""

from django.urls import path

from yiwang.areas import views

app_name = "areas"
urlpatterns = [
    path("areas/", views.home, name="home"),
    path("areas/picker/", views.picker, name="picker"),
    path("areas/<str:code>/", views.area_detail, name="detail"),
    path("areas/<str:code>/children/", views.area_create, name="create"),
    path("areas/<str:code>/map.geojson", views.area_map, name="map"),
    path("areas/<str:code>/import/", views.area_import, name="import"),
]
