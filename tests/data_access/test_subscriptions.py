"""Subscriptions and deliveries on real databases: when a digest is due (Asia/Shanghai), that a
period is claimed once (a second run, or a second runner, finds it taken), that a failure is
retried with backoff and then given up, and that a sent period is never due again."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from data_access import schema, subscriptions
from data_access.subscriptions import TZ, Subscription, latest_moment


def at(text: str) -> dt.datetime:
    """A Beijing time."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=TZ)


def make(schedule="daily", weekday=0, monthday=1, at_time="08:00") -> Subscription:
    return Subscription(1, "a@corp.cn", (), ("kpis",), schedule, weekday, monthday, at_time, "email", "a@corp.cn",
                        "zh", True)


@pytest.mark.parametrize(("sub", "now", "period", "moment"), [
    (make(), "2026-12-02 07:59", "2026-12-01", "2026-12-01 08:00"),
    (make(), "2026-12-02 08:00", "2026-12-02", "2026-12-02 08:00"),
    (make("weekly", weekday=0), "2026-12-07 09:00", "2026-W50", "2026-12-07 08:00"),  # a Monday
    (make("weekly", weekday=0), "2026-12-06 23:00", "2026-W49", "2026-11-30 08:00"),  # the Sunday before
    (make("weekly", weekday=4, at_time="17:30"), "2026-12-04 17:29", "2026-W48", "2026-11-27 17:30"),
    (make("monthly", monthday=31), "2027-02-28 08:00", "2027-02", "2027-02-28 08:00"),  # shorter month: its last day
    (make("monthly", monthday=31), "2027-02-27 08:00", "2027-01", "2027-01-31 08:00"),
    (make("monthly", monthday=1), "2027-01-01 07:00", "2026-12", "2026-12-01 08:00"),  # across the year
])
def test_the_latest_scheduled_moment_and_its_period_in_beijing_time(sub, now, period, moment):
    assert latest_moment(sub, at(now)) == (period, at(moment))


def test_a_utc_clock_is_read_in_beijing_time():
    # 00:30 UTC is 08:30 in Beijing: today's 08:00 digest is due, not yesterday's
    assert latest_moment(make(), dt.datetime(2026, 12, 2, 0, 30, tzinfo=dt.timezone.utc))[0] == "2026-12-02"


@pytest.mark.parametrize(("kw", "code"), [
    ({"schedule": "hourly"}, "bad_schedule"), ({"at_time": "8:00"}, "bad_time"), ({"at_time": "25:00"}, "bad_time"),
    ({"channel": "sms"}, "bad_channel"), ({"channel": "wecom", "target": "https://qyapi.weixin.qq.com/x?key=1"}, "bad_target"),
    ({"target": "not an address"}, "bad_target"), ({"sections": []}, "no_sections"), ({"monthday": 0}, "bad_day"),
])
def test_a_subscription_that_cannot_work_is_refused(conn, kw, code):
    args = dict(owner="a@corp.cn", provinces=[], sections=["kpis"], schedule="daily", at_time="08:00",
                channel="email", target="a@corp.cn")
    args.update(kw)
    with pytest.raises(subscriptions.SubscriptionError) as err:
        subscriptions.add(conn, **args)
    assert err.value.code == code



def made_on(conn, sid: int, beijing: str) -> None:
    """Pretend the subscription was made at this Beijing time (the tests' clock is not the wall clock)."""
    moment = at(beijing).astimezone(dt.timezone.utc).replace(tzinfo=None)
    conn.execute(schema.subscription.update().where(schema.subscription.c.id == sid).values(created_at=moment))


def test_a_period_is_claimed_once_and_never_due_again_once_sent(conn):
    sid = subscriptions.add(conn, owner="a@corp.cn", provinces=["420000"], sections=["kpis"], schedule="daily",
                            at_time="08:00", channel="email", target="a@corp.cn")
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
    sid = subscriptions.add(conn, owner="a@corp.cn", provinces=[], sections=["kpis"], schedule="weekly", weekday=0,
                            at_time="08:00", channel="email", target="a@corp.cn")
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
    sid = subscriptions.add(conn, owner="a@corp.cn", provinces=[], sections=["kpis"], schedule="daily",
                            at_time="08:00", channel="wecom", target="robot.team")
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
    sid = subscriptions.add(conn, owner="a@corp.cn", provinces=[], sections=["kpis"], schedule="daily",
                            at_time="08:00", channel="email", target="a@corp.cn")
    made_on(conn, sid, "2026-12-02 12:00")  # after today's 08:00
    assert sid not in [d.id for d, _ in subscriptions.due(conn, at("2026-12-02 12:05"))]
    assert [p for d, p in subscriptions.due(conn, at("2026-12-03 08:00")) if d.id == sid] == ["2026-12-03"]
