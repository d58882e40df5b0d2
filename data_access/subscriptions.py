"""Digest subscriptions and their deliveries (docs/SCHEMA.md §8): who gets which digest, when it
is due, and a record per subscription and period that makes sending idempotent.

Schedules are in Asia/Shanghai: ``daily`` at a time, ``weekly`` on a weekday at a time,
``monthly`` on a day at a time (the month's last day when it is shorter). A subscription's
**period** is the day (``2026-12-02``), the ISO week (``2026-W49``) or the month (``2026-12``)
of its latest scheduled moment; it is **due** once that moment has passed and the period has no
delivery yet, or its delivery failed and its retry time has come.

Sending (``components/commands/digest.py``) is: ``claim`` (one short transaction: insert or
take over the period's row as ``sending``; the unique key (subscription, period) makes a second
runner, or a second run, find it taken) → build and send → ``finish`` (``sent``, or ``failed``
with the next retry time, or ``gave_up``). A digest is never sent twice for one period. A period
whose owner is disabled or removed is recorded ``paused`` instead (``pause``; nothing was tried,
so it is no failure); it stays due, and goes out once the owner is enabled again.

Who may send a digest to which group robot: ``robot_allowed`` (the one rule the form, ``add`` and
the runner ask).

Nothing here imports streamlit or formats text for people.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol
from zoneinfo import ZoneInfo

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from data_access import access, codes, schema

sub, dl = schema.subscription, schema.delivery

TZ = ZoneInfo("Asia/Shanghai")
SCHEDULES = ("daily", "weekly", "monthly")
CHANNELS = ("email", "wecom", "dingtalk", "feishu")
MAX_ATTEMPTS = 5
RETRY_MINUTES = (5, 20, 80, 320)  # after attempt 1, 2, 3, 4; attempt 5 failing gives up
STALE_SENDING = dt.timedelta(minutes=30)  # a "sending" row this old is a runner that died mid-send


@dataclass(frozen=True)
class Subscription:
    id: int
    owner: str
    provinces: tuple[str, ...]  # () = every province the owner may see
    sections: tuple[str, ...]
    schedule: str
    weekday: int
    monthday: int
    at_time: str
    channel: str
    target: str
    lang: str
    enabled: bool
    created_at: dt.datetime | None = None  # naive UTC; a period whose moment came before it is not due


def _row(r) -> Subscription:
    return Subscription(
        int(r.id),
        r.owner,
        tuple(p for p in (r.provinces or "").split(",") if p),
        tuple(s for s in r.sections.split(",") if s),
        r.schedule,
        int(r.weekday),
        int(r.monthday),
        r.at_time,
        r.channel,
        r.target,
        r.lang,
        bool(r.enabled),
        r.created_at,
    )


class RobotAudience(Protocol):
    """Who the group behind a robot is (components.delivery.channels.RobotAudience reads it from the settings)."""

    @property
    def provinces(self) -> Sequence[str]: ...
    @property
    def regions(self) -> Sequence[str]: ...
    @property
    def roles(self) -> Sequence[str]: ...


def robot_allowed(audience: RobotAudience, user: access.User | None, region_of: Mapping[str, str], provinces: Sequence[str] = ()) -> bool:
    """May ``user``'s digest of ``provinces`` (a subscription's: empty = every province the user
    may see) be posted to the group robot of ``audience``? Yes only when all of these hold:

    1. the user is enabled and the digest has a province they may see (its content is always
       ``provinces`` ∩ what they may see now, or all they may see when ``provinces`` is empty);
    2. ``audience.roles`` is empty or holds the user's role;
    3. if the robot declares ``provinces`` and/or ``regions``: every province of the digest lies
       in those provinces ∪ the provinces of those regions (the group may see all it is sent);
       if it declares neither, it is a national group and only a national role (executive,
       admin) may send to it — so a robot set up with no audience at all is national-only.

    A Henan manager may send to a robot for Henan or for Central, never to Hubei's; an admin may
    send a Hubei-only digest to Hubei's robot, but not a national one.
    """
    sees = access.allowed_provinces(user, region_of)
    content = {p for p in (provinces or sees) if p in sees}
    if user is None or not content:
        return False
    if audience.roles and user.role not in audience.roles:
        return False
    if not audience.provinces and not audience.regions:
        return user.role in codes.NATIONAL_ROLES
    covered = set(audience.provinces) | {p for p, r in region_of.items() if r in audience.regions}
    return content <= covered


def region_of(conn: Connection) -> dict[str, str]:
    """Each province's region (the catalogue's, for ``robot_allowed`` and ``access.allowed_provinces``)."""
    province = schema.province
    return dict(conn.execute(sa.select(province.c.code, province.c.region).order_by(province.c.code)).all())


class SubscriptionError(ValueError):
    """A subscription that cannot be saved; ``code`` says why (worded by components)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def _check(*, schedule: str, weekday: int, monthday: int, at_time: str, channel: str, target: str, sections) -> None:
    if schedule not in SCHEDULES:
        raise SubscriptionError("bad_schedule")
    if not 0 <= weekday <= 6 or not 1 <= monthday <= 31:
        raise SubscriptionError("bad_day")
    try:
        dt.time.fromisoformat(at_time)
    except ValueError:
        raise SubscriptionError("bad_time") from None
    if len(at_time) != 5:
        raise SubscriptionError("bad_time")
    if channel not in CHANNELS:
        raise SubscriptionError("bad_channel")
    if not target.strip() or len(target) > 254 or (channel == "email" and "@" not in target):
        raise SubscriptionError("bad_target")
    if channel != "email" and not target.startswith("robot."):
        raise SubscriptionError("bad_target")  # a robot is named, never given by URL or key
    if not sections:
        raise SubscriptionError("no_sections")


def add(
    conn: Connection,
    *,
    owner: str,
    provinces: Sequence[str],
    sections: Sequence[str],
    schedule: str,
    at_time: str,
    channel: str,
    target: str,
    weekday: int = 0,
    monthday: int = 1,
    lang: str = "zh",
    audience: RobotAudience | None = None,
) -> int:
    """Save a subscription; its id. The caller has checked that ``provinces`` are the owner's.

    A robot channel needs the robot's ``audience`` (from the settings): the owner, as stored now,
    must be allowed to send these provinces there (``robot_allowed``), else SubscriptionError
    ``robot_not_allowed`` — checked here, on save, whatever robots the form offered.
    """
    _check(schedule=schedule, weekday=weekday, monthday=monthday, at_time=at_time, channel=channel, target=target, sections=sections)
    if channel != "email" and (audience is None or not robot_allowed(audience, access.get_user(conn, owner), region_of(conn), provinces)):
        raise SubscriptionError("robot_not_allowed")
    result = conn.execute(
        sub.insert().values(
            owner=owner,
            created_at=access.now(),
            provinces=",".join(provinces),
            sections=",".join(sections),
            schedule=schedule,
            weekday=weekday,
            monthday=monthday,
            at_time=at_time,
            channel=channel,
            target=target.strip(),
            lang=lang if lang in ("zh", "en") else "zh",
            enabled=True,
        )
    )
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def get(conn: Connection, subscription_id: int) -> Subscription | None:
    r = conn.execute(sa.select(sub).where(sub.c.id == subscription_id)).first()
    return None if r is None else _row(r)


def list_all(conn: Connection, *, owner: str | None = None, enabled_only: bool = False) -> list[Subscription]:
    """Subscriptions by id; one owner's (``owner``), or everyone's (admins, the runner)."""
    stmt = sa.select(sub).order_by(sub.c.id)
    if owner is not None:
        stmt = stmt.where(sub.c.owner == owner)
    if enabled_only:
        stmt = stmt.where(sub.c.enabled == sa.true())
    return [_row(r) for r in conn.execute(stmt)]


def set_enabled(conn: Connection, subscription_id: int, enabled: bool, *, owner: str | None) -> bool:
    """Pause or resume; ``owner`` None = an admin (any subscription). True when a row changed."""
    stmt = sub.update().where(sub.c.id == subscription_id).values(enabled=enabled)
    if owner is not None:
        stmt = stmt.where(sub.c.owner == owner)
    return conn.execute(stmt).rowcount == 1


def delete(conn: Connection, subscription_id: int, *, owner: str | None) -> bool:
    """Delete a subscription and its delivery records; ``owner`` None = an admin."""
    stmt = sa.select(sub.c.id).where(sub.c.id == subscription_id)
    if owner is not None:
        stmt = stmt.where(sub.c.owner == owner)
    if conn.execute(stmt).first() is None:
        return False
    conn.execute(dl.delete().where(dl.c.subscription_id == subscription_id))
    conn.execute(sub.delete().where(sub.c.id == subscription_id))
    return True


# --- schedules ---------------------------------------------------------------------------------


def latest_moment(s: Subscription, now: dt.datetime) -> tuple[str, dt.datetime]:
    """The subscription's latest scheduled moment at or before ``now`` (aware), and its period key."""
    local = now.astimezone(TZ)
    at = dt.time.fromisoformat(s.at_time)

    def at_day(day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, at, TZ)

    if s.schedule == "daily":
        day = local.date() if at_day(local.date()) <= local else local.date() - dt.timedelta(days=1)
        return day.isoformat(), at_day(day)
    if s.schedule == "weekly":
        day = local.date() - dt.timedelta(days=(local.weekday() - s.weekday) % 7)
        if at_day(day) > local:
            day -= dt.timedelta(days=7)
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}", at_day(day)

    def in_month(year: int, month: int) -> dt.date:
        return dt.date(year, month, min(s.monthday, calendar.monthrange(year, month)[1]))

    day = in_month(local.year, local.month)
    if at_day(day) > local:
        prev = local.date().replace(day=1) - dt.timedelta(days=1)
        day = in_month(prev.year, prev.month)
    return f"{day.year}-{day.month:02d}", at_day(day)


def _naive_utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.timezone.utc).replace(tzinfo=None)


def due(conn: Connection, now: dt.datetime) -> list[tuple[Subscription, str]]:
    """Enabled subscriptions with a period to send now: (subscription, period). Only the latest
    period counts (a runner that was off for days sends today's digest, not a backlog), and never
    one whose moment came before the subscription was made (a new daily subscription does not
    send yesterday's digest)."""
    out = []
    for s in list_all(conn, enabled_only=True):
        period, moment = latest_moment(s, now)
        if s.created_at is not None and _naive_utc(moment) < s.created_at:
            continue
        row = conn.execute(sa.select(dl).where(dl.c.subscription_id == s.id, dl.c.period == period)).first()
        if row is None or _retry_now(row, _naive_utc(now)):
            out.append((s, period))
    return out


def _retry_now(row, now_utc: dt.datetime) -> bool:
    if row.status == "paused":
        return True  # the runner looks at the owner again: still disabled, it stays paused
    if row.status == "failed":
        return row.next_at is None or row.next_at <= now_utc
    if row.status == "sending":
        return row.last_at <= now_utc - STALE_SENDING
    return False  # sent, gave_up


def claim(conn: Connection, s: Subscription, period: str, now: dt.datetime) -> int | None:
    """Take the period's delivery for this run (in its own short transaction); the attempt number,
    or None when another run holds it, or it is sent, or not yet due for a retry."""
    now_utc = _naive_utc(now)
    row = conn.execute(sa.select(dl).where(dl.c.subscription_id == s.id, dl.c.period == period)).first()
    if row is None:
        try:
            with conn.begin_nested():
                conn.execute(
                    dl.insert().values(subscription_id=s.id, period=period, status="sending", attempts=1, first_at=now_utc, last_at=now_utc)
                )
        except IntegrityError:  # another runner inserted it first
            return None
        return 1
    if not _retry_now(row, now_utc):
        return None
    taken = conn.execute(
        dl.update()
        .where(dl.c.id == row.id, dl.c.status == row.status, dl.c.attempts == row.attempts)
        .values(status="sending", attempts=row.attempts + 1, last_at=now_utc)
    )
    return row.attempts + 1 if taken.rowcount == 1 else None


def pause(conn: Connection, s: Subscription, period: str, now: dt.datetime, *, reason: str) -> bool:
    """Record the period as ``paused`` (its owner is disabled or removed): no attempt, no failure,
    no retry time. The period stays due, so the runner sends it once the owner is enabled again
    (only the latest period: no backlog). True when this call recorded it; False when it was
    paused already (or another run took it meanwhile)."""
    now_utc = _naive_utc(now)
    row = conn.execute(sa.select(dl).where(dl.c.subscription_id == s.id, dl.c.period == period)).first()
    if row is None:
        try:
            with conn.begin_nested():
                conn.execute(
                    dl.insert().values(
                        subscription_id=s.id,
                        period=period,
                        status="paused",
                        attempts=0,
                        first_at=now_utc,
                        last_at=now_utc,
                        error=reason[:500],
                    )
                )
        except IntegrityError:
            return False
        return True
    if row.status == "paused" or not _retry_now(row, now_utc):
        return False
    # a failed period whose owner was disabled before its retry: paused, its attempts kept
    taken = conn.execute(
        dl.update()
        .where(dl.c.id == row.id, dl.c.status == row.status, dl.c.attempts == row.attempts)
        .values(status="paused", next_at=None, error=reason[:500], last_at=now_utc)
    )
    return taken.rowcount == 1


def finish(
    conn: Connection,
    s: Subscription,
    period: str,
    now: dt.datetime,
    *,
    attempt: int,
    ok: bool,
    retryable: bool = True,
    error: str = "",
    alerts: int = 0,
) -> str:
    """Record how an attempt ended; the new status: sent, failed (retried from ``next_at``), gave_up."""
    now_utc = _naive_utc(now)
    if ok:
        status, next_at = "sent", None
    elif retryable and attempt < MAX_ATTEMPTS:
        status, next_at = "failed", now_utc + dt.timedelta(minutes=RETRY_MINUTES[attempt - 1])
    else:
        status, next_at = "gave_up", None
    conn.execute(
        dl.update()
        .where(dl.c.subscription_id == s.id, dl.c.period == period)
        .values(status=status, next_at=next_at, error=error[:500], alerts=alerts, last_at=now_utc)
    )
    return status


DELIVERY_COLUMNS = ["subscription_id", "period", "status", "attempts", "first_at", "last_at", "next_at", "error", "alerts"]


def list_deliveries(conn: Connection, *, subscription_ids: Sequence[int], limit: int = 200) -> pd.DataFrame:
    """Deliveries of these subscriptions, newest first. Columns: DELIVERY_COLUMNS."""
    if not subscription_ids:
        return pd.DataFrame(columns=DELIVERY_COLUMNS)
    stmt = (
        sa.select(*[dl.c[c] for c in DELIVERY_COLUMNS])
        .where(dl.c.subscription_id.in_(list(subscription_ids)))
        .order_by(dl.c.last_at.desc(), dl.c.id.desc())
        .limit(limit)
    )
    return pd.DataFrame([tuple(r) for r in conn.execute(stmt)], columns=DELIVERY_COLUMNS)
