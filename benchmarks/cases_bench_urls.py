"""The URL map of the `caseapi` benchmark's gunicorn: the app's own, and two yardsticks the
case API is measured against. Only the benchmark loads it (benchmarks/cases_bench_settings.py);
production URLs never have it.

- `bench/bare/`: a bare Django view returning a small JSON body (no database).
- `bench/floor/`: the least a case creation must do in the database, written by hand: the
  token looked up, then in one transaction the case row, its timeline row and its audit
  row inserted with prepared SQL; no checks of any kind, no scope, no serializer. What the
  API can reach at best on the same machine, with the same schema (its indexes and the
  tally's triggers).
- `bench/visit-floor/`: the same for a visit (the `visitapi` benchmark): the token looked
  up, then in one transaction the visit row inserted, the household's scheduled visits
  marked done, and the audit row inserted.
- `bench/redemption-floor/`: the same for a redemption (the `shopapi` benchmark), defined in
  benchmarks/shop_bench.py."""

import json
import secrets

from django.db import connection, transaction
from django.http import JsonResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from knox.crypto import hash_token
from shop_bench import redemption_floor

from yiwang.urls import urlpatterns as app_urlpatterns


def bare(request):
    """No database, no authentication: the middleware, the view, a small JSON body."""
    return JsonResponse({"ok": True, "service": "yiwang", "version": 1})


_FLOOR: dict = {}


def _floor_statements() -> dict:
    """The INSERT statements and the constant columns of the floor's rows, made once."""
    if _FLOOR:
        return _FLOOR
    from cases_bench import _column_defaults

    from yiwang.cases.models import Case, CaseEvent, Category
    from yiwang.core.models import AuditEntry

    quote = connection.ops.quote_name
    given = [
        "category",
        "source",
        "title",
        "text",
        "area_code",
        "status",
        "dispatcher_area_code",
        "assignee_level",
        "assignee_area_code",
        "reported_at",
        "due_at",
        "tracking_code",
        "created_at",
        "updated_at",
    ]
    defaults = _column_defaults(given)

    def insert(model, names):
        columns = ", ".join(quote(model._meta.get_field(n).column) for n in names)
        marks = ", ".join(["%s"] * len(names))
        table = quote(model._meta.db_table)
        return f"INSERT INTO {table} ({columns}) VALUES ({marks}) RETURNING {quote('id')}"

    _FLOOR.update(
        case=insert(Case, given + list(defaults)),
        defaults=tuple(defaults.values()),
        event=insert(
            CaseEvent,
            [
                "case",
                "kind",
                "from_status",
                "to_status",
                "actor",
                "actor_name",
                "note",
                "at",
                "data",
            ],
        ),
        audit=insert(
            AuditEntry,
            [
                "at",
                "actor",
                "actor_username",
                "source",
                "action",
                "object_type",
                "object_id",
                "object_repr",
                "area_code",
            ],
        ),
        categories=dict(Category.objects.values_list("code", "id")),
    )
    return _FLOOR


@csrf_exempt  # token-authenticated, as the API is
def floor(request):
    """The writes of a case creation and nothing else (see the module's docstring)."""
    statements = _floor_statements()
    key = request.headers.get("Authorization", "").removeprefix("Token ")
    body = json.loads(request.body)
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute("SELECT user_id FROM knox_authtoken WHERE digest = %s", [hash_token(key)])
        row = cursor.fetchone()
        if row is None:
            return JsonResponse({"detail": "no such token"}, status=401)
        user_id = row[0]
        village = body["unit_code"][:12]
        with transaction.atomic():
            cursor.execute(
                statements["case"],
                [
                    statements["categories"][body["category"]],
                    "patrol",
                    body["text"][:30],
                    body["text"],
                    body["unit_code"],
                    "reported",
                    village,
                    "village",
                    village,
                    now,
                    now,
                    secrets.token_hex(6),
                    now,
                    now,
                    *statements["defaults"],
                ],
            )
            case_id = cursor.fetchone()[0]
            cursor.execute(
                statements["event"],
                [
                    case_id,
                    "reported",
                    "",
                    "reported",
                    user_id,
                    "",
                    "",
                    now,
                    json.dumps({"source": "patrol"}),
                ],
            )
            cursor.execute(
                statements["audit"],
                [
                    now,
                    user_id,
                    "",
                    "api",
                    "case.create",
                    "cases.case",
                    str(case_id),
                    "",
                    body["unit_code"],
                ],
            )
    return JsonResponse({"id": case_id, "status": "reported"}, status=201)


@csrf_exempt  # token-authenticated, as the API is
def visit_floor(request):
    """The writes of a visit and nothing else (see the module's docstring)."""
    key = request.headers.get("Authorization", "").removeprefix("Token ")
    body = json.loads(request.body)
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute("SELECT user_id FROM knox_authtoken WHERE digest = %s", [hash_token(key)])
        row = cursor.fetchone()
        if row is None:
            return JsonResponse({"detail": "no such token"}, status=401)
        user_id = row[0]
        with transaction.atomic():
            cursor.execute(
                "INSERT INTO outreach_visit (uuid, household_id, visitor_id, visited_at,"
                " outcome, notes, far_from_area, source, area_code, created_at, updated_at)"
                " SELECT %s, id, %s, %s, %s, %s, false, 'api', area_code, %s, %s"
                " FROM registry_household WHERE id = %s RETURNING id, area_code, visited_at",
                [
                    body["uuid"],
                    user_id,
                    body["visited_at"],
                    body["outcome"],
                    body["notes"],
                    now,
                    now,
                    body["household"],
                ],
            )
            visit_id, area_code, visited_at = cursor.fetchone()
            cursor.execute(
                "UPDATE outreach_scheduledvisit SET status = 'done', visit_id = %s,"
                " visit_at = %s, closed_on = %s, updated_at = %s"
                " WHERE household_id = %s AND status = 'scheduled'",
                [visit_id, visited_at, now.date(), now, body["household"]],
            )
            cursor.execute(
                "INSERT INTO core_auditentry (at, actor_id, actor_username, source, action,"
                " object_type, object_id, object_repr, area_code)"
                " VALUES (%s, %s, '', 'api', 'visit.record', 'outreach.visit', %s, '', %s)",
                [now, user_id, str(visit_id), area_code],
            )
    return JsonResponse({"id": visit_id}, status=201)


urlpatterns = [
    path("bench/bare/", bare, name="bench-bare"),
    path("bench/floor/", floor, name="bench-floor"),
    path("bench/visit-floor/", visit_floor, name="bench-visit-floor"),
    # The writes of a redemption by hand (the `shopapi` benchmark, benchmarks/shop_bench.py).
    path("bench/redemption-floor/", redemption_floor, name="bench-redemption-floor"),
    *app_urlpatterns,
]
