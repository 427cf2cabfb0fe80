"""A county's morning on the multi-server stack (deploy/stack/run with STACK_SOAK set):
grid workers record their visits and report what they found, grid chiefs go through their
lists, the command centre watches the cockpit. Locust (requirements-soak.txt, in a
virtualenv of its own) drives it through nginx.

The mix, by the share of requests: visits 45%, the worker's own cases 15%, patrol reports
10%, the chiefs' lists 20%, the cockpit and the roll-up 10%. Each simulated person signs
in with their own demo account (the demo's password) before the clock starts — a token
lasts days, and signing in (Argon2, on purpose slow) is no part of a morning's work — and
waits 1–3 s between steps, as a person on a phone does.
"""

from __future__ import annotations

import datetime
import itertools
import logging
import os
import random
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import gevent
import psycopg
import requests
from locust import HttpUser, between, events, task

PASSWORD = "demo12345"
PRIMARY = os.environ["STACK_PRIMARY"]
CHINA = datetime.timezone(datetime.timedelta(hours=8))


def _people() -> dict[str, list[tuple[str, str]]]:
    """The demo's grid workers and grid chiefs, with the area each holds."""
    with psycopg.connect(PRIMARY) as connection:
        rows = connection.execute(
            "SELECT u.username, p.role, p.area_code FROM accounts_user u"
            " JOIN accounts_post p ON p.user_id = u.id"
            " WHERE p.role IN ('grid_worker', 'grid_chief') AND p.ends_on IS NULL"
            " AND u.is_active ORDER BY u.username"
        ).fetchall()
    found: dict[str, list[tuple[str, str]]] = {"grid_worker": [], "grid_chief": []}
    for username, role, code in rows:
        found[role].append((username, code))
    return found


PEOPLE = _people()
# Tokens and each worker's households, made before the clock starts (`_sign_in`).
SIGNED: dict[str, list[dict]] = {"grid_worker": [], "grid_chief": [], "county": []}
_next: dict = {}
_lock = threading.Lock()


def _token(host: str, username: str) -> dict:
    # A server still warming up answers 502 or 503 for a moment: asked again, up to 10 s.
    for _attempt in range(10):
        response = requests.post(
            f"{host}/api/v1/auth/token/",
            json={"username": username, "password": PASSWORD},
            timeout=60,
        )
        if response.status_code not in (502, 503, 504):
            break
        time.sleep(1)
    response.raise_for_status()
    return {"Authorization": f"Token {response.json()['token']}"}


def _worker(host: str, username: str, area: str) -> dict:
    headers = _token(host, username)
    found = requests.get(f"{host}/api/v1/households/?limit=50", headers=headers, timeout=60)
    households = [row["id"] for row in found.json()["results"]] or [None]
    return {"headers": headers, "area": area, "households": households}


@events.test_start.add_listener
def _sign_in(environment, **kwargs) -> None:
    """Signs in as many people of each kind as the run may need, four at a time."""
    try:
        _sign_everyone_in(environment)
    except Exception:
        # No one signed in, no run: stop at once rather than time nothing for the whole soak.
        logging.exception("the soak's people could not sign in; the run stops")
        gevent.spawn_later(0, environment.runner.quit)
        raise


def _sign_everyone_in(environment) -> None:
    host = environment.host
    users = environment.parsed_options.num_users if environment.parsed_options else 60
    with ThreadPoolExecutor(4) as pool:
        workers = [
            pool.submit(_worker, host, username, area)
            for username, area in PEOPLE["grid_worker"][:users]
        ]
        chiefs = [
            pool.submit(lambda u=username, a=area: {"headers": _token(host, u), "area": a})
            for username, area in PEOPLE["grid_chief"][:users]
        ]
        SIGNED["grid_worker"] = [future.result() for future in workers]
        SIGNED["grid_chief"] = [future.result() for future in chiefs]
    SIGNED["county"] = [{"headers": _token(host, "county"), "area": ""}]
    for role, people in SIGNED.items():
        _next[role] = itertools.cycle(people)


def _someone(role: str) -> dict:
    with _lock:
        return next(_next[role])


class Signed(HttpUser):
    abstract = True
    wait_time = between(1, 3)
    role = ""

    def on_start(self) -> None:
        person = _someone(self.role)
        self.client.headers.update(person["headers"])
        self.area = person["area"]
        self.households = person.get("households", [None])


class GridWorker(Signed):
    weight = 7
    role = "grid_worker"

    @task(45)
    def visit(self) -> None:
        body = {
            "uuid": str(uuid.uuid4()),
            "household": random.choice(self.households),
            "visited_at": datetime.datetime.now(CHINA).isoformat(timespec="seconds"),
            "outcome": "all_well",
            "notes": "走访正常",
        }
        # A phone sends a visit again with its UUID when the answer did not come.
        for _ in range(3):
            with self.client.post(
                "/api/v1/visits/", json=body, name="POST visit", catch_response=True
            ) as response:
                if response.status_code in (200, 201):
                    response.success()
                    return
                if response.status_code < 500:
                    response.failure(f"{response.status_code}")
                    return

    @task(15)
    def my_cases(self) -> None:
        self.client.get("/api/v1/cases/?limit=20", name="GET cases (worker)")

    @task(10)
    def report(self) -> None:
        self.client.post(
            "/api/v1/cases/",
            json={
                "uuid": str(uuid.uuid4()),
                "category": "safety_hazard",
                "text": "巡查发现井盖缺失",
                "unit_code": self.area,
            },
            name="POST case",
        )


class GridChief(Signed):
    weight = 2
    role = "grid_chief"

    @task(3)
    def reported(self) -> None:
        self.client.get("/api/v1/cases/?status=reported&limit=20", name="GET cases (chief)")

    @task(1)
    def overdue(self) -> None:
        self.client.get("/api/v1/cases/?overdue=true&limit=20", name="GET overdue (chief)")


class CommandCentre(Signed):
    weight = 1
    wait_time = between(2, 5)
    role = "county"

    def on_start(self) -> None:
        super().on_start()
        posts = self.client.get("/api/v1/posts/", name="posts").json()["results"]
        self.county = posts[0]["area_code"]
        found = self.client.get("/api/v1/indicators/", name="indicators").json()
        self.indicators = [row["key"] for row in found]

    @task(2)
    def cockpit(self) -> None:
        key = random.choice(self.indicators)
        self.client.get(f"/api/v1/indicators/{key}/?area={self.county}", name="GET indicator")

    @task(1)
    def rollup(self) -> None:
        self.client.get(f"/api/v1/areas/{self.county}/rollup/", name="GET rollup")
