"""The audit log pages: scoped, filtered, with before and after side by side."""

import pytest
from django.urls import reverse

from conftest import GRID, OTHER_GRID, VILLAGE
from yiwang.areas.services import update_area
from yiwang.core.audit import audit_source
from yiwang.core.models import AuditEntry

pytestmark = pytest.mark.django_db

AUDIT = reverse("core:audit")


def test_it_shows_only_the_entries_in_the_users_scope(client, chief, outsider):
    client.force_login(chief)
    response = client.get(AUDIT)
    assert response.status_code == 200
    entries = list(response.context["page_obj"])
    assert entries
    assert all(e.area_code.startswith(VILLAGE) for e in entries)
    assert not any(e.area_code.startswith(OTHER_GRID[:12]) for e in entries)
    assert (
        response.context["page_obj"].paginator.count
        == AuditEntry.objects.filter(area_code__startswith=VILLAGE).count()
    )


def test_it_lists_the_newest_first(client, county_admin):
    client.force_login(county_admin)
    entries = list(client.get(AUDIT).context["page_obj"])
    assert entries == sorted(entries, key=lambda e: (e.at, e.pk), reverse=True)


def test_it_filters_by_action_source_and_date(client, chief):
    with audit_source("web"):
        update_area(actor=chief, code=GRID, name="一网格")
    client.force_login(chief)
    response = client.get(AUDIT, {"action": "area.update", "source": "web"})
    assert [e.action for e in response.context["page_obj"]] == ["area.update"]
    response = client.get(AUDIT, {"source": "api"})
    assert list(response.context["page_obj"]) == []
    response = client.get(AUDIT, {"since": "2000-01-01", "until": "2000-01-02"})
    assert list(response.context["page_obj"]) == []
    response = client.get(AUDIT, {"object_type": "areas.area", "action": "area.update"})
    assert len(response.context["page_obj"]) == 1


def test_it_shows_before_and_after_with_the_changed_fields_marked(client, chief):
    entry = update_area(actor=chief, code=GRID, name="一网格") and AuditEntry.objects.get(
        action="area.update"
    )
    client.force_login(chief)
    response = client.get(reverse("core:audit-detail", args=[entry.pk]))
    assert response.status_code == 200
    rows = {row["field"]: row for row in response.context["rows"]}
    assert rows["name"] == {
        "field": "name",
        "before": "第一网格",
        "after": "一网格",
        "changed": True,
    }
    assert rows["code"]["changed"] is False
    page = response.content.decode()
    assert 'class="changed-row"' in page
    assert page.count('class="changed-row"') == 1


def test_it_answers_404_for_an_entry_outside_the_scope(client, chief, outsider):
    entry = AuditEntry.objects.filter(area_code__startswith=OTHER_GRID).first()
    client.force_login(chief)
    response = client.get(reverse("core:audit-detail", args=[entry.pk]))
    assert response.status_code == 404
    assert client.get(reverse("core:audit-detail", args=[999999])).status_code == 404


def test_it_lists_the_log_in_a_few_queries(client, county_admin, django_assert_max_num_queries):
    client.force_login(county_admin)
    with django_assert_max_num_queries(6):  # 5, and the unread case notices on the menu
        client.get(AUDIT)
