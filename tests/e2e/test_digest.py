"""``digest --due`` end to end on loopback: a local SMTP server (aiosmtpd) receives a regional
manager's e-mail with the briefing-pack PDF attached and the right figures; local HTTP receivers
get the WeCom, DingTalk (signature verified) and Feishu messages; a receiver that answers 500 is
retried on a later run while the others are delivered; a second run sends nothing; every delivery
writes the export audit row; the Hubei manager's digest holds no other province's figures; a robot
whose audience no longer covers the digest gets nothing; a disabled owner's digests pause (exit 0)
and resume with the current period only."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import io
import re
import shutil
import urllib.parse

import pytest
import sqlalchemy as sa

from components.commands import main
from components.delivery.channels import RobotAudience
from components.i18n import format_number, t
from data_access import access, config, queries, schema, subscriptions
from data_access.scope import Scope
from tests.components.test_delivery import Receiver, smtp_server  # noqa: F401 (a fixture)

HUBEI = "420000"
MANAGER, ADMIN = "digest.hubei@corp.cn", "digest.admin@corp.cn"
DING_SECRET, FEISHU_SECRET = "SECdigest-test", "feishu-digest-test"
NOW = "2026-12-02T08:05+08:00"


@pytest.fixture
def receivers(monkeypatch):
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    made = {k: Receiver() for k in ("wecom", "dingtalk", "feishu", "broken")}
    made["feishu"].reply = b'{"code": 0, "msg": "success"}'
    made["broken"].status = 500
    yield made
    for r in made.values():
        r.hold.set()
        r.server.shutdown()
        r.server.server_close()


@pytest.fixture
def world(app_db_url, tmp_path, monkeypatch, smtp_server, receivers):  # noqa: F811
    """A copy of the app database with two users and five subscriptions, SMTP and robots on loopback."""
    path = tmp_path / "digest.db"
    shutil.copy(app_db_url.removeprefix("sqlite:///"), path)
    url = f"sqlite:///{path}"
    engine = config.make_engine(url)
    with engine.begin() as conn:
        access.add_user(conn, email=MANAGER, role="regional", provinces=[HUBEI], actor="cli:test")
        access.add_user(conn, email=ADMIN, role="admin", provinces=[], actor="cli:test")
        common = dict(sections=["kpis", "funnel"], schedule="daily", at_time="08:00")
        ids = {"email": subscriptions.add(conn, owner=MANAGER, provinces=[], channel="email", target=MANAGER, **common)}
        for kind in ("wecom", "dingtalk", "feishu", "broken"):
            ids[kind] = subscriptions.add(
                conn,
                owner=MANAGER if kind != "broken" else ADMIN,
                provinces=[HUBEI],
                channel="wecom" if kind == "broken" else kind,
                target=f"robot.{kind}",
                audience=RobotAudience(provinces=(HUBEI,)),
                **common,
            )
        # made at 07:00 on the test's day (Beijing), whatever the clock says
        conn.execute(schema.subscription.update().values(created_at=dt.datetime(2026, 12, 1, 23, 0)))
    inbox, port = smtp_server()
    for key, value in {
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(port),
        "SMTP_SECURITY": "plain",
        "SMTP_SENDER": "cockpit@corp.cn",
        "BASE_URL": "https://cockpit.corp.cn",
    }.items():
        monkeypatch.setenv(f"COCKPIT_{key}", value)
    for kind, r in receivers.items():
        monkeypatch.setenv(f"COCKPIT_ROBOT_{kind.upper()}_URL", f"{r.url}/send?access_token=T-{kind}")
        monkeypatch.setenv(f"COCKPIT_ROBOT_{kind.upper()}_KIND", "wecom" if kind == "broken" else kind)
        monkeypatch.setenv(f"COCKPIT_ROBOT_{kind.upper()}_PROVINCES", HUBEI)  # Hubei's groups
    # the receivers are plain http on loopback: the egress guard lets them through only when told to
    for key, value in {"HOSTS": "127.0.0.1", "ALLOW_HTTP": "1", "ALLOW_PRIVATE": "1"}.items():
        monkeypatch.setenv(f"COCKPIT_ROBOT_{key}", value)
    monkeypatch.setenv("COCKPIT_ROBOT_DINGTALK_SECRET", DING_SECRET)
    monkeypatch.setenv("COCKPIT_ROBOT_FEISHU_SECRET", FEISHU_SECRET)
    return url, engine, ids, inbox


def hubei_leads(engine) -> str:
    """The Overview card's lead count for Hubei this year, computed here from the query, not the digest."""
    with engine.connect() as conn:
        fresh = queries.get_data_freshness(conn, scope=Scope((HUBEI,), dt.date(1990, 1, 1), dt.date(2100, 1, 1)))
        as_of = queries.data_as_of(fresh)
        kpis = queries.get_kpis(conn, scope=Scope((HUBEI,), dt.date(as_of.year, 1, 1), as_of + dt.timedelta(days=1)))
    return format_number(kpis.set_index("metric").loc["leads", "value"], "zh")


def test_due_digests_reach_every_channel_once_and_a_failed_one_is_retried(world, receivers):
    url, engine, ids, inbox = world
    assert main(["digest", "--due", "--now", NOW, "--database-url", url]) == 4  # one delivery failed

    mail = inbox.message()
    assert mail["To"] == MANAGER and "每日简报" in mail["Subject"]
    (pdf,) = [part for part in mail.iter_attachments() if part.get_content_type() == "application/pdf"]
    from pypdf import PdfReader

    pages = PdfReader(io.BytesIO(pdf.get_content())).pages
    pdf_text = "\n".join(page.extract_text() for page in pages).replace("\x00", "")  # fpdf2 CJK: UTF-16 runs
    body = mail.get_body(("plain",)).get_content()
    leads = hubei_leads(engine)
    label = t("metric.leads", "zh")  # the registry's label, as on the Overview's card
    assert re.search(rf"{label}\s+{leads} ·", body), body
    assert "湖北" in body and "湖北" in pdf_text and len(pages) >= 2
    for other in ("河南", "湖南", "广东", "北京"):  # a regional manager's digest names no other province
        assert other not in body and other not in pdf_text

    wecom = receivers["wecom"].only()["json"]["markdown"]["content"]
    assert f"{label}：**{leads} · " in wecom and "province=420000" in wecom and "河南" not in wecom

    ding = receivers["dingtalk"].only()
    stamp, sign = ding["query"]["timestamp"][0], ding["query"]["sign"][0]
    expected = base64.b64encode(hmac.new(DING_SECRET.encode(), f"{stamp}\n{DING_SECRET}".encode(), hashlib.sha256).digest()).decode()
    assert sign == expected  # parse_qs already URL-decoded it
    assert urllib.parse.quote_plus(expected) in ding["raw_query"]
    assert ding["json"]["msgtype"] == "markdown" and leads in ding["json"]["markdown"]["text"]

    feishu = receivers["feishu"].only()["json"]
    key = f"{feishu['timestamp']}\n{FEISHU_SECRET}".encode()
    assert feishu["sign"] == base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    assert feishu["msg_type"] == "interactive" and leads in str(feishu["card"])

    assert len(receivers["broken"].requests) == 1
    with engine.connect() as conn:
        rows = {r.subscription_id: r for r in conn.execute(sa.select(schema.delivery))}
        assert rows[ids["broken"]].status == "failed" and rows[ids["broken"]].attempts == 1
        assert {rows[ids[k]].status for k in ("email", "wecom", "dingtalk", "feishu")} == {"sent"}
        audit = conn.execute(
            sa.select(schema.audit_log.c.format, schema.audit_log.c.provinces).where(schema.audit_log.c.action == "digest")
        ).all()
        assert sorted(audit) == [("md", HUBEI)] * 3 + [("pdf", HUBEI)]

    # A minute later: nothing is due (sent ones are done, the failed one waits for its backoff).
    assert main(["digest", "--due", "--now", "2026-12-02T08:06+08:00", "--database-url", url]) == 0
    assert len(inbox.envelopes) == 1 and len(receivers["wecom"].requests) == 1
    assert len(receivers["broken"].requests) == 1

    # After the backoff, with the receiver mended, the failed one goes; the others still do not.
    receivers["broken"].status = 200
    assert main(["digest", "--due", "--now", "2026-12-02T08:11+08:00", "--database-url", url]) == 0
    assert len(receivers["broken"].requests) == 2 and len(receivers["wecom"].requests) == 1
    assert len(inbox.envelopes) == 1
    with engine.connect() as conn:
        row = conn.execute(sa.select(schema.delivery).where(schema.delivery.c.subscription_id == ids["broken"])).one()
        assert (row.status, row.attempts) == ("sent", 2)


def test_dry_run_prints_what_would_be_sent_and_records_nothing(world, receivers, capsys):
    url, engine, ids, inbox = world
    assert main(["digest", "--due", "--dry-run", "--now", NOW, "--database-url", url]) == 0
    out = capsys.readouterr().out
    assert out.count("would send") == 5 and "province=420000" in out
    assert not inbox.envelopes and not any(r.requests for r in receivers.values())
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(schema.delivery)).scalar_one() == 0


def test_nothing_is_due_before_the_time_and_a_disabled_owner_is_paused_not_failed(world, receivers, capsys):
    url, engine, ids, inbox = world
    receivers["broken"].status = 200  # the admin's robot works: the only thing left to see is the pause
    # 07:59: today's 08:00 has not come, and yesterday's came before the subscriptions were made
    assert main(["digest", "--due", "--now", "2026-12-02T07:59+08:00", "--database-url", url]) == 0
    assert "nothing due" in capsys.readouterr().out
    with engine.begin() as conn:
        access.set_user(conn, email=MANAGER, enabled=False, actor="cli:test")
        detail = conn.execute(
            sa.select(schema.audit_log.c.detail).where(schema.audit_log.c.item == MANAGER, schema.audit_log.c.action == "user_set")
        ).scalar_one()
    assert detail.endswith("; 4 subscriptions paused")

    assert main(["digest", "--due", "--dry-run", "--now", NOW, "--database-url", url]) == 0
    assert capsys.readouterr().out.count("would pause") == 4
    assert main(["digest", "--due", "--now", NOW, "--database-url", url]) == 0  # paused is no failure
    assert capsys.readouterr().out.count("paused #") == 4
    assert not inbox.envelopes and not any(receivers[k].requests for k in ("wecom", "dingtalk", "feishu"))
    assert len(receivers["broken"].requests) == 1  # the admin's own digest still went

    def status() -> dict[int, tuple[str, str]]:
        with engine.connect() as conn:
            return {r.subscription_id: (r.period, r.status) for r in conn.execute(sa.select(schema.delivery))}

    mine = [ids[k] for k in ("email", "wecom", "dingtalk", "feishu")]
    assert {status()[i] for i in mine} == {("2026-12-02", "paused")}
    # the next days: still paused, still exit 0, one row per period, nothing printed twice
    for day in ("2026-12-03", "2026-12-04"):
        assert main(["digest", "--due", "--now", f"{day}T08:05+08:00", "--database-url", url]) == 0
        assert main(["digest", "--due", "--now", f"{day}T08:10+08:00", "--database-url", url]) == 0
    assert capsys.readouterr().out.count("paused #") == 8
    with engine.connect() as conn:
        assert (
            conn.execute(sa.select(sa.func.count()).select_from(schema.delivery).where(schema.delivery.c.status == "paused")).scalar_one()
            == 12
        )

    # enabled again at noon on the 4th: today's digests go out once, not the two paused days before
    with engine.begin() as conn:
        access.set_user(conn, email=MANAGER, enabled=True, actor="cli:test")
    assert main(["digest", "--due", "--now", "2026-12-04T12:00+08:00", "--database-url", url]) == 0
    assert len(inbox.envelopes) == 1 and len(receivers["wecom"].requests) == 1
    assert {status()[i] for i in mine} == {("2026-12-04", "sent")}
    with engine.connect() as conn:
        periods = conn.execute(
            sa.select(schema.delivery.c.period, schema.delivery.c.status)
            .where(schema.delivery.c.subscription_id == ids["email"])
            .order_by(schema.delivery.c.period)
        ).all()
    assert [tuple(r) for r in periods] == [("2026-12-02", "paused"), ("2026-12-03", "paused"), ("2026-12-04", "sent")]


def test_a_robot_whose_audience_no_longer_covers_the_digest_gets_nothing(world, receivers, monkeypatch):
    url, engine, ids, inbox = world
    receivers["broken"].status = 200
    monkeypatch.setenv("COCKPIT_ROBOT_WECOM_PROVINCES", "410000")  # the WeCom group is now Henan's
    assert main(["digest", "--due", "--now", NOW, "--database-url", url]) == 4
    assert receivers["wecom"].requests == []
    with engine.connect() as conn:
        rows = {r.subscription_id: r for r in conn.execute(sa.select(schema.delivery))}
    assert (rows[ids["wecom"]].status, rows[ids["wecom"]].attempts) == ("gave_up", 1)
    assert "robot.wecom may not receive this digest" in rows[ids["wecom"]].error
    assert "T-wecom" not in rows[ids["wecom"]].error
    assert rows[ids["dingtalk"]].status == "sent" and len(receivers["dingtalk"].requests) == 1
    # not retried: a later run the same day leaves it alone
    assert main(["digest", "--due", "--now", "2026-12-02T09:00+08:00", "--database-url", url]) == 0
    assert receivers["wecom"].requests == [] and len(receivers["dingtalk"].requests) == 1


def test_webhooks_outside_the_egress_policy_are_refused_at_send_time(world, receivers, monkeypatch):
    url, engine, ids, inbox = world
    monkeypatch.delenv("COCKPIT_ROBOT_ALLOW_PRIVATE")  # the receivers are on loopback: refused now
    assert main(["digest", "--due", "--now", NOW, "--database-url", url]) == 4
    assert not any(r.requests for r in receivers.values())
    with engine.connect() as conn:
        rows = {r.subscription_id: r for r in conn.execute(sa.select(schema.delivery))}
    assert {rows[ids[k]].status for k in ("wecom", "dingtalk", "feishu", "broken")} == {"gave_up"}
    assert "loopback" in rows[ids["wecom"]].error and "T-wecom" not in rows[ids["wecom"]].error
    assert rows[ids["email"]].status == "sent"


def test_a_robot_that_is_not_set_up_is_given_up_and_the_rest_still_go(world, receivers):
    url, engine, ids, inbox = world
    with engine.begin() as conn:
        lost = subscriptions.add(
            conn,
            owner=MANAGER,
            provinces=[HUBEI],
            sections=["kpis"],
            schedule="daily",
            at_time="08:00",
            channel="feishu",
            target="robot.nowhere",
            audience=RobotAudience(provinces=(HUBEI,)),
        )
        conn.execute(
            schema.subscription.update().where(schema.subscription.c.id == lost).values(created_at=dt.datetime(2026, 12, 1, 23, 0))
        )
    assert main(["digest", "--due", "--now", NOW, "--database-url", url]) == 4
    with engine.connect() as conn:
        rows = {r.subscription_id: r for r in conn.execute(sa.select(schema.delivery))}
    assert rows[lost].status == "gave_up" and "robot.nowhere" in rows[lost].error
    assert rows[ids["email"]].status == "sent" and len(inbox.envelopes) == 1
    assert len(receivers["feishu"].requests) == 1  # the set-up Feishu robot still got its message
