"""Benefit passes: issued to the winners of a final evaluation, signed with Ed25519 (JWS
compact), checked with nothing but the published JWKS, refused when altered, revoked,
expired, malformed or signed by an unknown key; keys rotated without breaking the passes
out; uses sent twice kept once; a pass used at two places within minutes flagged; scoped
for every persona."""

from __future__ import annotations

import base64
import datetime
import json
import uuid
from decimal import Decimal

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import GRID, OTHER_GRID, OTHER_UNIT, OTHER_VILLAGE, UNIT, VILLAGE
from yiwang.core.models import AuditEntry
from yiwang.core.reporting import add_months, month_end
from yiwang.notices.models import Notification
from yiwang.points.models import (
    AwardKind,
    Benefit,
    Evaluation,
    EvaluationStatus,
    Pass,
    PassUse,
    Selection,
    SigningKey,
)
from yiwang.points.services import keys
from yiwang.points.services import passes as services

pytestmark = pytest.mark.django_db
JSON = "application/json"
SECOND_UNIT = GRID + "002"


# --- helpers (the route checks and the browser test use them too) -------------------------


def make_household(unit=UNIT, number="001", name="张三丰"):
    from yiwang.registry.services import add_resident, create_household

    household = create_household(actor=None, unit_code=unit, number=number)
    add_resident(actor=None, household_id=household.pk, name=name, relation="head")
    return household


def last_month() -> datetime.date:
    return add_months(timezone.localdate().replace(day=1), -1)


def make_benefit(
    code="bus", award=AwardKind.RED_FLAG_GRID, operator="县公交公司", name="县城公交免费乘车"
):
    return Benefit.objects.create(code=code, name=name, operator=operator, award=award)


def final_evaluation(village, month=None) -> Evaluation:
    evaluation, _created = Evaluation.objects.get_or_create(
        area_code=village,
        month=month or last_month(),
        defaults={"status": EvaluationStatus.FINAL},
    )
    return evaluation


def select(evaluation, kind, *, grid_code="", household=None, name="第一网格"):
    return Selection.objects.create(
        evaluation=evaluation,
        kind=kind,
        grid_code=grid_code,
        household=household,
        area_code=grid_code or household.area_code,
        public_name=name,
        points=Decimal("10"),
    )


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def tampered(token: str, **changes) -> str:
    """The token with claims changed and the signature kept."""
    header, payload, signature = token.split(".")
    claims = json.loads(unb64(payload))
    claims.update(changes)
    payload = b64(json.dumps(claims, separators=(",", ":"), ensure_ascii=False).encode())
    return f"{header}.{payload}.{signature}"


@pytest.fixture
def passes_world(tree, county_admin, town_admin, chief, worker, outsider):
    """Two households of 第一网格 (two units), one of another grid of the village, one of
    the outsider's village; 第一网格 a red-flag grid of last month, the outsider's household
    a model villager; a bus benefit for red-flag grids, a park for model villagers."""
    own = make_household(UNIT, "001", "张三丰")
    neighbour = make_household(SECOND_UNIT, "002", "李四")
    other_grid = make_household(VILLAGE + "002001", "003", "赵六")
    foreign = make_household(OTHER_UNIT, "外101", "王五")
    bus = make_benefit()
    park = make_benefit("park", AwardKind.MODEL_VILLAGER, "县旅游公司", "景区免费游览")
    village = final_evaluation(VILLAGE)
    select(village, AwardKind.RED_FLAG_GRID, grid_code=GRID)
    select(final_evaluation(OTHER_VILLAGE), AwardKind.MODEL_VILLAGER, household=foreign, name="王*")
    return {
        "own": own,
        "neighbour": neighbour,
        "other_grid": other_grid,
        "foreign": foreign,
        "bus": bus,
        "park": park,
        "month": last_month(),
    }


def issued(world) -> dict:
    services.issue_passes(world["month"])
    return {p.household_id: p for p in Pass.objects.select_related("benefit", "key")}


# --- issuing -----------------------------------------------------------------------------


def test_issue_gives_every_household_of_a_red_flag_grid_and_a_winner_their_pass(passes_world):
    made = services.issue_passes(passes_world["month"])
    rows = {p.household_id: p for p in Pass.objects.select_related("benefit")}
    w = passes_world
    assert made == 3
    assert set(rows) == {w["own"].pk, w["neighbour"].pk, w["foreign"].pk}
    assert rows[w["own"].pk].benefit.code == "bus" and rows[w["foreign"].pk].benefit.code == "park"
    assert rows[w["own"].pk].holder_masked == "张*丰"
    assert rows[w["foreign"].pk].holder_masked == "王*"
    assert rows[w["own"].pk].grid_code == GRID and rows[w["foreign"].pk].grid_code == OTHER_GRID
    first = add_months(w["month"], 1)
    assert {(p.valid_from, p.valid_to) for p in rows.values()} == {(first, month_end(first))}
    assert w["other_grid"].pk not in rows  # another grid of the village: not selected


def test_issue_is_idempotent(passes_world):
    assert services.issue_passes(passes_world["month"]) == 3
    tokens = sorted(Pass.objects.values_list("token", flat=True))
    assert services.issue_passes(passes_world["month"]) == 0
    assert sorted(Pass.objects.values_list("token", flat=True)) == tokens


def test_only_final_evaluations_and_standing_selections_bring_passes(passes_world):
    Evaluation.objects.filter(area_code=VILLAGE).update(status=EvaluationStatus.NOTICE)
    Selection.objects.filter(household=passes_world["foreign"]).update(status="withdrawn")
    assert services.issue_passes(passes_world["month"]) == 0
    assert not Pass.objects.exists()


def test_issuing_is_the_county_admins(passes_world, chief, county_admin):
    with pytest.raises(PermissionDenied):
        services.issue_passes(passes_world["month"], actor=chief)
    assert not Pass.objects.exists()
    assert services.issue_passes(passes_world["month"], actor=county_admin) == 3
    assert AuditEntry.objects.filter(action="pass.issue", actor=county_admin).exists()


def test_issuing_for_a_month_whose_passes_have_expired_is_refused(passes_world):
    with pytest.raises(ValidationError) as error:
        services.issue_passes(add_months(passes_world["month"], -3))
    assert "month" in error.value.message_dict
    assert not Pass.objects.exists()


# --- verifying with nothing but the JWKS ---------------------------------------------------


def test_a_pass_verifies_with_nothing_but_the_published_jwks(passes_world):
    row = issued(passes_world)[passes_world["own"].pk]
    response = Client().get(reverse("api:pass-jwks"))  # no login
    assert response.status_code == 200
    assert "public" in response["Cache-Control"]
    published = response.json()["keys"]
    header_b64, payload_b64, signature_b64 = row.token.split(".")
    header = json.loads(unb64(header_b64))
    assert header["alg"] == "EdDSA" and header["typ"] == "JWT"
    jwk = next(k for k in published if k["kid"] == header["kid"])
    assert (jwk["kty"], jwk["crv"], jwk["use"], jwk["alg"]) == ("OKP", "Ed25519", "sig", "EdDSA")
    public = Ed25519PublicKey.from_public_bytes(unb64(jwk["x"]))
    signing_input = f"{header_b64}.{payload_b64}".encode()
    public.verify(unb64(signature_b64), signing_input)  # raises if it does not check
    claims = json.loads(unb64(payload_b64))
    assert claims["jti"] == str(row.pass_id) and claims["ben"] == "bus"
    assert claims["grd"] == GRID and claims["hn"] == "张*丰"
    assert claims["nbf"] < claims["exp"]
    # Altered, it no longer checks with the same key.
    with pytest.raises(InvalidSignature):
        public.verify(
            unb64(signature_b64), tampered(row.token, hn="李*").rsplit(".", 1)[0].encode()
        )


def test_the_server_accepts_a_valid_pass(passes_world, chief):
    row = issued(passes_world)[passes_world["own"].pk]
    result = services.verify_token(row.token)
    assert result.valid and result.code == "valid" and result.claims["jti"] == str(row.pass_id)
    client = Client()
    client.force_login(chief)
    answer = client.post(reverse("api:pass-verify"), {"token": row.token}, content_type=JSON)
    assert answer.status_code == 200
    assert answer.json()["valid"] is True and answer.json()["reason"]


def test_a_tampered_pass_is_refused(passes_world, chief):
    row = issued(passes_world)[passes_world["own"].pk]
    forged = tampered(row.token, hn="李*")
    result = services.verify_token(forged)
    assert not result.valid and result.code == "bad_signature"
    # A signature cut short, or another pass's signature, likewise.
    other = Pass.objects.exclude(pk=row.pk).first()
    spliced = row.token.rsplit(".", 1)[0] + "." + other.token.rsplit(".", 1)[1]
    assert services.verify_token(spliced).code == "bad_signature"
    assert services.verify_token(row.token[:-4]).code in {"bad_signature", "malformed"}
    client = Client()
    client.force_login(chief)
    answer = client.post(reverse("api:pass-verify"), {"token": forged}, content_type=JSON).json()
    assert answer["valid"] is False and answer["code"] == "bad_signature"
    assert "篡改" in answer["reason"] or "altered" in answer["reason"]


def test_a_revoked_pass_is_refused_and_published(passes_world, chief):
    row = issued(passes_world)[passes_world["own"].pk]
    services.revoke_pass(chief, row.pk, "户籍迁出")
    result = services.verify_token(row.token)
    assert not result.valid and result.code == "revoked"
    assert str(row.pass_id) in services.revoked_ids()
    entry = AuditEntry.objects.get(action="pass.revoke")
    assert entry.actor == chief and entry.after["revoke_reason"] == "户籍迁出"
    client = Client()
    client.force_login(chief)
    bundle = client.get(reverse("api:pass-bundle")).json()
    assert str(row.pass_id) in bundle["revoked"]
    assert bundle["benefits"]["bus"]["operator"] == "县公交公司"


def test_revoking_is_for_approvers_of_the_area(passes_world, worker, outsider, chief):
    rows = issued(passes_world)
    own = rows[passes_world["own"].pk]
    with pytest.raises(PermissionDenied):
        services.revoke_pass(worker, own.pk, "借给他人使用")
    with pytest.raises(Http404):
        services.revoke_pass(outsider, own.pk, "借给他人使用")
    with pytest.raises(Http404):
        services.revoke_pass(chief, rows[passes_world["foreign"].pk].pk, "借给他人使用")
    with pytest.raises(ValidationError) as error:
        services.revoke_pass(chief, own.pk, "  ")
    assert "reason" in error.value.message_dict
    assert not Pass.objects.filter(revoked_at__isnull=False).exists()


def test_malformed_expired_not_yet_valid_and_unknown_key_each_refused_with_its_reason(
    passes_world,
):
    row = issued(passes_world)[passes_world["own"].pk]
    reasons = set()
    for junk in ("", "abc", "a.b", "a.b.c", "x" * 3000, row.token + ".x", 12):
        result = services.verify_token(junk)
        assert not result.valid and result.code == "malformed", junk
        reasons.add(result.reason)
    # A header that is not EdDSA.
    header, rest = row.token.split(".", 1)
    none_alg = b64(json.dumps({"alg": "none", "kid": row.key.kid}).encode())
    assert services.verify_token(f"{none_alg}.{rest}").code == "malformed"

    after = timezone.make_aware(datetime.datetime.combine(row.valid_to, datetime.time(23, 0)))
    expired = services.verify_token(row.token, at=after + datetime.timedelta(hours=2))
    assert expired.code == "expired" and row.valid_to.isoformat() in expired.reason
    early = services.verify_token(row.token, at=after - datetime.timedelta(days=40))
    assert early.code == "not_yet_valid" and row.valid_from.isoformat() in early.reason
    assert services.verify_token(row.token, at=after).valid  # the last evening still counts

    # Signed with a key this system never made, with a kid it does not know.
    stranger = Ed25519PrivateKey.generate()
    head = b64(json.dumps({"alg": "EdDSA", "kid": "stranger", "typ": "JWT"}).encode())
    body = row.token.split(".")[1]
    signature = b64(stranger.sign(f"{head}.{body}".encode()))
    unknown = services.verify_token(f"{head}.{body}.{signature}")
    assert unknown.code == "unknown_key"
    # The same foreign signature under our kid: a bad signature.
    ours = b64(json.dumps({"alg": "EdDSA", "kid": row.key.kid, "typ": "JWT"}).encode())
    forged = f"{ours}.{body}.{b64(stranger.sign(f'{ours}.{body}'.encode()))}"
    assert services.verify_token(forged).code == "bad_signature"
    reasons |= {expired.reason, early.reason, unknown.reason}
    assert len(reasons) == 4  # one reason per kind, each its own


def test_verify_without_a_token_is_a_400(passes_world, chief):
    client = Client()
    client.force_login(chief)
    response = client.post(reverse("api:pass-verify"), {}, content_type=JSON)
    assert response.status_code == 400 and "token" in response.json()
    assert Client().post(
        reverse("api:pass-verify"), {"token": "a.b.c"}, content_type=JSON
    ).status_code in {401, 403}


# --- keys ----------------------------------------------------------------------------------


def test_a_rotation_keeps_old_passes_valid_until_they_expire(passes_world, county_admin, chief):
    old_rows = issued(passes_world)
    old = old_rows[passes_world["own"].pk]
    old_kid = old.key.kid
    with pytest.raises(PermissionDenied):
        keys.rotate_key(chief)
    new_key = keys.rotate_key(county_admin)
    assert new_key.kid != old_kid
    assert SigningKey.objects.get(kid=old_kid).retired_at is not None
    published = {k["kid"] for k in keys.jwks()["keys"]}
    assert published == {old_kid, new_key.kid}
    assert services.verify_token(old.token).valid

    # The passes of this month's winners are signed with the new key.
    this_month = timezone.localdate().replace(day=1)
    select(final_evaluation(VILLAGE, this_month), AwardKind.RED_FLAG_GRID, grid_code=GRID)
    services.issue_passes(this_month)
    new = Pass.objects.get(household=passes_world["own"], valid_from=add_months(this_month, 1))
    assert json.loads(unb64(new.token.split(".")[0]))["kid"] == new_key.kid
    assert new.key == new_key

    # Once the old passes have expired, the old key leaves the JWKS; they are refused.
    later = old.valid_to + datetime.timedelta(days=1)
    assert {k["kid"] for k in keys.jwks(today=later)["keys"]} == {new_key.kid}
    at = timezone.make_aware(datetime.datetime.combine(later, datetime.time(9)))
    assert services.verify_token(old.token, at=at).code == "expired"
    assert services.verify_token(new.token, at=at).valid
    assert AuditEntry.objects.filter(action="pass.key_rotate", actor=county_admin).exists()


def test_the_private_key_is_stored_encrypted(passes_world):
    key = keys.current_key()
    assert key.private_key.startswith("gAAAA")  # a Fernet token
    assert keys.current_key() == key  # one key, made once


# --- uses ----------------------------------------------------------------------------------


def _use(row, place="1路公交", minutes=0, key=None):
    return {
        "uuid": str(key or uuid.uuid4()),
        "token": row.token,
        "used_at": (timezone.now() - datetime.timedelta(minutes=minutes)).isoformat(),
        "place": place,
    }


def test_uses_sent_twice_are_kept_once(passes_world, chief):
    row = issued(passes_world)[passes_world["own"].pk]
    device, code = services.register_verifier(None, name="1路1号机", operator="县公交公司")
    batch = [_use(row)]
    client = Client()
    url = reverse("api:pass-uses")
    first = client.post(
        url, {"uses": batch}, content_type=JSON, HTTP_AUTHORIZATION=f"Verifier {code}"
    )
    again = client.post(
        url, {"uses": batch}, content_type=JSON, HTTP_AUTHORIZATION=f"Verifier {code}"
    )
    assert first.status_code == again.status_code == 200, first.content
    assert first.json()["stored"] == [batch[0]["uuid"]]
    assert again.json()["known"] == [batch[0]["uuid"]] and again.json()["stored"] == []
    use = PassUse.objects.get()
    assert use.benefit_pass == row and not use.flagged and use.device.endswith("1路1号机")
    # A bad code reads and writes nothing.
    refused = client.post(
        url, {"uses": batch}, content_type=JSON, HTTP_AUTHORIZATION="Verifier WRONG"
    )
    assert refused.status_code in {401, 403}
    assert client.get(
        reverse("api:pass-bundle"), HTTP_AUTHORIZATION="Verifier WRONG"
    ).status_code in {401, 403}
    # A device reads no pass.
    assert client.get(
        reverse("api:pass-list"), HTTP_AUTHORIZATION=f"Verifier {code}"
    ).status_code in {401, 403}


def test_a_pass_used_at_two_places_within_minutes_is_flagged(passes_world, chief, county_admin):
    rows = issued(passes_world)
    row = rows[passes_world["own"].pk]
    report = services.record_uses(chief, [_use(row, "1路公交", minutes=10)])
    assert report.stored and not report.flagged
    report = services.record_uses(chief, [_use(row, "3路公交", minutes=0)])
    assert report.flagged
    assert list(PassUse.objects.values_list("flagged", flat=True)) == [True, True]
    note = Notification.objects.get(kind=services.NOTICE_KIND)
    assert note.recipient == county_admin and note.object_id == row.pk
    assert Notification.objects.for_user(county_admin).filter(kind=services.NOTICE_KIND).exists()

    # The same place, or an hour apart: not flagged.
    other = rows[passes_world["neighbour"].pk]
    services.record_uses(chief, [_use(other, "1路公交", minutes=70), _use(other, "3路公交", 0)])
    services.record_uses(chief, [_use(other, "3路公交", minutes=5)])
    assert not PassUse.objects.filter(benefit_pass=other, flagged=True).exists()


def test_a_bad_use_is_refused_with_its_reason_and_the_others_kept(passes_world, chief):
    row = issued(passes_world)[passes_world["own"].pk]
    good = _use(row)
    bad = [
        {**_use(row), "uuid": "not-a-uuid"},
        {**_use(row), "token": tampered(row.token, hn="李*")},
        {**_use(row), "used_at": "yesterday"},
        {**_use(row), "place": ""},
        {**_use(row), "used_at": (timezone.now() + datetime.timedelta(days=1)).isoformat()},
    ]
    report = services.record_uses(chief, [good, *bad])
    assert report.stored == [good["uuid"]]
    assert len(report.refused) == 5
    assert PassUse.objects.count() == 1
    with pytest.raises(ValidationError):
        services.record_uses(chief, {"uuid": "x"})


# --- scope ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "persona, sees",
    [
        ("county", {"own", "neighbour", "foreign"}),
        ("town", {"own", "neighbour"}),
        ("chief", {"own", "neighbour"}),
        ("worker", {"own"}),
        ("outsider", {"foreign"}),
    ],
)
def test_the_pass_list_is_scoped_for_every_persona(passes_world, personas, persona, sees):
    issued(passes_world)
    client = Client()
    client.force_login(personas[persona])
    body = client.get(reverse("api:pass-list")).json()
    rows = body["results"] if isinstance(body, dict) else body
    expected = {passes_world[name].pk for name in sees}
    assert {r["household"] for r in rows} == expected
    for name in ("own", "foreign"):
        household = passes_world[name]
        listed = client.get(reverse("api:pass-list"), {"household": household.pk}).json()
        listed = listed["results"] if isinstance(listed, dict) else listed
        assert bool(listed) == (name in sees)
    page = client.get(reverse("points:passes")).content.decode()
    assert ("王*" in page) == ("foreign" in sees)
    assert ("张*丰" in page) == ("own" in sees)
    foreign_row = Pass.objects.get(household=passes_world["foreign"])
    detail = client.get(reverse("points:pass-detail", args=[foreign_row.pk]))
    assert detail.status_code == (200 if "foreign" in sees else 404)


# --- pages ---------------------------------------------------------------------------------


def test_pages_of_the_passes(passes_world, chief, county_admin):
    rows = issued(passes_world)
    row = rows[passes_world["own"].pk]
    client = Client()
    client.force_login(chief)
    listing = client.get(reverse("points:passes"), {"benefit": "bus", "revoked": "false"})
    assert listing.status_code == 200 and "张*丰" in listing.content.decode()
    detail = client.get(reverse("points:pass-detail", args=[row.pk]))
    assert detail.status_code == 200 and "<svg" in detail.content.decode()
    revoked = client.post(reverse("points:pass-revoke", args=[row.pk]), {"reason": ""})
    assert revoked.status_code == 400 and Pass.objects.get(pk=row.pk).revoked_at is None
    revoked = client.post(reverse("points:pass-revoke", args=[row.pk]), {"reason": "户籍迁出"})
    assert revoked.status_code == 302 and Pass.objects.get(pk=row.pk).revoked_at is not None
    public = Client().get(reverse("points-public:pass", args=[row.pass_id]))
    assert public.status_code == 200 and "张*丰" in public.content.decode()
    assert "张三丰" not in public.content.decode()
    fresh = rows[passes_world["neighbour"].pk]
    public = Client().get(reverse("points-public:pass", args=[fresh.pass_id])).content.decode()
    assert "<svg" in public and "李*" in public
    assert Client().get(reverse("points-public:pass", args=[uuid.uuid4()])).status_code == 404
    assert Client().get(reverse("points-public:pass-verifier")).status_code == 200
    assert client.get(reverse("points:pass-settlement")).status_code == 200
    for name in ("points:benefits", "points:signing-keys", "points:verifiers"):
        assert client.get(reverse(name)).status_code == 403
    admin = Client()
    admin.force_login(county_admin)
    for name in (
        "points:benefits",
        "points:signing-keys",
        "points:verifiers",
        "points:benefit-create",
    ):
        assert admin.get(reverse(name)).status_code == 200, name
    made = admin.post(reverse("points:verifiers"), {"name": "景区东门", "operator": "县旅游公司"})
    assert made.status_code == 200 and 'id="new-code"' in made.content.decode()


def test_the_card_sheet_of_a_grid_is_a_pdf(passes_world, chief):
    issued(passes_world)
    client = Client()
    client.force_login(chief)
    month = f"{add_months(passes_world['month'], 1):%Y-%m}"
    response = client.get(reverse("points:pass-cards"), {"grid": GRID, "month": month})
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    foreign = client.get(reverse("points:pass-cards"), {"grid": OTHER_GRID, "month": month})
    assert foreign.status_code == 404


def test_benefits_are_kept_by_the_county_admin(tree, county_admin, chief):
    with pytest.raises(PermissionDenied):
        services.save_benefit(
            chief, code="bus", name="公交", operator="县公交公司", award="red_flag_grid"
        )
    with pytest.raises(ValidationError) as error:
        services.save_benefit(county_admin, code="bus", name="", operator="", award="nope")
    assert set(error.value.message_dict) == {"name", "operator", "award"}
    benefit = services.save_benefit(
        county_admin, code="bus", name="公交", operator="县公交公司", award="red_flag_grid"
    )
    services.save_benefit(
        county_admin,
        benefit=benefit,
        code="ignored",
        name="县城公交",
        operator="县公交公司",
        award="red_flag_grid",
        is_active=False,
    )
    benefit.refresh_from_db()
    assert (benefit.code, benefit.name, benefit.is_active) == ("bus", "县城公交", False)


def test_the_command_rotates_the_key(tree):
    from io import StringIO

    from django.core.management import call_command

    first = keys.current_key()
    out = StringIO()
    call_command("points_rotate_key", stdout=out)
    new = keys.current_key()
    assert new != first and new.kid in out.getvalue()
    assert SigningKey.objects.get(pk=first.pk).retired_at is not None


def test_the_monthly_task_issues_last_months_passes(passes_world):
    from yiwang.points.tasks import issue_monthly_passes, passes_time

    assert issue_monthly_passes.call_local() == 3
    assert issue_monthly_passes.call_local() == 0
    assert AuditEntry.objects.filter(action="pass.issue", source="task").count() == 2
    at = timezone.make_aware(datetime.datetime(2026, 12, 1, 1, 30))
    assert passes_time(at.astimezone(datetime.UTC).replace(tzinfo=None))
    assert not passes_time((at + datetime.timedelta(hours=1)).astimezone(datetime.UTC))
    assert not passes_time((at + datetime.timedelta(days=25)).astimezone(datetime.UTC))


def test_the_verify_api_refuses_each_bad_token_with_its_reason_and_changes_nothing(
    passes_world, chief
):
    rows = issued(passes_world)
    row, other = rows[passes_world["own"].pk], rows[passes_world["neighbour"].pk]
    services.revoke_pass(chief, other.pk, "户籍迁出")
    claims = services.claims_of(row)
    day = 24 * 3600
    expired = keys.sign(
        {**claims, "nbf": claims["nbf"] - 62 * day, "exp": claims["nbf"] - 31 * day},
        keys.current_key(),
    )
    stranger = Ed25519PrivateKey.generate()
    head = b64(json.dumps({"alg": "EdDSA", "kid": "stranger"}).encode())
    body = row.token.split(".")[1]
    unknown = f"{head}.{body}.{b64(stranger.sign(f'{head}.{body}'.encode()))}"
    cases = {
        "malformed": "not a pass",
        "expired": expired,
        "unknown_key": unknown,
        "revoked": other.token,
        "bad_signature": tampered(row.token, grd=OTHER_GRID),
    }
    client = Client()
    client.force_login(chief)
    before = (AuditEntry.objects.count(), PassUse.objects.count(), Pass.objects.count())
    reasons = set()
    for code, token in cases.items():
        answer = client.post(reverse("api:pass-verify"), {"token": token}, content_type=JSON)
        assert answer.status_code == 200, answer.content
        body = answer.json()
        assert body["valid"] is False and body["code"] == code, (code, body)
        reasons.add(body["reason"])
    assert len(reasons) == len(cases)
    assert all(not any(c.isascii() and c.isalpha() for c in reason) for reason in reasons)
    assert (AuditEntry.objects.count(), PassUse.objects.count(), Pass.objects.count()) == before


# --- review: tokens nested too deep, impossible times of use ------------------------------


def _signed_raw(header: bytes, payload: bytes) -> str:
    """A token of these raw parts, signed with the current key (so the payload is read)."""
    key = keys.current_key()
    signing_input = f"{b64(header)}.{b64(payload)}"
    signature = keys.ALGORITHM.sign(keys._signer(key), signing_input.encode("ascii"))
    return f"{signing_input}.{b64(signature)}"


def test_a_token_whose_parts_are_not_json_objects_is_malformed_not_an_error(passes_world, chief):
    row = issued(passes_world)[passes_world["own"].pk]
    header, body, signature = row.token.split(".")
    deep = b64(b"[" * 1400)
    real_header = json.dumps({"alg": "EdDSA", "kid": keys.current_key().kid}).encode()
    tokens = [
        f"{deep}.x.y",  # a header nested too deep for json (RecursionError)
        f"{b64(b'[1, 2]')}.{body}.{signature}",  # a header that is JSON but no object
        f"{b64(b'null')}.{body}.{signature}",
        f"{header}.{body}.{b64(b'x')}==",  # a signature that is not base64url
        _signed_raw(real_header, b"[" * 1400),  # a signed payload nested too deep
        _signed_raw(real_header, b'"a string"'),  # a signed payload that is no object
    ]
    assert all(len(token) <= services.MAX_TOKEN for token in tokens)  # each is read
    client = Client()
    client.force_login(chief)
    for token in tokens:
        assert services.verify_token(token).code == "malformed", token[:40]
        answer = client.post(reverse("api:pass-verify"), {"token": token}, content_type=JSON)
        assert answer.status_code == 200, answer.content
        assert answer.json()["code"] == "malformed"
    use = {**_use(row), "token": tokens[0]}
    answer = client.post(reverse("api:pass-uses"), {"uses": [use]}, content_type=JSON)
    assert answer.status_code == 200, answer.content
    assert list(answer.json()["refused"]) == [use["uuid"]]
    assert PassUse.objects.count() == 0


def test_an_impossible_time_of_use_refuses_that_use_and_stores_the_others(passes_world, chief):
    row = issued(passes_world)[passes_world["own"].pk]
    good = _use(row)
    impossible = [
        {**_use(row), "used_at": "2024-02-30T10:00:00"},
        {**_use(row), "used_at": "2024-13-01T10:00:00"},
        {**_use(row), "used_at": "0001-01-01T00:00:00"},
        {**_use(row), "used_at": "9999-12-31T23:59:59-12:00"},
    ]
    client = Client()
    client.force_login(chief)
    answer = client.post(reverse("api:pass-uses"), {"uses": [*impossible, good]}, content_type=JSON)
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["stored"] == [good["uuid"]]
    assert set(body["refused"]) == {u["uuid"] for u in impossible}
    assert "2026-11-30T08:15:00" in body["refused"][impossible[0]["uuid"]]
    assert PassUse.objects.count() == 1
