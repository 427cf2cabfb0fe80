"""The scope checks of the notices routes, for the route walk of tests/test_routes_scope.py
(which adds them to its CHECKS).

The viewer is the grid chief of 南门社区 (`client`). `_seed` writes, on each side, an
announcement of that side's chief to its village's grid workers (sent, with a PDF) and a
notification to that side's worker: the own side's chief is the viewer, the foreign
side's a chief of the outsider's village. A foreign announcement, receipt or
notification is not found (404) by any page or API call and nothing of it changes;
lists and the inbox show none of it; an announcement to a foreign area is refused and
nothing is written. The personal link is public: it is its own signed credential
(yiwang/notices/tests/test_announcements.py refuses forged and expired ones).
"""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import OTHER_VILLAGE, VILLAGE
from yiwang.accounts.models import Role, User
from yiwang.notices.models import Announcement, Notification, Receipt
from yiwang.notices.services import announcements

OWN, FOREIGN = "本村通知", "外镇通知"


def _seed(w) -> dict:
    if "notices" in w:
        return w["notices"]
    from yiwang.accounts.services import create_user, grant_post

    chief = User.objects.get(username="chief")
    other_chief = create_user(actor=None, username="other_chief", password="x" * 12)
    grant_post(actor=None, user=other_chief, role=Role.GRID_CHIEF, area_code=OTHER_VILLAGE)
    rows = {}
    for side, writer, area, reader in (
        ("own", chief, VILLAGE, w["own_user"]),
        ("foreign", other_chief, OTHER_VILLAGE, w["foreign_user"]),
    ):
        mark = OWN if side == "own" else FOREIGN
        announcement = announcements.create_announcement(
            actor=writer,
            title=mark,
            body=mark,
            areas=[area],
            roles=[Role.GRID_WORKER],
            attachments=[SimpleUploadedFile("a.pdf", b"%PDF-1.4")],
        )
        announcements.send_announcement(announcement.pk)
        rows[f"{side}_announcement"] = announcement
        rows[f"{side}_receipt"] = Receipt.objects.get(announcement=announcement)
        rows[f"{side}_attachment"] = announcement.attachments.get()
        rows[f"{side}_notification"] = Notification.objects.create(
            kind="notice.unacknowledged", recipient=reader, text=mark
        )
    w["notices"] = rows
    return rows


def _state():
    return (
        sorted(Announcement.objects.values_list("pk", "status", "title")),
        sorted(Receipt.objects.values_list("pk", "read_at", "acked_at")),
        sorted(Notification.objects.values_list("pk", "read_at")),
    )


def _foreign(w, kind):
    return _seed(w)[f"foreign_{kind}"].pk


def _refused(w, method, url, data=None, status=404, content_type=None):
    before = _state()
    send = getattr(w["client"], method)
    kwargs = {"content_type": content_type} if content_type else {}
    response = send(url, data or {}, **kwargs)
    assert response.status_code == status, (url, response.status_code)
    assert _state() == before


def _page_without_foreign(name, query=""):
    def check(w):
        _seed(w)
        response = w["client"].get(reverse(name) + query)
        assert response.status_code == 200
        assert FOREIGN not in response.content.decode()

    return check


def _detail(name, kind, method="get", extra=()):
    def check(w):
        _refused(w, method, reverse(name, args=[_foreign(w, kind), *extra]))

    return check


def _attachment(w):
    rows = _seed(w)
    url = reverse(
        "notices:attachment", args=[rows["foreign_announcement"].pk, rows["foreign_attachment"].pk]
    )
    _refused(w, "get", url)
    # Another announcement's file through one's own announcement: not found either.
    url = reverse(
        "notices:attachment", args=[rows["own_announcement"].pk, rows["foreign_attachment"].pk]
    )
    _refused(w, "get", url)


def _read_all(w):
    rows = _seed(w)
    foreign = (rows["foreign_receipt"].pk, rows["foreign_notification"].pk)
    response = w["client"].post(reverse("notices:read-all"))
    assert response.status_code == 302
    assert Receipt.objects.get(pk=foreign[0]).read_at is None
    assert Notification.objects.get(pk=foreign[1]).read_at is None


def _create_page(w):
    _seed(w)
    data = {"title": "t", "body": "b", "areas": [OTHER_VILLAGE], "roles": ["grid_worker"]}
    before = _state()
    response = w["client"].post(reverse("notices:announcement-create"), data)
    assert response.status_code == 200  # the form again, with the refusal
    assert _state() == before


def _api_create(w):
    _seed(w)
    body = {"title": "t", "body": "b", "areas": [OTHER_VILLAGE], "roles": ["grid_worker"]}
    _refused(
        w,
        "post",
        reverse("api:announcement-list"),
        body,
        status=400,
        content_type="application/json",
    )


def _api_list(name):
    def check(w):
        _seed(w)
        response = w["client"].get(reverse(name))
        assert response.status_code == 200
        assert FOREIGN not in response.content.decode()
        assert OWN in response.content.decode() or name == "api:inbox-list"

    return check


def _api_detail(name):
    def check(w):
        _refused(w, "get", reverse(name, args=[_foreign(w, "announcement")]))

    return check


def _api_ack(w):
    _refused(w, "post", reverse("api:inbox-ack", args=[_foreign(w, "receipt")]))


NOTICES_CHECKS = {
    "notices:inbox": _page_without_foreign("notices:inbox"),
    "notices:read-all": _read_all,
    "notices:notification-read": _detail("notices:notification-read", "notification", "post"),
    "notices:announcements": _page_without_foreign("notices:announcements"),
    "notices:announcement-create": _create_page,
    "notices:announcement": _detail("notices:announcement", "announcement"),
    "notices:announcement-ack": _detail("notices:announcement-ack", "announcement", "post"),
    "notices:announcement-cancel": _detail("notices:announcement-cancel", "announcement", "post"),
    "notices:announcement-people": _detail("notices:announcement-people", "announcement"),
    "notices:attachment": _attachment,
    "notices:overdue": _page_without_foreign("notices:overdue"),
    "api:announcement-list GET": _api_list("api:announcement-list"),
    "api:announcement-list POST": _api_create,
    "api:announcement-detail GET": _api_detail("api:announcement-detail"),
    "api:announcement-receipts GET": _api_detail("api:announcement-receipts"),
    "api:announcement-receipt-people GET": _api_detail("api:announcement-receipt-people"),
    "api:inbox-list GET": _api_list("api:inbox-list"),
    "api:inbox-ack POST": _api_ack,
}
NOTICES_PUBLIC = {"notices:ack-link"}
