"""The ledger (台账): households, residents, tags, life events and migrants, by unit."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "yiwang.registry"
    label = "registry"
    verbose_name = _("Ledger")

    def ready(self):
        # Registers the ledger importer for background import jobs.
        # The ledger's figures for each child on an area's page.
        # The ledger's tally, checked and rebuilt by core.
        from yiwang.accounts import scope
        from yiwang.areas import panels
        from yiwang.core import menus, tallies
        from yiwang.registry import importers  # noqa: F401
        from yiwang.registry.services import tally

        tallies.register(tally.REGISTRATION)
        # The audit log names this app's actions, and what an export records.
        from yiwang.core import audit

        audit.register_actions(
            {
                "household.create": _("Add a household"),
                "household.update": _("Edit a household"),
                "household.set_category": _("Set a household's category"),
                "household.change_head": _("Change a household's head"),
                "resident.create": _("Add a resident"),
                "resident.update": _("Edit a resident"),
                "resident.set_tags": _("Set a resident's tags"),
                "resident.transfer": _("Move a resident to another household"),
                "resident.move_out": _("Record a resident moving out"),
                "resident.death": _("Record a resident's death"),
                "resident.reveal": _("Reveal a resident's number"),
                "resident.export": _("Export residents"),
                "migrant.create": _("Register a migrant"),
                "migrant.left": _("Record a migrant leaving"),
                "tag.create": _("Add a tag"),
                "tag.update": _("Edit a tag"),
            },
            fields={
                "resident.export": {
                    "count": _("Rows"),
                    "filters": _("Filters"),
                    "full": _("Full ID and phone numbers"),
                    "search": _("Search"),
                    "under": _("Area"),
                    "tag": _("Tag"),
                    "status": _("Status"),
                    "category": _("Category"),
                    "address": _("Address"),
                    "fmt": _("Format"),
                    "key": _("Key household"),
                }
            },
        )

        # The ledger's figures in the cockpit's registry: the lists its API gives.
        from django.db.models import Count, Sum
        from django.db.models.functions import Substr
        from django.utils.text import format_lazy

        from yiwang.core import indicators
        from yiwang.core.scoping import subtree_q
        from yiwang.registry.filters import HouseholdFilterSet, ResidentFilterSet
        from yiwang.registry.models import LedgerTally, ResidentTag, Tag
        from yiwang.registry.tags import DEFAULT_TAGS

        def tallied(column: str):
            """{area code: sum} of a column of the per-unit ledger tally, by the areas of
            a code length under a code: one GROUP BY over a county's 8,000 units."""

            def read(code: str, length: int) -> dict[str, int]:
                rows = (
                    LedgerTally.objects.filter(area_code__startswith=code)
                    .annotate(area=Substr("area_code", 1, length))
                    .values("area")
                    .annotate(n=Sum(column))
                    .order_by()
                )
                return {row["area"]: row["n"] or 0 for row in rows}

            return read

        def tagged(code: str):
            """{area code: living residents carrying the tag now}, from the current tags'
            copies of their resident's unit and status (kept by triggers), read from the
            roll-up's index as the ledger's roll-up reads them."""

            def read(area: str, length: int) -> dict[str, int]:
                rows = (
                    ResidentTag.objects.current()
                    .filter(
                        subtree_q("area_code", area),
                        resident_living=True,
                        tag_id__in=Tag.objects.filter(code=code).values("id"),
                    )
                    .annotate(prefix=Substr("area_code", 1, length))
                    .values("prefix")
                    .annotate(n=Count("resident_id", distinct=True))
                    .order_by()
                )
                return {row["prefix"]: row["n"] for row in rows}

            return read

        indicators.register(
            indicators.Indicator(
                "registry.households",
                _("Households"),
                _("Households of the ledger living in the area (active)."),
                _("households"),
                "registry",
                "registry.Household",
                HouseholdFilterSet,
                "api:household-list",
                "registry:households",
                params={"status": "active"},
                order=10,
                tally=tallied("households"),
            ),
            indicators.Indicator(
                "registry.key_households",
                _("Key households"),
                _("Active households of the key category (重点户), paired with a cadre."),
                _("households"),
                "registry",
                "registry.Household",
                HouseholdFilterSet,
                "api:household-list",
                "registry:households",
                params={"status": "active", "category": "key"},
                order=11,
                tally=tallied("key_households"),
            ),
            indicators.Indicator(
                "registry.residents",
                _("Residents"),
                _("Residents of the ledger living in the area."),
                _("people"),
                "registry",
                "registry.Resident",
                ResidentFilterSet,
                "api:resident-list",
                "registry:residents",
                params={"status": "living"},
                order=12,
                tally=tallied("residents"),
                main=False,
            ),
            # Residents by tag: one figure for each of the default tags (their codes are
            # fixed by migration 0002; a county's own tags are in the ledger's roll-up).
            *(
                indicators.Indicator(
                    f"registry.tag_{code}",
                    format_lazy(_("Residents: {tag}"), tag=name),
                    format_lazy(
                        _("Living residents of the area who carry the tag {tag} now."), tag=name
                    ),
                    _("people"),
                    "registry",
                    "registry.Resident",
                    ResidentFilterSet,
                    "api:resident-list",
                    "registry:residents",
                    params={"status": "living", "tag": code},
                    tally=tagged(code),
                    order=13 + n,
                    main=False,
                )
                for n, (code, name, _category, _key) in enumerate(DEFAULT_TAGS)
            ),
        )

        panels.register_child_figures(
            panels.ChildFigures(
                key="registry.ledger",
                add=add_ledger_figures,
                badges="registry/_area_child_badges.html",
            )
        )
        # A town's and the county's home: the ledger's figures of the area.
        from yiwang.accounts import homes

        homes.register(
            homes.Panel(
                "registry.summary",
                (homes.TOWN, homes.COUNTY),
                "registry/_home_summary.html",
                home_summary,
                30,
            )
        )
        # The main menu: the ledger's lists; its tags are the county admin's settings.
        item = menus.MenuItem
        menus.register(
            item("registry.residents", _("Residents"), "registry:residents", "ledger", 10),
            item("registry.migrants", _("Migrants"), "registry:migrants", "ledger", 20),
            item(
                "registry.duplicates", _("Likely duplicates"), "registry:duplicates", "ledger", 30
            ),
            item("registry.tags", _("Tags"), "registry:tags", "settings", 30, scope.can_configure),
        )


def add_ledger_figures(area, children: list[dict]) -> None:
    """Sets on each child row of an area's page (areas.panels) its active households, key
    households and living residents, and the living residents carrying each active tag
    (names and counts, the tags with none left out)."""
    from yiwang.registry.models import Tag
    from yiwang.registry.selectors import ledger_rollup

    ledger = {row["code"]: row for row in ledger_rollup(area)}
    tag_names = dict(Tag.objects.filter(is_active=True).values_list("code", "name"))
    for child in children:
        figures = ledger.get(child["code"], {})
        child["households"] = figures.get("households", 0)
        child["key_households"] = figures.get("key_households", 0)
        child["residents"] = figures.get("residents", 0)
        child["tag_counts"] = [
            (tag_names[code], n)
            for code, n in figures.get("tags", {}).items()
            if n and code in tag_names
        ]


def home_summary(request) -> dict | None:
    """The ledger's figures of the user's area on their home (accounts.homes): active
    households, key households, living residents, summed over the area's children from
    the tallies."""
    from yiwang.areas.selectors import default_area
    from yiwang.registry.selectors import ledger_rollup

    area = default_area(request.user)
    if area is None:
        return None
    rows = ledger_rollup(area)
    return {
        "ledger_area": area,
        "ledger_households": sum(r.get("households", 0) for r in rows),
        "ledger_key_households": sum(r.get("key_households", 0) for r in rows),
        "ledger_residents": sum(r.get("residents", 0) for r in rows),
    }
