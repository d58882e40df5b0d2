"""Sign-in modes, roles and the server-side province scope, in AppTest on a real seeded database.

``at.secrets["auth"]`` switches the app to SSO mode and ``at.user`` plays the signed-in identity
(STACK-NOTES: st.login itself is exercised in the real browser, tests/e2e/test_signin.py).
"""

from __future__ import annotations

import pytest

from components.i18n import format_number, t
from data_access import access, config, queries, schema
from data_access.untrusted import md
from tests.app.helpers import all_provinces, assert_clean, default_scope, run_query
from tests.components.test_auth import GOOD
from tests.identity import claims

HENAN, HUBEI = "410000", "420000"
PAGES = ("pages/overview.py", "pages/coverage.py", "pages/investment.py", "pages/funnels.py", "pages/reports.py")
USERS = {
    "exec@corp.cn": ("executive", (), ()),
    "henan@corp.cn": ("regional", (HENAN,), ()),
    "hubei@corp.cn": ("regional", (HUBEI,), ()),
    "central@corp.cn": ("analyst", (), ("central",)),
    "admin@corp.cn": ("admin", (), ()),
    "gone@corp.cn": ("regional", (HENAN,), ()),
}


@pytest.fixture(scope="module")
def users(app_db_url):
    """The users of these tests in the app database (gone@ is disabled)."""
    engine = config.make_engine(app_db_url)
    with engine.begin() as conn:
        conn.execute(schema.app_user_grant.delete().where(schema.app_user_grant.c.email.in_(list(USERS))))
        conn.execute(schema.app_user.delete().where(schema.app_user.c.email.in_(list(USERS))))
        for email, (role, provinces, regions) in USERS.items():
            access.add_user(conn, email=email, role=role, provinces=provinces, regions=regions, actor="cli:test")
        access.set_user(conn, email="gone@corp.cn", actor="cli:test", enabled=False)
    yield engine
    with engine.begin() as conn:  # the database is shared with other modules: leave no users behind
        conn.execute(schema.app_user_grant.delete().where(schema.app_user_grant.c.email.in_(list(USERS))))
        conn.execute(schema.app_user.delete().where(schema.app_user.c.email.in_(list(USERS))))


@pytest.fixture
def sso(app, users):
    """AppTests in SSO mode; ``email=None`` is a visitor who has not signed in."""

    def make(email: str | None, params: dict | None = None):
        at = app(params)
        at.secrets["auth"] = GOOD
        at.user = claims(email) if email is not None else {"is_logged_in": False}
        return at

    return make


DROPPED = t("notice.dropped_values", "zh", values="")


def metric(at, key: str) -> str:
    return next(m.value for m in at.metric if m.label == t(key, "zh"))


def texts(at) -> str:
    parts = [
        e.value for kind in ("markdown", "caption", "title", "header", "subheader", "info", "warning", "error") for e in getattr(at, kind)
    ]
    return "\n".join(str(p) for p in parts)


def kpis(url: str, provinces) -> dict:
    return run_query(url, queries.get_kpis, default_scope(url, provinces)).set_index("metric")["value"].to_dict()


def test_the_open_demo_says_so_on_every_page_and_has_no_admin_page(app):
    at = app()
    at.run()
    for page in PAGES:
        at.switch_page(page).run()
        assert_clean(at)
        assert any(i.value == t("auth.demo_banner", "zh") for i in at.info), page
    assert not any("admin" in str(p) for p in at.get("navigation")), "no admin page without sign-in"


def test_with_sso_nobody_sees_a_number_before_signing_in(sso):
    at = sso(None, {"province": HENAN})
    at.run()
    assert_clean(at)
    assert not at.metric and not at.dataframe and not at.get("plotly_chart")
    assert [b.label for b in at.button] == [t("auth.sign_in", "zh")]


def test_an_executive_sees_every_province(sso, app_db_url):
    at = sso("exec@corp.cn")
    at.run()
    assert_clean(at)
    assert len(at.sidebar.multiselect(key="w_province").options) == len(all_provinces(app_db_url))
    assert metric(at, "metric.leads") == format_number(kpis(app_db_url, None)["leads"], "zh")
    assert t("auth.signed_in_as", "zh", email=md("exec@corp.cn"), role=t("role.executive", "zh")) in texts(at)


@pytest.mark.parametrize("page", PAGES)
def test_a_henan_manager_sees_henan_only_on_every_page(sso, app_db_url, page):
    at = sso("henan@corp.cn")
    at.run()
    at.switch_page(page).run()
    assert_clean(at)
    assert len(at.sidebar.multiselect(key="w_province").options) == 1
    body = texts(at)
    assert "湖北" not in body and "全国" not in body
    if page == "pages/overview.py":
        assert metric(at, "metric.leads") == format_number(kpis(app_db_url, [HENAN])["leads"], "zh")


@pytest.mark.parametrize(
    "params",
    [
        {"province": HUBEI},
        {"province": [HUBEI, HENAN]},
        {"region": "central"},
        {"province": None},  # every province of the country, filled in below
        {"province": ["410000' OR '1'='1", "420000; DROP TABLE app_user; --"]},
        {"province": [f"{i:06d}" for i in range(2000)]},
    ],
)
def test_crafted_links_never_widen_a_managers_scope(sso, app_db_url, params):
    if params.get("province", "") is None:
        params = {"province": list(all_provinces(app_db_url))}
    at = sso("henan@corp.cn", params)
    at.run()
    assert_clean(at, warnings=(DROPPED,))
    assert metric(at, "metric.leads") == format_number(kpis(app_db_url, [HENAN])["leads"], "zh")
    assert "湖北" not in texts(at).replace(t("notice.dropped_values", "zh", values=""), "")
    # (Streamlit itself ignores a query string of more than 1,000 parameters: no notice to give.)
    if "province" in params and params["province"] != [HENAN] and len(params["province"]) <= 1000:
        assert at.warning, "a notice says what was dropped"


def test_an_analyst_with_a_region_sees_its_provinces(sso, app_db_url):
    at = sso("central@corp.cn")
    at.run()
    central = [
        r.province_code
        for r in queries.get_province_catalogue(config.make_engine(app_db_url).connect()).itertuples()
        if r.region == "central"
    ]
    assert len(at.sidebar.multiselect(key="w_province").options) == len(central)
    assert metric(at, "metric.leads") == format_number(kpis(app_db_url, central)["leads"], "zh")


@pytest.mark.parametrize("email", ["stranger@corp.cn", "gone@corp.cn", ""])
def test_unknown_disabled_or_nameless_users_get_the_no_access_page(sso, email):
    at = sso(email, {"province": HENAN})
    at.run()
    assert_clean(at, errors=(t("auth.no_access", "zh", email=md(email or "—")),))
    assert at.error and at.error[0].value == t("auth.no_access", "zh", email=md(email or "—"))
    assert not at.metric and not at.dataframe and not at.sidebar.multiselect


def test_a_user_disabled_mid_session_loses_access_on_the_next_click(sso, users):
    at = sso("hubei@corp.cn")
    at.run()
    assert at.metric
    with users.begin() as conn:
        access.set_user(conn, email="hubei@corp.cn", actor="cli:test", enabled=False)
    try:
        at.run()
        assert not at.metric and at.error[0].value == t("auth.no_access", "zh", email=md("hubei@corp.cn"))
    finally:
        with users.begin() as conn:
            access.set_user(conn, email="hubei@corp.cn", actor="cli:test", enabled=True)


def test_two_managers_in_one_process_never_see_each_others_numbers(sso, app_db_url):
    """st.cache_data is shared by every session of a server (and every AppTest of a process)."""
    henan, hubei = sso("henan@corp.cn"), sso("hubei@corp.cn")
    henan.run()
    hubei.run()
    henan.run()
    want = {HENAN: kpis(app_db_url, [HENAN])["leads"], HUBEI: kpis(app_db_url, [HUBEI])["leads"]}
    assert want[HENAN] != want[HUBEI]
    assert metric(henan, "metric.leads") == format_number(want[HENAN], "zh")
    assert metric(hubei, "metric.leads") == format_number(want[HUBEI], "zh")


@pytest.mark.parametrize(
    "env, secrets",
    [
        ({"COCKPIT_REQUIRE_LOGIN": "1"}, {}),
        ({}, {"cockpit": {"require_login": True}}),
        ({}, {"auth": {k: v for k, v in GOOD.items() if k != "client_id"}}),
    ],
)
def test_mandatory_sign_in_with_missing_or_broken_auth_shows_the_closed_page(app, monkeypatch, env, secrets):
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    at = app({"province": HENAN})
    for k, v in secrets.items():
        at.secrets[k] = v
    at.run()
    assert_clean(at, errors=(t("auth.closed", "zh"),))
    assert at.error and at.error[0].value == t("auth.closed", "zh")
    assert not at.metric and not at.button


def test_the_admin_page_is_for_admins_only(sso):
    admin = sso("admin@corp.cn")
    admin.run()
    admin.switch_page("pages/admin.py").run()
    assert_clean(admin)
    assert admin.title[0].value == t("admin.title", "zh")
    emails = set(admin.dataframe[0].value.iloc[:, 0])
    assert {"henan@corp.cn", "gone@corp.cn"} <= emails

    manager = sso("henan@corp.cn")
    manager.run()
    with pytest.raises(ValueError):  # not registered for this user: AppTest cannot even switch to it
        manager.switch_page("pages/admin.py").run()
    assert t("admin.title", "zh") not in texts(manager)


def test_an_admin_adds_and_disables_a_user_and_both_are_audited(sso, users):
    at = sso("admin@corp.cn")
    at.run()
    at.switch_page("pages/admin.py").run()
    at.text_input(key="admin_add_email").set_value("new.manager@corp.cn")
    at.selectbox(key="admin_add_role").set_value("regional")
    at.multiselect(key="admin_add_provinces").set_value([HENAN])
    at.button[0].click().run()  # the add form's submit button comes first
    assert not at.exception and at.success, [e.value for e in at.error]
    try:
        with users.connect() as conn:
            user = access.get_user(conn, "new.manager@corp.cn")
            assert user is not None and user.provinces == (HENAN,)
            log = access.get_audit_log(conn, actor="admin@corp.cn", action="user_add")
            assert "new.manager@corp.cn" in set(log["item"])
    finally:
        with users.begin() as conn:
            conn.execute(schema.app_user_grant.delete().where(schema.app_user_grant.c.email == "new.manager@corp.cn"))
            conn.execute(schema.app_user.delete().where(schema.app_user.c.email == "new.manager@corp.cn"))


def test_an_audit_writer_records_one_row_per_export_with_user_and_scope(app_db_url, users, monkeypatch):
    """The function the frame hands to every download button (components.ui.exports.audited)."""
    from components.ui.exports import audited
    from data_access import runners

    monkeypatch.setenv("DATABASE_URL", app_db_url)
    write = runners.audit_writer(actor="henan@corp.cn", provinces=HENAN, filters={"province": [HENAN]}, data_as_of=None)

    class Ctx:
        audit = staticmethod(write)

    with users.connect() as conn:
        before = len(access.get_audit_log(conn, actor="henan@corp.cn"))
    for fmt in ("png", "svg", "pdf", "csv", "xlsx", "pptx"):
        assert audited(Ctx, page="coverage", item="gaps", fmt=fmt, make=lambda: b"bytes")() == b"bytes"
    with users.connect() as conn:
        rows = access.get_audit_log(conn, actor="henan@corp.cn")
    assert len(rows) == before + 6
    new = rows.head(6)
    assert sorted(new["format"]) == sorted(("png", "svg", "pdf", "csv", "xlsx", "pptx"))
    assert set(new["provinces"]) == {HENAN} and set(new["page"]) == {"coverage"}


def test_every_download_button_in_the_app_is_audited():
    """AppTest cannot click a download; this walks the source so that a new button without
    ``audited(...)`` fails here (the real clicks are in tests/e2e/test_signin.py)."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    calls = []
    for path in [root / "app.py", *sorted((root / "pages").glob("*.py")), *sorted((root / "components").rglob("*.py"))]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "download_button":
                data = next((k.value for k in node.keywords if k.arg == "data"), node.args[1] if len(node.args) > 1 else None)
                wrapped = isinstance(data, ast.Call) and getattr(data.func, "id", None) == "audited"
                calls.append((f"{path.relative_to(root)}:{node.lineno}", wrapped))
    assert len(calls) >= 6, calls  # export menu (5 formats), packs (2), audit CSV
    assert [c for c, wrapped in calls if not wrapped] == []


def test_a_download_from_a_page_drawn_before_the_user_was_disabled_is_refused(app_db_url, users, monkeypatch):
    """Download callables run at the click without a rerun of the frame: they check the row again."""
    from data_access import runners

    monkeypatch.setenv("DATABASE_URL", app_db_url)
    write = runners.audit_writer(
        actor="hubei@corp.cn",
        provinces=HUBEI,
        filters={},
        data_as_of=None,
        recheck=((HUBEI,), dict(zip(all_provinces(app_db_url), ["?"] * 99)), "regional"),
    )
    write(page="coverage", item="gaps", fmt="csv")  # allowed while enabled
    with users.begin() as conn:
        before = len(access.get_audit_log(conn, actor="hubei@corp.cn", action="export"))
        access.set_user(conn, email="hubei@corp.cn", actor="cli:test", enabled=False)
    try:
        with pytest.raises(runners.ExportRefused):
            write(page="coverage", item="gaps", fmt="csv")
        with users.begin() as conn:
            access.set_user(conn, email="hubei@corp.cn", actor="cli:test", enabled=True, provinces=[HENAN])
        with pytest.raises(runners.ExportRefused):  # enabled again, but Hubei is no longer granted
            write(page="coverage", item="gaps", fmt="csv")
        with users.connect() as conn:
            assert len(access.get_audit_log(conn, actor="hubei@corp.cn", action="export")) == before
    finally:
        with users.begin() as conn:
            access.set_user(conn, email="hubei@corp.cn", actor="cli:test", enabled=True, provinces=[HUBEI])


def test_an_audit_log_download_from_a_page_drawn_before_the_admin_was_demoted_is_refused(app_db_url, users, monkeypatch):
    """Provinces are not the only thing that can change: the role is read again at the click too
    (an admin demoted to executive keeps every province, but not the audit log)."""
    from data_access import runners

    monkeypatch.setenv("DATABASE_URL", app_db_url)
    everything = all_provinces(app_db_url)
    write = runners.audit_writer(
        actor="admin@corp.cn",
        provinces="*",
        filters={},
        data_as_of=None,
        recheck=(tuple(everything), dict(zip(everything, ["?"] * 99)), "admin"),
    )
    write(page="admin", item="audit_log", fmt="csv")  # allowed while admin
    with users.begin() as conn:
        access.set_user(conn, email="admin@corp.cn", actor="cli:test", role="executive")
    try:
        with pytest.raises(runners.ExportRefused):
            write(page="admin", item="audit_log", fmt="csv")
    finally:
        with users.begin() as conn:
            access.set_user(conn, email="admin@corp.cn", actor="cli:test", role="admin")


def test_an_unverified_email_or_a_second_subject_is_refused_audited_and_shows_nothing(sso, users):
    """issue 20: the admin's row binds to the first subject; an unverified e-mail claim and another
    subject with the same e-mail are refused with their own message, audited once, and see no data."""
    from data_access.untrusted import md as escape

    with users.begin() as conn:
        access.reset_identity(conn, email="admin@corp.cn", actor="cli:test")
    first = sso("admin@corp.cn")
    first.run()
    assert_clean(first)
    with users.connect() as conn:
        assert access.get_user(conn, "admin@corp.cn").subject == "admin@corp.cn"
        before = len(access.get_audit_log(conn, actor="admin@corp.cn", action="signin_refused"))
    for kind, user in (
        ("unverified", claims("admin@corp.cn", verified=False)),
        ("foreign_subject", claims("admin@corp.cn", sub="someone-else")),
    ):
        at = sso("admin@corp.cn", {"province": HENAN})
        at.user = user
        at.run()
        message = t(f"auth.refused.{kind}", "zh", email=escape("admin@corp.cn"))
        assert_clean(at, errors=(message,))
        assert at.error[0].value == message
        assert not at.metric and not at.dataframe and not at.sidebar.multiselect
        at.run()  # a rerun of the same session is not audited again
    with users.connect() as conn:
        rows = access.get_audit_log(conn, actor="admin@corp.cn", action="signin_refused")
        assert len(rows) == before + 2
        assert access.get_user(conn, "admin@corp.cn").subject == "admin@corp.cn"
