"""The deployment files (deploy/, docs/DEPLOYMENT.md) agree with the code: every service
runs a command that exists, on the address nginx sends to; every variable of the example
environment is one the settings read; nginx takes the largest upload the app accepts and
passes the client's address and its request id; the health checks it exempts from HTTPS
are routed; the metrics are not served outside."""

import configparser
import re
import shlex
from pathlib import Path

from django.core.management import get_commands
from django.urls import resolve

from yiwang.core import photos, services

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
NGINX = (DEPLOY / "nginx" / "yiwang.conf").read_text()


def _units() -> dict[str, configparser.ConfigParser]:
    found = {}
    for path in sorted((DEPLOY / "systemd").glob("*.service")):
        unit = configparser.ConfigParser(strict=False, interpolation=None)
        unit.optionxform = str
        unit.read_string(path.read_text())
        found[path.name] = unit
    return found


def _exec(unit) -> list[str]:
    return shlex.split(unit["Service"]["ExecStart"].replace("\\\n", " "))


def test_every_service_runs_a_command_that_exists():
    units = _units()
    assert set(units) == {"yiwang-web.service", "yiwang-huey.service", "yiwang-huey-bulk.service"}
    commands = get_commands()
    for name, unit in units.items():
        argv = _exec(unit)
        assert unit["Service"]["EnvironmentFile"] == "/etc/yiwang/yiwang.env", name
        assert unit["Service"]["WorkingDirectory"] == "/srv/yiwang", name
        if "manage.py" in argv:
            command = argv[argv.index("manage.py") + 1]
            assert command in commands, f"{name}: no command {command}"
            assert unit["Service"]["KillSignal"] == "SIGINT", name  # finish the task held
        else:
            assert argv[1] == "yiwang.wsgi:application", name
            config = argv[argv.index("--config") + 1]
            assert config == "python:yiwang.gunicorn_conf"
            assert (ROOT / "yiwang" / "gunicorn_conf.py").exists()


def test_nginx_sends_to_the_app_servers_address():
    web = _exec(_units()["yiwang-web.service"])
    bind = web[web.index("--bind") + 1]
    assert re.search(rf"server {re.escape(bind)} ", NGINX), bind


def test_nginx_takes_the_largest_upload_and_passes_the_clients_address():
    size = re.search(r"client_max_body_size (\d+)m;", NGINX)
    assert int(size.group(1)) * 1024 * 1024 >= photos.MAX_BYTES * photos.MAX_FILES
    assert int(size.group(1)) * 1024 * 1024 >= services.MAX_IMPORT_BYTES
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in NGINX
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in NGINX
    for path in ("/healthz", "/readyz"):
        assert f"location = {path} " in NGINX
        assert resolve(path).url_name == path.strip("/")


def test_nginx_passes_its_request_id_and_keeps_the_metrics_inside():
    assert "proxy_set_header X-Request-ID $request_id;" in NGINX
    assert resolve("/metrics").url_name == "metrics"
    assert "location = /metrics { return 404; }" in NGINX
    web = _units()["yiwang-web.service"]["Service"]
    # The workers' counters in a folder of their own, made and removed with the service.
    assert web["Environment"] == "PROMETHEUS_MULTIPROC_DIR=/run/yiwang-metrics"
    assert web["RuntimeDirectory"] == "yiwang-metrics"


def test_every_variable_of_the_example_environment_is_read_by_the_settings():
    settings_text = (ROOT / "yiwang" / "settings.py").read_text()
    example = (DEPLOY / "yiwang.env.example").read_text()
    names = re.findall(r"^([A-Z_]+)=", example, re.M)
    assert "SECRET_KEY" in names and "DATABASE_URL" in names
    for name in names:
        assert f'"{name}"' in settings_text, f"{name} is not read by yiwang/settings.py"
