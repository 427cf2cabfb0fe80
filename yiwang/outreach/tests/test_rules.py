"""The county's visit rules (六必访) and triggers: only a county admin configures them; a
rule without its rhythm is refused by the service (the database's constraint is the last
line); occurrences of a trigger schedule the triggered rules' visits; the settings pages."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from yiwang.core.models import AuditEntry
from yiwang.outreach.models import Occurrence, ScheduledVisit, Trigger, VisitRule
from yiwang.outreach.services import rules as services
from yiwang.outreach.services import visits as visit_services

from .test_visits import make_household

PERIODIC = {
    "code": "migrant_monthly",
    "name": "外来人员每月必访",
    "kind": "periodic",
    "tag": "migrant",
    "every_days": 30,
}


def test_the_county_admin_creates_and_changes_a_periodic_rule(county_admin):
    rule = services.save_rule(actor=county_admin, **PERIODIC)
    assert (rule.kind, rule.tag.code, rule.every_days, rule.trigger) == (
        "periodic",
        "migrant",
        30,
        None,
    )
    services.save_rule(actor=county_admin, **{**PERIODIC, "every_days": "14", "is_active": False})
    rule.refresh_from_db()
    assert (rule.every_days, rule.is_active) == (14, False)
    entries = AuditEntry.objects.filter(object_type="outreach.visitrule", object_id=str(rule.pk))
    assert sorted(entries.values_list("action", flat=True)) == [
        "visit_rule.create",
        "visit_rule.update",
    ]
    assert entries.get(action="visit_rule.update").area_code == "370830"


@pytest.mark.parametrize("who", ["town_admin", "chief", "worker", "outsider"])
def test_nobody_else_configures_rules(request, who):
    with pytest.raises(PermissionDenied):
        services.save_rule(actor=request.getfixturevalue(who), **PERIODIC)
    assert not VisitRule.objects.filter(code="migrant_monthly").exists()


@pytest.mark.parametrize("every", [None, "", 0, -3, "weekly"])
def test_a_periodic_rule_without_its_rhythm_is_refused(county_admin, every):
    with pytest.raises(ValidationError) as raised:
        services.save_rule(actor=county_admin, **{**PERIODIC, "every_days": every})
    assert list(raised.value.message_dict) == ["every_days"]


def test_a_periodic_rule_says_which_households(county_admin):
    with pytest.raises(ValidationError) as raised:
        services.save_rule(actor=county_admin, **{**PERIODIC, "tag": ""})
    assert "household_category" in raised.value.message_dict
    rule = services.save_rule(
        actor=county_admin, **{**PERIODIC, "tag": "", "household_category": "key"}
    )
    assert rule.household_category == "key"


def test_a_triggered_rule_needs_its_trigger_and_its_time(county_admin):
    base = {"code": "fire_rule", "name": "火灾必访", "kind": "triggered"}
    with pytest.raises(ValidationError) as raised:
        services.save_rule(actor=county_admin, **base)
    assert set(raised.value.message_dict) == {"trigger", "within_days"}
    rule = services.save_rule(
        actor=county_admin, **base, trigger="hardship", within_days=2, every_days=7, tag="dibao"
    )
    # What a triggered rule does not use is not kept.
    assert (rule.trigger.code, rule.within_days, rule.every_days, rule.tag) == (
        "hardship",
        2,
        None,
        None,
    )


def test_unknown_kind_code_and_duplicate_names_are_refused(county_admin):
    with pytest.raises(ValidationError) as raised:
        services.save_rule(
            actor=county_admin, code="bad code", name="独居老人每周必访", kind="monthly"
        )
    assert {"code", "name", "kind"} <= set(raised.value.message_dict)


def test_the_database_refuses_a_rule_with_a_zero_rhythm_as_a_last_line(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        VisitRule.objects.create(code="x", name="x", kind="periodic", every_days=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        VisitRule.objects.create(code="y", name="y", kind="triggered", within_days=3)


def test_the_database_refuses_a_periodic_rule_without_a_period(db):
    """NULL >= 1 is unknown, which a CHECK passes: the constraint asks for the period."""
    with pytest.raises(IntegrityError), transaction.atomic():
        VisitRule.objects.create(code="x", name="x", kind="periodic")


def test_the_county_admin_configures_triggers(county_admin, worker):
    trigger = services.save_trigger(actor=county_admin, code="fire", name="火灾")
    assert trigger.is_active and trigger.order > 0
    services.save_trigger(actor=county_admin, code="fire", name="家中火灾", is_active=False)
    trigger.refresh_from_db()
    assert (trigger.name, trigger.is_active) == ("家中火灾", False)
    with pytest.raises(PermissionDenied):
        services.save_trigger(actor=worker, code="flood", name="水灾")
    with pytest.raises(ValidationError) as raised:
        services.save_trigger(actor=county_admin, code="flood", name="生病住院")
    assert "name" in raised.value.message_dict


# --- occurrences --------------------------------------------------------------------------


def test_an_occurrence_schedules_every_active_rule_of_its_trigger(county_admin, worker):
    services.save_rule(
        actor=county_admin,
        code="hospital_follow_up",
        name="出院回访",
        kind="triggered",
        trigger="hospital_stay",
        within_days=10,
    )
    household = make_household()
    day = timezone.localdate() - datetime.timedelta(days=1)
    occurrence = visit_services.record_occurrence(
        actor=worker, household_id=household.pk, trigger_code="hospital_stay", occurred_on=day
    )
    due = dict(
        ScheduledVisit.objects.filter(occurrence=occurrence).values_list("rule__code", "due_on")
    )
    assert due == {
        "hospital_stay": day + datetime.timedelta(days=3),
        "hospital_follow_up": day + datetime.timedelta(days=10),
    }
    assert occurrence.recorded_by == worker and occurrence.area_code == household.area_code
    assert AuditEntry.objects.filter(action="occurrence.create").count() == 1


def test_an_occurrence_is_checked(worker):
    household = make_household()
    with pytest.raises(ValidationError) as raised:
        visit_services.record_occurrence(
            actor=worker,
            household_id=household.pk,
            trigger_code="nothing",
            occurred_on=timezone.localdate() + datetime.timedelta(days=1),
        )
    assert set(raised.value.message_dict) == {"trigger", "occurred_on"}
    with pytest.raises(ValidationError) as raised:
        visit_services.record_occurrence(
            actor=worker, household_id=household.pk, trigger_code="dispute", occurred_on="soon"
        )
    assert "occurred_on" in raised.value.message_dict
    assert not Occurrence.objects.exists()


def test_an_outsider_records_no_occurrence(outsider):
    household = make_household()
    with pytest.raises(Http404):
        visit_services.record_occurrence(
            actor=outsider,
            household_id=household.pk,
            trigger_code="dispute",
            occurred_on=timezone.localdate(),
        )


def test_an_inactive_trigger_is_refused(county_admin, worker):
    services.save_trigger(actor=county_admin, code="wedding", name="婚嫁喜事", is_active=False)
    with pytest.raises(ValidationError):
        visit_services.record_occurrence(
            actor=worker,
            household_id=make_household().pk,
            trigger_code="wedding",
            occurred_on=timezone.localdate(),
        )


# --- pages --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["outreach:rules", "outreach:rule-create", "outreach:triggers", "outreach:trigger-create"],
)
def test_the_settings_pages_are_the_county_admins(client, county_admin, worker, url):
    client.force_login(worker)
    assert client.get(reverse(url)).status_code == 403
    client.force_login(county_admin)
    assert client.get(reverse(url)).status_code == 200


def test_the_rule_list_shows_the_defaults(client, county_admin):
    client.force_login(county_admin)
    html = client.get(reverse("outreach:rules")).content.decode()
    for rule in VisitRule.objects.all():
        assert rule.name in html


def test_a_rule_is_made_from_the_page_and_errors_come_back(client, county_admin):
    client.force_login(county_admin)
    url = reverse("outreach:rule-create")
    refused = client.post(url, {"code": "x1", "name": "无周期", "kind": "periodic", "tag": "dibao"})
    assert refused.status_code == 200 and 'id="id_every_days_errors"' in refused.content.decode()
    done = client.post(
        url,
        {
            "code": "x1",
            "name": "低保户每两周",
            "kind": "periodic",
            "tag": "dibao",
            "every_days": "14",
            "is_active": "on",
        },
    )
    assert done.status_code == 302
    assert VisitRule.objects.get(code="x1").every_days == 14
    edit = reverse("outreach:rule-edit", args=["x1"])
    assert client.get(edit).status_code == 200
    client.post(
        edit,
        {"name": "低保户每两周", "kind": "periodic", "tag": "dibao", "every_days": "15"},
    )
    rule = VisitRule.objects.get(code="x1")
    assert (rule.every_days, rule.is_active) == (15, False)


def test_a_trigger_is_made_and_changed_from_the_page(client, county_admin):
    client.force_login(county_admin)
    assert (
        client.post(
            reverse("outreach:trigger-create"), {"code": "fire", "name": "火灾", "is_active": "on"}
        ).status_code
        == 302
    )
    client.post(reverse("outreach:trigger-edit", args=["fire"]), {"name": "火情"})
    assert Trigger.objects.get(code="fire").name == "火情"
