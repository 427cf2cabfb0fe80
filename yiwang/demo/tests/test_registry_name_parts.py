"""The demo ledger's residents are found by any part of their name: its bulk inserts
fill the table of the names' suffixes that search reads (registry migration 0005)."""

from django.db import connection

from yiwang.demo.registry import build_demo_ledger
from yiwang.registry.models import Resident
from yiwang.registry.selectors import search_residents


def test_the_demo_ledger_is_findable_by_any_part_of_a_name(tree):
    build_demo_ledger(per_unit=2)

    with connection.cursor() as cursor:
        cursor.execute("SELECT part, resident_id FROM registry_resident_name_part")
        stored = set(cursor.fetchall())
    expected = {
        (name[i:], pk)
        for pk, name in Resident.objects.values_list("pk", "name")
        for i in range(len(name))
    }
    assert stored == expected and expected
    person = Resident.objects.filter(name__regex=r"^...$").order_by("pk").first()
    assert person is not None
    given = person.name[1:]
    found = search_residents(Resident.objects.all(), given)
    assert found.filter(pk=person.pk).exists()
    assert all(given in name for name in found.values_list("name", flat=True))
