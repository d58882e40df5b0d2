"""Small in-memory frames and the page body shared by the floor's four pages."""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd
import plotly.express as px
import streamlit as st

MONTHS = pd.date_range("2025-01-01", periods=22, freq="MS")
CATEGORIES = ("campus", "enterprise", "government", "online", "branch")


def filters() -> dict:
    return st.session_state["floor_filters"]


def rng(page: str) -> np.random.Generator:
    """Deterministic numbers per page and filters (a different view draws different data)."""
    f = filters()
    key = f"{page}|{f['provinces']}|{f['period']}|{f['channels']}".encode()
    return np.random.default_rng(zlib.crc32(key))


# What each cockpit page draws, national, by default (counted in Chromium on 2026-12-04: plotly
# charts, tables, metric cards): the floor draws as many of each, so the comparison is with what
# Streamlit, plotly and the browser cost for a page of that size (issue 24's definition).
SHAPE = {"overview": (4, 2, 15), "coverage": (4, 3, 0), "investment": (3, 1, 5), "funnels": (8, 1, 0)}


def render(page: str, title: str) -> None:
    f = filters()
    r = rng(page)
    charts, tables, cards = SHAPE[page]
    st.title(title)
    scope = ", ".join(f["provinces"]) or ("全国" if f["lang"] == "zh" else "National")
    st.caption(f"{scope} · {f['period']} · {', '.join(f['channels']) or 'all channels'}")
    if cards:
        for i, col in enumerate(st.columns(5) * (cards // 5 + 1)):
            if i < cards:
                col.metric(f"metric {i + 1}", f"{r.integers(100, 90_000):,}", f"{r.normal(0, 8):+.1f}%")
    monthly = pd.DataFrame(
        {
            "month": np.tile(MONTHS, 3),
            "series": np.repeat(["a", "b", "c"], len(MONTHS)),
            "value": r.gamma(4.0, 250.0, 3 * len(MONTHS)).round(),
        }
    )
    for i in range(charts):
        bars = pd.DataFrame({"category": CATEGORIES, "value": r.integers(50, 2000, len(CATEGORIES))})
        with st.columns(2)[i % 2]:
            if i % 2 == 0:
                st.plotly_chart(px.line(monthly, x="month", y="value", color="series", title=f"{title} — trend {i + 1}"), key=f"{page}_{i}")
            else:
                st.plotly_chart(px.bar(bars, x="category", y="value", title=f"{title} — by category {i + 1}"), key=f"{page}_{i}")
    for i in range(tables):
        rows = pd.DataFrame({"name": [f"row {k}" for k in range(40)], "value": r.integers(0, 10_000, 40), "share": r.random(40).round(3)})
        st.dataframe(rows, key=f"{page}_table_{i}", height=300)
