"""The sign-in mode from secrets and environment: open demo, SSO, or closed (fail closed)."""

from __future__ import annotations

import pytest

from components.auth import auth_config

GOOD = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "s" * 32, "client_id": "cockpit",
        "client_secret": "x", "server_metadata_url": "http://localhost:9400/.well-known/openid-configuration"}


def test_no_auth_section_is_the_open_demo():
    assert auth_config({}, {}).mode == "open"
    assert auth_config({"connections": {"cockpit": {"url": "sqlite://"}}}, {}).mode == "open"


def test_a_complete_auth_section_means_sign_in_with_the_default_provider():
    cfg = auth_config({"auth": GOOD}, {})
    assert cfg.mode == "sso" and cfg.provider is None


def test_a_named_provider_is_used_by_name():
    section = {k: GOOD[k] for k in ("redirect_uri", "cookie_secret")}
    section["keycloak"] = {k: GOOD[k] for k in ("client_id", "client_secret", "server_metadata_url")}
    cfg = auth_config({"auth": section}, {})
    assert cfg.mode == "sso" and cfg.provider == "keycloak"


@pytest.mark.parametrize("env, secrets", [
    ({"COCKPIT_REQUIRE_LOGIN": "1"}, {}),
    ({"COCKPIT_REQUIRE_LOGIN": "true"}, {}),
    ({}, {"cockpit": {"require_login": True}}),
])
def test_mandatory_sign_in_without_auth_fails_closed(env, secrets):
    cfg = auth_config(secrets, env)
    assert cfg.mode == "closed" and "[auth]" in cfg.problem


@pytest.mark.parametrize("drop", ["redirect_uri", "cookie_secret", "client_id", "server_metadata_url"])
def test_an_incomplete_auth_section_fails_closed_even_when_not_mandatory(drop):
    broken = {k: v for k, v in GOOD.items() if k != drop}
    cfg = auth_config({"auth": broken}, {})
    assert cfg.mode == "closed" and drop in cfg.problem


def test_an_auth_value_that_is_not_a_table_fails_closed():
    assert auth_config({"auth": "yes"}, {}).mode == "closed"


def test_mandatory_off_values_do_not_switch_it_on():
    assert auth_config({}, {"COCKPIT_REQUIRE_LOGIN": "0"}).mode == "open"
    assert auth_config({"cockpit": {"require_login": False}}, {}).mode == "open"
