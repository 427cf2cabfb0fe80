"""Cases (事件与诉求): patrol reports and residents' requests, from intake to closure."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "yiwang.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self):
        # The case tally, checked and rebuilt by core.
        from yiwang.accounts import scope
        from yiwang.cases import home
        from yiwang.cases.services import tally
        from yiwang.core import menus, tallies

        tallies.register(tally.REGISTRATION)
        # The audit log names this app's actions: each transition by its own name.
        from yiwang.cases.views.cases import ACTION_LABELS
        from yiwang.core import audit

        audit.register_actions(
            {
                "case.create": _("Report a case"),
                "case.attach": _("Add photos to a case"),
                "case.notices_read": _("Read case notices"),
                "case.reveal_phone": _("Reveal a reporter's phone number"),
                "case.escalate": _("Escalate a case"),
                "case.remind": _("Remind of a case"),
                "case_category.save": _("Save a case category"),
                "department.save": _("Save a department"),
                **{f"case.{name}": label for name, label in ACTION_LABELS.items()},
            }
        )

        # The main menu (what waits, the notices with their badge and reporting are also
        # tabs of the phone's bar), and the settings of the county admin.
        item = menus.MenuItem
        configure = scope.can_configure
        menus.register(
            item(
                "cases.inbox", _("To do"), "cases:inbox", "cases", 10, tab=2, tab_label=_("Cases")
            ),
            item("cases.list", _("All cases"), "cases:list", "cases", 20),
            item(
                "cases.create",
                _("Report a case"),
                "cases:create",
                "cases",
                30,
                tab=3,
                tab_label=_("Report"),
            ),
            item(
                "cases.notices",
                _("Notices"),
                "cases:notices",
                "cases",
                40,
                badge=home.unread_count,
            ),
            item("cases.overdue", _("Overdue cases"), "cases:overdue", "cases", 50),
            item("cases.rates", _("Rates"), "cases:rates", "cases", 60),
            item(
                "cases.categories",
                _("Category settings"),
                "cases:categories",
                "settings",
                10,
                configure,
            ),
            item(
                "cases.departments",
                _("Department settings"),
                "cases:departments",
                "settings",
                20,
                configure,
            ),
        )
        home.register()

        # The cases' figures in the cockpit's registry: the lists its API gives.
        from django.urls import reverse
        from django.utils import timezone

        from yiwang.cases.filters import CaseFilterSet
        from yiwang.cases.selectors import rates
        from yiwang.cases.states import OPEN
        from yiwang.core import indicators

        def rate_of(figure: str):
            def compute(area, period):
                month = rates.Period.month(period.first)
                found = indicators.shared(
                    ("cases.rates", area.code, month),
                    lambda: rates.case_rates(area, "area", month),
                )
                return getattr(found.total, figure), {
                    row.key: getattr(row.figures, figure) for row in found.rows
                }

            return compute

        def cases_behind(part: str):
            def page(code: str, period) -> str:
                filters = {"under": code, **rates.Period.month(period.first).filters()}
                return f"{reverse('cases:rate-cases')}?{rates.cases_query(filters, part)}"

            return page

        still_open = {"status": sorted(OPEN)}
        indicators.register(
            indicators.Indicator(
                "cases.open",
                _("Open cases"),
                _(
                    "Cases of the area not closed, rejected or merged: waiting, being handled or resolved and awaiting the follow-up."
                ),
                _("cases"),
                "cases",
                "cases.Case",
                CaseFilterSet,
                "api:case-list",
                "cases:list",
                params=still_open,
                order=20,
            ),
            indicators.Indicator(
                "cases.overdue",
                _("Late cases"),
                _("Open cases past the due time of their current stage."),
                _("cases"),
                "cases",
                "cases.Case",
                CaseFilterSet,
                "api:case-list",
                "cases:list",
                params={**still_open, "overdue": "true"},
                order=21,
            ),
            indicators.Indicator(
                "cases.reported",
                _("Cases reported"),
                _(
                    "Cases reported in the area in the month: patrol reports and residents' requests."
                ),
                _("cases"),
                "cases",
                "cases.Case",
                CaseFilterSet,
                "api:case-list",
                "cases:list",
                params=lambda: rates.Period.month(timezone.localdate().replace(day=1)).filters(),
                monthly=lambda period: rates.Period.month(period.first).filters(),
                order=22,
            ),
            *(
                indicators.Rate(
                    f"cases.{figure}",
                    name,
                    definition,
                    "cases",
                    compute=rate_of(figure),
                    page=cases_behind(part),
                    order=order,
                    # The response rate is in the table; the front shows the outcome.
                    main=figure != "response_rate",
                )
                for figure, part, name, definition, order in (
                    (
                        "response_rate",
                        "responded_on_time",
                        _("Response rate"),
                        _(
                            "Of the cases reported in the month and answered, those answered in time."
                        ),
                        23,
                    ),
                    (
                        "on_time_rate",
                        "resolved_on_time",
                        _("On-time resolution rate"),
                        _(
                            "Of the cases reported in the month and resolved, those resolved in time."
                        ),
                        24,
                    ),
                    (
                        "satisfaction_rate",
                        "satisfied",
                        _("Satisfaction rate"),
                        _(
                            "Of the cases reported in the month and rated, those rated satisfied or basically satisfied."
                        ),
                        25,
                    ),
                )
            ),
        )

        # Cases' notifications go to the one inbox (notices.Notification): their kinds, each
        # linked to its case, and who a department's notifications reach.
        from yiwang.cases import selectors
        from yiwang.cases.models import (
            CASE_OBJECT_TYPE,
            NoticeKind,
            department_ids,
            forget_departments,
        )
        from yiwang.notices import addressees, kinds

        kinds.register(
            *(
                kinds.Kind(
                    kind.value,
                    kind.label,
                    module="cases",
                    object_type=CASE_OBJECT_TYPE,
                    links=selectors.case_links,
                )
                for kind in NoticeKind
            )
        )
        addressees.register_departments(department_ids, forget_departments)

        # Prometheus's scrape (yiwang.core.metrics): the open cases past their due time.
        from yiwang.core import metrics

        metrics.register(
            metrics.Gauge(
                "cases_overdue",
                "Open cases past the due time of their current stage (parked ones left out).",
                rates.overdue_count,
            )
        )
