"""The inbox told of a distribution: when the accountant runs it (on the page), the chair
is notified that it awaits approval, with a link to the run; when the chair approves it,
the accountant is notified. The link opens the run; a reader who does not read the
cooperative gets no link."""

import pytest
from django.urls import reverse

from conftest import OTHER_VILLAGE
from yiwang.coops.models import Distribution
from yiwang.coops.services.distributions import (
    NOTICE_APPROVED,
    NOTICE_AWAITING,
    distribution_links,
)
from yiwang.coops.tests.builders import client_of
from yiwang.coops.tests.distribution_rows import SURPLUS, YEAR, cooperative
from yiwang.notices.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows(tree):
    return cooperative()


def _inbox_item(client, notification) -> str:
    body = client.get(reverse("notices:inbox")).content.decode()
    start = body.index(f'id="inbox-notification-{notification.pk}"')
    return body[start : body.index("</li>", start)]


def test_running_tells_the_chair_and_approving_tells_the_accountant(rows):
    coop, accountant, chair = rows["coop"], rows["accountant"], rows["chair"]
    runner = client_of(accountant)
    response = runner.post(
        reverse("coops:distribution-run", args=[coop.pk]),
        {"year": str(YEAR), "surplus": SURPLUS},
    )
    assert response.status_code == 302
    run = Distribution.objects.get(cooperative=coop)
    url = reverse("coops:distribution", args=[run.pk])

    awaiting = Notification.objects.get(kind=NOTICE_AWAITING)
    assert (awaiting.recipient, awaiting.object_type, awaiting.object_id) == (
        chair,
        "coops.distribution",
        run.pk,
    )
    assert str(YEAR) in awaiting.text and coop.name in awaiting.text
    assert not Notification.objects.filter(recipient=accountant).exists()
    assert distribution_links(chair, [run.pk]) == {run.pk: (url, f"{coop.name} {YEAR}")}

    # The chair's inbox shows it with the link to the run, which opens it.
    approver = client_of(chair)
    item = _inbox_item(approver, awaiting)
    assert f'href="{url}"' in item and f"{coop.name} {YEAR}" in item
    assert approver.get(url).status_code == 200

    assert approver.post(reverse("coops:distribution-approve", args=[run.pk])).status_code == 302
    approved = Notification.objects.get(kind=NOTICE_APPROVED)
    assert (approved.recipient, approved.object_id) == (accountant, run.pk)
    item = _inbox_item(runner, approved)
    assert f'href="{url}"' in item
    assert Notification.objects.count() == 2  # no one else told


def test_a_refused_run_tells_no_one(rows):
    response = client_of(rows["accountant"]).post(
        reverse("coops:distribution-run", args=[rows["coop"].pk]),
        {"year": str(YEAR), "surplus": "-5"},
    )
    assert response.status_code == 400
    assert not Notification.objects.exists()


def test_no_link_for_whoever_does_not_read_the_cooperative(rows, outsider, chief):
    far = cooperative(OTHER_VILLAGE, name="外镇合作社", prefix="far")
    client_of(rows["accountant"]).post(
        reverse("coops:distribution-run", args=[rows["coop"].pk]),
        {"year": str(YEAR), "surplus": SURPLUS},
    )
    run = Distribution.objects.get(cooperative=rows["coop"])
    assert distribution_links(outsider, [run.pk]) == {}
    assert distribution_links(far["chair"], [run.pk]) == {}
    assert set(distribution_links(chief, [run.pk])) == {run.pk}
