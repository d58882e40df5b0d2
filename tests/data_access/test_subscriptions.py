"""Subscriptions and deliveries on real databases: when a digest is due (Asia/Shanghai), that a
period is claimed once (a second run, or a second runner, finds it taken), that a failure is
retried with backoff and then given up, and that a sent period is never due again."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import pytest
import sqlalchemy as sa

from data_access import access, schema, subscriptions
from data_access.subscriptions import TZ, Subscription, latest_moment


def at(text: str) -> dt.datetime:
    """A Beijing time."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=TZ)


def make(schedule="daily", weekday=0, monthday=1, at_time="08:00") -> Subscription:
    return Subscription(1, "a@corp.cn", (), ("kpis",), schedule, weekday, monthday, at_time, "email", "a@corp.cn", "zh", True)


@pytest.mark.parametrize(
    ("sub", "now", "period", "moment"),
    [
        (make(), "2026-12-02 07:59", "2026-12-01", "2026-12-01 08:00"),
        (make(), "2026-12-02 08:00", "2026-12-02", "2026-12-02 08:00"),
        (make("weekly", weekday=0), "2026-12-07 09:00", "2026-W50", "2026-12-07 08:00"),  # a Monday
        (make("weekly", weekday=0), "2026-12-06 23:00", "2026-W49", "2026-11-30 08:00"),  # the Sunday before
        (make("weekly", weekday=4, at_time="17:30"), "2026-12-04 17:29", "2026-W48", "2026-11-27 17:30"),
        (make("monthly", monthday=31), "2027-02-28 08:00", "2027-02", "2027-02-28 08:00"),  # shorter month: its last day
        (make("monthly", monthday=31), "2027-02-27 08:00", "2027-01", "2027-01-31 08:00"),
        (make("monthly", monthday=1), "2027-01-01 07:00", "2026-12", "2026-12-01 08:00"),  # across the year
    ],
)
def test_the_latest_scheduled_moment_and_its_period_in_beijing_time(sub, now, period, moment):
    assert latest_moment(sub, at(now)) == (period, at(moment))


def test_a_utc_clock_is_read_in_beijing_time():
    # 00:30 UTC is 08:30 in Beijing: today's 08:00 digest is due, not yesterday's
    assert latest_moment(make(), dt.datetime(2026, 12, 2, 0, 30, tzinfo=dt.timezone.utc))[0] == "2026-12-02"


@pytest.mark.parametrize(
    ("kw", "code"),
    [
        ({"schedule": "hourly"}, "bad_schedule"),
        ({"at_time": "8:00"}, "bad_time"),
        ({"at_time": "25:00"}, "bad_time"),
        ({"channel": "sms"}, "bad_channel"),
        ({"channel": "wecom", "target": "https://qyapi.weixin.qq.com/x?key=1"}, "bad_target"),
        ({"target": "not an address"}, "bad_target"),
        ({"sections": []}, "no_sections"),
        ({"monthday": 0}, "bad_day"),
    ],
)
def test_a_subscription_that_cannot_work_is_refused(conn, kw, code):
    args = dict(owner="a@corp.cn", provinces=[], sections=["kpis"], schedule="daily", at_time="08:00", channel="email", target="a@corp.cn")
    args.update(kw)
    with pytest.raises(subscriptions.SubscriptionError) as err:
        subscriptions.add(conn, **args)
    assert err.value.code == code


def made_on(conn, sid: int, beijing: str) -> None:
    """Pretend the subscription was made at this Beijing time (the tests' clock is not the wall clock)."""
    moment = at(beijing).astimezone(dt.timezone.utc).replace(tzinfo=None)
    conn.execute(schema.subscription.update().where(schema.subscription.c.id == sid).values(created_at=moment))


def test_a_period_is_claimed_once_and_never_due_again_once_sent(conn):
    sid = subscriptions.add(
        conn,
        owner="a@corp.cn",
        provinces=["420000"],
        sections=["kpis"],
        schedule="daily",
        at_time="08:00",
        channel="email",
        target="a@corp.cn",
    )
    made_on(conn, sid, "2026-11-01 12:00")
    s = subscriptions.get(conn, sid)
    now = at("2026-12-02 08:05")
    assert [(d.id, p) for d, p in subscriptions.due(conn, now) if d.id == sid] == [(sid, "2026-12-02")]
    assert subscriptions.claim(conn, s, "2026-12-02", now) == 1
    assert subscriptions.claim(conn, s, "2026-12-02", now) is None  # a second runner finds it taken
    assert subscriptions.finish(conn, s, "2026-12-02", now, attempt=1, ok=True, alerts=3) == "sent"
    assert sid not in [d.id for d, _ in subscriptions.due(conn, at("2026-12-02 20:00"))]
    assert sid in [d.id for d, _ in subscriptions.due(conn, at("2026-12-03 08:00"))]  # the next day's period


def test_a_failure_is_retried_with_backoff_then_given_up(conn):
    sid = subscriptions.add(
        conn,
        owner="a@corp.cn",
        provinces=[],
        sections=["kpis"],
        schedule="weekly",
        weekday=0,
        at_time="08:00",
        channel="email",
        target="a@corp.cn",
    )
    s = subscriptions.get(conn, sid)
    now, period = at("2026-12-07 08:00"), "2026-W50"
    waits = []
    for attempt in range(1, subscriptions.MAX_ATTEMPTS + 1):
        assert subscriptions.claim(conn, s, period, now) == attempt
        status = subscriptions.finish(conn, s, period, now, attempt=attempt, ok=False, error="smtp: 451")
        if attempt < subscriptions.MAX_ATTEMPTS:
            assert status == "failed"
            assert subscriptions.claim(conn, s, period, now + dt.timedelta(minutes=1)) is None  # not yet
            row = conn.execute(sa.select(schema.delivery).where(schema.delivery.c.subscription_id == sid)).one()
            waits.append(round((row.next_at - row.last_at).total_seconds() / 60))
            now = now + dt.timedelta(minutes=waits[-1])
        else:
            assert status == "gave_up"
    assert waits == list(subscriptions.RETRY_MINUTES)
    assert subscriptions.claim(conn, s, period, now + dt.timedelta(days=1)) is None
    history = subscriptions.list_deliveries(conn, subscription_ids=[sid])
    assert history[["status", "attempts"]].values.tolist() == [["gave_up", subscriptions.MAX_ATTEMPTS]]


def test_a_setting_error_gives_up_at_once_and_a_paused_subscription_is_not_due(conn):
    sid = subscriptions.add(
        conn, owner="a@corp.cn", provinces=[], sections=["kpis"], schedule="daily", at_time="08:00", channel="email", target="a@corp.cn"
    )
    s = subscriptions.get(conn, sid)
    now = at("2026-12-02 09:00")
    subscriptions.claim(conn, s, "2026-12-02", now)
    assert subscriptions.finish(conn, s, "2026-12-02", now, attempt=1, ok=False, retryable=False) == "gave_up"
    assert subscriptions.set_enabled(conn, sid, False, owner="someone.else@corp.cn") is False  # not theirs
    assert subscriptions.set_enabled(conn, sid, False, owner="a@corp.cn") is True
    assert sid not in [d.id for d, _ in subscriptions.due(conn, at("2026-12-03 09:00"))]
    assert subscriptions.delete(conn, sid, owner=None) is True
    assert subscriptions.list_deliveries(conn, subscription_ids=[sid]).empty


def test_a_new_subscription_does_not_send_the_period_before_it_was_made(conn):
    sid = subscriptions.add(
        conn, owner="a@corp.cn", provinces=[], sections=["kpis"], schedule="daily", at_time="08:00", channel="email", target="a@corp.cn"
    )
    made_on(conn, sid, "2026-12-02 12:00")  # after today's 08:00
    assert sid not in [d.id for d, _ in subscriptions.due(conn, at("2026-12-02 12:05"))]
    assert [p for d, p in subscriptions.due(conn, at("2026-12-03 08:00")) if d.id == sid] == ["2026-12-03"]


# --- who may send to which group robot (security finding 4) ------------------------------------

HENAN, HUBEI, GUANGDONG = "410000", "420000", "440000"
REGION_OF = {"110000": "north", HENAN: "central", HUBEI: "central", "430000": "central", GUANGDONG: "south"}
HENAN_MANAGER = access.User(email="henan@corp.cn", role="regional", provinces=(HENAN,))
CENTRAL_ANALYST = access.User(email="central@corp.cn", role="analyst", regions=("central",))
ADMIN = access.User(email="admin@corp.cn", role="admin")


@dataclass(frozen=True)
class Audience:
    provinces: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()


@pytest.mark.parametrize(
    ("audience", "user", "provinces", "allowed"),
    [
        (Audience(provinces=(HENAN,)), HENAN_MANAGER, (), True),  # Henan's robot
        (Audience(regions=("central",)), HENAN_MANAGER, (), True),  # Central's covers Henan
        (Audience(provinces=(HUBEI,)), HENAN_MANAGER, (), False),  # Hubei's leaders: never a Henan digest
        (Audience(provinces=(HUBEI,)), HENAN_MANAGER, (HUBEI,), False),  # asking for Hubei does not give Hubei
        (Audience(), HENAN_MANAGER, (), False),  # nothing declared: national, national roles only
        (Audience(), ADMIN, (), True),
        (Audience(provinces=(HUBEI,)), ADMIN, (), False),  # an admin's national digest is not for Hubei's group ...
        (Audience(provinces=(HUBEI,)), ADMIN, (HUBEI,), True),  # ... a Hubei-only one is
        (Audience(provinces=(HUBEI,)), ADMIN, (HUBEI, HENAN), False),
        (Audience(provinces=(HENAN,)), CENTRAL_ANALYST, (), False),  # sees all of Central: more than Henan
        (Audience(provinces=(HENAN,)), CENTRAL_ANALYST, (HENAN,), True),
        (Audience(regions=("central",), roles=("admin", "executive")), HENAN_MANAGER, (), False),  # role not listed
        (Audience(regions=("central",), roles=("regional",)), HENAN_MANAGER, (), True),
        (Audience(roles=("regional",)), HENAN_MANAGER, (), False),  # roles only narrow: still national
        (Audience(provinces=(HENAN,)), replace(HENAN_MANAGER, enabled=False), (), False),
        (Audience(provinces=(HENAN,)), None, (), False),
    ],
)
def test_who_may_send_to_a_robot(audience, user, provinces, allowed):
    assert subscriptions.robot_allowed(audience, user, REGION_OF, provinces) is allowed


def test_a_robot_subscription_is_checked_again_when_saved(conn):
    access.add_user(conn, email="henan.subs@corp.cn", role="regional", provinces=[HENAN], actor="cli:test")
    args = dict(
        owner="henan.subs@corp.cn",
        provinces=[],
        sections=["kpis"],
        schedule="daily",
        at_time="08:00",
        channel="wecom",
        target="robot.hubei_leaders",
    )
    for audience in (None, Audience(provinces=(HUBEI,)), Audience()):  # none given, Hubei's, national
        with pytest.raises(subscriptions.SubscriptionError) as err:
            subscriptions.add(conn, **args, audience=audience)
        assert err.value.code == "robot_not_allowed"
    sid = subscriptions.add(conn, **args, audience=Audience(regions=("central",)))
    assert subscriptions.get(conn, sid).target == "robot.hubei_leaders"
    with pytest.raises(subscriptions.SubscriptionError):  # an owner who is no user may send to no robot
        subscriptions.add(conn, **{**args, "owner": "nobody@corp.cn"}, audience=Audience(regions=("central",)))


# --- a disabled owner's subscriptions pause (security finding 8) -------------------------------


def test_a_paused_period_is_recorded_once_stays_due_and_goes_out_when_claimed(conn):
    sid = subscriptions.add(
        conn, owner="a@corp.cn", provinces=[], sections=["kpis"], schedule="daily", at_time="08:00", channel="email", target="a@corp.cn"
    )
    made_on(conn, sid, "2026-11-01 12:00")
    s = subscriptions.get(conn, sid)
    now = at("2026-12-02 08:05")
    assert subscriptions.pause(conn, s, "2026-12-02", now, reason="owner disabled") is True
    assert subscriptions.pause(conn, s, "2026-12-02", now + dt.timedelta(minutes=5), reason="owner disabled") is False
    history = subscriptions.list_deliveries(conn, subscription_ids=[sid])
    assert history[["period", "status", "attempts", "error"]].values.tolist() == [["2026-12-02", "paused", 0, "owner disabled"]]
    # still due: once the owner is enabled again the runner claims it, as a first attempt
    assert [p for d, p in subscriptions.due(conn, at("2026-12-02 15:00")) if d.id == sid] == ["2026-12-02"]
    assert subscriptions.claim(conn, s, "2026-12-02", at("2026-12-02 15:00")) == 1
    assert subscriptions.finish(conn, s, "2026-12-02", at("2026-12-02 15:00"), attempt=1, ok=True) == "sent"
    assert subscriptions.pause(conn, s, "2026-12-02", at("2026-12-02 16:00"), reason="owner disabled") is False


def test_a_failed_period_whose_owner_is_disabled_before_its_retry_is_paused(conn):
    sid = subscriptions.add(
        conn, owner="a@corp.cn", provinces=[], sections=["kpis"], schedule="daily", at_time="08:00", channel="email", target="a@corp.cn"
    )
    s = subscriptions.get(conn, sid)
    now = at("2026-12-02 08:05")
    subscriptions.claim(conn, s, "2026-12-02", now)
    subscriptions.finish(conn, s, "2026-12-02", now, attempt=1, ok=False, error="smtp: 451")
    assert subscriptions.pause(conn, s, "2026-12-02", now + dt.timedelta(minutes=1), reason="x") is False  # not due yet
    assert subscriptions.pause(conn, s, "2026-12-02", now + dt.timedelta(minutes=6), reason="owner disabled") is True
    row = conn.execute(sa.select(schema.delivery).where(schema.delivery.c.subscription_id == sid)).one()
    assert (row.status, row.attempts, row.next_at) == ("paused", 1, None)


def test_disabling_a_user_says_how_many_subscriptions_pause_in_the_audit_log(conn):
    access.add_user(conn, email="leaving@corp.cn", role="regional", provinces=[HUBEI], actor="cli:test")
    for hour in ("08:00", "09:00"):
        subscriptions.add(
            conn,
            owner="leaving@corp.cn",
            provinces=[],
            sections=["kpis"],
            schedule="daily",
            at_time=hour,
            channel="email",
            target="leaving@corp.cn",
        )
    access.set_user(conn, email="leaving@corp.cn", enabled=False, actor="cli:test")
    access.set_user(conn, email="leaving@corp.cn", name="Left", actor="cli:test")  # no change of enabled: no count
    access.set_user(conn, email="leaving@corp.cn", enabled=True, actor="cli:test")
    rows = (
        conn.execute(
            sa.select(schema.audit_log.c.detail)
            .where(schema.audit_log.c.item == "leaving@corp.cn", schema.audit_log.c.action == "user_set")
            .order_by(schema.audit_log.c.id)
        )
        .scalars()
        .all()
    )
    assert rows[0].endswith("; 2 subscriptions paused")
    assert "subscriptions" not in rows[1]
    assert rows[2].endswith("; 2 subscriptions resumed")
