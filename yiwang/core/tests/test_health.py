"""The health checks for a load balancer: /healthz answers without touching anything;
/readyz checks the database, Redis (when configured), the task queues and the storage,
and answers 503 naming what failed, without naming hosts or passwords."""

import redis
from django.conf import settings
from django.test import Client

from yiwang.core import health


def _redis_answers(url: str) -> bool:
    client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


def test_liveness_answers_without_a_login_or_a_query(db, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_readiness_checks_the_database_the_queues_and_the_storage(db, settings):
    settings.REDIS_URL = ""
    response = Client().get("/readyz")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "queues", "storage"}
    assert all(check["ok"] for check in body["checks"].values())
    assert set(body["checks"]["queues"]["pending"]) == {"main", "bulk"}
    assert Client().post("/readyz").status_code == 405


def test_redis_down_makes_it_unready_and_says_so_without_the_address(db, settings):
    settings.REDIS_URL = "redis://:secret@127.0.0.1:1/0"  # nothing listens on port 1
    response = Client().get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["redis"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True
    text = response.content.decode()
    assert "secret" not in text and "127.0.0.1" not in text


def test_redis_up_is_ready_where_redis_answers(db, settings):
    """Against the Redis of this machine (CI's, or none on a laptop): ready exactly when
    it answers."""
    settings.REDIS_URL = "redis://127.0.0.1:6379/15"
    response = Client().get("/readyz")
    answers = _redis_answers(settings.REDIS_URL)
    assert response.json()["checks"]["redis"]["ok"] is answers
    assert response.status_code == (200 if answers else 503)


def test_a_long_queue_makes_it_unready(db, settings, monkeypatch):
    settings.REDIS_URL = ""
    monkeypatch.setattr(health, "READY_MAX_QUEUE", -1)
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["queues"]["ok"] is False


def test_the_health_checks_are_not_redirected_to_https():
    assert any("healthz" in pattern for pattern in settings.SECURE_REDIRECT_EXEMPT)
    assert any("readyz" in pattern for pattern in settings.SECURE_REDIRECT_EXEMPT)


def test_production_settings_pass_the_deploy_check(settings, monkeypatch):
    """With the production settings the deployment documents (HTTPS redirect, HSTS, secure
    cookies, a long secret key, named hosts), `manage.py check --deploy` finds nothing to
    warn of, the API schema's names included."""
    from django.core import checks

    # The suite's own (the browser tests' event loop beside the ORM), never production's.
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)
    settings.DEBUG = False
    settings.SECRET_KEY = "k" * 20 + "-production-secret-key-of-fifty-chars-and-more-0123456789"
    settings.ALLOWED_HOSTS = ["grid.example.gov.cn"]
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    found = checks.run_checks(include_deployment_checks=True)
    assert [f"{m.id}: {m.msg}" for m in found if m.level >= checks.WARNING] == []
