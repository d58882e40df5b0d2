"""合作覆盖 Coverage: where partners are, where leads come from, and where leads have no partner."""

import streamlit as st

from components.charts.maps import Metric, city_deck, city_legend, coverage_deck, coverage_legend, province_from_selection
from components.charts.palette import KIND_COLORS
from components.export.tables import clean_frame
from components.i18n import format_date, label, t, tn
from components.sections import SECTIONS
from components.ui import webgl
from components.ui.context import page_header
from components.ui.exports import export_view
from components.ui.filter_bar import request_provinces
from components.ui.sections import CHART_CONFIG, column_help, show, takeaway, view
from data_access.untrusted import html, md

GAP_ROWS = 200  # cities with leads and no partner listed on the page (all of them in the export)

ctx = page_header("coverage")
lang, scope = ctx.lang, ctx.scope

metrics: list[Metric] = ["partners", "per_10k_leads"]
metric = st.segmented_control(
    t("coverage.metric", lang),
    metrics,
    key="coverage_metric",
    format_func=lambda m: t(f"map.metric.{m}", lang),
    default="partners",
    required=True,
)
# The interactive map (pydeck, WebGL) or the export's static figure: where WebGL is drawn in software
# (no GPU, a remote desktop) the interactive map takes seconds per frame; the choice is kept per session.
# A browser that draws WebGL in software gets the static map until its user picks the interactive one
# (components/ui/webgl.py: known from the browser's cookie, or asked once by a probe mounted here).
with st.sidebar:
    software_webgl = webgl.software()
auto_static = software_webgl and not st.session_state.get("coverage_map_style_chosen")
# The widget's value lives in session state only (no default= beside it: Streamlit warns of both).
st.session_state.setdefault("coverage_map_style", "interactive")
if auto_static:
    st.session_state["coverage_map_style"] = "static"
static = (
    st.segmented_control(
        t("coverage.map_style", lang),
        ["interactive", "static"],
        key="coverage_map_style",
        format_func=lambda s: t(f"coverage.map_style.{s}", lang),
        required=True,
        help=t("coverage.map_style_help", lang),
        on_change=lambda: st.session_state.update(coverage_map_style_chosen=True),
    )
    == "static"
)
coverage_map = view(ctx, SECTIONS["coverage_map"].variant(metric))
if coverage_map.empty:
    st.info(md(coverage_map.takeaway), icon=":material/location_off:")
    st.stop()
takeaway(coverage_map, lang)

map_col, bar_col = st.columns([3, 2])
# One province in scope (chosen in the filter bar, or by a click on this map or the bars): the map
# shows its cities instead of the country (city_map is empty otherwise, and says how to get there).
city_map = view(ctx, SECTIONS["city_map"].variant(metric))
with map_col:
    provinces, points = coverage_map.prepared.provinces, coverage_map.prepared.points
    # HTML of our own: every text in it is escaped (the colours are our palette's hex codes).
    if not static:  # the partner dots' colours: only the interactive maps draw the dots
        chips = " ".join(f"<span style='color:{html(KIND_COLORS[k])}'>●</span> {html(label('kind', k, lang))}" for k in KIND_COLORS)
        st.markdown(chips, unsafe_allow_html=True)
    event = None
    if static:  # the export's figure: drawn as SVG by plotly, no WebGL (a laptop without a GPU, a remote desktop)
        shown = coverage_map if city_map.empty else city_map
        if not city_map.empty:
            st.markdown(f"**{md(city_map.title)}**")
            takeaway(city_map, lang)
        st.plotly_chart(shown.figure, key=f"static_{shown.id}", config=CHART_CONFIG)
        legend = []  # the figure carries its own
    elif city_map.empty:
        deck = coverage_deck(
            provinces, points, metric=metric, lang=lang, selected=scope.provinces if set(scope.provinces) != set(ctx.allowed) else ()
        )
        # A new key per scope: Streamlit keeps a map selection (and fades everything else) until the
        # widget is replaced, and a click has just narrowed the scope.
        event = st.pydeck_chart(
            deck,
            height=560,
            on_select="rerun",
            selection_mode="single-object",
            key=f"coverage_map_{'_'.join(scope.provinces)[:60]}_{len(scope.provinces)}",
        )
        legend = coverage_legend(provinces, metric=metric, lang=lang)
    else:
        cities, code = city_map.prepared.cities, city_map.prepared.province
        st.markdown(f"**{md(city_map.title)}**")
        takeaway(city_map, lang)
        st.pydeck_chart(
            city_deck(cities, city_map.prepared.points, province_code=code, metric=metric, lang=lang), height=560, key=f"city_map_{code}"
        )
        legend = city_legend(cities, province_code=code, metric=metric, lang=lang)
    if legend:
        st.markdown(
            f"<small>{html(t(f'map.metric.{metric}', lang))}{'：' if lang == 'zh' else ':'}</small> "
            + " ".join(f"<span style='color:{html(c)}'>■</span> <small>{html(text)}</small>" for c, text in legend),
            unsafe_allow_html=True,
        )
    st.caption(t("coverage.static_auto" if auto_static else "coverage.static_note" if static else "coverage.map_note", lang))
    if city_map.empty:
        st.caption(md(city_map.takeaway))  # how to see a province's cities
        export_view(ctx, coverage_map, key="export_map")
    else:
        st.caption(t("coverage.city_map_note", lang))
        export_view(ctx, city_map, key="export_city_map")
    clicked = province_from_selection(event)
    if clicked and clicked in ctx.allowed and scope.provinces != (clicked,):
        request_provinces([clicked])
        st.rerun()

with bar_col:
    bars = view(ctx, SECTIONS["coverage_per_lead"].variant(metric))
    takeaway(bars, lang)
    if not city_map.empty:  # one province: its cities ranked, not a chart of one bar
        cities = clean_frame(city_map.table)
        st.markdown(f"**{md(t('coverage.city_rank_title', lang, province=ctx.name(city_map.prepared.province)))}**")
        st.dataframe(cities, hide_index=True, width="stretch", height=520, column_config=column_help(cities, lang))
    elif not bars.empty and bars.figure is not None:
        bar_event = st.plotly_chart(bars.figure, key="coverage_bar", on_select="rerun", selection_mode="points")
        export_view(ctx, bars, key="export_bars")
        customdata = [pt.get("customdata") for pt in (bar_event.selection.points if bar_event else [])]
        picked = [p for p in customdata if isinstance(p, str) and p in ctx.allowed]
        if picked and scope.provinces != tuple(picked[:1]):
            request_provinces(picked[:1])
            st.rerun()
if set(scope.provinces) != set(ctx.allowed):
    st.button(t("coverage.show_all", lang), icon=":material/public:", on_click=request_provinces, args=(ctx.allowed,))

new_partners = view(ctx, "new_partners")
st.subheader(md(new_partners.title))
show(ctx, new_partners)

# Agreements coming due: the pack's 6 months by default, 3 or 12 at a click (the same section). Its
# heading names the months chosen, so it is written into a slot above the widget once they are known.
due_heading = st.container()
months = st.segmented_control(
    t("agreements.horizon", lang),
    ["3", "6", "12"],
    key="coverage_agreements_months",
    format_func=lambda m: tn("agreements.months", int(m), lang),
    default=SECTIONS["agreements_due"].option,
    required=True,
)
due = view(ctx, SECTIONS["agreements_due"].variant(months))
due_heading.subheader(md(due.title))
show(ctx, due, table_height=360 if len(due.prepared.rows) > 10 else None)
if not due.empty:
    st.caption(t("agreements.note", lang, date=format_date(due.prepared.as_of, lang)))

st.subheader(t("coverage.section_gaps", lang))
st.markdown(t("coverage.gaps_intro", lang))
left, right = st.columns([3, 2])
with left:
    tiers = view(ctx, "coverage_tiers")
    show(ctx, tiers)
with right:
    show(ctx, view(ctx, "tier_shares"))
if tiers.empty:
    st.stop()
gaps = view(ctx, "coverage_gaps")
takeaway(gaps, lang)
if not gaps.empty:
    g = gaps.prepared
    # The first GAP_ROWS by leads (the national view has ~1,750: 110 KB sent on every run that nobody
    # scrolls through); the export holds every one, and the caption says how many there are.
    top = g.head(GAP_ROWS)
    st.dataframe(
        clean_frame(top[["place", "province", "tier", "leads"]].assign(tier=[label("tier", x, lang) for x in top["tier"]])),
        hide_index=True,
        width="stretch",
        height=360,
        column_config={
            "place": st.column_config.TextColumn(t("coverage.col_place", lang)),
            "province": st.column_config.TextColumn(t("coverage.col_province", lang)),
            "tier": st.column_config.TextColumn(t("coverage.col_tier", lang)),
            "leads": st.column_config.ProgressColumn(
                t("coverage.col_leads", lang), format="%d", min_value=0, max_value=int(g["leads"].max())
            ),
        },
    )
    # the takeaway above gives the exact count
    if len(g) <= GAP_ROWS:
        st.caption(t("coverage.gaps_note", lang))
    else:
        st.caption(md(tn("coverage.gaps_note_top", len(g), lang, shown=GAP_ROWS)))
    export_view(ctx, gaps, key="export_gaps")
