"""Routes of cases that need no account: the public pages under /public/ and Open311
GeoReport v2 under /open311/v2/ (yiwang/urls.py includes each)."""

from django.urls import path

from yiwang.cases.api import open311
from yiwang.cases.views import public

pages = (
    [
        path("request/", public.request_page, name="request"),
        path("track/", public.track_page, name="track"),
        path("track/rate/", public.rate, name="rate"),
        path("villages.geojson", public.villages_map, name="villages"),
    ],
    "public",
)

georeport = (
    [
        path("services.json", open311.ServiceList.as_view(), name="services"),
        path("services/<slug:code>.json", open311.ServiceDefinition.as_view(), name="service"),
        path("requests.json", open311.RequestList.as_view(), name="requests"),
        path("requests/<int:request_id>.json", open311.RequestDetail.as_view(), name="request"),
    ],
    "open311",
)
