"""What ``serve`` adds to Streamlit's server (components/commands/web.py), on plain ASGI messages:
the link kept at ``/auth/login`` and restored by ``/oauth2callback`` (only a known page, never
another site), and the base URL written into index.html. End to end: tests/e2e/test_signin.py and
tests/e2e/test_intranet.py."""

from __future__ import annotations

import re

import pytest

from components.commands import web
from data_access.config import PROJECT_ROOT

INDEX = b'<!DOCTYPE html><html><head><title>Streamlit</title></head><body><div id="root"></div></body></html>'
LINK = "/funnels?province=420000&period=2026Q3&lang=en"


def run(coroutine) -> None:
    """Run a coroutine that never waits (the fake apps below answer at once), without an event loop:
    a Playwright session in the same test process holds the thread's loop."""
    try:
        coroutine.send(None)
    except StopIteration:
        return
    raise AssertionError("the middleware waited for something")


def respond(status: int, headers: dict[str, str], body: bytes = b""):
    """An inner app (Streamlit) that answers every request alike, and touches nothing else."""

    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": status, "headers": [(k.encode(), v.encode()) for k, v in headers.items()]})
        await send({"type": "http.response.body", "body": body})

    return app


def call(app, path: str, *, session: dict | None = None, query: str = "", headers: dict[str, str] | None = None, base_path: str = ""):
    """(status, headers, body) of one GET through ``web.LinkMiddleware`` around ``app``."""
    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http",
        "method": "GET",
        "path": path,
        "query_string": query.encode(),
        "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
    }
    if session is not None:
        scope["session"] = session
    run(web.LinkMiddleware(app, base_path=base_path)(scope, receive, send))
    start = sent[0]
    return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, b"".join(m.get("body", b"") for m in sent[1:])


def sign_in(session: dict, referer: str, *, state: str = "s1", host: str = "cockpit.corp.cn") -> None:
    """The request the sign-in button makes: Streamlit answers with the provider's URL and a state."""
    provider = respond(302, {"location": f"https://sso.corp.cn/authorize?client_id=c&state={state}"})
    call(provider, "/auth/login", session=session, query="provider=x", headers={"referer": referer, "host": host})


def callback(session: dict, *, state: str = "s1") -> str:
    """Where the browser goes after the provider's callback (Streamlit always says the root)."""
    _, headers, _ = call(respond(302, {"location": "/"}), "/oauth2callback", session=session, query=f"code=c&state={state}")
    return headers["location"]


def test_a_link_opened_before_sign_in_is_where_the_callback_sends_the_browser():
    session: dict = {}
    sign_in(session, f"https://cockpit.corp.cn{LINK}")
    assert callback(session) == LINK
    assert web.SESSION_KEY not in session  # used once
    assert callback(session) == "/"  # a replayed callback: the root, as Streamlit says


def test_each_tab_comes_back_to_its_own_link():
    session: dict = {}
    sign_in(session, "https://cockpit.corp.cn/coverage?lang=en", state="a")
    sign_in(session, f"https://cockpit.corp.cn{LINK}", state="b")
    assert callback(session, state="a") == "/coverage?lang=en"
    assert callback(session, state="b") == LINK


def test_the_links_kept_at_once_fit_in_the_cookie_the_oldest_giving_way():
    session: dict = {}
    long = "/coverage?" + "&".join(f"province={i:06d}" for i in range(25))  # 409 characters
    for state in "abc":
        sign_in(session, f"https://cockpit.corp.cn{long}", state=state)
    assert sum(len(link) for link, _ in session[web.SESSION_KEY].values()) <= web.MAX_LINK_CHARS
    assert [callback(session, state=s) for s in "abc"] == ["/", long, long]


def test_a_link_older_than_its_time_or_of_another_state_is_not_restored(monkeypatch):
    session: dict = {}
    sign_in(session, f"https://cockpit.corp.cn{LINK}")
    assert callback(session, state="other") == "/"
    now = web.time.time()
    monkeypatch.setattr(web.time, "time", lambda: now + web.LINK_TTL_S + 1)
    assert callback(session) == "/"


@pytest.mark.parametrize(
    "referer, host, restored",
    [
        ("https://cockpit.corp.cn/", "cockpit.corp.cn", "/"),  # the root: nothing to restore
        ("https://cockpit.corp.cn/overview?lang=en", "cockpit.corp.cn", "/?lang=en"),  # the Overview is the root
        ("https://cockpit.corp.cn/nope?lang=en", "cockpit.corp.cn", "/?lang=en"),  # an unknown page: the root
        ("https://evil.example/funnels?lang=en", "cockpit.corp.cn", "/"),  # another site's page
        ("https://cockpit.corp.cn//evil.example/funnels", "cockpit.corp.cn", "/funnels"),  # only the last segment counts
        ("https://cockpit.corp.cn/funnels?x=%0d%0aSet-Cookie:%20a=b", "cockpit.corp.cn", "/funnels?x=%0D%0ASet-Cookie%3A+a%3Db"),
        ("https://cockpit.corp.cn/prefix/coverage?end=", "cockpit.corp.cn", "/coverage?end="),  # behind a path prefix; end= is a value
        ("https://cockpit.corp.cn/funnels?" + "a=1&" * 300, "cockpit.corp.cn", "/"),  # too long for the cookie
        (None, "cockpit.corp.cn", "/"),
    ],
)
def test_only_a_page_of_the_app_and_its_query_are_restored(referer, host, restored):
    session: dict = {}
    if referer is None:
        call(respond(302, {"location": "https://sso.corp.cn/authorize?state=s1"}), "/auth/login", session=session, headers={"host": host})
    else:
        sign_in(session, referer, host=host)
    location = callback(session)
    assert location == restored
    assert location.startswith("/") and not location.startswith("//")


def test_the_callback_keeps_streamlits_redirect_when_it_goes_elsewhere():
    session: dict = {}
    sign_in(session, f"https://cockpit.corp.cn{LINK}")
    _, headers, _ = call(respond(302, {"location": "https://sso.corp.cn/logout"}), "/oauth2callback", session=session, query="state=s1")
    assert headers["location"] == "https://sso.corp.cn/logout"


def test_under_a_base_url_path_the_link_comes_back_under_it():
    session: dict = {}
    provider = respond(302, {"location": "https://sso.corp.cn/authorize?state=s1"})
    referer = {"referer": "https://corp.cn/cockpit/funnels?lang=en", "host": "corp.cn"}
    call(provider, "/cockpit/auth/login", session=session, headers=referer, base_path="cockpit")
    _, headers, _ = call(
        respond(302, {"location": "/cockpit/"}), "/cockpit/oauth2callback", session=session, query="state=s1", base_path="cockpit"
    )
    assert headers["location"] == "/cockpit/funnels?lang=en"
    html = respond(200, {"content-type": "text/html"}, INDEX)
    assert web.BASE_HINT in call(html, "/cockpit/funnels", base_path="cockpit")[2]
    assert web.BASE_HINT not in call(html, "/funnels", base_path="cockpit")[2]


def test_every_page_of_the_app_is_a_page_a_link_may_name():
    paths = set(re.findall(r'url_path="([a-z_]+)"', (PROJECT_ROOT / "app.py").read_text(encoding="utf-8")))
    assert paths and paths <= web.PAGES
    assert web.ROOT_PAGE in web.PAGES


@pytest.mark.parametrize("path", ["/", "/coverage", "/funnels"])
def test_index_html_tells_the_frontend_the_apps_base_url(path):
    status, headers, body = call(respond(200, {"content-type": "text/html; charset=utf-8", "content-length": str(len(INDEX))}, INDEX), path)
    assert status == 200
    assert body.startswith(b"<!DOCTYPE html><html><head>" + web.BASE_HINT + b"<title>")
    assert headers["content-length"] == str(len(body))


@pytest.mark.parametrize("path", ["/component/x.y/index.html", "/_stcore/health", "/favicon.png", "/media/a.html"])
def test_other_responses_are_left_alone(path):
    _, _, body = call(respond(200, {"content-type": "text/html"}, INDEX), path)
    assert body == INDEX
