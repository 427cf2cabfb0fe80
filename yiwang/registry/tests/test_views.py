"""The ledger pages: list and search, cards, reveal, export; masked and scoped."""

import io

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import Client

from yiwang.core import export_services, exports
from yiwang.core.models import AuditEntry
from yiwang.registry.models import Resident, Reveal
from yiwang.registry.services import reveal


def _client(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def people(household, other_household):
    Resident.objects.filter(name="张三").update(phone="13812345678", phone_tail="5678")
    return Resident.objects.get(name="张三")


def test_the_list_shows_the_scope_with_numbers_masked(worker, people):
    body = _client(worker).get("/ledger/").content.decode()

    assert "张三" in body and "李四" in body and "王五" not in body
    assert people.id_number not in body and people.masked_id_number in body
    assert "13812345678" not in body and "138****5678" in body


def test_it_searches_by_pinyin_initials(worker, people):
    body = _client(worker).get("/ledger/?search=zs").content.decode()

    assert "张三" in body and "李四" not in body


def test_another_villages_cards_are_not_found(outsider, people):
    client = _client(outsider)

    assert client.get(f"/ledger/residents/{people.pk}/").status_code == 404
    assert client.get(f"/ledger/households/{people.household_id}/").status_code == 404
    table = client.get("/ledger/?search=张三").content.decode().split('id="resident-table"')[1]
    assert "张三" not in table


def test_the_household_card_lists_members_and_history(worker, people):
    body = _client(worker).get(f"/ledger/households/{people.household_id}/").content.decode()

    assert "张三" in body and "李四" in body and people.id_number not in body
    assert 'id="history"' in body


def test_revealing_on_the_card_takes_the_permission_and_is_shown_as_who_looked(chief, people):
    client = _client(chief)
    card = client.get(f"/ledger/residents/{people.pk}/").content.decode()
    assert 'value="id_number"' not in card  # the phone only, without the permission
    refused = client.post(
        f"/ledger/residents/{people.pk}/", {"field": "id_number", "reason": "核实低保申请"}
    )
    assert people.id_number not in refused.content.decode()

    chief.user_permissions.add(Permission.objects.get(codename="reveal_personal_data"))
    response = client.post(
        f"/ledger/residents/{people.pk}/", {"field": "id_number", "reason": "核实低保申请"}
    )

    body = response.content.decode()
    assert people.id_number in body and "核实低保申请" in body
    assert Reveal.objects.filter(resident=people, user=chief).count() == 1


def _exported(user, fmt="csv", full=False, **params) -> str:
    """The ledger's background export of `user` (run here, as the queue would), as text."""
    kind = "registry.residents_full" if full else "registry.residents"
    job = export_services.start_export(actor=user, kind=kind, params=params, fmt=fmt)
    exports.run_export(job.pk)
    job.refresh_from_db()
    with exports.default_storage.open(job.file_name, "rb") as handle:
        content = handle.read()
    if fmt == "csv":
        return content.decode("utf-8-sig")
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return "\n".join(str(c.value) for row in sheet.iter_rows() for c in row)


def test_a_worker_reveals_a_phone_of_their_unit_to_call_and_the_look_is_recorded(
    worker, outsider, people
):
    """The grid worker who answers for a household may call its people: the phone is
    revealed with a reason, recorded, and becomes a tel: link; the ID number stays
    masked, and nobody outside the unit's scope sees either."""
    assert not worker.has_perm("registry.reveal_personal_data")
    client = _client(worker)
    household = client.get(f"/ledger/households/{people.household_id}/").content.decode()
    assert f"/ledger/residents/{people.pk}/?field=phone" in household

    response = client.post(
        f"/ledger/residents/{people.pk}/", {"field": "phone", "reason": "电话通知入户走访"}
    )
    body = response.content.decode()
    assert f'href="tel:{people.phone}"' in body and people.id_number not in body
    look = Reveal.objects.get(resident=people, user=worker)
    assert (look.field, look.reason) == ("phone", "电话通知入户走访")
    assert AuditEntry.objects.filter(action="resident.reveal", actor=worker).count() == 1
    with pytest.raises(PermissionDenied):
        reveal(actor=worker, resident_id=people.pk, field="id_number", reason="核实低保申请")
    with pytest.raises(Http404):
        reveal(actor=outsider, resident_id=people.pk, field="phone", reason="想看看号码")


def test_the_export_is_masked_by_default_and_full_only_with_the_permission(chief, people):
    masked = _exported(chief, "xlsx")
    assert people.masked_id_number in masked and people.id_number not in masked
    with pytest.raises(PermissionDenied):
        _exported(chief, full=True)

    chief.user_permissions.add(Permission.objects.get(codename="export_personal_data"))
    chief = type(chief).objects.get(pk=chief.pk)
    assert people.id_number in _exported(chief, full=True)
    assert AuditEntry.objects.filter(action="resident.export").count() == 2


def test_the_outsiders_export_holds_none_of_another_village(outsider, people):
    body = _exported(outsider)

    assert "王五" in body and "张三" not in body


def test_each_tree_node_shows_its_households_residents_and_tags(chief, people):
    from conftest import GRID, VILLAGE
    from yiwang.registry.services import set_tags

    set_tags(actor=None, resident_id=people.pk, tags=["dibao"])

    body = _client(chief).get(f"/areas/{VILLAGE}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    grid_row = body.split(f"{GRID}</span>")[1].split("</a>")[0]
    assert "Households 1" in grid_row and "Key households 1" in grid_row
    assert "Residents 2" in grid_row and "低保 1" in grid_row


def test_the_import_template_has_text_columns_and_dropdowns_and_imports_back(chief, tree):
    from conftest import UNIT
    from yiwang.registry.importers import import_ledger, read_ledger

    from .conftest import make_id

    response = _client(chief).get("/ledger/template.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book["台账"]

    assert [c.value for c in sheet[1]][:5] == [
        "户编号",
        "单元网格编码",
        "姓名",
        "公民身份号码",
        "与户主关系",
    ]
    assert sheet["D2"].number_format == "@" and sheet["H2"].number_format == "@"
    ranges = {str(v.sqref): v.formula1 for v in sheet.data_validations.dataValidation}
    assert "E2:E5000" in ranges and "J2:J5000" in ranges and "K2:K5000" in ranges
    assert "低保" in [c.value for c in book["选项"]["C"]]

    sheet.append(
        ["301", UNIT, "冯一", make_id("19700707", "019"), "户主", "", "", "", "", "低保", ""]
    )
    buffer = io.BytesIO()
    book.save(buffer)
    ledger = read_ledger(buffer.getvalue(), "filled.xlsx")
    report = import_ledger(actor=None, rows=ledger.records(), labels=ledger.labels)
    assert report.ok, report.errors
    assert Resident.objects.get(name="冯一").household.category == "key"


def test_the_household_history_keeps_who_left_and_who_came(
    county_admin, worker, people, other_household
):
    from yiwang.registry.services import transfer

    spouse = Resident.objects.get(name="李四")
    transfer(
        actor=county_admin,
        resident_id=spouse.pk,
        to_household_id=other_household.pk,
        relation="spouse",
    )

    history = _client(worker).get(f"/ledger/households/{people.household_id}/").content.decode()
    assert "李四" in history.split('id="history"')[1]


def test_a_search_for_a_number_is_logged_masked(chief, people):
    _exported(chief, search=people.id_number, junk="1")

    entry = AuditEntry.objects.get(action="resident.export")
    assert entry.after["filters"] == {"search": people.masked_id_number}


def test_the_card_shows_only_the_birth_year_of_someone_with_an_id_number(worker, people):
    body = _client(worker).get(f"/ledger/residents/{people.pk}/").content.decode()

    assert "1960-**-**" in body and "1960-03-02" not in body
