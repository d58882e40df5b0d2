"""Sign-in end to end: a real server with an [auth] section, a mock OpenID provider, and Chromium.

One app server (module scope) runs on a copy of the seeded database with three users added:
an executive, a Henan regional manager and a disabled Henan manager; the mock provider also
knows a stranger who is not in the database. Every user signs in through the provider in a browser
context of their own (the Henan manager's is shared by the tests that use it; each test opens a
new page, so a new Streamlit session). Sign-in lands on the page it started from ("/" for most
tests, which open their page after it; a link opened while signed out comes back to its page and
filters). Expected values come from the database (data_access), not from the screen. Two more
short-lived servers check that mandatory sign-in fails closed.
"""

from __future__ import annotations

import contextlib
import csv
import io
import logging
import os
import re
import sqlite3
import time
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from components.commands.launch import AppServer, free_port
from components.i18n import t
from data_access import access, config, schema, upkeep
from data_access.queries import get_province_catalogue
from tests.identity import TEST_COOKIE_SECRET

pytestmark = pytest.mark.browser

EXEC, HENAN, GONE, STRANGER = "exec@corp.cn", "henan@corp.cn", "gone@corp.cn", "stranger@corp.cn"
ADMIN = "upkeep.admin@corp.cn"
UNVERIFIED_SUB, INTRUDER_SUB = "unverified-account", "intruder-account"
HENAN_CODE, HUBEI_CODE = "410000", "420000"
TIMEOUT = 30_000
PAGES = ("", "coverage", "investment", "funnels", "reports")
SIGN_IN_TIMES: list[float] = []  # seconds from the click on the sign-in button to the app naming the user


# --- servers -------------------------------------------------------------------------------------


@contextlib.contextmanager
def app_servers(tmp: Path, *specs: dict):
    """Start one server per spec (keyword arguments of AppServer) at once, wait until all are
    healthy, yield their base URLs, stop them all."""
    procs: list[AppServer] = []
    try:
        for spec in specs:
            procs.append(AppServer(tmp, **spec))
        for p in procs:
            p.wait_healthy()
        yield [p.base for p in procs]
    finally:
        for p in procs:
            p.stop()


def _copy_sqlite(src: str, dst: str) -> None:
    """A consistent copy of a WAL-mode SQLite file (the backup API, not a file copy)."""
    a, b = sqlite3.connect(src), sqlite3.connect(dst)
    try:
        a.backup(b)
    finally:
        a.close()
        b.close()


@pytest.fixture(scope="module")
def sso(app_db_url, tmp_path_factory, chromium_path):
    """(base_url, database_url) of an app that requires sign-in through a mock OIDC provider."""
    import oidc_provider_mock

    tmp = tmp_path_factory.mktemp("sso")
    db = tmp / "cockpit.db"
    _copy_sqlite(make_url(app_db_url).database, str(db))
    url = f"sqlite:///{db}"
    engine = config.make_engine(url)
    try:
        with engine.begin() as conn:
            # The shared seeded database may hold other test modules' users: start from none.
            conn.execute(schema.app_user_grant.delete())
            conn.execute(schema.app_user.delete())
            access.add_user(conn, email=EXEC, role="executive", actor="test")
            access.add_user(conn, email=HENAN, role="regional", actor="test", provinces=[HENAN_CODE])
            access.add_user(conn, email=GONE, role="regional", actor="test", provinces=[HENAN_CODE])
            access.add_user(conn, email=ADMIN, role="admin", actor="test")
            access.set_user(conn, email=GONE, actor="test", enabled=False)
    finally:
        engine.dispose()

    claims = [oidc_provider_mock.User(sub=e, claims={"email": e, "email_verified": True}) for e in (EXEC, HENAN, GONE, STRANGER, ADMIN)]
    # Two provider accounts that carry someone else's e-mail: one the provider did not verify, and
    # one verified but of another subject (self-registration, a second tenant, a social login).
    claims += [
        oidc_provider_mock.User(sub=UNVERIFIED_SUB, claims={"email": EXEC, "email_verified": False}),
        oidc_provider_mock.User(sub=INTRUDER_SUB, claims={"email": ADMIN, "email_verified": True}),
    ]
    werkzeug_log = logging.getLogger("werkzeug")  # the mock logs every request at INFO
    old_level = werkzeug_log.level
    werkzeug_log.setLevel(logging.WARNING)
    with contextlib.ExitStack() as stack:
        stack.callback(werkzeug_log.setLevel, old_level)
        provider = stack.enter_context(oidc_provider_mock.run_server_in_thread(port=0, user_claims=claims))
        port = free_port()
        secrets = tmp / "secrets.toml"
        secrets.write_text(
            "[auth]\n"
            f'redirect_uri = "http://localhost:{port}/oauth2callback"\n'
            f'cookie_secret = "{TEST_COOKIE_SECRET}"\n'
            'client_id = "cockpit"\n'
            'client_secret = "secret"\n'
            f'server_metadata_url = "http://localhost:{provider.server_port}/.well-known/openid-configuration"\n',
            encoding="utf-8",
        )
        with app_servers(tmp, {"env": {"DATABASE_URL": url}, "secrets_file": secrets, "port": port}) as (base,):
            yield base, url
    if SIGN_IN_TIMES:  # shown with -s: the sign-in round trips observed (click -> the app names the user)
        print(f"\nsign-in round trip: min {min(SIGN_IN_TIMES):.2f} s, max {max(SIGN_IN_TIMES):.2f} s, n={len(SIGN_IN_TIMES)}")


# --- the database: expected values and the audit log -----------------------------------------------


def catalogue(url: str):
    engine = config.make_engine(url)
    try:
        with engine.connect() as conn:
            return get_province_catalogue(conn)
    finally:
        engine.dispose()


def name_zh(url: str, code: str) -> str:
    cat = catalogue(url)
    return str(cat.loc[cat["province_code"] == code, "name_zh"].iloc[0])


def short(name: str) -> str:
    """河南省 -> 河南, 广西壮族自治区 -> 广西 (the two-character stem for substring checks)."""
    return name[:2]


def audit_rows(url: str, *, actor: str, fmt: str):
    engine = config.make_engine(url)
    try:
        with engine.connect() as conn:
            return access.get_audit_log(conn, actor=actor, fmt=fmt)
    finally:
        engine.dispose()


def wait_for_new_audit_rows(url: str, *, actor: str, fmt: str, before: int, timeout: float = 10.0):
    """The audit rows once their count changed from ``before`` (the write may trail the download)."""
    deadline = time.time() + timeout
    rows = audit_rows(url, actor=actor, fmt=fmt)
    while len(rows) == before and time.time() < deadline:
        time.sleep(0.2)
        rows = audit_rows(url, actor=actor, fmt=fmt)
    time.sleep(0.5)  # and no second row right behind it
    return audit_rows(url, actor=actor, fmt=fmt)


# --- the browser ---------------------------------------------------------------------------------


def settle(page, quiet_ms: int = 500) -> None:
    """Wait for a title, then for the script run to finish: no running indicator and no spinner,
    and the page text unchanged, for ``quiet_ms`` in a row (the indicator shows up after a delay)."""
    page.wait_for_selector("h1", timeout=TIMEOUT)
    deadline = time.monotonic() + TIMEOUT / 1000
    last, quiet_since = None, time.monotonic()
    while time.monotonic() < deadline:
        state = page.evaluate("""() => [
            !!document.querySelector('[data-testid="stStatusWidgetRunningIcon"], [data-testid="stSpinner"]'),
            document.body.innerText.length]""")
        if state[0] or state != last:
            last, quiet_since = state, time.monotonic()
        elif time.monotonic() - quiet_since >= quiet_ms / 1000:
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"{page.url}: the script run did not finish in {TIMEOUT // 1000} s")


def sign_in(context, base: str, email: str, *, wait: bool = True, sub: str | None = None):
    """A page of ``context`` signed in as ``email`` through the mock provider (on "/"); the
    provider account is ``sub`` (default: the one whose subject is the e-mail).

    Signed in means the app names the user (the sidebar's "signed in as", or the no-access
    message); ``wait`` then lets that first script run finish.
    """
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    page.goto(f"{base}/")
    button = page.get_by_role("button", name=t("auth.sign_in", "zh"))
    button.wait_for(timeout=TIMEOUT)
    assert page.locator('[data-testid="stMetricValue"]').count() == 0  # nothing before sign-in
    t0 = time.perf_counter()
    button.click()
    page.wait_for_url("**/oauth2/authorize**", timeout=TIMEOUT)
    page.get_by_placeholder("sub").fill(sub or email)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(re.compile(rf"^{re.escape(base)}/(\?.*)?$"), timeout=TIMEOUT)
    page.get_by_text(email).first.wait_for(timeout=TIMEOUT)
    SIGN_IN_TIMES.append(time.perf_counter() - t0)
    if wait:
        settle(page)
    return page


def new_context(browser):
    return browser.new_context(viewport={"width": 1440, "height": 900}, accept_downloads=True)


@contextlib.contextmanager
def signed_in(browser, base: str, email: str):
    """A page in a fresh browser context (one per user), signed in as ``email``."""
    context = new_context(browser)
    try:
        yield sign_in(context, base, email)
    finally:
        context.close()


@pytest.fixture(scope="module")
def henan_context(browser, sso):
    """One browser context signed in as the Henan manager (the session cookie), for several tests."""
    base, _ = sso
    context = new_context(browser)
    try:
        sign_in(context, base, HENAN, wait=False).close()
        yield context
    finally:
        context.close()


@pytest.fixture
def henan_page(henan_context):
    """A new page (a new Streamlit session) in the Henan manager's signed-in context."""
    page = henan_context.new_page()
    page.set_default_timeout(TIMEOUT)
    yield page
    page.close()


def goto(page, base: str, path: str) -> None:
    """Open an app page in the signed-in context (sign-in itself always lands on "/")."""
    page.goto(f"{base}/{path}")
    settle(page)


def body(page) -> str:
    return page.inner_text("body")


def sidebar(page) -> str:
    return page.inner_text('[data-testid="stSidebar"]')


def province_placeholder(page) -> str:
    """The sidebar's province picker says how many provinces "all" means for this user."""
    box = page.locator('[data-testid="stSidebar"]').get_by_role("combobox", name=t("filter.provinces", "zh"), exact=True)
    return box.get_attribute("placeholder") or ""


def main_text(page) -> str:
    return page.inner_text('[data-testid="stMain"]')


# --- tests ---------------------------------------------------------------------------------------


def test_an_executive_sees_every_province(browser, sso):
    base, url = sso
    n = len(catalogue(url))
    assert n > 1
    with signed_in(browser, base, EXEC) as page:
        assert province_placeholder(page) == t("filter.all_provinces", "zh", n=n)
        text = sidebar(page)
        assert EXEC in text
        # "全国" is the executive's scope, on the overview's scope line.
        assert "全国" in main_text(page)
        assert page.locator('[data-testid="stMetricValue"]').count() > 0


def test_a_regional_manager_sees_only_henan_on_every_page(henan_page, sso):
    base, url = sso
    henan, hubei = short(name_zh(url, HENAN_CODE)), short(name_zh(url, HUBEI_CODE))
    page = henan_page
    for path in PAGES:
        goto(page, base, path)
        assert province_placeholder(page) == t("filter.all_provinces", "zh", n=1), path
        text = body(page)
        assert "Traceback" not in text, path
        assert henan in text, f"/{path}: {henan} missing"
        assert hubei not in text, f"/{path}: {hubei} shown to a Henan manager"
        assert "全国" not in text, f"/{path}: 全国 shown to a Henan manager"


def test_a_link_to_another_province_is_dropped_for_a_regional_manager(henan_page, sso):
    base, url = sso
    hubei = name_zh(url, HUBEI_CODE)
    page = henan_page
    goto(page, base, f"coverage?province={HUBEI_CODE}")
    notice = page.locator('[data-testid="stAlert"]').filter(has_text=f"province={HUBEI_CODE}")
    assert notice.count() == 1
    notice_text = notice.first.inner_text()
    text = body(page).replace(notice_text, "")
    assert hubei not in text and short(hubei) not in text
    assert short(name_zh(url, HENAN_CODE)) in text
    assert f"province={HUBEI_CODE}" not in page.url


def test_a_link_opened_while_signed_out_lands_on_its_page_and_filters_after_sign_in(browser, sso):
    """A link pasted into a chat and opened by someone not signed in: after the provider, the same
    page with the same filters, not the Overview (components/commands/web.py)."""
    from urllib.parse import parse_qs, urlsplit

    from components.context import context_from_params, read_catalogue

    base, url = sso
    engine = config.make_engine(url)
    try:
        with engine.connect() as conn:
            cat = read_catalogue(conn)
    finally:
        engine.dispose()
    period = next(p for p in cat.periods if "Q" in p)  # a quarter: never the default period
    params = {"province": [HUBEI_CODE], "period": [period], "lang": ["en"]}
    ctx, dropped = context_from_params(cat, params, cat.provinces, actor=EXEC, role="executive")
    assert dropped == []
    context = new_context(browser)
    try:
        page = context.new_page()
        page.set_default_timeout(TIMEOUT)
        page.goto(f"{base}/funnels?province={HUBEI_CODE}&period={period}&lang=en")
        page.get_by_role("button", name=t("auth.sign_in", "en")).click()
        page.wait_for_url("**/oauth2/authorize**")
        page.get_by_placeholder("sub").fill(EXEC)
        page.get_by_role("button", name="Authorize").click()
        page.wait_for_url(re.compile(rf"^{re.escape(base)}/funnels\?"))
        page.get_by_text(EXEC).first.wait_for()
        settle(page)
        assert parse_qs(urlsplit(page.url).query) == params
        assert page.locator("h1").first.inner_text().strip() == t("funnels.title", "en")
        assert ctx.text.line in main_text(page)
    finally:
        context.close()


def test_a_regional_managers_csv_holds_only_henan_and_is_audited(henan_page, sso):
    base, url = sso
    henan, hubei = short(name_zh(url, HENAN_CODE)), short(name_zh(url, HUBEI_CODE))
    page = henan_page
    goto(page, base, "coverage")
    before = len(audit_rows(url, actor=HENAN, fmt="csv"))
    page.get_by_role("button", name=t("export.button", "zh")).first.click()
    popover = page.locator('[data-testid="stPopoverBody"]')
    popover.wait_for(timeout=TIMEOUT)
    with page.expect_download(timeout=TIMEOUT) as info:
        popover.get_by_role("button", name="CSV").click()
    data = Path(info.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(data)))
    assert len(rows) >= 2, data  # a header and data
    # One province in scope: the map is its cities; every row is of the grant's province.
    column = rows[0].index(t("col.province_code", "zh")) if t("col.province_code", "zh") in rows[0] else 0
    assert {row[column] for row in rows[1:]} == {HENAN_CODE}, data
    assert any(henan in cell for row in rows[1:] for cell in row)
    assert not any(hubei in cell or HUBEI_CODE in cell for row in rows for cell in row)

    after = wait_for_new_audit_rows(url, actor=HENAN, fmt="csv", before=before)
    assert len(after) == before + 1
    row = after.iloc[0]
    assert (row["actor"], row["format"], row["provinces"], row["page"]) == (HENAN, "csv", HENAN_CODE, "coverage")


def test_a_regional_managers_briefing_pack_holds_only_henan_and_is_audited(henan_page, sso):
    from pptx import Presentation

    base, url = sso
    henan, hubei = short(name_zh(url, HENAN_CODE)), short(name_zh(url, HUBEI_CODE))
    page = henan_page
    goto(page, base, "reports")
    before = len(audit_rows(url, actor=HENAN, fmt="pptx"))
    page.get_by_role("button", name=t("reports.build", "zh")).click()
    pptx_button = page.locator('[data-testid="stDownloadButton"]').filter(has_text="PPTX")
    pptx_button.wait_for(timeout=60_000)  # charts are rendered by Chromium: allow for a slow machine
    with page.expect_download(timeout=TIMEOUT) as info:
        pptx_button.click()
    deck = Presentation(info.value.path())
    texts = []
    for slide in deck.slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                texts.append(shape.text_frame.text)
            if getattr(shape, "has_table", False) and shape.has_table:
                texts.extend(cell.text for r in shape.table.rows for cell in r.cells)
    text = "\n".join(texts)
    assert henan in text
    assert hubei not in text and "全国" not in text

    after = wait_for_new_audit_rows(url, actor=HENAN, fmt="pptx", before=before)
    assert len(after) == before + 1
    row = after.iloc[0]
    assert (row["actor"], row["format"], row["provinces"], row["page"]) == (HENAN, "pptx", HENAN_CODE, "reports")


@pytest.mark.parametrize("email", [STRANGER, GONE])
def test_unknown_and_disabled_users_see_no_data(browser, sso, email):
    base, _ = sso
    with signed_in(browser, base, email) as page:
        for path in ("", "coverage"):
            if path:  # a deep link, too (no settle: the no-access page stops the run before any data)
                page.goto(f"{base}/{path}")
            page.get_by_text(t("auth.no_access", "zh", email=email)).wait_for(timeout=TIMEOUT)
            assert page.locator('[data-testid="stMetricValue"]').count() == 0
            assert page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').count() == 0


WEAK_SECRETS = {"short_cookie_secret": "x", "placeholder_cookie_secret": "CHANGE_ME: a long random string, really long"}


def auth_secrets(path: Path, port: int, cookie_secret: str) -> Path:
    """A complete [auth] section for a server on ``port`` (the provider is never reached)."""
    path.write_text(
        "[auth]\n"
        f'redirect_uri = "http://localhost:{port}/oauth2callback"\n'
        f'cookie_secret = "{cookie_secret}"\n'
        'client_id = "cockpit"\nclient_secret = "secret"\n'
        'server_metadata_url = "http://127.0.0.1:9/.well-known/openid-configuration"\n',
        encoding="utf-8",
    )
    return path


@pytest.fixture(scope="module")
def closed_servers(app_db_url, sso, tmp_path_factory):
    """Apps that must fail closed, started together: sign-in declared mandatory
    (COCKPIT_REQUIRE_LOGIN=1) without any [auth]; a secrets file that is not valid TOML; and two
    complete [auth] sections whose cookie secret is short or a placeholder (anyone could sign
    cookies with it)."""
    tmp = tmp_path_factory.mktemp("closed")
    broken = tmp / "secrets.toml"
    broken.write_text("[auth\nredirect_uri=\n", encoding="utf-8")
    db = {"DATABASE_URL": app_db_url}
    weak = {}
    for name, secret in WEAK_SECRETS.items():
        port = free_port()
        # On the sign-in tests' database, where the admin exists: a forged admin cookie would open /admin.
        weak[name] = {"env": {"DATABASE_URL": sso[1]}, "secrets_file": auth_secrets(tmp / f"{name}.toml", port, secret), "port": port}
    # (COCKPIT_ENV=production without [auth] does not even start: tests/components/test_serve.py.)
    with app_servers(
        tmp,
        {"env": {**db, "COCKPIT_REQUIRE_LOGIN": "1"}, "secrets_file": tmp / "absent.toml"},
        {"env": db, "secrets_file": broken},
        *weak.values(),
    ) as bases:
        yield dict(zip(["required_without_auth", "unreadable_secrets", *weak], bases))


@pytest.mark.parametrize("case", ["required_without_auth", "unreadable_secrets", *WEAK_SECRETS])
def test_mandatory_sign_in_fails_closed(browser, closed_servers, case):
    base = closed_servers[case]
    context = new_context(browser)
    try:
        page = context.new_page()
        page.goto(f"{base}/coverage?province={HENAN_CODE}")
        page.get_by_text(t("auth.closed", "zh")).wait_for(timeout=TIMEOUT)
        settle(page)
        assert page.locator('[data-testid="stMetricValue"]').count() == 0
        assert page.get_by_role("button", name=t("auth.sign_in", "zh")).count() == 0
        assert page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').count() == 0
    finally:
        context.close()


def forged_cookie(secret: str, base: str, email: str) -> str:
    """The session cookie an attacker signs offline with a known cookie secret: Streamlit's own
    format (itsdangerous, the cookie name as salt, the claims as JSON)."""
    import json

    from streamlit.web.server.starlette.starlette_app_utils import create_signed_value

    claims = {
        "email": email,
        "email_verified": True,
        "iss": "http://forged.invalid",
        "sub": email,
        "origin": base,
        "is_logged_in": True,
        "provider": "default",
    }
    return create_signed_value(secret, "_streamlit_user", json.dumps(claims)).decode("latin-1")


@pytest.mark.parametrize("case", list(WEAK_SECRETS))
def test_a_cookie_forged_with_a_weak_secret_opens_nothing(browser, closed_servers, case):
    """With cookie_secret = "x" an admin cookie could be signed offline and /admin opened without
    signing in; with a weak secret the app now stays closed, so the forged cookie opens nothing."""
    base = closed_servers[case]
    context = new_context(browser)
    try:
        context.add_cookies([{"name": "_streamlit_user", "value": forged_cookie(WEAK_SECRETS[case], base, ADMIN), "url": base}])
        page = context.new_page()
        page.goto(f"{base}/admin")
        page.get_by_text(t("auth.closed", "zh")).wait_for(timeout=TIMEOUT)
        settle(page)
        assert ADMIN not in body(page)
        assert t("admin.users", "zh") not in body(page)
        assert page.locator('[data-testid="stMetricValue"]').count() == 0
    finally:
        context.close()


def user_row(url: str, email: str) -> access.User | None:
    engine = config.make_engine(url)
    try:
        with engine.connect() as conn:
            return access.get_user(conn, email)
    finally:
        engine.dispose()


def refusals(url: str, email: str):
    engine = config.make_engine(url)
    try:
        with engine.connect() as conn:
            return access.get_audit_log(conn, actor=email, action="signin_refused")
    finally:
        engine.dispose()


def test_an_unverified_email_is_refused_even_for_a_known_user(browser, sso):
    """A provider account whose e-mail the provider did not verify carries the executive's e-mail:
    refused, audited, nothing shown — and the executive's own binding is untouched."""
    base, url = sso
    before = len(refusals(url, EXEC))
    context = new_context(browser)
    try:
        page = sign_in(context, base, EXEC, sub=UNVERIFIED_SUB, wait=False)
        page.get_by_text(t("auth.refused.unverified", "zh", email=EXEC)).wait_for(timeout=TIMEOUT)
        settle(page)
        assert page.locator('[data-testid="stMetricValue"]').count() == 0
        assert page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').count() == 0
    finally:
        context.close()
    rows = refusals(url, EXEC)
    assert len(rows) == before + 1 and rows.iloc[0]["detail"].startswith("unverified:")
    assert (user_row(url, EXEC).subject or EXEC) == EXEC  # never bound to the unverified account


def test_a_second_subject_with_the_admins_email_is_refused_and_audited(browser, sso):
    """The admin's row is bound to the subject that signed in first; another provider account with
    the same (verified) e-mail is refused — on the sign-in page and on a deep link to /admin."""
    base, url = sso
    with signed_in(browser, base, ADMIN):  # binds the row on first sign-in (or it is bound already)
        pass
    bound = user_row(url, ADMIN)
    assert bound is not None and bound.subject == ADMIN and bound.issuer
    before = len(refusals(url, ADMIN))
    context = new_context(browser)
    try:
        page = sign_in(context, base, ADMIN, sub=INTRUDER_SUB, wait=False)
        page.get_by_text(t("auth.refused.foreign_subject", "zh", email=ADMIN)).wait_for(timeout=TIMEOUT)
        settle(page)
        page.goto(f"{base}/admin")
        page.get_by_text(t("auth.refused.foreign_subject", "zh", email=ADMIN)).wait_for(timeout=TIMEOUT)
        settle(page)
        assert t("admin.users", "zh") not in body(page)
        assert page.locator('[data-testid="stMetricValue"]').count() == 0
    finally:
        context.close()
    rows = refusals(url, ADMIN)
    assert len(rows) >= before + 1 and INTRUDER_SUB in rows.iloc[0]["detail"]
    assert user_row(url, ADMIN).subject == ADMIN  # the binding did not move


def test_an_admin_uploads_a_filled_template_in_the_browser_and_the_overview_shows_it(browser, sso, tmp_path):
    """The whole path a person takes: sign in, open Data upkeep, choose the file, read the preview,
    Apply, and see the new target on the Overview's card (the file is the real template, filled)."""
    from components.i18n import format_number
    from tests.data_access.test_upkeep import workbook

    base, url = sso
    year = 2026  # the seeded data year: the Overview's default period
    value = 654_321
    path = tmp_path / "targets.xlsx"
    path.write_bytes(workbook([(year, "河南省 (410000)", "线索数 (leads)", value, "个")]))
    with signed_in(browser, base, ADMIN) as page:
        goto(page, base, "upkeep")
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(path))
        page.get_by_text(t("upkeep.preview", "zh")).wait_for(timeout=TIMEOUT)
        settle(page)
        if os.environ.get("UPKEEP_SHOT"):
            page.screenshot(path=os.environ["UPKEEP_SHOT"])
        page.get_by_role("button", name=t("upkeep.apply", "zh")).click()
        page.get_by_text(t("upkeep.applied", "zh", id=1, inserted=0, changed=1, ended=0)).wait_for(timeout=TIMEOUT)
        goto(page, base, f"?province={HENAN_CODE}")
        assert f"本期目标 {format_number(value, 'zh')}" in main_text(page)  # the year view: the year's target
    with config.make_engine(url).connect() as conn:
        rows = conn.execute(schema.data_upload.select()).all()
        assert [(r.actor, r.file_name, r.source) for r in rows] == [(ADMIN, "targets.xlsx", "page")]


def test_an_admin_adds_a_partner_in_the_browser_and_the_overview_counts_it(browser, sso, tmp_path):
    """Partners the same way: choose "partners", pick the filled template, read the preview, Apply,
    and the Overview's partner card for Henan counts one more."""
    from tests.data_access.test_upkeep_partners import row, workbook

    base, url = sso
    with config.make_engine(url).connect() as conn:
        ref = upkeep.Reference.load(conn)
        next_id = upkeep.data_version(conn) + 1
    path = tmp_path / "partners.xlsx"
    path.write_bytes(workbook([row("浏览器测试职业学院", name_en="Browser Test College")], ref))

    def partner_card(page) -> int:
        goto(page, base, f"?province={HENAN_CODE}")
        card = page.locator('[data-testid="stMetric"]').filter(has_text=t("metric.partners", "zh")).first
        return int(card.locator('[data-testid="stMetricValue"]').inner_text().replace(",", ""))

    with signed_in(browser, base, ADMIN) as page:
        before = partner_card(page)
        goto(page, base, "upkeep")
        page.get_by_text(t("upkeep.kind.partners", "zh"), exact=True).click()
        settle(page)
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(path))
        page.get_by_text(t("upkeep.preview", "zh")).wait_for(timeout=TIMEOUT)
        settle(page)
        if os.environ.get("UPKEEP_SHOT"):
            page.screenshot(path=os.environ["UPKEEP_SHOT"].replace(".png", "-partners.png"), full_page=True)
        page.get_by_role("button", name=t("upkeep.apply", "zh")).click()
        page.get_by_text(t("upkeep.applied", "zh", id=next_id, inserted=2, changed=0, ended=0)).wait_for(timeout=TIMEOUT)
        assert partner_card(page) == before + 1


def test_a_signed_in_user_subscribes_to_a_digest_in_the_browser(browser, sso):
    """Sign in, open Alerts, the "My subscriptions" tab, keep the form's defaults (daily 08:00 by
    e-mail, every province one may see) and save: the subscription is theirs, by e-mail to them."""
    from data_access import subscriptions

    base, url = sso
    with signed_in(browser, base, ADMIN) as page:
        goto(page, base, "alerts")
        page.get_by_role("tab", name=t("subs.tab_mine", "zh")).click()
        page.get_by_role("button", name=t("subs.save", "zh")).click()
        page.get_by_text(t("subs.saved", "zh", id=1)[:6]).first.wait_for(timeout=TIMEOUT)
        settle(page)
        if os.environ.get("ALERTS_SHOT"):
            page.screenshot(path=os.environ["ALERTS_SHOT"], full_page=True)
    with config.make_engine(url).connect() as conn:
        (s,) = subscriptions.list_all(conn, owner=ADMIN)
    assert (s.channel, s.target, s.schedule, s.at_time, s.provinces) == ("email", ADMIN, "daily", "08:00", ())
