"""Intake from each source: where a case lies, who reported it, and bad input refused
with a message naming the field, leaving nothing half-written behind."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from conftest import OTHER_UNIT, OTHER_VILLAGE, UNIT, VILLAGE
from yiwang.cases import services
from yiwang.cases.models import Case, CaseEvent, Category, Source, Status
from yiwang.core.models import AuditEntry

from .conftest import IN_OTHER_UNIT, IN_UNIT, NOWHERE


def nothing_written():
    return (
        Case.objects.count(),
        CaseEvent.objects.count(),
        AuditEntry.objects.filter(action="case.create").count(),
    ) == (0, 0, 0)


def refused(call, field):
    with pytest.raises(ValidationError) as raised:
        call()
    assert field in raised.value.message_dict, raised.value.message_dict
    assert nothing_written()
    return raised.value.message_dict[field]


def test_a_patrol_report_finds_its_unit_from_the_point(worker, boundaries):
    case = services.report_case(actor=worker, category="safety_hazard", text="电线裸露", **IN_UNIT)

    assert (case.area_code, case.unit.code, case.dispatcher_area_code) == (UNIT, UNIT, VILLAGE)
    assert (case.source, case.status, case.reporter, case.created_by) == (
        Source.PATROL,
        Status.REPORTED,
        worker,
        worker,
    )
    assert case.is_urgent  # 安全隐患 is urgent: 30 minutes to accept
    assert (case.due_at - case.reported_at).total_seconds() == 30 * 60
    assert re.fullmatch(r"\d{8}-\d{6}", case.number)
    assert re.fullmatch(r"[2-9ACDEFGHJKMNPQRTVWXY]{8}", case.tracking_code)
    assert case.title == "电线裸露"
    [event] = case.events.all()
    assert (event.kind, event.to_status, event.actor) == ("reported", "reported", worker)


def test_a_patrol_report_may_link_a_household_of_the_ledger(worker, household, boundaries):
    case = services.report_case(
        actor=worker, category="dispute", text="邻里纠纷", household_id=household.pk
    )

    assert case.household == household and case.area_code == household.area_code


def test_a_household_of_another_village_cannot_be_linked(worker, other_household, boundaries):
    refused(
        lambda: services.report_case(
            actor=worker, category="dispute", text="x", household_id=other_household.pk
        ),
        "household",
    )


def test_a_point_outside_every_unit_is_refused(worker, boundaries):
    with translation.override("en"):
        messages = refused(
            lambda: services.report_case(actor=worker, category="dispute", text="x", **NOWHERE),
            "location",
        )
    assert "outside every unit" in messages[0]


def test_a_point_in_another_village_is_not_the_workers_to_report(worker, boundaries):
    refused(
        lambda: services.report_case(actor=worker, category="dispute", text="x", **IN_OTHER_UNIT),
        "location",
    )


def test_a_report_must_say_where(worker, tree):
    refused(lambda: services.report_case(actor=worker, category="dispute", text="x"), "location")
    refused(
        lambda: services.report_case(
            actor=worker, category="dispute", text="x", lat="abc", lng="116"
        ),
        "location",
    )


def test_an_unknown_or_retired_category_is_refused(worker, tree):
    Category.objects.filter(code="praise").update(is_active=False)

    for code in ("no-such", "praise", ""):
        refused(
            lambda code=code: services.report_case(
                actor=worker, category=code, text="x", unit_code=UNIT
            ),
            "category",
        )


def test_text_over_the_limit_is_refused_naming_the_limit(worker, tree):
    messages = refused(
        lambda: services.report_case(
            actor=worker, category="dispute", text="字" * 2001, unit_code=UNIT
        ),
        "text",
    )
    assert "2000" in messages[0]
    refused(
        lambda: services.report_case(
            actor=worker, category="dispute", text="x", title="题" * 101, unit_code=UNIT
        ),
        "title",
    )


def test_every_bad_field_is_named_at_once(worker, tree):
    with pytest.raises(ValidationError) as raised:
        services.record_hotline_call(
            actor=worker, category="nope", text="", phone="123", unit_code=UNIT
        )

    assert {"category", "text", "phone"} <= set(raised.value.message_dict)


def test_html_is_kept_as_text_and_control_characters_dropped(worker, tree):
    text = '<script>alert("x")</script>\x00 <b>积水</b>\r\n\r\n\r\n\r\n第二段'
    case = services.report_case(actor=worker, category="sanitation", text=text, unit_code=UNIT)

    assert case.text == '<script>alert("x")</script> <b>积水</b>\n\n第二段'


def test_a_resident_without_an_account_gets_a_tracking_code(tree):
    case = services.submit_request(
        category="help", text="独居老人家中漏水", phone="138 1234 5678", village_code=VILLAGE
    )

    assert (case.source, case.area_code, case.reporter, case.phone) == (
        Source.PUBLIC,
        VILLAGE,
        None,
        "13812345678",
    )
    assert len(case.tracking_code) == 8
    entry = AuditEntry.objects.get(action="case.create")
    assert entry.actor is None and entry.after["phone"] == "138****5678"


def test_the_public_must_leave_a_valid_phone_and_a_real_village(tree):
    refused(
        lambda: services.submit_request(category="help", text="x", phone="", village_code=VILLAGE),
        "phone",
    )
    refused(
        lambda: services.submit_request(
            category="help", text="x", phone="12345", village_code=VILLAGE
        ),
        "phone",
    )
    refused(
        lambda: services.submit_request(
            category="help", text="x", phone="13812345678", village_code="370830999999"
        ),
        "village",
    )


def test_a_hotline_call_is_placed_in_the_scope_of_the_staff_taking_it(chief, tree):
    case = services.record_hotline_call(
        actor=chief, category="complaint", text="噪音扰民", village_code=VILLAGE, name="李"
    )
    assert (case.source, case.created_by, case.reporter, case.reporter_name) == (
        Source.HOTLINE,
        chief,
        None,
        "李",
    )
    case.delete()
    CaseEvent.objects.all().delete()
    AuditEntry.objects.filter(action="case.create").delete()

    refused(
        lambda: services.record_hotline_call(
            actor=chief, category="complaint", text="x", village_code=OTHER_VILLAGE
        ),
        "village",
    )
    refused(
        lambda: services.record_hotline_call(
            actor=chief, category="complaint", text="x", unit_code=OTHER_UNIT
        ),
        "unit",
    )
