"""Expected values for app tests, computed through the query layer (never copied from output)."""

from __future__ import annotations

import datetime as dt
import re

from components.filters import period_bounds
from data_access import codes, config, queries
from data_access.scope import Scope


def as_of(url: str) -> dt.date:
    with config.make_engine(url).connect() as conn:
        everything = Scope(all_provinces(url), dt.date(1990, 1, 1), dt.date(2100, 1, 1))
        return queries.data_as_of(queries.get_data_freshness(conn, scope=everything))


def all_provinces(url: str) -> tuple[str, ...]:
    with config.make_engine(url).connect() as conn:
        return tuple(queries.get_province_catalogue(conn)["province_code"])


def default_scope(url: str, provinces=None, **slices) -> Scope:
    """The scope the app builds for the default period (the latest year, to the data-as-of date)."""
    day = as_of(url)
    start, end = period_bounds(str(day.year), day)
    return Scope(tuple(provinces) if provinces is not None else all_provinces(url), start, end, **slices)


def run_query(url: str, fn, scope: Scope, **kwargs):
    with config.make_engine(url).connect() as conn:
        return fn(conn, scope=scope, **kwargs)


SCHOOL_KINDS = codes.SCHOOL_KINDS


def assert_clean(at, *, warnings: tuple[str, ...] = (), errors: tuple[str, ...] = ()) -> None:
    """Fail on anything a user should not meet: an exception (the frame re-raises under
    COCKPIT_RAISE_ERRORS=1, so a crashing page lands here), an error box, or a warning that the
    test did not expect (``warnings``/``errors``: texts the test expects, matched by prefix)."""
    assert not at.exception, [e.value for e in at.exception]
    unexpected = [e.value for e in at.error if not any(str(e.value).startswith(x) for x in errors)]
    assert not unexpected, f"error boxes: {unexpected}"
    unexpected = [w.value for w in at.warning if not any(str(w.value).startswith(x) for x in warnings)]
    assert not unexpected, f"warnings: {unexpected}"


def shown(body: str) -> str:
    """What a Markdown body shows on screen: text from the database is escaped (data_access.untrusted.md)
    with backslashes before ASCII punctuation and invisible zero-width spaces, which the screen does not show."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", str(body)).replace("\u200b", "")
