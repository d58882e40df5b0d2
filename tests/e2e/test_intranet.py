"""Quiet on an intranet: the server makes no connection and no name lookup beyond loopback — at
start, while it serves pages, nor when a websocket comes from another origin — and a deep link
asks the server for nothing that answers 404 (components/commands/serve.py: extend_server).

The server runs under tests/net_audit.py, which records every socket call of the server process
towards anything but loopback, before it happens (so a lookup that fails here, offline, counts as
much as one that would succeed). Chromium's own requests beyond loopback are aborted and recorded,
as in test_offline.py.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest

from components.commands.launch import ROOT, AppServer
from components.i18n import t

# Deep links (the path names a page) and the title each must show.
DEEP_LINKS = {
    "coverage?province=420000": ("coverage.title", "zh"),
    "funnels?lang=en": ("funnels.title", "en"),
    "investment?channel=campus": ("investment.title", "zh"),
    "reports": ("reports.title", "zh"),
}
LOOPBACK = {"localhost", "127.0.0.1", "::1", "[::1]"}


@pytest.fixture(scope="module")
def audited(app_db_url, tmp_path_factory):
    """(server, audit file) of an app in open demo mode whose socket calls beyond loopback are recorded."""
    tmp = tmp_path_factory.mktemp("intranet")
    audit = tmp / "net-audit.jsonl"
    cmd = (sys.executable, str(ROOT / "tests" / "net_audit.py"), "serve")
    with AppServer(tmp, env={"DATABASE_URL": app_db_url, "NET_AUDIT_LOG": str(audit)}, cmd=cmd, name="audited") as app:
        app.wait_healthy()
        yield app, audit


def outbound(audit: Path) -> list[str]:
    """What the server tried beyond loopback: "event host" and where in the code."""
    if not audit.exists():
        return []
    return [f"{e['event']} {e['host']}\n{e['where']}" for e in map(json.loads, audit.read_text(encoding="utf-8").splitlines())]


def open_links(browser, base: str, links) -> dict[str, list[str]]:
    """Open each link in one page; the h1 of each, the URLs that answered 404, the console's
    errors, and the requests beyond loopback (aborted)."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    seen: dict[str, list[str]] = {"titles": [], "not_found": [], "console": [], "blocked": []}

    def route(r):
        url = r.request.url
        if url.startswith(("data:", "blob:", "about:")) or (urlparse(url).hostname or "") in LOOPBACK:
            r.continue_()
        else:
            seen["blocked"].append(url)
            r.abort()

    context.route("**/*", route)
    try:
        page = context.new_page()
        page.on("response", lambda r: seen["not_found"].append(r.url) if r.status == 404 else None)
        page.on("console", lambda m: seen["console"].append(m.text) if m.type == "error" else None)
        for link in links:
            page.goto(f"{base}/{link}")
            page.wait_for_selector("h1", timeout=30_000)
            page.wait_for_timeout(1500)  # the page's charts, icons and favicon
            seen["titles"].append(page.locator("h1").first.inner_text().strip())
    finally:
        context.close()
    return seen


def websocket_status(port: int, *, origin: str) -> int:
    """The HTTP status of a websocket handshake on /_stcore/stream that says it comes from ``origin``."""
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        f"GET /_stcore/stream HTTP/1.1\r\nHost: localhost:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nOrigin: {origin}\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(request.encode())
        return int(s.recv(4096).split(b" ", 2)[1])


def test_the_server_makes_no_outbound_connection_at_start_while_serving_or_on_a_foreign_websocket(audited, browser):
    app, audit = audited
    seen = open_links(browser, app.base, ["", *list(DEEP_LINKS)[:2]])
    assert seen["titles"][0] == t("overview.title", "zh")
    # Another origin's websocket is refused; Streamlit used to look up the machine's public address first.
    assert [websocket_status(app.port, origin="http://portal.corp.example") for _ in range(3)] == [403] * 3
    log = app.log_path.read_text(encoding="utf-8", errors="replace")
    assert "external IP" not in log, log[-2000:]
    assert outbound(audit) == []
    assert seen["blocked"] == []


def test_a_deep_link_asks_for_nothing_that_answers_404(audited, browser):
    app, _ = audited
    seen = open_links(browser, app.base, DEEP_LINKS)
    assert seen["titles"] == [t(key, lang) for key, lang in DEEP_LINKS.values()]
    assert seen["not_found"] == []
    assert [m for m in seen["console"] if "404" in m] == []
