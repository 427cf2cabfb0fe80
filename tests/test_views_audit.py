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
    rows = {row["name"]: row for row in response.context["rows"]}
    assert rows["name"] == {
        "name": "name",
        "field": "名称",
        "before": "第一网格",
        "after": "一网格",
        "changed": True,
    }
    assert rows["code"]["changed"] is False
    # The changed fields come first.
    assert response.context["rows"][0]["name"] == "name"
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
    # 5, and the menu's badges: unread notices, points entries to approve.
    with django_assert_max_num_queries(7):
        client.get(AUDIT)


def _detail(client, entry):
    response = client.get(reverse("core:audit-detail", args=[entry.pk]))
    assert response.status_code == 200
    return response, {row["name"]: row for row in response.context["rows"]}


def test_an_entry_reads_in_plain_words(client, chief):
    chief.full_name = "李村长"
    chief.save(update_fields=["full_name"])
    with audit_source("web"):
        update_area(actor=chief, code=GRID, name="一网格")
    entry = AuditEntry.objects.get(action="area.update")
    client.force_login(chief)
    response, rows = _detail(client, entry)
    page = response.content.decode()
    # The action's label, the object by its kind, the person by name, the area by name.
    assert '<dd class="col-sm-9" id="audit-action">修改区域</dd>' in page
    assert '<dd class="col-sm-9" id="audit-object">区域 一网格</dd>' in page
    assert '<dd class="col-sm-9 text-break-all" id="audit-actor">李村长</dd>' in page
    assert "一网格（二级网格）" in page
    assert "area.update" not in page and "areas.area" not in page
    # Fields as the forms label them, values as the pages show them.
    assert rows["level"]["field"] == "层级" and rows["level"]["after"] == "二级网格"
    assert rows["code"]["after"] == "一网格（二级网格）"
    assert (
        rows["parent_id"]["field"] == "上级区域"
        and rows["parent_id"]["after"] == "南门社区居民委员会"
    )
    listing = client.get(AUDIT, {"action": "area.update"}).content.decode()
    assert "修改区域" in listing and "区域 一网格" in listing and "李村长" in listing
    # The filter offers the actions by their labels.
    assert '<option value="area.update" selected>修改区域</option>' in listing
    assert "area.update" not in listing.split('id="audit-table"')[1]


def test_an_export_reads_in_words_with_its_numbers_still_masked(client, chief):
    from yiwang.registry.services.personal_data import record_export

    record_export(
        actor=chief,
        count=12,
        filters={"search": "370830196003020113", "under": GRID, "key": True},
        full=False,
    )
    entry = AuditEntry.objects.get(action="resident.export")
    client.force_login(chief)
    response, rows = _detail(client, entry)
    page = response.content.decode()
    assert '<dd class="col-sm-9" id="audit-action">导出居民</dd>' in page
    assert rows["count"]["field"] == "行数" and rows["count"]["after"] == "12"
    assert rows["full"]["field"] == "完整身份证号和电话号码" and rows["full"]["after"] == "否"
    filters = rows["filters"]["after"]
    assert "区域: 第一网格（二级网格）" in filters
    assert "370830196003020113" not in page
    assert "搜索: 3708" in filters and "*" in filters
    assert "false" not in page.split('id="audit-diff"')[1]


def test_an_unregistered_action_shows_as_it_is_stored(client, chief):
    from yiwang.core.audit import record

    entry = record(actor=chief, action="thing.poke", object_type="x.y", area_code=GRID)
    client.force_login(chief)
    response, _rows = _detail(client, entry)
    assert '<dd class="col-sm-9" id="audit-action">thing.poke</dd>' in response.content.decode()
