"""合作覆盖 Coverage: where partners are, where leads come from, and where leads have no partner."""

import pandas as pd
import streamlit as st

from components.charts.coverage import plot_province_bars
from components.context import page_header
from components.export_ui import export_menu
from components.filter_bar import request_provinces
from components.i18n import format_date, format_number, format_percent, label, t
from components.maps import Metric, coverage_deck, coverage_legend, coverage_static_figure, province_colors, province_from_selection
from components.palette import KIND_COLORS
from data_access import queries as q
from data_access.cache import query

ctx = page_header("coverage")
lang, scope = ctx.lang, ctx.scope
name_col = "name_zh" if lang == "zh" else "name_en"

with st.spinner(t("common.loading", lang)):
    provinces = query(q.get_coverage_by_province, scope)
    points = query(q.get_partner_points, scope)

metrics: list[Metric] = ["partners", "per_10k_leads"]
metric = st.segmented_control(t("coverage.metric", lang), metrics, key="coverage_metric",
                              format_func=lambda m: t(f"map.metric.{m}", lang), default="partners", required=True)
provinces["per_10k_leads"] = provinces["partners"] / provinces["leads"].where(provinces["leads"] > 0) * 10_000

if provinces["partners"].sum() == 0 and provinces["leads"].sum() == 0:
    st.info(t("coverage.empty", lang), icon=":material/location_off:")
    st.stop()

map_col, bar_col = st.columns([3, 2])
with map_col:
    chips = " ".join(f"<span style='color:{KIND_COLORS[k]}'>●</span> {label('kind', k, lang)}" for k in KIND_COLORS)
    st.markdown(chips, unsafe_allow_html=True)
    deck = coverage_deck(provinces, points, metric=metric, lang=lang,
                         selected=scope.provinces if set(scope.provinces) != set(ctx.allowed) else ())
    # A new key per scope: Streamlit keeps a map selection (and fades everything else) until the
    # widget is replaced, and a click has just narrowed the scope.
    event = st.pydeck_chart(deck, height=560, on_select="rerun", selection_mode="single-object",
                            key=f"coverage_map_{'_'.join(scope.provinces)[:60]}_{len(scope.provinces)}")
    legend = coverage_legend(provinces, metric=metric, lang=lang)
    st.markdown(f"<small>{t(f'map.metric.{metric}', lang)}{'：' if lang == 'zh' else ':'}</small> " + " ".join(
        f"<span style='color:{c}'>■</span> <small>{text}</small>" for c, text in legend), unsafe_allow_html=True)
    st.caption(t("coverage.map_note", lang))
    map_title = t("coverage.map_title", lang, metric=t(f"map.metric.{metric}", lang))
    export_menu(ctx, page="coverage", name=map_title, title=map_title, key="export_map",
                figure=lambda: coverage_static_figure(provinces, metric=metric, lang=lang, title=map_title,
                                                      caption=t("app.data_as_of", lang, date=format_date(ctx.as_of, lang))),
                data=provinces.drop(columns=["lon", "lat"]))
    clicked = province_from_selection(event)
    if clicked and clicked in ctx.allowed and scope.provinces != (clicked,):
        request_provinces([clicked])
        st.rerun()

with bar_col:
    fig = plot_province_bars(provinces, metric=metric, lang=lang,
                             colors=province_colors(provinces, metric=metric, lang=lang),
                             title=t("coverage.bar_title", lang, metric=t(f"map.metric.{metric}", lang)))
    bar_event = st.plotly_chart(fig, key="coverage_bar", on_select="rerun", selection_mode="points")
    export_menu(ctx, page="coverage", name=fig.layout.title.text, title=fig.layout.title.text, figure=fig,
                data=provinces[["province_code", "name_zh", "name_en", "partners", "leads", "per_10k_leads"]], key="export_bars")
    customdata = [pt.get("customdata") for pt in (bar_event.selection.points if bar_event else [])]
    picked = [p for p in customdata if isinstance(p, str) and p in ctx.allowed]
    if picked and scope.provinces != tuple(picked[:1]):
        request_provinces(picked[:1])
        st.rerun()
if set(scope.provinces) != set(ctx.allowed):
    st.button(t("coverage.show_all", lang), icon=":material/public:", on_click=request_provinces, args=(ctx.allowed,))

st.subheader(t("coverage.section_gaps", lang))
st.markdown(t("coverage.gaps_intro", lang))
with st.spinner(t("common.loading", lang)):
    cities = query(q.get_coverage_by_city, scope)
    gaps = query(q.get_coverage_gaps, scope, limit=300)
if cities.empty:
    st.info(t("coverage.no_leads", lang))
    st.stop()
summary = []
for tier in ("capital", "prefecture", "county"):
    c = cities[cities["tier"] == tier]
    gap = c[(c["partners"] == 0) & (c["leads"] > 0)]
    summary.append({
        t("coverage.col_tier", lang): label("tier", tier, lang),
        t("coverage.col_places_with_leads", lang): format_number((c["leads"] > 0).sum(), lang),
        t("coverage.col_places_with_partners", lang): format_number((c["partners"] > 0).sum(), lang),
        t("coverage.col_gap_places", lang): format_number(len(gap), lang),
        t("coverage.col_gap_leads_share", lang): format_percent(gap["leads"].sum() / c["leads"].sum(), lang) if c["leads"].sum() else "—",
    })
st.dataframe(pd.DataFrame(summary), hide_index=True, width="stretch")
if gaps.empty:
    st.success(t("coverage.no_gaps", lang))
else:
    st.dataframe(pd.DataFrame({
        t("coverage.col_place", lang): gaps[name_col],
        t("coverage.col_province", lang): gaps["province_name_zh" if lang == "zh" else "province_name_en"],
        t("coverage.col_tier", lang): [label("tier", x, lang) for x in gaps["tier"]],
        t("coverage.col_leads", lang): gaps["leads"],
    }), hide_index=True, width="stretch", height=360,
        column_config={t("coverage.col_leads", lang): st.column_config.ProgressColumn(
            t("coverage.col_leads", lang), format="%d", min_value=0, max_value=int(gaps["leads"].max()))})
    st.caption(t("coverage.gaps_note", lang, n=format_number(len(gaps), lang)))
    export_menu(ctx, page="coverage", name=t("coverage.section_gaps", lang), title=t("coverage.section_gaps", lang),
                figure=None, data=gaps.drop(columns=["lon", "lat"]), key="export_gaps")
