"""总览 Overview: how the division is doing against its targets, and what changed most."""

import pandas as pd
import streamlit as st

from components.charts.overview import plot_movers
from components.context import page_header
from components.export_ui import export_menu
from components.i18n import format_number, format_percent, t
from components.kpi import card_from, render_cards
from data_access import queries as q
from data_access.cache import query

ctx = page_header("overview")
lang, scope = ctx.lang, ctx.scope

with st.spinner(t("common.loading", lang)):
    kpis = query(q.get_kpis, scope)
    # One scan serves both the per-province movers and (summed) the cards' trend lines.
    now_by_prov = query(q.get_events_by_month, scope, by=("province",))
    before_by_prov = query(q.get_events_by_month, scope.year_earlier(), by=("province",))


def spark(stage: str) -> list[float]:
    """Monthly events of one stage, for the small trend line inside a card."""
    return now_by_prov[now_by_prov["stage"] == stage].groupby(["year", "month"])["events"].sum().tolist()


k = kpis.set_index("metric")
split = t("overview.partner_split", lang, g=format_number(k.loc["partners_G", "value"], lang),
          b=format_number(k.loc["partners_B", "value"], lang), s=format_number(k.loc["partners_S", "value"], lang))

st.subheader(t("overview.section_partners", lang))
render_cards([
    card_from(kpis, "partners", lang=lang, help=split),
    card_from(kpis, "partners_S", lang=lang), card_from(kpis, "partners_B", lang=lang), card_from(kpis, "partners_G", lang=lang),
    card_from(kpis, "schools", lang=lang, help=t("overview.schools_help", lang)),
    card_from(kpis, "active_projects", lang=lang),
], lang=lang)

st.subheader(t("overview.section_money", lang))
planned, disbursed = k.loc["planned_yuan", "value"], k.loc["disbursed_yuan", "value"]
execution = pd.DataFrame([{"metric": "execution", "value": disbursed / planned if planned else 0.0,
                           "previous": (k.loc["disbursed_yuan", "previous"] / k.loc["planned_yuan", "previous"])
                           if k.loc["planned_yuan", "previous"] else 0.0, "target": float("nan")}])
render_cards([
    card_from(kpis, "planned_yuan", lang=lang, kind="money"),
    card_from(kpis, "committed_yuan", lang=lang, kind="money", help=t("overview.committed_help", lang)),
    card_from(kpis, "disbursed_yuan", lang=lang, kind="money"),
    card_from(execution, "execution", lang=lang, kind="percent", label=t("metric.execution", lang),
              help=t("overview.execution_help", lang)),
], lang=lang)

st.subheader(t("overview.section_funnel", lang))
leads, refunded = k.loc["leads", "value"], k.loc["refunded", "value"]
enrolled = k.loc["enrolled", "value"]
render_cards([
    card_from(kpis, "leads", lang=lang, chart=spark("lead")),
    card_from(kpis, "enrolled", lang=lang, chart=spark("enrolled")),
    card_from(kpis, "certified", lang=lang, chart=spark("certified")),
    card_from(kpis, "employed", lang=lang, chart=spark("employed")),
    card_from(kpis, "refunded", lang=lang, inverse=True, chart=spark("refunded"),
              help=t("overview.refund_help", lang, rate=format_percent(refunded / enrolled, lang) if enrolled else "—")),
], lang=lang)

export_menu(ctx, page="overview", name=t("brief.kpis", lang), title=t("brief.kpis", lang), figure=None,
            data=kpis, key="export_kpis")

st.subheader(t("overview.section_changes", lang))
st.caption(t("overview.changes_intro", lang))


def movers(stage: str) -> pd.DataFrame:
    """Per province: events of ``stage`` now and a year earlier, and the change."""
    now = now_by_prov[now_by_prov["stage"] == stage].groupby("province")["events"].sum()
    before = before_by_prov[before_by_prov["stage"] == stage].groupby("province")["events"].sum()
    d = pd.DataFrame({"now": now, "before": before}).fillna(0)
    d["change"] = d["now"] - d["before"]
    d["label"] = [ctx.province_name(p) for p in d.index]
    return d[d["change"] != 0].reindex(d["change"].abs().sort_values(ascending=False).index).head(8)


left, right = st.columns(2)
for col, stage in ((left, "lead"), (right, "enrolled")):
    with col:
        d = movers(stage)
        if d.empty:
            st.info(t("empty.no_change", lang))
            continue
        top = d.iloc[0]
        st.markdown(t("overview.top_mover", lang, name=top["label"], stage=t(f"metric.{'leads' if stage == 'lead' else stage}", lang),
                      change=format_number(top["change"], lang) if top["change"] < 0 else "+" + format_number(top["change"], lang)))
        title = t(f"overview.movers_{stage}", lang)
        fig = plot_movers(d, title=title, lang=lang)
        st.plotly_chart(fig, key=f"overview_movers_{stage}")
        export_menu(ctx, page="overview", name=title, title=title, figure=fig,
                    data=d.reset_index(names="province_code")[["province_code", "label", "before", "now", "change"]],
                    key=f"export_movers_{stage}")
