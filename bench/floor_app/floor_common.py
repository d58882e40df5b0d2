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


def render(page: str, title: str) -> None:
    f = filters()
    r = rng(page)
    st.title(title)
    scope = ", ".join(f["provinces"]) or ("全国" if f["lang"] == "zh" else "National")
    st.caption(f"{scope} · {f['period']} · {', '.join(f['channels']) or 'all channels'}")
    monthly = pd.DataFrame(
        {
            "month": np.tile(MONTHS, 3),
            "series": np.repeat(["a", "b", "c"], len(MONTHS)),
            "value": r.gamma(4.0, 250.0, 3 * len(MONTHS)).round(),
        }
    )
    bars = pd.DataFrame({"category": CATEGORIES, "value": r.integers(50, 2000, len(CATEGORIES))})
    left, right = st.columns(2)
    with left:
        st.plotly_chart(px.line(monthly, x="month", y="value", color="series", title=f"{title} — trend"), key=f"{page}_line")
    with right:
        st.plotly_chart(px.bar(bars, x="category", y="value", title=f"{title} — by category"), key=f"{page}_bar")
