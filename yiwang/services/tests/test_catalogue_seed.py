"""The county's catalogue as migration 0002 seeds it."""

import pytest

from yiwang.services.models import ServiceItem, ServiceMode

pytestmark = pytest.mark.django_db


def test_the_three_cross_province_items_are_seeded_with_their_materials():
    cross = {item.code: item for item in ServiceItem.objects.filter(is_cross_province=True)}
    assert set(cross) == {
        "id-card-reissue",
        "marriage-registration",
        "medical-insurance-cross-province",
    }
    assert cross["id-card-reissue"].mode == ServiceMode.PROXY
    assert cross["marriage-registration"].mode == ServiceMode.JOINT
    assert cross["medical-insurance-cross-province"].mode == ServiceMode.ONLINE
    reissue = cross["id-card-reissue"]
    assert reissue.time_limit_days == 20
    assert [m.name for m in reissue.materials.all()][0] == "户口簿"
    assert all(m.is_required for m in reissue.materials.all())


def test_village_items_are_done_nearby():
    local = ServiceItem.objects.filter(mode=ServiceMode.LOCAL)
    assert local.count() >= 5
    assert not local.filter(is_cross_province=True).exists()
    assert all(item.materials.exists() for item in local)
