"""What a section is: one view of the data, defined once and rendered by a page, the briefing
pack, the ``report`` command and (later) digests.

A section says which scoped queries it reads (``load``, through a data_access Reader), how it
shapes them (``prepare``: pure, frames in, a frame or a small value out — tested on literal
frames), and what it shows: a figure from the pure builders, a table, and a one-line takeaway.
``Section.view`` runs the four steps and returns a ``View``; nothing here imports streamlit.

Variants (a movers chart of leads or of enrolments, the map by partners or per 10,000 leads)
are instances of the same class with another ``option``; the first of ``options`` is the one a
pack uses.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

import pandas as pd
import plotly.graph_objects as go

from components.context import Context
from components.export import Slide
from components.i18n import t

if TYPE_CHECKING:
    from data_access.reader import Reader
    from data_access.scope import Scope

F = TypeVar("F")  # what load() returns: the frames a section reads
P = TypeVar("P")  # what prepare() returns: the shaped data the figure, table and takeaway use


@dataclass(frozen=True)
class View:
    """A section computed for one context: what a page lays out and a slide shows."""

    id: str
    title: str
    takeaway: str  # the one-line answer; when ``empty``, the sentence that says why there is nothing
    empty: bool
    figure: go.Figure | None = None
    table: pd.DataFrame | None = None  # formatted for reading (the pack's table, the page's plain table)
    data: pd.DataFrame | None = None  # the figures behind it, for CSV / XLSX export
    prepared: Any = None  # the shaped data, for what only a page draws (cards, the interactive map)
    page: str = ""  # the page that lays it out (the section's own): keys of its widgets
    metrics: tuple[str, ...] = ()  # the registry metrics it shows (components/metrics.py): ⓘ and the pack's definitions
    events: pd.DataFrame | None = None  # a time series: the events of its span and scope (get_events), marked on the figure
    notes: pd.DataFrame | None = None  # the leaders' notes on this view (get_notes of its section), newest first
    remarks: tuple[str, ...] = ()  # the notes as lines ("备注 · 作者 · 日期：…"): under the page's chart and on the slide

    def slide(self) -> Slide:
        """The pack's slide for this view."""
        notes = "\n".join(self.remarks)
        if self.empty:
            return Slide(self.title, self.takeaway, None, notes=notes)
        return Slide(self.title, self.takeaway, self.figure, self.table, notes=notes)


def remark(note: Any, lang: str) -> str:
    """One note as a line: "备注（exec@example.com，2025年9月30日）：河南三季度退费偏高…"
    (plain text: the page escapes it, the pack draws it as typed)."""
    from components.i18n import format_date

    when = format_date(pd.Timestamp(note.created_at).date().isoformat(), lang)
    return t("notes.line", lang, who=str(note.created_by), when=when, body=str(note.body))


REGISTERED: list[type[Section]] = []  # every section class, in definition order (Section.__init_subclass__)


class Section(ABC, Generic[F, P]):
    """One view, defined once. Subclasses set the class attributes and the four steps."""

    id: ClassVar[str]
    page: ClassVar[str]  # the page that lays it out (overview, coverage, investment, funnels)
    title_key: ClassVar[str]  # catalogue key of the title (both languages; a test checks)
    takeaway_key: ClassVar[str]  # catalogue key of the takeaway sentence
    empty_key: ClassVar[str]  # catalogue key of the sentence shown when there is nothing to show
    options: ClassVar[tuple[str, ...]] = ("",)
    id_of_option: ClassVar[Mapping[str, str]] = {}  # registry ids of the non-default variants
    in_pack: ClassVar[bool] = False  # the default variant is on a pack when no sections are chosen
    # The registry metrics (components/metrics.py) the view shows, and those its takeaway quotes
    # (their formatted values appear in it: tests/components/test_metric_surfaces.py checks them).
    metric_ids: ClassVar[tuple[str, ...]] = ()
    takeaway_ids: ClassVar[tuple[str, ...]] = ()
    # A time series ("month": a date axis; "year": a year axis): its figure marks the events of its
    # span and scope (components/charts/events.py), on the page and the pack alike.
    timeline: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """A class that sets its own ``id`` is a section: it registers itself, in definition order
        (components/sections/__init__.py imports the topic modules in pack order)."""
        super().__init_subclass__(**kwargs)
        if "id" in cls.__dict__:
            REGISTERED.append(cls)

    @classmethod
    def registered_variants(cls) -> list[Section]:
        """The registry's instances of this class: the default option and every option with an id of its own."""
        return [cls(option) for option in cls.options if option == cls.options[0] or option in cls.id_of_option]

    def __init__(self, option: str | None = None) -> None:
        self.option = self.options[0] if option is None else option
        if self.option not in self.options:
            raise ValueError(f"{type(self).__name__}: option {self.option!r} not in {self.options}")

    @property
    def key(self) -> str:
        """The registry id of this variant."""
        return self.id_of_option.get(self.option, self.id)

    def variant(self, option: str) -> Section[F, P]:
        """The same section with another option (a page's widget picks it)."""
        return type(self)(option)

    # --- the four steps ---------------------------------------------------------------------
    @abstractmethod
    def load(self, db: Reader, c: Context) -> F:
        """Read the scoped queries this view needs."""

    @abstractmethod
    def prepare(self, frames: F, c: Context) -> P:
        """Shape the frames (pure: no database, no streamlit)."""

    @abstractmethod
    def is_empty(self, p: P) -> bool:
        """True when there is nothing to show for this scope."""

    @abstractmethod
    def takeaway(self, p: P, c: Context) -> str:
        """The one-line answer, from the prepared data."""

    def title(self, c: Context) -> str:
        return t(self.title_key, c.lang)

    def empty_text(self, c: Context) -> str:
        return t(self.empty_key, c.lang)

    def figure(self, p: P, c: Context, title: str) -> go.Figure | None:
        return None

    def table(self, p: P, c: Context) -> pd.DataFrame | None:
        return None

    def data(self, p: P, c: Context) -> pd.DataFrame | None:
        return None

    # --- together ----------------------------------------------------------------------------
    def view_of(self, frames: F, c: Context, events: pd.DataFrame | None = None, notes: pd.DataFrame | None = None) -> View:
        """The view from already-read frames (tests feed literal frames here); a time series marks
        ``events`` (get_events of its span) on its figure; ``notes`` (get_notes of the scope) are
        those of every section: the view keeps its own."""
        p = self.prepare(frames, c)
        title = self.title(c)
        mine = None if notes is None else notes[notes["section"] == self.key].reset_index(drop=True)
        remarks = () if mine is None else tuple(remark(r, c.lang) for r in mine.itertuples(index=False))
        if self.is_empty(p):
            return View(
                self.key, title, self.empty_text(c), True, prepared=p, page=self.page, metrics=self.shows(), notes=mine, remarks=remarks
            )
        figure = self.figure(p, c, title)
        if figure is not None and events is not None and len(events):
            from components.charts.events import mark_months, mark_years

            figure = (mark_years if self.timeline == "year" else mark_months)(figure, events, lang=c.lang)
        return View(
            self.key,
            title,
            self.takeaway(p, c),
            False,
            figure=figure,
            table=self.table(p, c),
            data=self.data(p, c),
            prepared=p,
            page=self.page,
            metrics=self.shows(),
            events=events if self.timeline else None,
            notes=mine,
            remarks=remarks,
        )

    def timeline_scope(self, c: Context) -> Scope:
        """The scope of the time series' span (its events are those of this scope)."""
        return c.scope

    def shows(self) -> tuple[str, ...]:
        """The registry metrics this variant shows (a variant may show one metric of several)."""
        return self.metric_ids

    def view(self, db: Reader, c: Context) -> View:
        """Read, shape and draw this section for ``c`` (a time series with its events)."""
        events = db.get_events(scope=self.timeline_scope(c)) if self.timeline else None
        return self.view_of(self.load(db, c), c, events, db.get_notes(scope=c.scope))
