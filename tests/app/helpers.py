"""Expected values for app tests, computed through the query layer (never copied from output)."""

from __future__ import annotations

import datetime as dt
import re

from components.context import Catalogue, context_from_params, read_catalogue
from data_access import codes, config
from data_access.scope import Scope


def catalogue(url: str) -> Catalogue:
    """The catalogue as the app reads it (components.context: the one place a context is built)."""
    with config.make_engine(url).connect() as conn:
        return read_catalogue(conn)


def as_of(url: str) -> dt.date:
    return catalogue(url).as_of


def all_provinces(url: str) -> tuple[str, ...]:
    return catalogue(url).provinces


def default_scope(url: str, provinces=None, **slices) -> Scope:
    """The scope the app builds for the default period (the latest year, to the data-as-of date)."""
    cat = catalogue(url)
    ctx, _ = context_from_params(cat, {}, cat.provinces)  # the default view: its period
    provinces = tuple(provinces) if provinces is not None else cat.provinces
    return Scope(provinces, ctx.scope.start, ctx.scope.end, plan_end=ctx.scope.plan_end, **slices)


def run_query(url: str, fn, scope: Scope, **kwargs):
    with config.make_engine(url).connect() as conn:
        return fn(conn, scope=scope, **kwargs)


SCHOOL_KINDS = codes.SCHOOL_KINDS


def open_directly(at, path: str):
    """Run ``at`` on the page at ``path`` straight away, as a deep link opens it: that page's first
    run sees the URL's values. (Opening the Overview first would drop bad values and rewrite the
    URL before the page under test ever ran.) Before the first run AppTest finds a page by its file
    name, which is each page's url path in app.py; the Overview is the default page, "/"."""
    if path != "pages/overview.py":
        at.switch_page(path)
    return at.run()


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
