"""The scope checks of the export routes, for tests/test_routes_scope.py: the viewer (the
grid chief of the world there) sees, polls and downloads only their own exports, and an
export of the outsider's town is refused with nothing queued."""

from django.contrib.auth import get_user_model
from django.urls import reverse

from conftest import OTHER_UNIT, OTHER_VILLAGE, VILLAGE
from yiwang.core.models import ExportJob


def _jobs(w):
    users = get_user_model().objects
    outsider = users.get(username="outsider")
    chief = users.get(username="chief")
    foreign = ExportJob.objects.create(
        kind="registry.residents",
        params={"_scope": [OTHER_UNIT], "_area": OTHER_UNIT},
        created_by=outsider,
        area_code=OTHER_UNIT,
        status=ExportJob.Status.FAILED,
    )
    own = ExportJob.objects.create(
        kind="registry.residents",
        params={"_scope": [VILLAGE], "_area": VILLAGE},
        created_by=chief,
        area_code=VILLAGE,
        status=ExportJob.Status.FAILED,
    )
    return own, foreign


def _list(w):
    own, foreign = _jobs(w)
    page = w["client"].get(reverse("core:exports")).content.decode()
    assert reverse("core:export-detail", args=[own.pk]) in page
    assert reverse("core:export-detail", args=[foreign.pk]) not in page


def _start(w):
    before = ExportJob.objects.count()
    url = reverse("core:export-start", args=["registry.residents"]) + f"?under={OTHER_VILLAGE}"
    assert w["client"].post(url).status_code == 400
    assert ExportJob.objects.count() == before


def _detail(name):
    def check(w):
        own, foreign = _jobs(w)
        if name == "core:export-detail":
            assert w["client"].get(reverse(name, args=[own.pk])).status_code == 200
        assert w["client"].get(reverse(name, args=[foreign.pk])).status_code == 404

    return check


EXPORT_CHECKS = {
    "core:exports": _list,
    "core:export-start": _start,
    "core:export-detail": _detail("core:export-detail"),
    "core:export-download": _detail("core:export-download"),
}
