"""What ``serve`` adds to Streamlit's web server: links that survive sign-in, and a page that knows
the app's base URL. One ASGI middleware, :class:`LinkMiddleware`, that ``serve``
(components/commands/serve.py) puts innermost in Streamlit's stack: inside its session middleware,
in front of its routes. Standard library only; it speaks plain ASGI messages.

**Links survive sign-in.** Streamlit's OpenID callback (``/oauth2callback``) always redirects to
the app's root, so a link opened while signed out used to land on the Overview with default
filters. The sign-in button sends the browser to ``/auth/login``, and that request's ``Referer``
is the page the visitor was on, query string included (browsers send the whole URL to the same
origin; the shipped proxy says ``Referrer-Policy: same-origin``). The page and query are kept in
Streamlit's own session cookie (Starlette's, signed with ``[auth] cookie_secret``) under the OAuth
``state`` of that sign-in, for 15 minutes; the callback that brings the same ``state`` back turns
Streamlit's redirect to the root into a redirect to the link. What is restored is only ever a page
of ``pages/`` under the app's own root and a re-encoded query string — never a scheme, host or
path taken from the request, so no open redirect — and the app reads the filters as from any link
(``components/filters.py: parse_params`` drops unknown values and those the user may not see,
with a notice). Without a Referer (a proxy or browser that strips it) sign-in lands on the Overview,
as before.

**The base URL in the page.** On a deep link (``/coverage``) Streamlit's frontend guesses the
server's base URL from the page's path and probes ``/coverage/_stcore/health`` and
``/coverage/_stcore/host-config`` first: two 404s in the browser console on every deep link, then
the root. The page's own scripts load from ``./static/…``, i.e. from the directory of the page's
URL; a one-line script in Streamlit's index.html gives the frontend that same directory as
``window.__streamlit.BACKEND_BASE_URL`` (a setting of Streamlit's frontend that hosts use), so it
asks the right place first, under any path prefix.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

ROOT = Path(__file__).resolve().parents[2]
# app.py gives every page of pages/ its file name as url_path; the Overview is the root.
PAGES = frozenset(p.stem for p in (ROOT / "pages").glob("*.py") if not p.stem.startswith("_"))
ROOT_PAGE = "overview"
LINK_TTL_S = 15 * 60  # a sign-in at the company's SSO (password, second factor) fits easily
# All links kept at once, together: the session cookie also carries Authlib's OAuth states (about
# 500 characters each) and a browser drops a cookie over 4 KB. Measured: one state and a link of
# 1,000 characters make a 2,047-character cookie.
MAX_LINK_CHARS = 1000
SESSION_KEY = "cockpit_links"  # never "_state_…": Streamlit reads those keys as OAuth states
BASE_HINT = b'<script>window.__streamlit=Object.assign({BACKEND_BASE_URL:new URL(".",location.href).href},window.__streamlit)</script>'


def clean_link(path_and_query: str) -> str | None:
    """The page and query string of a URL path, as a link to restore ("funnels?province=420000";
    no page = the root), or None when there is nothing to restore (the root without a query, or
    too long). The page is the path's last segment if it names a page, else the root; the query is
    parsed and encoded again."""
    path, _, query = path_and_query.partition("?")
    page = path.rstrip("/").rsplit("/", 1)[-1]
    if page == ROOT_PAGE or page not in PAGES:
        page = ""
    query = urlencode(parse_qsl(query.split("#", 1)[0], keep_blank_values=True))
    link = page + ("?" + query if query else "")
    return link if link and len(link) <= MAX_LINK_CHARS else None


def link_from_referer(referer: str | None, *, host: str | None) -> str | None:
    """The link to come back to after a sign-in started from ``referer`` on ``host``; None for a
    page of another site, or when there is nothing to restore."""
    if not referer or not host:
        return None
    try:
        parts = urlsplit(referer)
    except ValueError:
        return None
    if parts.netloc.lower() != host.lower():
        return None
    return clean_link(f"{parts.path}?{parts.query}")


def _kept(entry: object, now: float) -> str | None:
    """The link of a session entry (``[link, unix time]``) while it is fresh."""
    if isinstance(entry, list) and len(entry) == 2 and isinstance(entry[1], int) and 0 <= now - entry[1] <= LINK_TTL_S:
        return entry[0] if isinstance(entry[0], str) else None
    return None


def remember(session: MutableMapping[str, Any], state: str, link: str, now: float) -> None:
    """Keep ``link`` for the sign-in whose OAuth state is ``state`` (stale ones dropped)."""
    pending = session.get(SESSION_KEY)
    kept = {s: v for s, v in pending.items() if _kept(v, now)} if isinstance(pending, dict) else {}
    kept[state] = [link, int(now)]
    while sum(len(v[0]) for v in kept.values()) > MAX_LINK_CHARS:  # the oldest sign-ins give way
        del kept[next(iter(kept))]
    session[SESSION_KEY] = kept


def recall(session: MutableMapping[str, Any], state: str | None, now: float) -> str | None:
    """The link kept for ``state`` (taken out of the session), if it is fresh and still clean."""
    pending = session.get(SESSION_KEY)
    if not isinstance(pending, dict):
        return None
    entry = pending.pop(state, None) if state else None
    kept = {s: v for s, v in pending.items() if _kept(v, now)}
    if kept:
        session[SESSION_KEY] = kept
    else:
        session.pop(SESSION_KEY, None)
    link = _kept(entry, now)
    return clean_link(link) if link else None


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> str | None:
    for key, value in headers:
        if key.lower() == name:
            return value.decode("latin-1")
    return None


class LinkMiddleware:
    """Streamlit's server with links that survive sign-in and a page that knows its base URL
    (module docstring). ``base_path`` is Streamlit's ``server.baseUrlPath``."""

    def __init__(self, app: ASGIApp, *, base_path: str = "") -> None:
        self.app = app
        base = "/" + base_path.strip("/") if base_path.strip("/") else ""
        self.root = base + "/"
        self.login = base + "/auth/login"
        self.callback = base + "/oauth2callback"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "GET":
            await self.app(scope, receive, send)
            return
        path, headers, session = scope.get("path", ""), list(scope.get("headers", [])), scope.get("session")
        if path == self.login and isinstance(session, dict):
            link = link_from_referer(_header(headers, b"referer"), host=_header(headers, b"host"))
            if link:
                send = self._remembering(send, session, link)
        elif path == self.callback and isinstance(session, dict):
            state = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"))).get("state")
            link = recall(session, state, time.time())
            if link:
                send = self._redirecting(send, link)
        elif self._is_page(path):
            send = self._hinting(send)
        await self.app(scope, receive, send)

    def _is_page(self, path: str) -> bool:
        """The root or a page's URL (``/funnels``): what Streamlit answers with its index.html."""
        if not path.startswith(self.root):
            return False
        rest = path[len(self.root) :]
        return "/" not in rest and "." not in rest

    def _remembering(self, send: Send, session: MutableMapping[str, Any], link: str) -> Send:
        """Keep ``link`` under the state of the provider redirect that Streamlit answers with
        (before the session middleware, outside, writes the session cookie)."""

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                location = _header(list(message.get("headers", [])), b"location") or ""
                state = dict(parse_qsl(urlsplit(location).query)).get("state")
                if state:
                    remember(session, state, link, time.time())
            await send(message)

        return wrapped

    def _redirecting(self, send: Send, link: str) -> Send:
        """Streamlit's redirect to the root, to ``link`` instead."""
        target = (self.root + link).encode("latin-1")

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start" and message.get("status") in (302, 303, 307):
                headers = list(message.get("headers", []))
                message = {
                    **message,
                    "headers": [(k, target if k.lower() == b"location" and v.decode("latin-1") == self.root else v) for k, v in headers],
                }
            await send(message)

        return wrapped

    def _hinting(self, send: Send) -> Send:
        """Streamlit's index.html with :data:`BASE_HINT` at the top of its head."""
        start: Message | None = None
        chunks: list[bytes] = []

        async def wrapped(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                content_type = _header(list(message.get("headers", [])), b"content-type") or ""
                if message.get("status") == 200 and content_type.startswith("text/html"):
                    start = message  # held until the whole body is here
                    return
            elif start is not None and message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if message.get("more_body"):
                    return
                body = b"".join(chunks)
                if b'<div id="root">' in body:
                    body = body.replace(b"<head>", b"<head>" + BASE_HINT, 1)
                headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
                await send({**start, "headers": [*headers, (b"content-length", str(len(body)).encode())]})
                await send({"type": "http.response.body", "body": body})
                return
            await send(message)

        return wrapped
