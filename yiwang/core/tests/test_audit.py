"""Building an audit entry: `build_entry` (what `record` saves), and `build_row`, the same
entry as a row for the bulk paths that write no model instances (the deadline sweep, the
ledger import's new households), which used to build their rows by hand."""

import datetime
import decimal
import re
import uuid
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from conftest import UNIT
from yiwang.core import audit
from yiwang.core.bulk import db_value, insert_rows
from yiwang.core.models import AuditEntry, AuditSource

# Every field of an entry but its id.
FIELDS = [f.attname for f in AuditEntry._meta.concrete_fields if f.name != "id"]


@pytest.fixture
def thing(db):
    """Any model instance with an area code will do as the object of an entry."""
    return AuditEntry.objects.create(action="x", object_type="x", area_code=UNIT)


def _values(entry: AuditEntry) -> dict:
    return {name: getattr(entry, name) for name in FIELDS}


def test_the_row_fields_are_the_entry_fields():
    assert list(audit.ROW_FIELDS) == [f.name for f in AuditEntry._meta.concrete_fields][1:]


def test_an_entry_names_its_object_and_its_actor(worker, thing):
    entry = audit.build_entry(actor=worker, action="thing.change", obj=thing)
    assert entry.pk is None  # built, not saved
    assert (entry.actor, entry.actor_username, entry.source, entry.action) == (
        worker,
        worker.get_username(),
        AuditSource.SYSTEM,
        "thing.change",
    )
    assert (entry.object_type, entry.object_id, entry.object_repr, entry.area_code) == (
        "core.auditentry",
        str(thing.pk),
        str(thing),
        UNIT,
    )


def test_what_is_given_wins_over_the_objects_own(thing):
    entry = audit.build_entry(
        actor=None,
        action="a",
        obj=thing,
        object_type="t",
        object_id="9",
        object_repr="r" * 300,
        area_code="370830",
    )
    assert (entry.object_type, entry.object_id, entry.object_repr, entry.area_code) == (
        "t",
        "9",
        "r" * 200,
        "370830",
    )


@pytest.mark.parametrize("actor", [None, AnonymousUser()])
def test_no_one_signed_in_is_the_system(actor):
    entry = audit.build_entry(actor=actor, action="a", object_type="t")
    assert (entry.actor, entry.actor_username) == (None, "")


def test_the_source_is_the_one_of_the_block():
    with audit.audit_source(AuditSource.TASK):
        assert audit.build_entry(actor=None, action="a").source == AuditSource.TASK
        assert audit.build_row(at=None, actor=None, action="a")[3] == AuditSource.TASK


def test_record_saves_the_entry_it_builds(worker, thing):
    kwargs = {"actor": worker, "action": "a", "obj": thing, "after": {"n": 1}}
    saved = audit.record(**kwargs)
    built = audit.build_entry(**kwargs)
    assert saved.pk is not None
    assert {**_values(saved), "at": None} == {**_values(built), "at": None}


DOCUMENTS = {
    "before": {
        "due_at": datetime.datetime(2024, 3, 5, 8, 30, tzinfo=datetime.UTC),
        "on": datetime.date(2024, 3, 5),
        "amount": decimal.Decimal("1.50"),
        "uuid": uuid.UUID(int=7),
        "codes": ("a", "b"),
        "name": "张三",
        "nothing": None,
    },
    "after": {"members": [{"id": 1, "name": "李四", "tags": ["x"]}], "n": 2},
}


@pytest.mark.parametrize("signed_in", [True, False])
def test_a_row_writes_word_for_word_what_record_writes(worker, thing, signed_in):
    """Through COPY (PostgreSQL) or a multi-row INSERT (SQLite), read back: the same entry
    as `record` saves, field by field, documents included."""
    actor = worker if signed_in else None
    now = timezone.now()
    kwargs = {"actor": actor, "action": "thing.change", "obj": thing, **DOCUMENTS}
    recorded = audit.record(**kwargs)
    AuditEntry.objects.filter(pk=recorded.pk).update(at=now)
    at = db_value(AuditEntry, "at", now)
    insert_rows(AuditEntry, audit.ROW_FIELDS, [audit.build_row(at=at, **kwargs)])
    written = AuditEntry.objects.filter(action="thing.change").exclude(pk=recorded.pk).get()
    recorded.refresh_from_db()
    assert _values(written) == _values(recorded)
    assert written.before["due_at"] == "2024-03-05T08:30:00+00:00"
    assert written.before["amount"] == "1.50" and written.before["codes"] == ["a", "b"]


def test_a_row_without_documents_leaves_them_empty(thing):
    row = audit.build_row(at=None, actor=None, action="a", obj=thing)
    assert row[-2:] == (None, None)
    assert dict(zip(audit.ROW_FIELDS, row, strict=True))["object_id"] == str(thing.pk)


def test_personal_data_is_masked_as_in_a_snapshot(worker):
    values = {"phone": "13812345678", "id_number": "370829199001011234", "name": "张三"}
    assert audit.masked(values) == {
        "phone": "138****5678",
        "id_number": "3708**********1234",
        "name": "张三",
    }
    assert audit.masked({"phone": "", "id_number": None}) == {"phone": "", "id_number": None}
    worker.phone = values["phone"]
    assert audit.snapshot(worker)["phone"] == audit.masked(values)["phone"]


def test_every_action_written_in_the_code_has_a_label():
    """The audit pages name an action by its registered label: an action recorded under a
    literal name that no app registered would show as its internal name."""
    root = Path(audit.__file__).resolve().parents[1]
    written = set()
    for path in root.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        written |= set(re.findall(r'action="([a-z_]+\.[a-z_.]+)"', path.read_text()))
    assert len(written) > 30
    assert {action for action in written if audit.action_label(action) == action} == set()
