"""The one context every view is computed for — built in one place, for a page, a command, a
test or a benchmark alike.

A :class:`Context` is who is looking at what: the scope (provinces, period, slices), the filters
behind it, the language, the data-as-of date, every province's names, the provinces the viewer
may see, who they are and how their exports are audited, and the page. Sections read it, the
pack and digests read it, pages read it (``components.ui.context.page_context``).

Build it with :func:`context_for` (filters already parsed: the app's filter bar) or
:func:`context_from_params` (URL-style parameters: the commands, tests, benchmarks), from a
:class:`Catalogue` (the provinces and the data's dates) read once — through the app's cache
(:func:`Catalogue.of`) or a plain connection (:func:`read_catalogue`).

Pure: no streamlit; from data_access only the vocabulary (queries are imported inside
``read_catalogue``, for the callers that have a connection).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from components.filters import Filters, FilterText, describe_filters, filter_scope, parse_params, period_options
from data_access import codes
from data_access.scope import Scope

EVERYTHING = (dt.date(1990, 1, 1), dt.date(2100, 1, 1))  # a period that holds every row: the catalogue's reads


@dataclass(frozen=True)
class Catalogue:
    """The provinces and the data's dates, read once per app run or command run."""

    frame: Any  # data_access.queries.get_province_catalogue
    as_of: dt.date
    first: dt.date  # the earliest funnel event: the first period there is

    @classmethod
    def of(cls, frame: Any, freshness: Any, *, today: dt.date | None = None) -> Catalogue:
        """From the province catalogue and the data-freshness frame (get_data_freshness over every province)."""
        from data_access.queries import data_as_of  # pure function on a frame

        as_of = data_as_of(freshness) or today or dt.date.today()
        first = freshness.set_index("source").loc["funnel_event", "earliest_on"] or dt.date(as_of.year, 1, 1)
        return cls(frame, as_of, first)

    @property
    def provinces(self) -> tuple[str, ...]:
        return tuple(self.frame["province_code"])

    @property
    def everything(self) -> Scope:
        """Every province, every day: the scope of reference reads (freshness)."""
        return Scope(self.provinces, *EVERYTHING)

    @property
    def region_of(self) -> dict[str, str]:
        return dict(zip(self.frame["province_code"], self.frame["region"]))

    @property
    def regions(self) -> dict[str, tuple[str, ...]]:
        """Each region group's provinces."""
        f = self.frame
        return {r: tuple(f.loc[f["region"] == r, "province_code"]) for r in codes.REGIONS}

    @property
    def names(self) -> dict[str, tuple[str, str]]:
        """Each province's (Chinese, English) name."""
        return {r.province_code: (r.name_zh, r.name_en) for r in self.frame.itertuples()}

    @property
    def periods(self) -> list[str]:
        """The periods a filter may name, newest first."""
        return period_options(self.first, self.as_of)


def read_catalogue(conn) -> Catalogue:
    """The Catalogue through a plain connection (commands, tests, benchmarks)."""
    from data_access import queries

    frame = queries.get_province_catalogue(conn)
    everything = Scope(tuple(frame["province_code"]), *EVERYTHING)
    return Catalogue.of(frame, queries.get_data_freshness(conn, scope=everything))


@dataclass(frozen=True)
class Context:
    """Who is looking at what: what every section, page, pack and digest is computed for."""

    scope: Scope
    filters: Filters
    lang: str
    as_of: dt.date
    names: Mapping[str, tuple[str, str]] = field(compare=False)
    allowed: tuple[str, ...] = ()  # the provinces the viewer may see (the outer bound of ``scope``)
    # Who is looking (e-mail, "demo" in the open demo, cli:<user>) and their role; ``audit(page=,
    # item=, fmt=)`` records one export of this view (None: exports are not audited, e.g. tests of builders).
    actor: str = "demo"
    role: str = "executive"
    audit: Callable[..., None] | None = field(default=None, compare=False)
    page: str = ""  # the page being drawn ("" outside the app)
    region_of: Mapping[str, str] = field(default_factory=dict, compare=False)  # every province's region group (Catalogue.region_of)

    def name(self, code: str) -> str:
        """A province's name in the language (its code when unknown)."""
        pair = self.names.get(code)
        return code if pair is None else pair[0 if self.lang == "zh" else 1]

    @property
    def compared(self) -> Scope:
        """The scope every delta compares with (the cockpit's one rule, ``filters.compare``)."""
        return self.scope.compared(self.filters.compare)

    @property
    def view_key(self) -> str:
        """What a built view depends on, as text (the key of the per-process view cache): the scope,
        the filters, the language and the data date — and the provinces the viewer may see, so that
        viewers of different reach never share a view even if a section comes to word a scope by
        them (none does today; the cost is a few more entries). Not who the viewer is: a view holds
        only its scope's figures."""
        return repr((self.scope, self.filters, self.allowed, self.lang, self.as_of))

    @property
    def compare_words(self) -> str:
        """What the deltas compare with, in a sentence's words ("较去年同期" / "vs same period last year"):
        the scope line's (``text.compare``), so sentences, titles and footers say it the same way."""
        return self.text.compare

    def cohort_compared(self) -> tuple[Scope, dt.date]:
        """The comparison scope for a cohort metric, and until when its events count: the earlier
        cohort is followed as long after its period as the data reaches after this one (equal age)."""
        before = self.compared
        return before, before.end + (self.as_of + dt.timedelta(days=1) - self.scope.end)

    @cached_property
    def text(self) -> FilterText:
        """The filters in words: scope line, footer, file-name part, filter sheet (one description everywhere)."""
        return describe_filters(
            self.filters, provinces=self.scope.provinces, start=self.scope.start, end=self.scope.end, names=self.names, lang=self.lang
        )


def context_for(cat: Catalogue, filters: Filters, allowed: Sequence[str], **who: Any) -> Context:
    """The Context of parsed ``filters`` within ``allowed`` (``who``: actor, role, audit, page)."""
    scope = filter_scope(filters, tuple(allowed), cat.as_of)
    return Context(
        scope=scope,
        filters=filters,
        lang=filters.lang,
        as_of=cat.as_of,
        names=cat.names,
        allowed=tuple(allowed),
        region_of=cat.region_of,
        **who,
    )


def context_from_params(
    cat: Catalogue, params: Mapping[str, Sequence[str]], allowed: Sequence[str], **who: Any
) -> tuple[Context, list[str]]:
    """(Context, dropped values) for URL-style ``params`` within ``allowed``: the link a page would
    read, for the commands, tests and benchmarks."""
    filters, dropped = parse_params(
        {k: list(v) for k, v in params.items()}, allowed=tuple(allowed), regions=cat.regions, periods=cat.periods
    )
    return context_for(cat, filters, allowed, **who), dropped
