"""The Alerts page in AppTest: the open demo lists what needs attention and offers no
subscription; a signed-in regional manager subscribes (e-mail, or a configured robot by name),
pauses and deletes their own subscription, and sees nobody else's; an admin sees all."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from components.i18n import t, tn
from data_access import access, config, schema, subscriptions
from data_access.untrusted import md
from tests.app.helpers import assert_clean, open_directly
from tests.components.test_auth import GOOD
from tests.identity import claims

HUBEI = "420000"
USERS = {"alerts.hubei@corp.cn": ("regional", (HUBEI,)), "alerts.admin@corp.cn": ("admin", ())}


@pytest.fixture(scope="module")
def engine(app_db_url):
    engine = config.make_engine(app_db_url)
    emails = list(USERS)
    with engine.begin() as conn:
        conn.execute(schema.app_user_grant.delete().where(schema.app_user_grant.c.email.in_(emails)))
        conn.execute(schema.app_user.delete().where(schema.app_user.c.email.in_(emails)))
        for email, (role, provinces) in USERS.items():
            access.add_user(conn, email=email, role=role, provinces=provinces, actor="cli:test")
        other = subscriptions.add(
            conn,
            owner="someone.else@corp.cn",
            provinces=["410000"],
            sections=["kpis"],
            schedule="daily",
            at_time="07:30",
            channel="email",
            target="someone.else@corp.cn",
        )
    yield engine
    with engine.begin() as conn:
        conn.execute(schema.delivery.delete())
        conn.execute(schema.subscription.delete())
        conn.execute(schema.app_user_grant.delete().where(schema.app_user_grant.c.email.in_(emails)))
        conn.execute(schema.app_user.delete().where(schema.app_user.c.email.in_(emails)))
    assert other


@pytest.fixture
def open_page(app, engine):
    def make(email: str | None, robots: dict | None = None):
        at = app()
        if email is not None:
            at.secrets["auth"] = GOOD
            at.user = claims(email)
        if robots:
            at.secrets["robot"] = robots
        return open_directly(at, "pages/alerts.py")

    return make


def mine(engine, email):
    with engine.connect() as conn:
        return subscriptions.list_all(conn, owner=email)


def test_the_open_demo_lists_alerts_and_offers_no_subscription(open_page):
    at = open_page(None)
    assert_clean(at)
    assert at.title[0].value == t("subs.title", "zh")
    texts = [m.value for m in at.markdown]
    assert any(v.startswith(tn("subs.now_count", 0, "zh")[:3]) for v in texts) or any(
        s.value == t("digest.no_alerts", "zh") for s in at.success
    )
    assert any(i.value == t("subs.sign_in", "zh") for i in at.info)
    assert not [b for b in at.button if b.key == "subs_toggle"]


def test_a_regional_manager_subscribes_pauses_and_deletes_their_own(open_page, engine):
    email = "alerts.hubei@corp.cn"
    at = open_page(email)
    assert_clean(at)
    assert any(i.value == t("subs.none", "zh") for i in at.info), "someone else's subscription is not listed"
    assert at.multiselect(key="subs_provinces").options == ["湖北省"]  # only what they may see
    pages = at.multiselect(key="subs_sections").options
    assert len(pages) > 10 and not [p for p in pages if "{" in p], pages  # titles filled in, as on Reports
    at.selectbox(key="subs_schedule").set_value("weekly")
    at.selectbox(key="subs_weekday").set_value(4)
    at.time_input(key="subs_time").set_value(dt.time(17, 30))
    at.button[[b.label for b in at.button].index(t("subs.save", "zh"))].click().run()
    assert_clean(at)
    (s,) = mine(engine, email)
    assert (s.schedule, s.weekday, s.at_time, s.channel, s.target, s.provinces) == ("weekly", 4, "17:30", "email", email, ())
    assert any(m.value == md(t("subs.saved", "zh", id=s.id)) for m in at.success)
    at.button(key="subs_toggle").click().run()
    assert_clean(at)
    assert mine(engine, email)[0].enabled is False
    at.button(key="subs_delete").click().run()
    assert_clean(at)
    assert mine(engine, email) == []


def test_a_robot_is_chosen_by_name_and_its_key_is_never_stored(open_page, engine):
    email = "alerts.hubei@corp.cn"
    robots = {
        "hubei_group": {
            "kind": "dingtalk",
            "url": "https://oapi.dingtalk.com/robot/send?access_token=SECRET-TOKEN",
            "secret": "SEC-SIGNING",
            "provinces": [HUBEI],
        }
    }
    at = open_page(email, robots)
    at.radio(key="subs_channel").set_value("dingtalk")
    at.selectbox(key="subs_robot").set_value("robot.hubei_group")
    at.button[[b.label for b in at.button].index(t("subs.save", "zh"))].click().run()
    assert_clean(at)
    (s,) = mine(engine, email)
    assert (s.channel, s.target) == ("dingtalk", "robot.hubei_group")
    with engine.connect() as conn:
        stored = " ".join(str(v) for row in conn.execute(sa.select(schema.subscription)) for v in row)
    assert "SECRET-TOKEN" not in stored and "SEC-SIGNING" not in stored
    with engine.begin() as conn:
        subscriptions.delete(conn, s.id, owner=None)


def test_an_admin_sees_everyones_subscriptions(open_page):
    at = open_page("alerts.admin@corp.cn")
    assert_clean(at)
    table = "\n".join(df.value.to_string() for df in at.dataframe)
    assert "someone.else@corp.cn" in table


# --- robots belong to scopes; a disabled owner's subscriptions show as paused -------------------

ROBOTS = {
    "hubei_leaders": {"kind": "wecom", "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=K1", "provinces": [HUBEI]},
    "central": {"kind": "dingtalk", "url": "https://oapi.dingtalk.com/robot/send?access_token=K2", "regions": ["central"]},
    "national": {"kind": "feishu", "url": "https://open.feishu.cn/open-apis/bot/v2/hook/K3"},
}


@pytest.fixture
def extra_user(engine):
    """Add users for one test (email, role, provinces) and remove them and their subscriptions after."""
    made: list[str] = []

    def add(email: str, role: str, provinces: tuple[str, ...]) -> str:
        with engine.begin() as conn:
            access.add_user(conn, email=email, role=role, provinces=provinces, actor="cli:test")
        made.append(email)
        return email

    yield add
    with engine.begin() as conn:
        ids = [s.id for e in made for s in subscriptions.list_all(conn, owner=e)]
        for sid in ids:
            subscriptions.delete(conn, sid, owner=None)
        conn.execute(schema.app_user_grant.delete().where(schema.app_user_grant.c.email.in_(made)))
        conn.execute(schema.app_user.delete().where(schema.app_user.c.email.in_(made)))


def test_a_henan_manager_is_offered_only_the_robots_whose_group_may_see_henan(open_page, extra_user):
    at = open_page(extra_user("alerts.henan@corp.cn", "regional", ("410000",)), ROBOTS)
    assert_clean(at)
    assert at.selectbox(key="subs_robot").options == ["robot.central"]  # not Hubei's leaders, not the national group
    assert at.radio(key="subs_channel").options == [t("subs.channel.email", "zh"), t("subs.channel.dingtalk", "zh")]
    hubei = open_page("alerts.hubei@corp.cn", ROBOTS)
    assert hubei.selectbox(key="subs_robot").options == ["robot.central", "robot.hubei_leaders"]


def test_an_admin_is_offered_every_robot_and_sends_hubei_leaders_only_hubei(open_page, engine):
    email = "alerts.admin@corp.cn"
    at = open_page(email, ROBOTS)
    assert at.selectbox(key="subs_robot").options == ["robot.central", "robot.hubei_leaders", "robot.national"]
    at.radio(key="subs_channel").set_value("wecom")
    at.selectbox(key="subs_robot").set_value("robot.hubei_leaders")
    save = [b.label for b in at.button].index(t("subs.save", "zh"))
    at.button[save].click().run()  # every province (the default) into Hubei's group: refused on save
    refused = t("subs.error.robot_not_allowed", "zh")
    assert_clean(at, errors=(refused,))
    assert [e.value for e in at.error] == [refused] and mine(engine, email) == []
    at.multiselect(key="subs_provinces").set_value([HUBEI])
    at.button[save].click().run()
    assert_clean(at)
    (s,) = mine(engine, email)
    assert (s.channel, s.target, s.provinces) == ("wecom", "robot.hubei_leaders", (HUBEI,))
    with engine.begin() as conn:
        subscriptions.delete(conn, s.id, owner=None)


def test_an_admin_sees_a_disabled_owners_subscriptions_as_paused(open_page, engine, extra_user):
    leaving = extra_user("alerts.leaving@corp.cn", "regional", (HUBEI,))
    with engine.begin() as conn:
        subscriptions.add(
            conn, owner=leaving, provinces=[], sections=["kpis"], schedule="daily", at_time="08:00", channel="email", target=leaving
        )
        access.set_user(conn, email=leaving, enabled=False, actor="cli:test")
    at = open_page("alerts.admin@corp.cn")
    assert_clean(at)
    (table,) = [df.value for df in at.dataframe if "#" in df.value.columns]
    state = dict(zip(table[t("subs.col_owner", "zh")], table[t("subs.col_state", "zh")]))
    assert state[leaving] == t("subs.state.owner_disabled", "zh")
    assert state["someone.else@corp.cn"] == t("subs.state.owner_removed", "zh")  # no such user
