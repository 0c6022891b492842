"""compose.production.yaml and deploy/Caddyfile agree with the bot and with each other.

No Docker engine runs here, so the compose file is checked as data (yaml.safe_load) and the
Caddyfile by the real ``caddy``: ``caddy validate`` with production's variables, and ``caddy
adapt`` for what it will do (the upstream's name and port, the path it passes on). Each check
stands for a mistake that would only show once deployed: a misspelt setting the bot ignores, a
port the proxy does not reach, a grace period that kills replicas mid-answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from bot.settings import ENV_VARIABLES, Env
from tests.caddy import CADDYFILE, adapted, caddy_command
from tests.conftest import REPO_ROOT

PRODUCTION = {"DIGITBOT_DOMAIN": "bot.example.org"}
"""The one variable production's .env gives Caddy (compose passes DIGITBOT_DOMAIN on)."""


def _compose(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((REPO_ROOT / name).read_text(encoding="utf-8"))
    return loaded


@pytest.fixture(scope="module")
def services() -> dict[str, Any]:
    services: dict[str, Any] = _compose("compose.production.yaml")["services"]
    return services


@pytest.fixture(scope="module")
def caddy_config(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """deploy/Caddyfile as Caddy reads it in production (no test variables set)."""
    return adapted(tmp_path_factory.mktemp("caddy"), PRODUCTION)


def _interpolated(value: str) -> str:
    """``value`` with compose's ``${VARIABLE...}`` replaced by a plain word, as an .env would
    (``${DIGITBOT_DOMAIN:?message}`` would otherwise read as the start of a query)."""
    return re.sub(r"\$\{[^}]*\}", "example", value)


def _find(node: object, key: str) -> Iterator[dict[str, Any]]:
    """Every object in a JSON tree that has ``key``."""
    if isinstance(node, dict):
        if key in node:
            yield node
        for value in node.values():
            yield from _find(value, key)
    elif isinstance(node, list):
        for value in node:
            yield from _find(value, key)


def test_it_runs_postgres_the_replicas_a_trainer_and_caddy(services: dict[str, Any]) -> None:
    assert set(services) == {"postgres", "bot", "trainer", "caddy"}
    assert services["bot"]["build"]["target"] == "slim"
    assert services["trainer"]["build"]["target"] == "full", "training needs TensorFlow"
    assert services["trainer"]["command"] == ["digitbot-trainer"]
    for name in ("bot", "trainer"):
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_replicas_and_trainer_get_the_grace_the_bot_needs_to_stop(
    services: dict[str, Any],
) -> None:
    """compose.yaml's grace is the one the Dockerfile and README promise (test_dockerfile)."""
    grace = _compose("compose.yaml")["services"]["bot"]["stop_grace_period"]
    assert services["bot"]["stop_grace_period"] == grace
    assert services["trainer"]["stop_grace_period"] == grace


@pytest.mark.parametrize("name", ["bot", "trainer"])
def test_every_variable_given_to_the_bot_is_a_setting_it_reads(
    services: dict[str, Any], name: str
) -> None:
    environment = services[name]["environment"]
    assert set(environment) <= set(ENV_VARIABLES), set(environment) - set(ENV_VARIABLES)


def test_the_replicas_share_the_postgres_database_in_webhook_mode(
    services: dict[str, Any],
) -> None:
    bot, postgres = services["bot"]["environment"], services["postgres"]["environment"]
    database = urlsplit(_interpolated(bot[Env.DATABASE_URL]))
    assert database.scheme == "postgresql"
    assert (database.hostname, database.username) == ("postgres", postgres["POSTGRES_USER"])
    assert database.path == f"/{postgres['POSTGRES_DB']}"
    assert services["trainer"]["environment"][Env.DATABASE_URL] == bot[Env.DATABASE_URL]
    assert bot[Env.SEPARATE_TRAINER] == "on", "the slim replicas cannot train"
    assert bot[Env.WEBHOOK_LISTEN] == "0.0.0.0", "reachable from Caddy's container"
    assert Env.WEBHOOK_SECRET_TOKEN in bot
    assert Env.REPLICA_ID not in bot, "each replica's own host name, not one for all"


def test_caddy_runs_the_projects_caddyfile(services: dict[str, Any]) -> None:
    caddy = services["caddy"]
    mounts = [volume.split(":") for volume in caddy["volumes"]]
    [source] = [source for source, target, *_ in mounts if target == "/etc/caddy/Caddyfile"]
    assert (REPO_ROOT / source).resolve() == CADDYFILE
    assert "DIGITBOT_DOMAIN" in caddy["environment"]
    assert {"80:80", "443:443"} <= set(caddy["ports"]), "ACME's challenges and HTTPS"


def test_caddy_sends_the_webhook_path_to_the_bot_services_webhook_port(
    services: dict[str, Any], caddy_config: dict[str, Any]
) -> None:
    [proxy] = _find(caddy_config, "dynamic_upstreams")
    upstreams = proxy["dynamic_upstreams"]
    assert upstreams["name"] in services, "a compose service name, resolved by Docker's DNS"
    assert upstreams["name"] == "bot"
    bot = services["bot"]["environment"]
    assert upstreams["port"] == bot[Env.WEBHOOK_PORT]
    assert "resolver" not in upstreams, "production asks the system's resolver"
    [(paths, route)] = [
        (match["path"], route)
        for route in _find(caddy_config, "match")
        for match in route["match"]
        if "path" in match
    ]
    assert proxy in list(_find(route, "handler")), "the one path matched is proxied"
    assert paths == [urlsplit(_interpolated(bot[Env.WEBHOOK_URL])).path]


def test_production_caddy_serves_https_and_keeps_its_admin_endpoint(
    caddy_config: dict[str, Any],
) -> None:
    """None of the test's variables leak into the defaults: TLS on 443, the admin API on."""
    [server] = caddy_config["apps"]["http"]["servers"].values()
    assert server["listen"] == [":443"]
    assert caddy_config.get("admin", {}).get("disabled") is not True


def test_the_caddyfile_validates_with_production_settings(tmp_path: Path) -> None:
    """``caddy validate`` provisions every module (no certificate is asked for); without
    DIGITBOT_DOMAIN the file is not a valid site, which compose's ${...:?} guard prevents."""
    valid = caddy_command(tmp_path, PRODUCTION, "validate")
    assert valid.returncode == 0, valid.stderr
    assert "Valid configuration" in valid.stdout + valid.stderr
    assert caddy_command(tmp_path, {}, "validate").returncode != 0
