"""Sign-in: which mode the app runs in, and the pages a visitor meets before any number.

Three modes, decided from the secrets and the environment (README, "Sign-in and roles"):

- ``open``: no ``[auth]`` section and sign-in not declared mandatory (the embedded demo,
  ``make run``): everyone is a demo executive, and every page carries a "demo — no sign-in" banner.
- ``sso``: an ``[auth]`` section (Streamlit's OpenID Connect settings) that looks complete:
  nobody sees a number before signing in through the company's SSO.
- ``closed``: sign-in is mandatory (``COCKPIT_REQUIRE_LOGIN=1`` or ``[cockpit] require_login``)
  but ``[auth]`` is missing, or ``[auth]`` is present but incomplete: a clear page and no data.

The cookie secret signs the session cookie that carries the signed-in identity: a short or
placeholder secret lets anyone forge an admin's cookie offline, so :func:`weak_secret` turns such a
configuration into ``closed``. ``COCKPIT_ENV=production`` makes sign-in mandatory (no open demo).

Who a signed-in visitor is (:func:`check_identity`): the provider must say the e-mail is verified
(``email_verified`` true), and the user row found by that e-mail must be bound to the provider's
issuer and subject (``iss``, ``sub``) — bound on the first sign-in, refused (and audited) when a
later sign-in with the same e-mail carries another subject. docs/SECURITY.md, "Identity".

``auth_config`` and ``check_identity`` are pure (tested on dictionaries); the ``render_*``
functions draw the pages and stop the script run.
"""

from __future__ import annotations

import math
import os
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import NoReturn

import streamlit as st

from components.i18n import t, t_md
from data_access.untrusted import md

REQUIRE_ENV = "COCKPIT_REQUIRE_LOGIN"
ENV_NAME = "COCKPIT_ENV"  # "production": sign-in is mandatory, the open demo is refused
MIN_SECRET_CHARS = 32
MIN_SECRET_BITS = 128.0  # estimated from the characters' own frequencies (a lower bound for random text)
# Words of placeholders and chosen phrases; all ≥ 6 letters, so a random token matches one by chance
# less than once in ten million.
PLACEHOLDER = re.compile(r"change.?me|changeit|replace|example|placeholder|secret|password|default", re.IGNORECASE)
GENERATE_HINT = 'python -c "import secrets; print(secrets.token_urlsafe(48))"'
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


def is_production(env: Mapping[str, str]) -> bool:
    """``COCKPIT_ENV=production`` (or prod): the deployment says it serves real users."""
    return str(env.get(ENV_NAME, "")).strip().lower() in ("production", "prod")


def secret_bits(value: str) -> float:
    """An estimate of a secret's entropy: its length times the Shannon entropy of its own characters.
    A random token of n characters from a large alphabet scores close to n × log2(min(n, alphabet))."""
    if not value:
        return 0.0
    counts = Counter(value)
    per_char = -sum(c / len(value) * math.log2(c / len(value)) for c in counts.values())
    return per_char * len(value)


def weak_secret(value: object) -> str | None:
    """Why ``value`` is not good enough to sign cookies with, or None when it is.

    Long (≥ 32 characters), not a placeholder or a word people type ("CHANGE_ME", "secret", "test"
    …), and random-looking (≥ 128 bits by :func:`secret_bits`): what ``secrets.token_urlsafe(48)``
    gives, and what no person invents.
    """
    text = str(value or "")
    if len(text) < MIN_SECRET_CHARS:
        return f"it is {len(text)} characters long; at least {MIN_SECRET_CHARS} are needed"
    if PLACEHOLDER.search(text):
        return "it looks like a placeholder or a chosen phrase, not a random string"
    steps = sum(abs(ord(a) - ord(b)) <= 1 for a, b in zip(text, text[1:]))
    if secret_bits(text) < MIN_SECRET_BITS or steps > len(text) // 2:  # "aaaa…", "abcdef…", "1234…"
        return f"it is not random enough (about {abs(secret_bits(text)):.0f} bits; at least {MIN_SECRET_BITS:.0f} are needed)"
    return None


def auth_config(secrets: Mapping, env: Mapping[str, str]) -> AuthConfig:
    """The sign-in mode for these secrets (a plain mapping) and environment."""
    cockpit = secrets.get("cockpit") or {}
    required = (
        _truthy(env.get(REQUIRE_ENV, ""))
        or is_production(env)
        or (isinstance(cockpit, Mapping) and _truthy(cockpit.get("require_login", False)))
    )
    auth = secrets.get("auth")
    if auth is None:
        if required:
            why = f"{ENV_NAME}=production" if is_production(env) else "sign-in is mandatory"
            return AuthConfig("closed", problem=f"{why} but .streamlit/secrets.toml has no [auth] section")
        return AuthConfig("open")
    if not isinstance(auth, Mapping):
        return AuthConfig("closed", problem="[auth] in .streamlit/secrets.toml is not a table")
    missing = [k for k in ("redirect_uri", "cookie_secret") if not auth.get(k)]
    if missing:
        return AuthConfig("closed", problem=f"[auth] is missing {', '.join(missing)}")
    weak = weak_secret(auth.get("cookie_secret"))
    if weak:
        return AuthConfig("closed", problem=f"[auth] cookie_secret is too weak: {weak}. Generate one with {GENERATE_HINT}")
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


@dataclass(frozen=True)
class Identity:
    """Who the provider says signed in: the e-mail (lower case), whether the provider verified it,
    and the provider's issuer and subject — the only stable, provider-unique name of a person."""

    email: str
    verified: bool
    issuer: str
    subject: str


def identity_from_claims(claims: Mapping) -> Identity:
    """The Identity in a provider's claims (``st.user``: the ID token's claims)."""
    email = claims.get("email")
    verified = claims.get("email_verified")
    return Identity(
        email=str(email).strip().lower() if email else "",
        # Only a real true counts: some providers send the string "true", none sends a missing claim for yes.
        verified=verified is True or (isinstance(verified, str) and verified.strip().lower() == "true"),
        issuer=str(claims.get("iss") or ""),
        subject=str(claims.get("sub") or ""),
    )


def signed_in_identity() -> Identity | None:
    """The signed-in visitor's Identity, or None when nobody is signed in."""
    if not st.user.is_logged_in:
        return None
    return identity_from_claims(st.user.to_dict())


@dataclass(frozen=True)
class Decision:
    """What to do with a signed-in visitor: ``ok``, ``bind`` (first sign-in: bind, then ok), or a
    refusal — ``no_email``, ``unverified``, ``no_subject``, ``unknown`` (no enabled user row),
    ``foreign_subject`` (the row is bound to another issuer/subject)."""

    outcome: str

    @property
    def allowed(self) -> bool:
        return self.outcome in ("ok", "bind")


def check_identity(identity: Identity, user) -> Decision:
    """The decision for ``identity`` and the user row found by its e-mail (``access.User`` or None)."""
    if not identity.email:
        return Decision("no_email")
    if not identity.verified:
        return Decision("unverified")
    if not identity.issuer or not identity.subject:
        return Decision("no_subject")
    if user is None or not user.enabled:  # a disabled row is never bound (nor shown anything)
        return Decision("unknown")
    if user.subject is None:
        return Decision("bind")
    if (user.issuer, user.subject) != (identity.issuer, identity.subject):
        return Decision("foreign_subject")
    return Decision("ok")


def render_closed(cfg: AuthConfig, lang: str) -> NoReturn:
    """Sign-in is mandatory but not usable: say so, show nothing else."""
    st.title(t("app.title", lang))
    st.error(t("auth.closed", lang), icon=":material/lock:")
    st.caption(t_md("auth.closed_fix", lang, problem=cfg.problem))
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
    st.error(t_md("auth.no_access", lang, email=email or "—"), icon=":material/block:")
    st.caption(t("auth.no_access_help", lang))
    if st.button(t("auth.sign_out", lang), icon=":material/logout:", key="auth_logout_denied"):
        st.logout()
    st.stop()


def render_refused(identity: Identity, outcome: str, lang: str) -> NoReturn:
    """Signed in at the provider, refused here (unverified e-mail, another subject, no subject)."""
    st.title(t("app.title", lang))
    st.error(t_md(f"auth.refused.{outcome}", lang, email=identity.email or "—"), icon=":material/block:")
    st.caption(t(f"auth.refused.{outcome}_help", lang))
    if st.button(t("auth.sign_out", lang), icon=":material/logout:", key="auth_logout_refused"):
        st.logout()
    st.stop()


def render_identity(email: str, role: str, lang: str) -> None:
    """Who is signed in, in the sidebar, with a sign-out button."""
    st.sidebar.caption(t("auth.signed_in_as", lang, email=md(email), role=t(f"role.{role}", lang)))
    if st.sidebar.button(t("auth.sign_out", lang), icon=":material/logout:", key="auth_logout"):
        st.logout()


def render_demo_banner(lang: str) -> None:
    """The open demo's banner, on every page."""
    st.info(t("auth.demo_banner", lang), icon=":material/lock_open:")
