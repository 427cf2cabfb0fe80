"""Rows the enterprise-support tests share: a department with a member, an enterprise in
南门社区 (the town admin's town) and one in another town, a finance-counsellor team of two
bank staff, one of whom sponsors the own enterprise under outreach's finance-counsellor
programme."""

from __future__ import annotations

import datetime
import zoneinfo
from dataclasses import dataclass

import time_machine

from conftest import COUNTY, OTHER_VILLAGE, VILLAGE
from yiwang.projects.models import CounsellorTeam
from yiwang.projects.tests.factories import (
    enter_years_around_today,
    make_account,
    make_department,
    make_enterprise,
)

ZONE = zoneinfo.ZoneInfo("Asia/Shanghai")


def on(day: datetime.date):
    """The clock stopped at 10:00 of `day` in the county."""
    return time_machine.travel(
        datetime.datetime(day.year, day.month, day.day, 10, 0, tzinfo=ZONE), tick=False
    )


@dataclass
class Support:
    department: object
    clerk: object  # a member of the department, with a department-staff post
    enterprise: object  # in VILLAGE (town 370830001)
    foreign_enterprise: object  # in OTHER_VILLAGE (town 370830002)
    lonely_enterprise: object  # in VILLAGE, no counsellor
    team: CounsellorTeam
    counsellor: object  # a team member who sponsors no enterprise
    sponsor: object  # the team member who sponsors `enterprise`


def make_support() -> Support:
    from yiwang.accounts.services import grant_post
    from yiwang.outreach.models import Pairing, Programme

    # Requests received today are due in working days of this year and the next.
    enter_years_around_today()
    clerk = make_account("support-clerk", "钱科员", area_code=COUNTY)
    # From before the fixed dates of the clock tests, at which the clerk acts.
    grant_post(
        actor=None,
        user=clerk,
        role="department_staff",
        area_code=COUNTY,
        starts_on=datetime.date(2024, 1, 1),
    )
    department = make_department(code="finance", name="县地方金融服务中心", members=[clerk])
    enterprise = make_enterprise()
    foreign = make_enterprise(
        name="汶上纺织有限公司", credit_code="91370830MA3C4KYY1M", area=OTHER_VILLAGE
    )
    lonely = make_enterprise(
        name="南门食品有限公司", credit_code="91370830MA3C4KYY2Q", area=VILLAGE
    )
    counsellor = make_account("support-banker", "孙辅导")
    sponsor = make_account("support-banker2", "李辅导")
    team = CounsellorTeam.objects.create(name="农商银行第一辅导队", bank="汶上农商银行")
    team.members.set([counsellor, sponsor])
    programme = Programme.objects.get(code="finance_counsellors")
    Pairing.objects.create(
        programme=programme,
        sponsor=sponsor,
        enterprise=enterprise,
        area_code=enterprise.area_code,
        starts_on=datetime.date(2025, 1, 1),
    )
    return Support(department, clerk, enterprise, foreign, lonely, team, counsellor, sponsor)
