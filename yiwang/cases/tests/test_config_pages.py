"""The county admin's configuration pages: the case categories (a two-level tree with
their time limits, entered in hours, or in minutes for an urgent category) and the
departments with their staff. Each save goes through its service and is logged; bad input
comes back on the form in Chinese and changes nothing; anyone but a county admin is
refused."""

import pytest
from django.test import Client
from django.urls import reverse

from conftest import COUNTY, TOWN, VILLAGE
from yiwang.accounts.services import create_user, grant_post
from yiwang.cases.models import Category, Department
from yiwang.core.models import AuditEntry

from .test_views import _no_inline_script


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _errors(response, field=None):
    """The form's errors on `field` (None: the errors on top of the form)."""
    return response.context["form"].errors.get(field or "__all__", [])


def _state():
    """Every row the configuration pages could change, and the audit log."""
    return (
        list(Category.objects.order_by("id").values()),
        list(Department.objects.order_by("id").values()),
        list(Department.members.through.objects.order_by("id").values_list("id", flat=True)),
        AuditEntry.objects.count(),
    )


def _category(**changes) -> dict:
    """The POST of the category form: 矛盾纠纷 as the migration made it, with `changes`."""
    data = {
        "code": "dispute",
        "name": "矛盾纠纷",
        "kind": "patrol",
        "parent": "",
        "handling_level": "village",
        "department": "",
        "accept": 2,
        "dispatch": 4,
        "resolve": 72,
        "order": 2,
        "is_active": "on",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def clerk(tree):
    """A department's staff member: a department-staff post on the county."""
    user = create_user(actor=None, username="clerk", password="Strong-pass-2026", full_name="李文")
    grant_post(actor=None, user=user, role="department_staff", area_code=COUNTY)
    return user


# --- categories --------------------------------------------------------------------------


def test_a_county_admin_sees_the_category_tree(county_admin):
    Category.objects.create(
        code="fire",
        name="消防隐患",
        kind="patrol",
        handling_level="village",
        is_urgent=True,
        parent=Category.objects.get(code="safety_hazard"),
        accept_minutes=15,
        dispatch_minutes=15,
        resolve_minutes=120,
    )

    response = _client(county_admin).get(reverse("cases:categories"))
    body = response.content.decode()

    assert response.status_code == 200
    rows = response.context["rows"]
    codes = [(category.code, depth) for category, depth, _limits in rows]
    assert codes[:3] == [("safety_hazard", 0), ("fire", 1), ("instability", 0)]
    assert len(codes) == Category.objects.count()
    limits = {category.code: lims for category, _depth, lims in rows}
    # As people say them: minutes, hours, days.
    assert limits["fire"] == ["15 分钟", "15 分钟", "2 小时"]
    assert limits["dispute"] == ["2 小时", "4 小时", "3 天"]
    assert "巡查" in body and "诉求" in body  # the kinds
    assert reverse("cases:category-edit", args=["fire"]) in body
    assert reverse("cases:category-create") in body
    _no_inline_script(body)


def test_a_county_admin_creates_a_sub_category(county_admin):
    client = _client(county_admin)
    assert client.get(reverse("cases:category-create")).status_code == 200

    response = client.post(
        reverse("cases:category-create"),
        _category(code="land_dispute", name="土地纠纷", parent="dispute", order=0),
        follow=True,
    )

    assert response.redirect_chain == [(reverse("cases:categories"), 302)]
    assert "土地纠纷" in [str(m) for m in response.context["messages"]][0]
    made = Category.objects.get(code="land_dispute")
    assert (made.parent.code, made.kind, made.is_urgent, made.is_active) == (
        "dispute",
        "patrol",
        False,
        True,
    )
    assert (made.accept_minutes, made.dispatch_minutes, made.resolve_minutes) == (
        2 * 60,
        4 * 60,
        72 * 60,
    )
    entry = AuditEntry.objects.get(action="case_category.save")
    assert (entry.actor, entry.object_id, entry.before) == (county_admin, str(made.pk), None)
    assert entry.after["accept_minutes"] == 120 and entry.after["parent_id"] == made.parent_id
    codes = [c.code for c, _depth, _limits in response.context["rows"]]
    assert codes.index("land_dispute") == codes.index("dispute") + 1


def test_a_county_admin_edits_the_limits_in_hours_or_minutes(county_admin):
    client = _client(county_admin)
    url = reverse("cases:category-edit", args=["dispute"])
    form = client.get(url).context["form"]
    assert (form["accept"].value(), form["resolve"].value()) == (2, 72)  # hours
    urgent_url = reverse("cases:category-edit", args=["safety_hazard"])
    assert client.get(urgent_url).context["form"]["accept"].value() == 30  # minutes

    edited = client.post(url, _category(code="ignored", accept=6, dispatch=12, resolve=48))
    assert edited.status_code == 302, edited.context["form"].errors
    dispute = Category.objects.get(code="dispute")
    assert (dispute.accept_minutes, dispute.dispatch_minutes, dispute.resolve_minutes) == (
        360,
        720,
        2880,
    )
    assert not Category.objects.filter(code="ignored").exists()  # the code stays

    urgent = _category(code="safety_hazard", name="安全隐患", is_urgent="on", order=0)
    edited = client.post(urgent_url, {**urgent, "accept": 15, "dispatch": 20, "resolve": 240})
    assert edited.status_code == 302, edited.context["form"].errors
    hazard = Category.objects.get(code="safety_hazard")
    assert (hazard.accept_minutes, hazard.dispatch_minutes, hazard.resolve_minutes) == (
        15,
        20,
        240,
    )
    entries = AuditEntry.objects.filter(action="case_category.save").order_by("id")
    assert [e.object_id for e in entries] == [str(dispute.pk), str(hazard.pk)]
    assert (entries[0].before["accept_minutes"], entries[0].after["accept_minutes"]) == (120, 360)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"accept": 0}, "accept", "请填写大于零的整数。"),  # the service's check
        ({"resolve": -3}, "resolve", "请填写大于零的整数。"),
        ({"dispatch": "两天"}, "dispatch", "输入整数。"),
        ({"parent": "consultation"}, "parent", None),  # a request category: another kind
        ({"handling_level": "department"}, "department", None),
    ],
)
def test_a_category_that_cannot_be_saved_is_a_form_error(county_admin, changes, field, message):
    before = _state()

    response = _client(county_admin).post(
        reverse("cases:category-edit", args=["dispute"]), _category(**changes)
    )

    assert response.status_code == 200
    errors = _errors(response, field)
    assert errors, response.context["form"].errors
    if message:
        assert errors == [message]
    assert 'class="invalid-feedback' in response.content.decode()
    assert _state() == before


def test_a_new_category_cannot_take_an_existing_code(county_admin):
    before = _state()

    response = _client(county_admin).post(
        reverse("cases:category-create"), _category(name="新纠纷")
    )

    assert response.status_code == 200 and _errors(response, "code")
    assert _state() == before


# --- departments -------------------------------------------------------------------------


def test_a_county_admin_creates_and_edits_a_department(county_admin, clerk, worker):
    client = _client(county_admin)
    form = client.get(reverse("cases:department-create")).context["form"]
    assert {code for code, _name in form.fields["area_code"].choices} >= {COUNTY, TOWN}
    assert VILLAGE not in {code for code, _name in form.fields["area_code"].choices}
    assert list(form.fields["members"].queryset) == [clerk]  # department staff only

    created = client.post(
        reverse("cases:department-create"),
        {
            "code": "roads",
            "name": "县交通运输局",
            "area_code": COUNTY,
            "members": [clerk.pk],
            "is_active": "on",
        },
    )
    assert created.status_code == 302, created.context["form"].errors
    roads = Department.objects.get(code="roads")
    assert (roads.name, roads.area_code, roads.is_active) == ("县交通运输局", COUNTY, True)
    assert list(roads.members.all()) == [clerk]
    listing = client.get(reverse("cases:departments")).content.decode()
    assert "县交通运输局" in listing and "李文" in listing
    assert reverse("cases:department-edit", args=["roads"]) in listing

    url = reverse("cases:department-edit", args=["roads"])
    form = client.get(url).context["form"]
    assert form["members"].value() == [clerk.pk] and form["area_code"].value() == COUNTY
    edited = client.post(url, {"code": "ignored", "name": "交通局", "area_code": TOWN})
    assert edited.status_code == 302, edited.context["form"].errors
    roads.refresh_from_db()
    assert (roads.code, roads.name, roads.area_code, roads.is_active) == (
        "roads",
        "交通局",
        TOWN,
        False,
    )
    assert not roads.members.exists()
    entries = AuditEntry.objects.filter(action="department.save").order_by("id")
    assert [(e.actor, e.object_id) for e in entries] == [(county_admin, str(roads.pk))] * 2
    assert entries[0].after["members"] == [clerk.pk] and entries[1].after["members"] == []
    assert entries[1].before["name"] == "县交通运输局"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"code": "roads", "name": "另一个局"}, "code"),  # the code exists
        ({"code": "water", "name": ""}, "name"),
        ({"code": "water", "name": "水利局", "area_code": VILLAGE}, "area_code"),
        ({"code": "坏", "name": "水利局"}, "code"),
    ],
)
def test_a_department_that_cannot_be_saved_is_a_form_error(county_admin, data, field):
    Department.objects.create(code="roads", name="县交通运输局", area_code=COUNTY)
    before = _state()

    response = _client(county_admin).post(
        reverse("cases:department-create"), {"area_code": COUNTY, **data}
    )

    assert response.status_code == 200 and _errors(response, field)
    assert _state() == before


def test_a_category_can_be_handled_by_a_department(county_admin):
    Department.objects.create(code="roads", name="县交通运输局", area_code=COUNTY)

    response = _client(county_admin).post(
        reverse("cases:category-create"),
        _category(
            code="road_damage", name="道路损坏", handling_level="department", department="roads"
        ),
    )

    assert response.status_code == 302, response.context["form"].errors
    assert Category.objects.get(code="road_damage").department.code == "roads"
    listing = _client(county_admin).get(reverse("cases:categories")).content.decode()
    assert "县交通运输局" in listing


# --- who reaches them --------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["town_admin", "chief", "worker"])
def test_only_a_county_admin_reaches_the_configuration(persona, request):
    client = _client(request.getfixturevalue(persona))
    Department.objects.create(code="roads", name="县交通运输局", area_code=COUNTY)
    before = _state()

    pages = [
        (reverse("cases:categories"), {}),
        (reverse("cases:category-create"), _category(code="spy")),
        (reverse("cases:category-edit", args=["dispute"]), _category(accept=99)),
        (reverse("cases:departments"), {}),
        (reverse("cases:department-create"), {"code": "spy", "name": "x", "area_code": COUNTY}),
        (
            reverse("cases:department-edit", args=["roads"]),
            {"name": "x", "area_code": COUNTY},
        ),
    ]
    for url, data in pages:
        assert client.get(url).status_code == 403, url
        assert client.post(url, data).status_code == 403, url
    assert _state() == before


def test_the_case_tabs_link_the_configuration_for_a_county_admin(county_admin, chief):
    admin = _client(county_admin).get(reverse("cases:inbox")).content.decode()
    staff = _client(chief).get(reverse("cases:inbox")).content.decode()

    for name in ("cases:categories", "cases:departments"):
        assert reverse(name) in admin and reverse(name) not in staff
    page = _client(county_admin).get(reverse("cases:departments")).content.decode()
    assert 'id="case-tab-departments"' in page and 'aria-current="page"' in page
