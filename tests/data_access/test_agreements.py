"""Agreements coming due (get_agreements_by_expiry) on real databases (SQLite, PostgreSQL, MariaDB):
the query's rows are what a plain SELECT of the raw tables and a few lines of Python find — the
partners a scope sees, the window, the renewal rule, each partner's leads and enrolments of the last
12 months — and situations built in a rolled-back transaction move them as they should."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import sqlalchemy as sa

from data_access import periods, queries, schema
from data_access.queries.agreements import ACTIVITY_MONTHS, DEFAULT_MONTHS, due_window
from data_access.scope import Scope, year_scope

HENAN, HUBEI = "410000", "420000"
ag, pt, ct, lr, fe = schema.agreement, schema.partner, schema.city, schema.learner, schema.funnel_event


def everywhere(c) -> tuple[str, ...]:
    return tuple(sorted(r[0] for r in c.execute(sa.select(schema.province.c.code))))


def data_date(c) -> dt.date:
    as_of = queries.data_as_of(queries.get_data_freshness(c, scope=year_scope(everywhere(c), 2026)))
    assert as_of is not None
    return as_of


def current(provinces, as_of: dt.date, **slices) -> Scope:
    """The current year to the data date, as the app builds it (its end stops at the data)."""
    return Scope(tuple(provinces), dt.date(as_of.year, 1, 1), as_of + dt.timedelta(days=1), **slices)


def day(v) -> dt.date:
    return dt.date.fromisoformat(v) if isinstance(v, str) else v


def expected(c, scope: Scope, as_of: dt.date, within_days: int) -> pd.DataFrame:
    """The agreements coming due, from the raw rows: every agreement with its partner and city read
    plainly, then filtered here by the documented rule; activity counted by two plain SELECTs."""
    rows = c.execute(
        sa.select(
            ag.c.id,
            ag.c.partner_id,
            ag.c.kind,
            ag.c.signed_on,
            ag.c.expires_on,
            ag.c.value_fen,
            pt.c.kind,
            pt.c.since,
            pt.c.status,
            ct.c.province_code,
            ct.c.tier,
        ).select_from(ag.join(pt, pt.c.id == ag.c.partner_id).join(ct, ct.c.code == pt.c.city_code))
    ).all()
    every = pd.DataFrame(
        [
            (r[0], r[1], r[2], day(r[3]), day(r[4]) if r[4] is not None else None, int(r[5]), r[6], day(r[7]), r[8], r[9], r[10])
            for r in rows
        ],
        columns=["id", "partner_id", "kind", "signed_on", "expires_on", "value_fen", "partner_kind", "since", "status", "province", "tier"],
    )
    until = as_of + dt.timedelta(days=within_days)
    seen = every[
        every["province"].isin(scope.provinces)
        & every["tier"].isin(scope.tiers)
        & every["partner_kind"].isin(scope.kinds)
        & (every["since"] < scope.end)
        & (every["status"] != "ended")
    ]
    due = seen[
        (seen["signed_on"] <= as_of) & seen["expires_on"].map(lambda e: e is not None and as_of < e <= until)  # NULL: open-ended
    ]

    def renewed(a) -> bool:
        same = every[(every["partner_id"] == a.partner_id) & (every["kind"] == a.kind) & (every["id"] != a.id)]
        same = same[same["signed_on"] <= as_of]
        return bool(same["expires_on"].map(lambda e: e is None or e > a.expires_on).any())

    due = due[[not renewed(a) for a in due.itertuples()]]
    since, after = periods.months_after(as_of, -ACTIVITY_MONTHS) + dt.timedelta(days=1), as_of + dt.timedelta(days=1)
    lead_rows = c.execute(
        sa.select(lr.c.partner_id, sa.func.count())
        .select_from(lr.join(ct, ct.c.code == lr.c.city_code))
        .where(
            lr.c.partner_id.is_not(None),
            lr.c.lead_on >= since,
            lr.c.lead_on < after,
            lr.c.province_code.in_(scope.provinces),
            lr.c.channel.in_(scope.channels),
            lr.c.programme.in_(scope.programmes),
            ct.c.tier.in_(scope.tiers),
        )
        .group_by(lr.c.partner_id)
    ).all()
    enrol_rows = c.execute(
        sa.select(lr.c.partner_id, sa.func.count(sa.distinct(lr.c.id)))
        .select_from(fe.join(lr, lr.c.id == fe.c.learner_id).join(ct, ct.c.code == lr.c.city_code))
        .where(
            lr.c.partner_id.is_not(None),
            fe.c.stage == "enrolled",
            fe.c.occurred_on >= since,
            fe.c.occurred_on < after,
            lr.c.province_code.in_(scope.provinces),
            lr.c.channel.in_(scope.channels),
            lr.c.programme.in_(scope.programmes),
            ct.c.tier.in_(scope.tiers),
        )
        .group_by(lr.c.partner_id)
    ).all()
    leads, enrolled = {int(p): int(n) for p, n in lead_rows}, {int(p): int(n) for p, n in enrol_rows}
    out = pd.DataFrame(
        {
            "agreement_id": due["id"].astype(int),
            "expires_on": due["expires_on"],
            "days_left": [(e - as_of).days for e in due["expires_on"]],
            "value_yuan": due["value_fen"] / 100,
            "leads_12m": [leads.get(int(p), 0) for p in due["partner_id"]],
            "enrolled_12m": [enrolled.get(int(p), 0) for p in due["partner_id"]],
        }
    )
    return out.sort_values(["value_yuan", "expires_on", "agreement_id"], ascending=[False, True, True]).reset_index(drop=True)


def got(c, scope: Scope, as_of: dt.date | None, within_days: int | None) -> pd.DataFrame:
    df = queries.get_agreements_by_expiry(c, scope=scope, as_of=as_of, within_days=within_days)
    return df[["agreement_id", "expires_on", "days_left", "value_yuan", "leads_12m", "enrolled_12m"]].reset_index(drop=True)


def same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True), check_dtype=False)


@pytest.mark.parametrize("days", [91, 182, 365])
def test_the_agreements_due_nationally_are_those_a_plain_select_finds(conn, days):
    as_of = data_date(conn)
    scope = current(everywhere(conn), as_of)
    want = expected(conn, scope, as_of, days)
    assert len(want) > 0, "the demo has agreements expiring after its data date"
    same(got(conn, scope, as_of, days), want)


def test_a_province_and_slices_see_their_own_agreements_and_activity(conn):
    as_of = data_date(conn)
    for scope in (
        current([HENAN], as_of),
        current([HENAN, HUBEI], as_of, kinds=("university", "vocational_college", "technical_school")),
        current(everywhere(conn), as_of, tiers=("county",)),
        current(everywhere(conn), as_of, channels=("campus",), programmes=("civil_service", "cert_1x")),
    ):
        want = expected(conn, scope, as_of, 365)
        df = queries.get_agreements_by_expiry(conn, scope=scope, as_of=as_of, within_days=365)
        same(df[want.columns].reset_index(drop=True), want)
        assert set(df["province_code"]) <= set(scope.provinces) and set(df["partner_kind"]) <= set(scope.kinds)


def test_the_defaults_are_the_period_s_last_day_and_six_calendar_months(conn):
    scope = year_scope(everywhere(conn), 2025)  # a past year: its last day, not the data date
    as_of, until = due_window(scope, None, None)
    assert (as_of, until) == (dt.date(2025, 12, 31), dt.date(2026, 6, 30)) and DEFAULT_MONTHS == 6
    same(got(conn, scope, None, None), expected(conn, scope, as_of, (until - as_of).days))


def test_no_provinces_or_a_period_before_any_agreement_returns_nothing(conn):
    as_of = data_date(conn)
    assert queries.get_agreements_by_expiry(conn, scope=current([], as_of), within_days=365).empty
    assert queries.get_agreements_by_expiry(conn, scope=year_scope(everywhere(conn), 2001), within_days=365).empty


def test_within_days_must_be_whole_days(conn):
    scope = current([HENAN], data_date(conn))
    for bad in (-1, 2.5, True, "90"):
        with pytest.raises(ValueError, match="within_days"):
            queries.get_agreements_by_expiry(conn, scope=scope, within_days=bad)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- situations (rolled back)


def next_id(c, table) -> int:
    return int(c.execute(sa.select(sa.func.coalesce(sa.func.max(table.c.id), 0))).scalar_one()) + 1


def quiet_partner(c, province: str, as_of: dt.date) -> int:
    """An active partner of the province, signed a year or more before ``as_of``, with no agreement
    expiring in the two years after it."""
    busy = sa.select(ag.c.partner_id).where(ag.c.expires_on > as_of, ag.c.expires_on <= as_of + dt.timedelta(days=730))
    pid = (
        c.execute(
            sa.select(pt.c.id)
            .join(ct, ct.c.code == pt.c.city_code)
            .where(
                ct.c.province_code == province,
                pt.c.status == "active",
                pt.c.since <= as_of - dt.timedelta(days=365),
                pt.c.id.not_in(busy),
            )
            .order_by(pt.c.id)
        )
        .scalars()
        .first()
    )
    assert pid is not None, f"the demo has a quiet partner in {province}"
    return int(pid)


def add_agreement(c, partner_id: int, *, kind: str, signed_on: dt.date, expires_on: dt.date | None, value_yuan: int) -> int:
    aid = next_id(c, ag)
    c.execute(
        ag.insert().values(id=aid, partner_id=partner_id, kind=kind, signed_on=signed_on, expires_on=expires_on, value_fen=value_yuan * 100)
    )
    return aid


def ids(c, scope: Scope, as_of: dt.date, days: int) -> list[int]:
    return [int(x) for x in queries.get_agreements_by_expiry(c, scope=scope, as_of=as_of, within_days=days)["agreement_id"]]


def test_the_window_is_after_as_of_up_to_and_including_its_last_day(conn):
    as_of = data_date(conn)
    pid = quiet_partner(conn, HUBEI, as_of)
    signed = as_of - dt.timedelta(days=400)
    today = add_agreement(conn, pid, kind="practice_base", signed_on=signed, expires_on=as_of, value_yuan=1)
    last = add_agreement(conn, pid, kind="industry_college", signed_on=signed, expires_on=as_of + dt.timedelta(days=30), value_yuan=2)
    after = add_agreement(conn, pid, kind="joint_school", signed_on=signed, expires_on=as_of + dt.timedelta(days=31), value_yuan=3)
    later = add_agreement(
        conn, pid, kind="channel", signed_on=as_of + dt.timedelta(days=1), expires_on=as_of + dt.timedelta(days=9), value_yuan=4
    )
    found = ids(conn, current([HUBEI], as_of), as_of, 30)
    assert last in found and today not in found and after not in found
    assert later not in found  # not signed yet on as_of
    row = (
        queries.get_agreements_by_expiry(conn, scope=current([HUBEI], as_of), as_of=as_of, within_days=30)
        .set_index("agreement_id")
        .loc[last]
    )
    assert (row["days_left"], row["value_yuan"], row["kind"]) == (30, 2.0, "industry_college")


def test_a_renewal_takes_an_agreement_off_the_list_and_another_kind_does_not(conn):
    as_of = data_date(conn)
    pid = quiet_partner(conn, HUBEI, as_of)
    expiring = add_agreement(
        conn,
        pid,
        kind="practice_base",
        signed_on=as_of - dt.timedelta(days=1000),
        expires_on=as_of + dt.timedelta(days=40),
        value_yuan=500_000,
    )
    scope = current([HUBEI], as_of)
    assert expiring in ids(conn, scope, as_of, 90)
    add_agreement(conn, pid, kind="industry_college", signed_on=as_of - dt.timedelta(days=10), expires_on=None, value_yuan=0)
    assert expiring in ids(conn, scope, as_of, 90)  # another kind: not a renewal
    renewal = add_agreement(
        conn,
        pid,
        kind="practice_base",
        signed_on=as_of - dt.timedelta(days=5),
        expires_on=as_of + dt.timedelta(days=1500),
        value_yuan=600_000,
    )
    assert expiring not in ids(conn, scope, as_of, 90) and renewal not in ids(conn, scope, as_of, 90)
    # Seen from before the renewal was signed, the agreement was still coming due.
    earlier = as_of - dt.timedelta(days=20)
    assert expiring in ids(conn, scope.with_period(scope.start, earlier + dt.timedelta(days=1)), earlier, 90)


def test_an_ended_partner_and_another_province_are_left_out(conn):
    as_of = data_date(conn)
    pid = quiet_partner(conn, HUBEI, as_of)
    aid = add_agreement(
        conn, pid, kind="practice_base", signed_on=as_of - dt.timedelta(days=800), expires_on=as_of + dt.timedelta(days=10), value_yuan=1
    )
    assert aid in ids(conn, current([HUBEI], as_of), as_of, 90) and aid not in ids(conn, current([HENAN], as_of), as_of, 90)
    conn.execute(pt.update().where(pt.c.id == pid).values(status="ended"))
    assert aid not in ids(conn, current([HUBEI], as_of), as_of, 90)


def test_activity_counts_the_partner_s_learners_of_the_last_twelve_months_in_scope(conn):
    as_of = data_date(conn)
    pid = quiet_partner(conn, HUBEI, as_of)
    aid = add_agreement(
        conn, pid, kind="practice_base", signed_on=as_of - dt.timedelta(days=800), expires_on=as_of + dt.timedelta(days=10), value_yuan=1
    )
    scope = current([HUBEI], as_of)
    base = queries.get_agreements_by_expiry(conn, scope=scope, as_of=as_of, within_days=90).set_index("agreement_id").loc[aid]
    city = conn.execute(sa.select(pt.c.city_code).where(pt.c.id == pid)).scalar_one()
    first_l, first_e = next_id(conn, lr), next_id(conn, fe)
    # Two learners of this partner inside the 12 months (one enrolled), one just before them, one of another channel.
    learners = [
        (as_of - dt.timedelta(days=30), "campus", True),
        (periods.months_after(as_of, -12) + dt.timedelta(days=1), "campus", False),
        (periods.months_after(as_of, -12), "campus", False),
        (as_of - dt.timedelta(days=3), "online", True),
    ]
    events = []
    for i, (lead_on, channel, enrols) in enumerate(learners):
        lid = first_l + i
        conn.execute(
            lr.insert().values(
                id=lid, city_code=city, province_code=HUBEI, channel=channel, programme="cert_1x", partner_id=pid, lead_on=lead_on
            )
        )
        for k, stage in enumerate(("lead", "enrolled") if enrols else ("lead",)):
            events.append(
                dict(
                    id=first_e + len(events),
                    learner_id=lid,
                    stage=stage,
                    occurred_on=lead_on + dt.timedelta(days=k),
                    channel=channel,
                    city_code=city,
                    province_code=HUBEI,
                    programme="cert_1x",
                )
            )
    conn.execute(fe.insert(), events)
    now = queries.get_agreements_by_expiry(conn, scope=scope, as_of=as_of, within_days=90).set_index("agreement_id").loc[aid]
    assert (now["leads_12m"] - base["leads_12m"], now["enrolled_12m"] - base["enrolled_12m"]) == (3, 2)
    campus = current([HUBEI], as_of, channels=("campus",))
    only = queries.get_agreements_by_expiry(conn, scope=campus, as_of=as_of, within_days=90).set_index("agreement_id").loc[aid]
    same(got(conn, campus, as_of, 90), expected(conn, campus, as_of, 90))
    assert only["leads_12m"] <= now["leads_12m"] - 1 and only["enrolled_12m"] <= now["enrolled_12m"] - 1
