"""Sign-in: which mode the app runs in, and the pages a visitor meets before any number.

Three modes, decided from the secrets and the environment (README, "Sign-in and roles"):

- ``open``: no ``[auth]`` section and sign-in not declared mandatory (the embedded demo,
  ``make run``): everyone is a demo executive, and every page carries a "demo — no sign-in" banner.
- ``sso``: an ``[auth]`` section (Streamlit's OpenID Connect settings) that looks complete:
  nobody sees a number before signing in through the company's SSO.
- ``closed``: sign-in is mandatory (``COCKPIT_REQUIRE_LOGIN=1`` or ``[cockpit] require_login``)
  but ``[auth]`` is missing, or ``[auth]`` is present but incomplete: a clear page and no data.

``auth_config`` is pure (tested on dictionaries); the ``render_*`` functions draw the pages and
stop the script run.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import NoReturn

import streamlit as st

from components.i18n import t

REQUIRE_ENV = "COCKPIT_REQUIRE_LOGIN"
PROVIDER_KEYS = ("client_id", "client_secret", "server_metadata_url")
TRUE = ("1", "true", "yes", "on")


@dataclass(frozen=True)
class AuthConfig:
    """How this server signs people in. ``provider`` is the name for ``st.login`` (None = default)."""

    mode: str  # open | sso | closed
    provider: str | None = None
    problem: str = ""


def _truthy(value: object) -> bool:
    return value is True or str(value).strip().lower() in TRUE


def auth_config(secrets: Mapping, env: Mapping[str, str]) -> AuthConfig:
    """The sign-in mode for these secrets (a plain mapping) and environment."""
    cockpit = secrets.get("cockpit") or {}
    required = _truthy(env.get(REQUIRE_ENV, "")) or (isinstance(cockpit, Mapping) and _truthy(cockpit.get("require_login", False)))
    auth = secrets.get("auth")
    if auth is None:
        if required:
            return AuthConfig("closed", problem="sign-in is mandatory but .streamlit/secrets.toml has no [auth] section")
        return AuthConfig("open")
    if not isinstance(auth, Mapping):
        return AuthConfig("closed", problem="[auth] in .streamlit/secrets.toml is not a table")
    missing = [k for k in ("redirect_uri", "cookie_secret") if not auth.get(k)]
    if missing:
        return AuthConfig("closed", problem=f"[auth] is missing {', '.join(missing)}")
    if all(auth.get(k) for k in PROVIDER_KEYS):
        return AuthConfig("sso")
    named = [name for name, v in auth.items() if isinstance(v, Mapping)]
    for name in named:
        if all(auth[name].get(k) for k in PROVIDER_KEYS) and "_" not in name:
            return AuthConfig("sso", provider=name)
    where = f"[auth.{named[0]}]" if named else "[auth]"
    return AuthConfig("closed", problem=f"{where} needs {', '.join(PROVIDER_KEYS)}")


def read_secrets() -> dict:
    """st.secrets as a plain dict; {} when there is no secrets file. A file that does not parse
    raises: Streamlit raises the same class for both, and only "no file" may mean "nothing set"."""
    try:
        return st.secrets.to_dict()
    except Exception as exc:
        if str(exc).startswith("No secrets found"):
            return {}
        raise


def current_config() -> AuthConfig:
    """The mode of this server, from st.secrets (secrets.toml or ``--secrets.files``) and the environment."""
    try:
        secrets = read_secrets()
    except Exception as exc:  # noqa: BLE001 - an unreadable secrets file must fail closed, not open (a typo in [auth] must never switch sign-in off)
        return AuthConfig("closed", problem=f"secrets.toml cannot be read: {str(exc).splitlines()[0][:200]}")
    return auth_config(secrets, os.environ)


def signed_in_email() -> str | None:
    """The e-mail claim of the signed-in user (lower case), or None when nobody is signed in."""
    if not st.user.is_logged_in:
        return None
    email = st.user.get("email")
    return str(email).strip().lower() if email else ""


def render_closed(cfg: AuthConfig, lang: str) -> NoReturn:
    """Sign-in is mandatory but not usable: say so, show nothing else."""
    st.title(t("app.title", lang))
    st.error(t("auth.closed", lang), icon=":material/lock:")
    st.caption(t("auth.closed_fix", lang, problem=cfg.problem))
    st.stop()


def render_sign_in(cfg: AuthConfig, lang: str) -> NoReturn:
    """The page before sign-in: what this is, and one button."""
    st.title(t("app.title", lang))
    st.markdown(t("auth.sign_in_intro", lang))
    if st.button(t("auth.sign_in", lang), type="primary", icon=":material/login:", key="auth_login"):
        if cfg.provider:
            st.login(cfg.provider)
        else:
            st.login()
    st.stop()


def render_no_access(email: str, lang: str) -> NoReturn:
    """Signed in, but unknown or disabled (or no e-mail claim): no data, and who to ask."""
    st.title(t("app.title", lang))
    st.error(t("auth.no_access", lang, email=email or "—"), icon=":material/block:")
    st.caption(t("auth.no_access_help", lang))
    if st.button(t("auth.sign_out", lang), icon=":material/logout:", key="auth_logout_denied"):
        st.logout()
    st.stop()


def render_identity(email: str, role: str, lang: str) -> None:
    """Who is signed in, in the sidebar, with a sign-out button."""
    st.sidebar.caption(t("auth.signed_in_as", lang, email=email, role=t(f"role.{role}", lang)))
    if st.sidebar.button(t("auth.sign_out", lang), icon=":material/logout:", key="auth_logout"):
        st.logout()


def render_demo_banner(lang: str) -> None:
    """The open demo's banner, on every page."""
    st.info(t("auth.demo_banner", lang), icon=":material/lock_open:")
