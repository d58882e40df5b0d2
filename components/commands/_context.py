"""What a command builds before its sections, the way app.py does for a page: the province
catalogue, the data-as-of date, and URL-style parameters turned into Filters, Scope and a
SectionContext. ``report`` and ``digest`` both start here, so a pack from the command line and
a digest read the same scope the same way."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Catalogue:
    """The provinces and the data's dates, read once per command run."""

    frame: Any  # get_province_catalogue
    as_of: dt.date
    first: dt.date  # the earliest funnel event: the first period there is

    @property
    def provinces(self) -> tuple[str, ...]:
        return tuple(self.frame["province_code"])

    @property
    def region_of(self) -> dict[str, str]:
        return dict(zip(self.frame["province_code"], self.frame["region"]))


def read_catalogue(conn) -> Catalogue:
    from data_access import queries
    from data_access.scope import Scope

    frame = queries.get_province_catalogue(conn)
    everything = Scope(tuple(frame["province_code"]), dt.date(1990, 1, 1), dt.date(2100, 1, 1))
    fresh = queries.get_data_freshness(conn, scope=everything)
    as_of = queries.data_as_of(fresh) or dt.date.today()
    first = fresh.set_index("source").loc["funnel_event", "earliest_on"] or dt.date(as_of.year, 1, 1)
    return Catalogue(frame, as_of, first)


def section_context(cat: Catalogue, params: Mapping[str, Sequence[str]], allowed: Sequence[str]):
    """(SectionContext, dropped values) for URL-style ``params`` within ``allowed``."""
    from components.filters import filter_scope, parse_params, period_options
    from components.sections import SectionContext
    from data_access import codes

    f = cat.frame
    regions = {r: tuple(f.loc[f["region"] == r, "province_code"]) for r in codes.REGIONS}
    filters, dropped = parse_params({k: list(v) for k, v in params.items()}, allowed=allowed, regions=regions,
                                    periods=period_options(cat.first, cat.as_of))
    scope = filter_scope(filters, allowed, cat.as_of)
    names = {r.province_code: (r.name_zh, r.name_en) for r in f.itertuples()}
    return SectionContext(scope=scope, filters=filters, lang=filters.lang, as_of=cat.as_of, names=names), dropped
