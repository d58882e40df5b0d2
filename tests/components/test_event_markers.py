"""Events on every time series (issue 26): each timeline section marks the seeded events of its span
and scope — on the page's figure and on the pack's, which are the same View — at most three per
chart, names escaped; a Henan view never marks a Hubei-only event; the Overview lists them all."""

from __future__ import annotations

import pandas as pd
import pytest

from components.charts.events import MAX_MARKERS, chosen, mark_months
from components.context import context_from_params, read_catalogue
from components.export import build_pptx
from components.sections import SECTIONS, build_views
from data_access import config, reader

TIMELINES = [key for key, s in SECTIONS.items() if s.timeline]
HANKOU = "汉口学院数字经济产业学院签约"


@pytest.fixture(scope="module")
def world(app_sqlite_url):
    engine = config.make_engine(app_sqlite_url)
    with engine.connect() as conn:
        cat = read_catalogue(conn)
    return cat, reader.direct(engine)


def marks(fig) -> list[str]:
    return [a.text for a in fig.layout.annotations if str(a.text).startswith("◆")]


def test_every_time_series_is_a_timeline_section():
    assert set(TIMELINES) >= {"trend", "spend", "tier_shares"}


@pytest.mark.parametrize("key", TIMELINES)
def test_each_timeline_marks_the_events_of_its_span_and_scope(world, key):
    cat, db = world
    ctx, _ = context_from_params(cat, {"province": ["420000"], "period": ["2025"]}, cat.provinces)
    view = SECTIONS[key].view(db, ctx)
    assert not view.empty and view.events is not None and len(view.events)
    shown = marks(view.figure)
    assert 0 < len(shown) <= MAX_MARKERS
    assert any(HANKOU[:6] in m for m in shown), shown  # the Hankou signing, a Hubei event of 2025


@pytest.mark.parametrize("key", TIMELINES)
def test_a_henan_view_never_marks_a_hubei_only_event(world, key):
    cat, db = world
    ctx, _ = context_from_params(cat, {"province": ["410000"], "period": ["2025"]}, cat.provinces)
    view = SECTIONS[key].view(db, ctx)
    assert HANKOU not in set(view.events["title_zh"]) if view.events is not None else True
    assert not any(HANKOU[:6] in m for m in marks(view.figure)) if view.figure is not None else True


def test_the_pack_carries_the_marks_and_the_list(world, tmp_path):
    cat, db = world
    ctx, _ = context_from_params(cat, {"province": ["420000"], "period": ["2025"]}, cat.provinces)
    views = build_views(db, ctx, ["spend", "tier_shares", "events"])
    assert all(marks(v.figure) for v in views if v.id != "events")
    listed = next(v for v in views if v.id == "events")
    assert not listed.empty and HANKOU in "".join(listed.table.iloc[:, 2])
    slides = [v.slide() for v in views]
    assert slides[0].figure is views[0].figure  # the slide draws the page's figure, marks included
    data = build_pptx(_meta(ctx), slides)
    assert len(data) > 10_000


def _meta(ctx):
    from components.briefing import pack_meta

    return pack_meta(ctx)


def test_at_most_three_marks_policy_and_signings_first_names_escaped():
    events = pd.DataFrame(
        {
            "event_id": [1, 2, 3, 4, 5],
            "starts_on": pd.to_datetime(["2026-01-05", "2026-02-01", "2026-03-01", "2026-04-01", "2026-05-01"]).date,
            "ends_on": [None, None, None, pd.Timestamp("2026-04-30").date(), None],
            "kind": ["campaign", "policy", "other", "campaign", "signing"],
            "title_zh": ["a", "<b>政策</b>", "c", "d", "[签约](https://evil)"],
            "title_en": ["", "", "", "", ""],
            "note": [""] * 5,
        }
    )
    assert list(chosen(events)["event_id"]) == [1, 2, 5]  # policy, signing, then the earliest campaign; shown in date order
    import plotly.graph_objects as go

    fig = mark_months(go.Figure(go.Scatter(x=pd.date_range("2026-01-01", periods=6, freq="MS"), y=[1] * 6)), events, lang="zh")
    texts = marks(fig)
    assert len(texts) == 3 and "<b>" not in "".join(texts) and "&lt;b&gt;" in "".join(texts)


def test_a_henan_managers_digest_never_carries_a_hubei_only_event(app_sqlite_url):
    """The digest command's own preparation (components/commands/digest.py: prepare) for a Henan
    regional manager: 本期大事 holds Henan's and the national events of the period, never a Hubei-only
    one recorded in the same period."""
    import datetime as dt

    import sqlalchemy as sa

    from components.commands.digest import prepare
    from components.context import read_catalogue
    from data_access import access, alerts, events, schema, subscriptions

    engine = config.make_engine(app_sqlite_url)
    with engine.begin() as conn:
        cat = read_catalogue(conn)
        hubei_only = events.save_event(
            conn,
            events.EventInput(starts_on=cat.as_of - dt.timedelta(days=3), kind="signing", title_zh="武汉某学院签约（测试）",
                              reach="provinces", provinces=("420000",)),
            actor="cli:test", role="admin", allowed=tuple(cat.region_of), region_of=cat.region_of,
        )  # fmt: skip
    try:
        manager = access.User("digest.henan@corp.cn", "regional", provinces=("410000",))
        s = subscriptions.Subscription(0, manager.email, (), ("kpis",), "daily", 0, 1, "08:00", "email", manager.email, "zh", True)
        with engine.connect() as conn:
            prepared = prepare(engine, conn, s, user=manager, cat=cat, thresholds=alerts.Thresholds(), url="http://cockpit.example")
        assert prepared is not None
        lines = "\n".join(prepared.digest.events)
        assert "河南省考报名条件调整" in lines and "暑期招生季" in lines  # Henan's, and a national one
        assert "武汉某学院签约" not in lines and "广州天河" not in lines and "湖北" not in lines
        everyone = access.User("digest.exec@corp.cn", "executive")
        with engine.connect() as conn:
            national = prepare(engine, conn, s, user=everyone, cat=cat, thresholds=alerts.Thresholds(), url="http://cockpit.example")
        assert national is not None and "武汉某学院签约" in "\n".join(national.digest.events)  # the oracle sees it
    finally:
        with engine.begin() as conn:
            conn.execute(schema.event_province.delete().where(schema.event_province.c.event_id == hubei_only))
            conn.execute(schema.event.delete().where(schema.event.c.id == hubei_only))
            conn.execute(schema.audit_log.delete().where(schema.audit_log.c.action == "event_add", schema.audit_log.c.actor == "cli:test"))
            assert not conn.execute(sa.select(schema.event.c.id).where(schema.event.c.id == hubei_only)).first()
