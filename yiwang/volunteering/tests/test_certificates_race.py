"""Two certificates issued at once in the same county and year get two numbers.

On PostgreSQL two threads, each with its own connection, really race: both read the last
number before either stores its certificate, so both take the same next number; the
unique number lets the first in, the second waits for it, is refused, and takes the
number after. SQLite takes the write lock at BEGIN (IMMEDIATE), so two writers never
overlap there: the same two certificates are issued one after the other from two
threads, and the second reads the first's number."""

import threading

import pytest
from django.db import connection
from django.utils import timezone

from conftest import COUNTY, UNIT
from yiwang.volunteering.models import Certificate
from yiwang.volunteering.services import certificates as services
from yiwang.volunteering.tests import certificate_rows as rows


def _issue(user, volunteer):
    try:
        certificate = services.issue_certificate(
            type(user).objects.get(pk=user.pk),  # each thread reads the posts on its own
            volunteer.pk,
            first_day=rows.days_ago(30),
            last_day=rows.days_ago(0),
        )
    except BaseException as exc:  # reported below, not lost in the thread
        return ("error", repr(exc))
    return ("issued", certificate.number)


@pytest.mark.django_db(transaction=True)
def test_two_certificates_issued_at_once_get_two_numbers(chief, town_admin, monkeypatch):
    team = rows.team()
    volunteers = []
    for i, name in enumerate(("李明华", "赵小红")):
        volunteer = rows.resident_volunteer(
            chief, name=name, id_number=rows.make_id("19800101", f"12{i}"), number=f"R{i}"
        )
        rows.hours(volunteer, rows.activity(chief, team, f"活动{i}"), "2")
        volunteers.append(volunteer)
    assert volunteers[0].area_code == UNIT
    racing = connection.vendor == "postgresql"
    read = []
    if racing:
        both_read = threading.Barrier(2, timeout=20)
        real = services._next_number
        waited = threading.local()

        def next_number_when_both_read(county, year):
            number = real(county, year)
            read.append(number)
            if not getattr(waited, "done", False):
                waited.done = True
                both_read.wait()
            return number

        monkeypatch.setattr(services, "_next_number", next_number_when_both_read)
    results = [None, None]
    serial = threading.Lock()

    def run(i, user):
        try:
            if racing:
                results[i] = _issue(user, volunteers[i])
            else:
                with serial:
                    results[i] = _issue(user, volunteers[i])
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(i, user)) for i, user in enumerate((chief, town_admin))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    prefix = f"ZY-{COUNTY}-{timezone.localdate().year}-"
    assert sorted(results) == [("issued", f"{prefix}000001"), ("issued", f"{prefix}000002")]
    assert Certificate.objects.count() == 2
    if racing:  # both read 000001 first; one of them read again
        assert read == [f"{prefix}000001", f"{prefix}000001", f"{prefix}000002"]
