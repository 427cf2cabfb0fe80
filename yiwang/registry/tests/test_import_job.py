"""A ledger file uploaded as a background job: good households go in, the job says so."""

import pytest

from conftest import COUNTY, DATA
from yiwang.core.models import ImportJob
from yiwang.core.services import start_import
from yiwang.registry.models import Household

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_ledger_job_with_bad_rows_is_partial_and_keeps_the_good_households(county_admin):
    job = start_import(
        actor=county_admin,
        kind="ledger",
        filename="ledger-sample.csv",
        data=(DATA / "ledger-sample.csv").read_bytes(),
        area_code=COUNTY,
    )

    job.refresh_from_db()
    assert job.status == "partial", job.errors
    assert job.result["households"]["new"] == Household.objects.count() > 0
    assert job.errors and all(e.startswith("第 ") for e in job.errors)


def test_a_ledger_job_with_only_good_rows_is_done(county_admin):
    lines = (DATA / "ledger-sample.csv").read_text(encoding="utf-8").splitlines()
    good = "\n".join(lines[:4]) + "\n"  # the header and the first household

    job = start_import(
        actor=county_admin, kind="ledger", filename="one.csv", data=good.encode(), area_code=COUNTY
    )

    job.refresh_from_db()
    assert job.status == "done", job.errors
    assert job.result["households"]["new"] == 1
    assert ImportJob.objects.get(pk=job.pk).is_finished
