"""Events on the timeline (issue 26), on SQLite, PostgreSQL and MariaDB: who sees which (a Henan
manager never a Hubei-only event, everyone a national one), who may write which, every change
audited and bumping the data version, hostile text refused or kept as text."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from data_access import access, events, queries, schema, upkeep
from data_access.scope import Scope

HENAN, HUBEI, GUANGDONG = "410000", "420000", "440000"
EVERY_DAY = (dt.date(1990, 1, 1), dt.date(2100, 1, 1))


@pytest.fixture(params=["sqlite", "postgresql", "mariadb"])
def engine(request, seeded):
    engine = seeded[request.param]
    with engine.connect() as conn:
        before = {r.id for r in conn.execute(sa.select(schema.event.c.id))}
    yield engine
    with engine.begin() as conn:  # leave the seeded events only
        added = [r.id for r in conn.execute(sa.select(schema.event.c.id)) if r.id not in before]
        if added:
            conn.execute(schema.event_province.delete().where(schema.event_province.c.event_id.in_(added)))
            conn.execute(schema.event.delete().where(schema.event.c.id.in_(added)))
        conn.execute(schema.audit_log.delete().where(schema.audit_log.c.action.like("event_%")))


def region_of(conn) -> dict[str, str]:
    return dict(conn.execute(sa.select(schema.province.c.code, schema.province.c.region)).all())


def seen(conn, provinces, start=EVERY_DAY[0], end=EVERY_DAY[1]) -> list[str]:
    return list(queries.get_events(conn, scope=Scope(tuple(provinces), start, end))["title_zh"])


def test_the_seeded_events_are_seen_where_they_matter(engine):
    with engine.connect() as conn:
        henan, hubei = seen(conn, [HENAN]), seen(conn, [HUBEI])
        raw = conn.execute(sa.select(schema.event.c.title_zh, schema.event.c.reach)).all()
    national = {t for t, reach in raw if reach == "national"}
    assert national and national <= set(henan) and national <= set(hubei)
    assert "汉口学院数字经济产业学院签约" in hubei and "汉口学院数字经济产业学院签约" not in henan  # Hubei-only
    assert "河南省考报名条件调整" in henan and "河南省考报名条件调整" not in hubei
    assert "中部两省联合招生推介会" in henan and "中部两省联合招生推介会" in hubei


def test_a_viewer_learns_only_their_provinces_of_an_event(engine):
    with engine.connect() as conn:
        fair = queries.get_events(conn, scope=Scope((HENAN,), *EVERY_DAY))
    row = fair[fair["title_zh"] == "中部两省联合招生推介会"].iloc[0]
    assert row["provinces"] == HENAN  # not "410000,420000": which other provinces is not theirs to know


def test_the_period_cuts_events_and_a_span_counts_when_it_overlaps(engine):
    with engine.connect() as conn:
        july = seen(conn, [HENAN], dt.date(2026, 8, 1), dt.date(2026, 9, 1))
        march = seen(conn, [HENAN], dt.date(2026, 3, 1), dt.date(2026, 4, 1))
    assert july == ["暑期招生季"]  # 1 Jul – 31 Aug overlaps August
    assert march == ["河南省考报名条件调整"]


def test_an_analyst_writes_events_of_their_provinces_only_and_every_change_is_audited(engine):
    with engine.begin() as conn:
        regions = region_of(conn)
        version = upkeep.data_version(conn)
        e = events.EventInput(starts_on=dt.date(2026, 6, 1), kind="opening", title_zh="郑州分校开业", reach="provinces", provinces=(HENAN,))
        new_id = events.save_event(conn, e, actor="ana@corp.cn", role="analyst", allowed=(HENAN,), region_of=regions)
        assert upkeep.data_version(conn) > version  # the pages' caches read events anew
        for bad, reason in (
            (
                events.EventInput(
                    starts_on=dt.date(2026, 6, 1), kind="opening", title_zh="广东", reach="provinces", provinces=(GUANGDONG,)
                ),
                "scope",
            ),
            (events.EventInput(starts_on=dt.date(2026, 6, 1), kind="opening", title_zh="全国", reach="national"), "scope"),
            (events.EventInput(starts_on=dt.date(2026, 6, 1), kind="party", title_zh="x", provinces=(HENAN,)), "kind"),
            (
                events.EventInput(
                    starts_on=dt.date(2026, 6, 2), ends_on=dt.date(2026, 6, 1), kind="campaign", title_zh="x", provinces=(HENAN,)
                ),
                "dates",
            ),
            (events.EventInput(starts_on=dt.date(2026, 6, 1), kind="other", provinces=(HENAN,)), "title"),
        ):
            with pytest.raises(events.EventRefused) as refused:
                events.save_event(conn, bad, actor="ana@corp.cn", role="analyst", allowed=(HENAN,), region_of=regions)
            assert str(refused.value) == reason
        with pytest.raises(events.EventRefused, match="role"):
            events.save_event(conn, e, actor="boss@corp.cn", role="executive", allowed=tuple(regions), region_of=regions)
        changed = events.EventInput(starts_on=dt.date(2026, 6, 2), kind="opening", title_zh="郑州二七分校开业", provinces=(HENAN,))
        events.save_event(conn, changed, actor="ana@corp.cn", role="analyst", allowed=(HENAN,), region_of=regions, event_id=new_id)
        with pytest.raises(events.EventRefused, match="scope"):  # a Hubei manager cannot touch it
            events.delete_event(conn, new_id, actor="hubei@corp.cn", role="analyst", allowed=(HUBEI,))
        assert "郑州二七分校开业" in seen(conn, [HENAN]) and "郑州二七分校开业" not in seen(conn, [HUBEI])
        events.delete_event(conn, new_id, actor="ana@corp.cn", role="analyst", allowed=(HENAN,))
        assert "郑州二七分校开业" not in seen(conn, [HENAN])
        log = access.get_audit_log(conn, action=None)
    mine = log[log["action"].str.startswith("event_")]
    assert list(mine["action"])[::-1] == ["event_add", "event_set", "event_del"]
    assert set(mine["actor"]) == {"ana@corp.cn"}


@pytest.mark.parametrize(
    "title",
    ["[点我](https://evil.example)", '=HYPERLINK("https://evil")', "<img src=x onerror=alert(1)>", "河南\u202e开业", "a" * 81],
)
def test_hostile_or_overlong_titles_are_refused_or_cleaned(engine, title):
    with engine.begin() as conn:
        e = events.EventInput(starts_on=dt.date(2026, 6, 1), kind="other", title_zh=title, provinces=(HENAN,))
        try:
            event_id = events.save_event(
                conn, e, actor="admin@corp.cn", role="admin", allowed=tuple(region_of(conn)), region_of=region_of(conn)
            )
        except events.EventRefused as refused:
            assert str(refused) in ("markup", "length")
            return
        stored = conn.execute(sa.select(schema.event.c.title_zh).where(schema.event.c.id == event_id)).scalar_one()
    assert "\u202e" not in stored  # kept as plain text, invisible characters dropped
