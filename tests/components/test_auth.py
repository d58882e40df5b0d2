"""The sign-in mode from secrets and environment: open demo, SSO, or closed (fail closed)."""

from __future__ import annotations

import pytest

from components.ui.auth import auth_config
from tests.identity import TEST_COOKIE_SECRET

GOOD = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": TEST_COOKIE_SECRET,
    "client_id": "cockpit",
    "client_secret": "x",
    "server_metadata_url": "http://localhost:9400/.well-known/openid-configuration",
}


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


@pytest.mark.parametrize(
    "env, secrets",
    [
        ({"COCKPIT_REQUIRE_LOGIN": "1"}, {}),
        ({"COCKPIT_REQUIRE_LOGIN": "true"}, {}),
        ({}, {"cockpit": {"require_login": True}}),
    ],
)
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


# --- issue 20: secrets that cannot be guessed, identities that are checked ------------------------


@pytest.mark.parametrize(
    "secret",
    [
        "x",
        "s" * 32,
        "s" * 200,
        "CHANGE_ME: a long random string",
        "CHANGE_ME: a long random string, much longer now",
        "change-me-to-a-long-random-string",
        "my-cookie-secret-for-the-cockpit-2026",
        "abcdefghijklmnopqrstuvwxyz0123456789",
        "0123456789012345678901234567890123456789",
    ],
)
def test_a_weak_cookie_secret_closes_the_app_and_says_how_to_make_one(secret):
    cfg = auth_config({"auth": {**GOOD, "cookie_secret": secret}}, {})
    assert cfg.mode == "closed" and "cookie_secret is too weak" in cfg.problem and "token_urlsafe" in cfg.problem


def test_generated_secrets_are_accepted():
    import secrets

    for _ in range(200):
        assert auth_config({"auth": {**GOOD, "cookie_secret": secrets.token_urlsafe(48)}}, {}).mode == "sso"
        assert auth_config({"auth": {**GOOD, "cookie_secret": secrets.token_hex(32)}}, {}).mode == "sso"


@pytest.mark.parametrize("value", ["production", "PRODUCTION", "prod"])
def test_production_without_auth_is_closed_not_the_open_demo(value):
    cfg = auth_config({}, {"COCKPIT_ENV": value})
    assert cfg.mode == "closed" and "COCKPIT_ENV=production" in cfg.problem
    assert auth_config({"auth": GOOD}, {"COCKPIT_ENV": value}).mode == "sso"
    assert auth_config({}, {"COCKPIT_ENV": "development"}).mode == "open"


def _user(**kw):
    from data_access.access import User

    return User(email="boss@corp.cn", role="admin", **kw)


@pytest.mark.parametrize(
    "claims, user, outcome",
    [
        ({"email": "Boss@Corp.cn", "email_verified": True, "iss": "i", "sub": "s"}, _user(), "bind"),
        ({"email": "boss@corp.cn", "email_verified": True, "iss": "i", "sub": "s"}, _user(issuer="i", subject="s"), "ok"),
        ({"email": "boss@corp.cn", "email_verified": "true", "iss": "i", "sub": "s"}, _user(issuer="i", subject="s"), "ok"),
        ({"email": "boss@corp.cn", "email_verified": True, "iss": "i", "sub": "other"}, _user(issuer="i", subject="s"), "foreign_subject"),
        (
            {"email": "boss@corp.cn", "email_verified": True, "iss": "other-idp", "sub": "s"},
            _user(issuer="i", subject="s"),
            "foreign_subject",
        ),
        ({"email": "boss@corp.cn", "email_verified": False, "iss": "i", "sub": "s"}, _user(issuer="i", subject="s"), "unverified"),
        ({"email": "boss@corp.cn", "iss": "i", "sub": "s"}, _user(), "unverified"),
        ({"email": "boss@corp.cn", "email_verified": "false", "iss": "i", "sub": "s"}, _user(), "unverified"),
        ({"email": "boss@corp.cn", "email_verified": 1, "iss": "i", "sub": "s"}, _user(), "unverified"),
        ({"email": "boss@corp.cn", "email_verified": True, "sub": "s"}, _user(), "no_subject"),
        ({"email": "boss@corp.cn", "email_verified": True, "iss": "i"}, _user(), "no_subject"),
        ({"email_verified": True, "iss": "i", "sub": "s"}, _user(), "no_email"),
        ({"email": "boss@corp.cn", "email_verified": True, "iss": "i", "sub": "s"}, None, "unknown"),
        ({"email": "boss@corp.cn", "email_verified": True, "iss": "i", "sub": "s"}, _user(enabled=False), "unknown"),
    ],
)
def test_the_identity_decision(claims, user, outcome):
    from components.ui.auth import check_identity, identity_from_claims

    decision = check_identity(identity_from_claims(claims), user)
    assert decision.outcome == outcome
    assert decision.allowed == (outcome in ("ok", "bind"))
