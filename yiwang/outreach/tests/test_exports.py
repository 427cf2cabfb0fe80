"""Outreach's lists exported in the background: visits, compliance, overdue households."""

import datetime
import io
import uuid

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from conftest import OTHER_UNIT, OTHER_VILLAGE, UNIT, VILLAGE
from yiwang.areas.models import Area
from yiwang.core import export_services, exports
from yiwang.core.models import ExportJob
from yiwang.outreach.models import ScheduledVisit, VisitRule
from yiwang.outreach.services import visits as services
from yiwang.registry.models import Household, Resident

pytestmark = pytest.mark.django_db(transaction=True)


def rows_of(job):
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE, job.error
    with exports.default_storage.open(job.file_name, "rb") as handle:
        sheet = load_workbook(io.BytesIO(handle.read())).worksheets[0]
    return [[c.value for c in row] for row in sheet.iter_rows()]


@pytest.fixture
def village(worker, outsider):
    units = {a.code: a for a in Area.objects.filter(code__in=[UNIT, OTHER_UNIT])}
    rule = VisitRule.objects.create(code="t1", name="测试一", kind="periodic", every_days=30)
    made = {}
    for code, number in ((UNIT, "001"), (UNIT, "002"), (OTHER_UNIT, "101")):
        household = Household.objects.create(
            unit=units[code], area_code=code, number=number, address=f"{number}号"
        )
        Resident.objects.create(
            household=household, area_code=code, name=f"户主{number}", relation="head"
        )
        made[number] = household
    week_ago = timezone.localdate() - datetime.timedelta(days=7)
    for number in ("001", "101"):  # overdue: due a week ago, not done
        ScheduledVisit.objects.create(
            household=made[number],
            area_code=made[number].area_code,
            rule=rule,
            due_on=week_ago,
        )
    services.record_visit(
        actor=worker,
        uuid=uuid.uuid4(),
        household_id=made["002"].pk,
        visited_at=timezone.now(),
        outcome="all_well",
        notes="=1+1 家中一切正常",
    )
    return made


def test_visits_export_with_escaped_notes(chief, village):
    job = export_services.start_export(actor=chief, kind="outreach.visits", params={})
    rows = rows_of(job)
    assert rows[0][0] == "走访时间"
    assert [row[1] for row in rows[1:]] == ["002"]
    assert rows[1][6] == "'=1+1 家中一切正常"


def test_the_overdue_households_export_holds_the_village_only(chief, village):
    job = export_services.start_export(
        actor=chief, kind="outreach.households", params={"area": VILLAGE, "figure": "overdue"}
    )
    rows = rows_of(job)
    assert rows[0][:2] == ["户编号", "单元网格编码"]
    assert [(row[0], row[3]) for row in rows[1:]] == [("001", "户主001")]


def test_the_compliance_export_ends_with_the_total(chief, village):
    job = export_services.start_export(actor=chief, kind="outreach.compliance", params={})
    rows = rows_of(job)
    assert rows[0][0] == "区域"
    total = rows[-1]
    assert total[0].startswith("合计") and total[1] == VILLAGE
    assert total[2] == "2"  # the chief's village has two households


def test_an_outreach_export_of_another_village_is_refused(chief, village):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        export_services.start_export(
            actor=chief, kind="outreach.households", params={"area": [VILLAGE, OTHER_VILLAGE]}
        )
    assert not ExportJob.objects.exists()
