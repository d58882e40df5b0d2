"""Built views are kept per (section, option, context, data version): a rerun of a page with the
same filters builds none of its views again, another scope or a new data version builds them anew,
and the figures' read times come with a kept view (the outage notice dates them)."""

from __future__ import annotations

import pytest

from components.sections.base import Section
from components.ui import sections
from data_access import cache
from tests.app.helpers import assert_clean, open_directly


@pytest.fixture
def builds(monkeypatch) -> list[str]:
    """The sections built (their view computed), in order."""
    built: list[str] = []
    original = Section.view

    def counting(self, db, ctx):
        built.append(self.key)
        return original(self, db, ctx)

    monkeypatch.setattr(Section, "view", counting)
    return built


def test_a_rerun_with_the_same_filters_builds_nothing_again(app, builds):
    at = open_directly(app({"province": "410000"}), "pages/overview.py")
    assert_clean(at)
    first = list(builds)
    assert {"kpis", "targets", "movers"} <= set(first)
    shown = [m.value for m in at.metric]
    at.run()
    assert_clean(at)
    assert builds == first  # nothing built the second time
    assert [m.value for m in at.metric] == shown


def test_another_scope_or_a_new_data_version_builds_again(app, builds, monkeypatch):
    open_directly(app({"province": "410000"}), "pages/overview.py")
    n = len(builds)
    at = open_directly(app({"province": "420000"}), "pages/overview.py")
    assert_clean(at)
    assert len(builds) > n
    n = len(builds)
    monkeypatch.setattr(sections, "data_version", lambda: 10_000)  # an upload was applied
    at.run()
    assert_clean(at)
    assert len(builds) > n


def test_a_kept_view_brings_its_read_times(app):
    at = open_directly(app({"province": "410000"}), "pages/funnels.py")
    assert_clean(at)
    read_first = sorted(at.session_state[cache.READ_TIMES])
    assert read_first
    at.run()
    assert sorted(set(at.session_state[cache.READ_TIMES])) == sorted(set(read_first))


def test_a_view_is_kept_apart_for_viewers_who_may_see_other_provinces():
    """Two viewers of the same scope whose allowed provinces differ (an executive who chose Henan, a
    Henan manager) do not share views; two executives do."""
    import datetime as dt

    from components.context import Context
    from components.filters import Filters
    from data_access.scope import Scope

    scope = Scope(("410000",), dt.date(2026, 1, 1), dt.date(2026, 11, 1))
    common = dict(scope=scope, filters=Filters(period="2026"), lang="zh", as_of=dt.date(2026, 10, 31), names={})
    executive = Context(**common, allowed=("410000", "420000"), actor="boss@corp.cn")
    manager = Context(**common, allowed=("410000",), actor="henan@corp.cn")
    another_executive = Context(**common, allowed=("410000", "420000"), actor="deputy@corp.cn", role="executive")
    assert executive.view_key != manager.view_key
    assert executive.view_key == another_executive.view_key  # who looks does not matter
