"""Enterprises: validation, scope, audit, and the import from CSV and Excel."""

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from conftest import OTHER_UNIT, UNIT, VILLAGE
from yiwang.core.exports import write_table
from yiwang.core.models import AuditEntry
from yiwang.outreach.importers import import_enterprises, read_enterprises
from yiwang.outreach.models import Enterprise
from yiwang.outreach.services import enterprises as services

pytestmark = pytest.mark.usefixtures("english")  # the tests read the messages

CODE = "91110000600037341L"
CODE2 = "91370830MA3C4KXX48"


def values(**changes):
    data = {"name": "汶上纺织有限公司", "credit_code": CODE, "area_code": VILLAGE}
    data.update(changes)
    return data


def test_it_registers_an_enterprise_and_audits_it_masked(chief):
    enterprise = services.create_enterprise(
        actor=chief, **values(credit_code=" 9111 0000 6000 3734 1l ", contact_phone="138 1234 5678")
    )
    assert (enterprise.credit_code, enterprise.contact_phone, enterprise.area_code) == (
        CODE,
        "13812345678",
        VILLAGE,
    )
    assert enterprise.masked_contact_phone == "138****5678"
    entry = AuditEntry.objects.get(action="enterprise.create")
    assert entry.after["contact_phone"] == "138****5678"


@pytest.mark.parametrize(
    "code, message",
    [
        ("91110000600037341X", "does not match"),
        ("9111000060003734", "has 18 characters"),
        ("9111000060003734IO", "not a unified social credit code"),
        ("", "Enter the enterprise's"),
    ],
)
def test_it_rejects_a_bad_credit_code(chief, code, message):
    with pytest.raises(ValidationError) as exc:
        services.create_enterprise(actor=chief, **values(credit_code=code))
    assert message in exc.value.message_dict["credit_code"][0]


def test_it_rejects_a_bad_phone(chief):
    with pytest.raises(ValidationError) as exc:
        services.create_enterprise(actor=chief, **values(contact_phone="1381234567"))
    assert set(exc.value.message_dict) == {"contact_phone"}


def test_it_answers_404_for_an_area_out_of_scope(chief, outsider):
    with pytest.raises(Http404):
        services.create_enterprise(actor=chief, **values(area_code=OTHER_UNIT))
    with pytest.raises(Http404):
        services.create_enterprise(actor=outsider, **values(area_code=UNIT))
    assert not Enterprise.objects.exists()


def test_it_refuses_a_town_as_the_area(town_admin):
    with pytest.raises(ValidationError) as exc:
        services.create_enterprise(actor=town_admin, **values(area_code="370830001"))
    assert set(exc.value.message_dict) == {"area"}


def test_it_refuses_a_duplicate_credit_code(chief):
    services.create_enterprise(actor=chief, **values())
    with pytest.raises(ValidationError) as exc:
        services.create_enterprise(actor=chief, **values(name="另一家"))
    assert "already registered" in exc.value.message_dict["credit_code"][0]


def test_it_updates_and_deactivates(chief, outsider):
    enterprise = services.create_enterprise(actor=chief, **values())
    services.update_enterprise(actor=chief, enterprise_id=enterprise.pk, area_code=UNIT)
    enterprise.refresh_from_db()
    assert enterprise.area_code == UNIT
    with pytest.raises(Http404):
        services.update_enterprise(actor=outsider, enterprise_id=enterprise.pk, industry="x")
    services.deactivate_enterprise(actor=chief, enterprise_id=enterprise.pk)
    enterprise.refresh_from_db()
    assert not enterprise.is_active
    assert list(
        AuditEntry.objects.filter(object_type="outreach.enterprise", object_id=str(enterprise.pk))
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["enterprise.create", "enterprise.update", "enterprise.deactivate"]


# --- import -----------------------------------------------------------------------------

HEADER = ["企业名称", "统一社会信用代码", "所属区域编码", "行业", "联系人", "联系电话"]


def _file(rows, fmt="csv"):
    data = write_table(fmt, HEADER, rows)
    return read_enterprises(data, f"enterprises.{fmt}")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_it_imports_a_good_file(chief, fmt):
    table = _file(
        [
            ["汶上纺织", CODE, VILLAGE, "纺织", "王经理", "13812345678"],
            ["南门食品", CODE2, UNIT, "食品", "", ""],
        ],
        fmt,
    )
    report = import_enterprises(actor=chief, rows=table.records(), labels=table.labels)
    assert report.errors == []
    assert report.counts() == {"created": 2, "updated": 0, "unchanged": 0}
    assert Enterprise.objects.get(credit_code=CODE2).area_code == UNIT
    assert AuditEntry.objects.filter(action="enterprise.create").count() == 2
    # Again: nothing changes.
    report = import_enterprises(actor=chief, rows=table.records(), labels=table.labels)
    assert report.counts() == {"created": 0, "updated": 0, "unchanged": 2}


def test_it_names_the_bad_rows_and_writes_nothing(chief):
    table = _file(
        [
            ["汶上纺织", CODE, VILLAGE, "纺织", "", "12345"],
            ["", "91110000600037341X", UNIT, "", "", ""],
            ["外镇企业", CODE2, OTHER_UNIT, "", "", ""],
            ["重复", CODE, VILLAGE, "", "", ""],
        ]
    )
    report = import_enterprises(actor=chief, rows=table.records(), labels=table.labels)
    messages = [str(e) for e in report.errors]
    assert not Enterprise.objects.exists()
    assert [e.row for e in report.errors] == [2, 3, 4, 5]
    assert "联系电话" in messages[0]
    assert "企业名称" in messages[1] and "统一社会信用代码" in messages[1]
    assert "所属区域编码" in messages[2]
    assert "row 2" in messages[3] or "2" in messages[3]


def test_it_rejects_a_file_without_the_required_columns(chief):
    data = write_table("csv", ["名称", "行业"], [["a", "b"]])
    with pytest.raises(ValidationError) as exc:
        read_enterprises(data, "e.csv")
    assert "统一社会信用代码" in exc.value.messages[0]


# --- pages ------------------------------------------------------------------------------


def test_the_enterprise_pages_work_within_the_scope(client, chief, outsider):
    client.force_login(chief)
    response = client.post(
        "/outreach/enterprises/new/",
        values(contact_phone="13812345678", industry="纺织"),
    )
    assert response.status_code == 302
    enterprise = Enterprise.objects.get()
    page = client.get(f"/outreach/enterprises/{enterprise.pk}/").content.decode()
    assert "138****5678" in page and "13812345678" not in page
    assert client.get("/outreach/enterprises/").context["page_obj"].paginator.count == 1
    response = client.post("/outreach/enterprises/new/", values(credit_code="123"))
    assert response.status_code == 200
    assert "credit_code" in response.context["form"].errors
    response = client.post(f"/outreach/enterprises/{enterprise.pk}/edit/", values(name="新名字"))
    assert response.status_code == 302
    enterprise.refresh_from_db()
    assert (enterprise.name, enterprise.contact_phone) == ("新名字", "13812345678")
    assert (
        client.post(
            f"/outreach/enterprises/{enterprise.pk}/active/", {"is_active": "0"}
        ).status_code
        == 302
    )
    client.force_login(outsider)
    assert client.get(f"/outreach/enterprises/{enterprise.pk}/").status_code == 404


def test_the_import_page_starts_a_preview(client, chief):
    client.force_login(chief)
    assert client.get("/outreach/enterprises/import/").status_code == 200
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = write_table("csv", HEADER, [["汶上纺织", CODE, VILLAGE, "", "", ""]])
    response = client.post(
        "/outreach/enterprises/import/",
        {"area": VILLAGE, "file": SimpleUploadedFile("e.csv", data, content_type="text/csv")},
    )
    assert response.status_code == 302
    assert "/imports/" in response["Location"]
