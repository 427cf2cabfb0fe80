"""The export of approved hours for the national volunteer system: its columns, one row
per approved record of the period under the area, UTF-8 with a byte-order mark, ID
numbers as text and masked unless the user may reveal personal data, formulas escaped,
audited; bad input; the scope of every persona on the service and the page."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import translation

from conftest import OTHER_VILLAGE, TOWN, UNIT, VILLAGE
from yiwang.core.models import AuditEntry
from yiwang.volunteering.models import HoursKind, HoursStatus, TargetGroup
from yiwang.volunteering.services import export_national_hours
from yiwang.volunteering.services.exports import HEADERS
from yiwang.volunteering.tests import certificate_rows as rows

pytestmark = pytest.mark.django_db

MASKED_ID = f"{rows.ID_NUMBER[:4]}**********{rows.ID_NUMBER[-4:]}"


@pytest.fixture
def served(chief, outsider):
    """In 南门社区: 李明华 (a resident) with approved credit and honour hours, a pending
    and a declined record, and approved hours of 40 days ago; a staff volunteer with
    approved hours; in the outsider's village, a volunteer with approved hours."""
    volunteer = rows.resident_volunteer(chief)
    staff = rows.staff_volunteer(chief)
    team = rows.team()
    visit = rows.activity(chief, team, "走访独居老人", day=rows.days_ago(12))
    formula = rows.activity(chief, team, "=HYPERLINK(1)", TargetGroup.PUBLIC, day=rows.days_ago(9))
    school = rows.activity(chief, team, "护学岗", TargetGroup.CHILDREN, day=rows.days_ago(8))
    old = rows.activity(chief, team, "旧活动", day=rows.days_ago(40))
    rows.hours(volunteer, visit, "4")
    rows.hours(volunteer, formula, "2.5", kind=HoursKind.HONOUR)
    rows.hours(volunteer, school, "3", status=HoursStatus.PENDING)
    rows.hours(staff, school, "1.5")
    rows.hours(staff, visit, "9", kind=HoursKind.HONOUR, status=HoursStatus.DECLINED)
    rows.hours(volunteer, old, "5")
    far = rows.resident_volunteer(
        outsider, name="王外镇", id_number=rows.make_id("19750101", "031"), unit=rows.OTHER_UNIT
    )
    far_team = rows.team(OTHER_VILLAGE, "外镇服务队")
    rows.hours(far, rows.activity(outsider, far_team, "外镇活动", day=rows.days_ago(5)), "6")
    return volunteer


def _export(actor, area=VILLAGE, first=30, last=0):
    return export_national_hours(
        actor, area_code=area, first_day=rows.days_ago(first), last_day=rows.days_ago(last)
    )


def _table(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_it_has_the_national_columns_and_a_row_per_approved_record(served, chief):
    content, name, count = _export(chief)
    table = _table(content)
    assert (
        table[0]
        == list(HEADERS)
        == [
            "姓名",
            "证件类型",
            "证件号码",
            "活动名称",
            "服务开始时间",
            "服务结束时间",
            "服务时长(小时)",
            "服务类型",
        ]
    )
    body = table[1:]
    assert count == len(body) == 3
    assert sorted((row[0], row[3], row[6]) for row in body) == [
        ("李明华", "'=HYPERLINK(1)", "2.50"),
        ("李明华", "走访独居老人", "4.00"),
        ("王干部", "护学岗", "1.50"),
    ]
    visit = next(row for row in body if row[3] == "走访独居老人")
    day = rows.days_ago(12).isoformat()
    assert visit[1] == "居民身份证"
    assert visit[4:6] == [f"{day} 09:00", f"{day} 13:00"]
    assert visit[7] == "为老服务"
    staff = next(row for row in body if row[0] == "王干部")
    assert staff[1:3] == ["", ""] and staff[7] == "为儿童服务"
    assert (
        name
        == f"volunteer-hours-{VILLAGE}-{rows.days_ago(30):%Y%m%d}-{rows.days_ago(0):%Y%m%d}.csv"
    )


def test_id_numbers_are_masked_without_the_reveal_permission(served, chief):
    content, _name, _count = _export(chief)
    text = content.decode("utf-8-sig")
    assert MASKED_ID in text and rows.ID_NUMBER not in text
    entry = AuditEntry.objects.get(action="volunteering_hours.export")
    assert entry.area_code == VILLAGE
    assert entry.after["rows"] == 3 and entry.after["full_id_numbers"] is False


def test_id_numbers_are_in_full_as_text_with_the_reveal_permission(served, chief):
    chief.user_permissions.add(Permission.objects.get(codename="reveal_personal_data"))
    chief = type(chief).objects.get(pk=chief.pk)  # the permissions read again
    content, _name, _count = _export(chief)
    text = content.decode("utf-8-sig")
    # Eighteen digits as text: Excel shows them as typed instead of 3.70830E+17.
    assert rows.ID_NUMBER.isdigit()
    assert f'"=""{rows.ID_NUMBER}"""' in text
    assert AuditEntry.objects.get(action="volunteering_hours.export").after["full_id_numbers"]


def test_a_shorter_period_leaves_the_other_hours_out(served, chief):
    _content, _name, count = _export(chief, first=50, last=35)
    assert count == 1


def test_bad_input_is_refused_with_a_clear_message(served, chief):
    with translation.override("en"):
        with pytest.raises(ValidationError) as exc:
            _export(chief, area="南门")
        assert exc.value.message_dict == {
            "area": ["Give the code of an area in your scope, e.g. of a village."]
        }
        with pytest.raises(ValidationError) as exc:
            _export(chief, first=1, last=5)
        assert "last_day" in exc.value.message_dict
        with pytest.raises(ValidationError) as exc:
            _export(chief, first=0, last=-1)
        assert "last_day" in exc.value.message_dict
    assert not AuditEntry.objects.filter(action="volunteering_hours.export").exists()


@pytest.mark.parametrize(
    ("persona", "area", "outcome"),
    [
        ("county", VILLAGE, 3),
        ("town", TOWN, 3),
        ("chief", VILLAGE, 3),
        ("chief", UNIT, 0),  # the hours lie at the village's activities
        ("worker", UNIT, PermissionDenied),
        ("outsider", VILLAGE, Http404),
        ("town", OTHER_VILLAGE, Http404),
        ("chief", TOWN, Http404),
    ],
)
def test_the_scope_of_each_persona(served, personas, persona, area, outcome):
    if isinstance(outcome, int):
        _content, _name, count = _export(personas[persona], area=area)
        assert count == outcome
        return
    with pytest.raises(outcome):
        _export(personas[persona], area=area)


@pytest.mark.parametrize(
    ("persona", "status"),
    [("county", 200), ("town", 200), ("chief", 200), ("worker", 403), ("outsider", 403)],
)
def test_the_export_page_of_each_persona(served, personas, persona, status, client):
    client.force_login(personas[persona])
    url = reverse("volunteering:hours-export")
    assert client.get(url).status_code == status
    data = {
        "area": VILLAGE,
        "first_day": rows.days_ago(30).isoformat(),
        "last_day": rows.days_ago(0).isoformat(),
    }
    response = client.post(url, data)
    assert response.status_code == status
    if status == 200:
        assert response["Content-Type"].startswith("text/csv")
        assert "attachment" in response["Content-Disposition"]
        assert len(_table(response.content)) == 4
    # The other town's village: the county's; not found for the town and the village.
    data["area"] = OTHER_VILLAGE
    foreign = {"county": 200, "town": 404, "chief": 404}.get(persona, 403)
    assert client.post(url, data).status_code == foreign


def test_the_export_page_shows_the_services_message(served, chief, client):
    client.force_login(chief)
    response = client.post(
        reverse("volunteering:hours-export"),
        {"area": VILLAGE, "first_day": rows.days_ago(0), "last_day": rows.days_ago(-3)},
    )
    assert response.status_code == 200
    with translation.override("zh-hans"):
        message = translation.gettext(
            "The period ends in the future: choose a last day no later than today."
        )
    assert message in response.content.decode()
