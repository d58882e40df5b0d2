"""The floor of the load benchmark: a database-free four-page Streamlit app (bench/load.py).

It has what every cockpit page has — the wide layout, a sidebar of filter widgets read from the
same URL parameters (province, period, channel, lang), top navigation between four pages, a
title and as many plotly charts, tables and metric cards per page as the cockpit page
(floor_common.SHAPE) — and nothing else: no database, no cache, no map, no export menu. Its
time to a settled page under N concurrent sessions is what Streamlit, plotly and the browser cost
on this machine; bench/load.py runs the cockpit the same way beside it.

Run: python -m streamlit run bench/floor_app/app.py --server.headless true
(the page files live in views/, not pages/, so Streamlit's legacy pages/ mode never applies).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

HERE = Path(__file__).resolve().parent
PROVINCES = {
    "110000": ("北京市", "Beijing"),
    "310000": ("上海市", "Shanghai"),
    "410000": ("河南省", "Henan"),
    "420000": ("湖北省", "Hubei"),
    "440000": ("广东省", "Guangdong"),
    "510000": ("四川省", "Sichuan"),
}
PERIODS = ["2026", "2026Q4", "2026Q3", "2026Q2", "2026Q1", "2025", "2025Q4", "2025Q3", "2025Q2", "2025Q1"]
CHANNELS = ("campus", "enterprise", "government", "online", "branch")

st.set_page_config(page_title="Load floor", layout="wide")

# The URL is read on every run (there is no other state to keep): the same parameters as the cockpit.
qp = st.query_params
lang = qp.get("lang") if qp.get("lang") in ("zh", "en") else "zh"
provinces = [p for p in qp.get_all("province") if p in PROVINCES]
raw_period = qp.get("period")
period: str = raw_period if raw_period is not None and raw_period in PERIODS else PERIODS[0]
channels = [c for c in qp.get_all("channel") if c in CHANNELS]

sb = st.sidebar
sb.segmented_control("语言 / Language", ["zh", "en"], default=lang, key="w_lang", required=True)
sb.multiselect(
    "省份" if lang == "zh" else "Provinces",
    list(PROVINCES),
    default=provinces,
    key="w_province",
    format_func=lambda c: PROVINCES[c][0 if lang == "zh" else 1],
)
sb.selectbox("时段" if lang == "zh" else "Period", PERIODS, index=PERIODS.index(period), key="w_period")
sb.pills("渠道" if lang == "zh" else "Channels", CHANNELS, selection_mode="multi", default=channels, key="w_channel")
sb.caption("数据截至 2026-10-31" if lang == "zh" else "Data as of 31 Oct 2026")

st.session_state["floor_filters"] = {"lang": lang, "provinces": tuple(provinces), "period": period, "channels": tuple(channels)}
pages = [
    st.Page(HERE / "views" / "overview.py", title="总览" if lang == "zh" else "Overview", default=True),
    st.Page(HERE / "views" / "coverage.py", title="合作覆盖" if lang == "zh" else "Coverage", url_path="coverage"),
    st.Page(HERE / "views" / "investment.py", title="项目投入" if lang == "zh" else "Investment", url_path="investment"),
    st.Page(HERE / "views" / "funnels.py", title="招生漏斗" if lang == "zh" else "Funnels", url_path="funnels"),
]
st.navigation(pages, position="top").run()
