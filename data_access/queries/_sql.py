"""Small portable SQL pieces shared by the query modules (no user input is ever formatted in)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from data_access import codes, schema
from data_access.scope import Scope

p, c, prov = schema.partner, schema.city, schema.province


class days_between(FunctionElement):
    """Whole days from ``start`` to ``end`` (end - start), compiled per dialect."""

    type = sa.Integer()
    inherit_cache = True
    name = "days_between"


@compiles(days_between)
def _days_default(element, compiler, **kw):  # PostgreSQL: date - date is an integer
    end, start = list(element.clauses)
    return f"({compiler.process(end, **kw)} - {compiler.process(start, **kw)})"


@compiles(days_between, "sqlite")
def _days_sqlite(element, compiler, **kw):
    end, start = list(element.clauses)
    return f"CAST(julianday({compiler.process(end, **kw)}) - julianday({compiler.process(start, **kw)}) AS INTEGER)"


@compiles(days_between, "mysql")
@compiles(days_between, "mariadb")
def _days_mysql(element, compiler, **kw):
    end, start = list(element.clauses)
    return f"DATEDIFF({compiler.process(end, **kw)}, {compiler.process(start, **kw)})"


def year_of(col) -> sa.ColumnElement:
    """The calendar year of a DATE column, as an integer, on every dialect."""
    return sa.cast(sa.extract("year", col), sa.Integer)


def month_of(col) -> sa.ColumnElement:
    """The month (1-12) of a DATE column, as an integer, on every dialect."""
    return sa.cast(sa.extract("month", col), sa.Integer)


def end_of_kind() -> sa.ColumnElement:
    """G / B / S for partner.kind, in SQL (the mapping lives in codes.END_OF_KIND)."""
    return sa.case({k: e for k, e in codes.END_OF_KIND.items()}, value=p.c.kind, else_="?")


def count_if(condition) -> sa.ColumnElement:
    """COUNT of rows where ``condition`` holds, portable (SUM of a CASE)."""
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def sum_if(condition, value) -> sa.ColumnElement:
    """SUM of ``value`` over rows where ``condition`` holds, 0 when none."""
    return sa.func.coalesce(sa.func.sum(sa.case((condition, value), else_=0)), 0)


def partners_in_scope(scope: Scope) -> list[sa.ColumnElement]:
    """Conditions for partners a scope sees: its provinces, kinds and tiers, signed before its end.

    The query must join ``city`` on ``partner.city_code``.
    """
    return [
        c.c.province_code.in_(scope.provinces),
        c.c.tier.in_(scope.tiers),
        p.c.kind.in_(scope.kinds),
        p.c.since < scope.end,
        p.c.status != "ended",
    ]


def frame(conn: Connection, stmt, columns: Sequence[str]) -> pd.DataFrame:
    """Run ``stmt`` and return its rows with exactly ``columns`` (also when there are none)."""
    rows = conn.execute(stmt).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=list(columns))


def to_int(df: pd.DataFrame, cols: Sequence[str]) -> pd.DataFrame:
    """Counts come back as int, Decimal or None depending on the dialect: make them int64."""
    for col in cols:
        df[col] = pd.to_numeric(df[col], errors="coerce").fillna(0).astype("int64")
    return df


def fen_to_yuan(df: pd.DataFrame, cols: Sequence[str]) -> pd.DataFrame:
    """Rename ``x_fen`` sums to ``x_yuan`` floats (exact sums were made in SQL, in fen)."""
    for col in cols:
        df[col.replace("_fen", "_yuan")] = pd.to_numeric(df[col], errors="coerce").fillna(0).astype("float64") / 100
    return df.drop(columns=list(cols))


def as_date(value) -> dt.date | None:
    """A DATE read back from any dialect as a date (SQLite returns MIN()/MAX() of a DATE as text)."""
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


# --- Months as integers (year * 100 + month), the grain of the summary tables.


def ym(day: dt.date) -> int:
    """202610 for any day of October 2026."""
    return day.year * 100 + day.month


def month_start(ym_: int) -> dt.date:
    """The first day of month ``ym_``."""
    return dt.date(ym_ // 100, ym_ % 100, 1)


def next_ym(ym_: int) -> int:
    """The month after ``ym_`` (202612 → 202701)."""
    return ym_ + 1 if ym_ % 100 < 12 else (ym_ // 100 + 1) * 100 + 1


HUNDRED = sa.literal_column("100", sa.Integer)  # inline, not a bound parameter: PostgreSQL must see the
# same GROUP BY expression as in the select list, and two bound parameters are two expressions to it.


def ym_of(col) -> sa.ColumnElement:
    """year * 100 + month of a DATE column, in SQL."""
    return year_of(col) * HUNDRED + month_of(col)


class ym_year(FunctionElement):
    """The year of a year-month integer column (integer division by 100 on every dialect)."""

    type = sa.Integer()
    inherit_cache = True
    name = "ym_year"


@compiles(ym_year)
def _ym_year_default(element, compiler, **kw):  # SQLite and PostgreSQL: integer / integer is integer
    return f"({compiler.process(list(element.clauses)[0], **kw)} / 100)"


@compiles(ym_year, "mysql")
@compiles(ym_year, "mariadb")
def _ym_year_mysql(element, compiler, **kw):  # MySQL's / gives a decimal
    return f"({compiler.process(list(element.clauses)[0], **kw)} DIV 100)"


def ym_month(col) -> sa.ColumnElement:
    """The month (1-12) of a year-month integer column."""
    return col % HUNDRED


class unindexed(FunctionElement):
    """``col`` that SQLite's planner will not drive a search by (its documented unary ``+``).

    For a condition that selects many rows while another, narrow one should pick the index: a
    10-month lead range next to a 12-day event range. PostgreSQL and MySQL weigh both by their
    statistics, so there it is the column itself."""

    inherit_cache = True
    name = "unindexed"

    def __init__(self, col):
        super().__init__(col)
        self.type = col.type


@compiles(unindexed)
def _unindexed_default(element, compiler, **kw):
    return compiler.process(list(element.clauses)[0], **kw)


@compiles(unindexed, "sqlite")
def _unindexed_sqlite(element, compiler, **kw):
    return f"+{compiler.process(list(element.clauses)[0], **kw)}"
