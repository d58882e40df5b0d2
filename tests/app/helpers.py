"""Expected values for app tests, computed through the query layer (never copied from output)."""

from __future__ import annotations

import datetime as dt

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
