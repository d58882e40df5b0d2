"""项目投入 Investment: planned vs committed vs disbursed money, and which projects are at risk."""

import datetime as dt
from typing import Literal, TypedDict

import pandas as pd
import streamlit as st

from components import metrics
from components.charts.investment import plot_project_plan
from components.i18n import format_date, format_money, format_number, label, money_unit_scale, t
from components.kpi import render_cards
from components.sections.investment import STATUS_ORDER, paid_to_date_rate, project_life, risk_text
from components.ui.context import page_header
from components.ui.exports import export_menu
from components.ui.sections import show, takeaway, view
from data_access.cache import db
from data_access.untrusted import clean, md


class MoneyColumn(TypedDict):
    """What the three money columns share (typed, so that ``**money`` is checked against NumberColumn)."""

    format: str
    width: Literal["medium"]


class SelectboxStart(TypedDict, total=False):
    """The project picker's start: no ``index`` keeps its session-state value, ``index=None`` starts empty."""

    index: int | None


ALL_YEARS = (dt.date(2000, 1, 1), dt.date(2100, 1, 1))  # the project finder looks across every year

ctx = page_header("investment")
lang, scope = ctx.lang, ctx.scope
name_col = "name_zh" if lang == "zh" else "name_en"

summary = view(ctx, "investment_summary")
if summary.empty:
    st.info(md(summary.takeaway), icon=":material/savings:")
    st.stop()
takeaway(summary, lang)
render_cards(summary.prepared.cards, lang=lang, key="investment")
projects = summary.prepared.projects

st.subheader(t("investment.section_time", lang))
spend = view(ctx, "spend")
show(ctx, spend)
st.caption(t("investment.cumulative_note", lang))

left, right = st.columns(2)
with left:
    show(ctx, view(ctx, "sectors"))
with right:
    show(ctx, view(ctx, "investment_provinces"))

st.subheader(t("investment.section_portfolio", lang))
risk = view(ctx, "risk")
takeaway(risk, lang)
only_risk = st.toggle(t("investment.only_risk", lang), key="investment_only_risk")
table = (projects[projects["at_risk"]] if only_risk else projects).sort_values("planned_yuan", ascending=False, kind="stable")
div, unit = money_unit_scale(list(projects["committed_yuan"]), lang)
shown = pd.DataFrame(
    {
        # What a leader reads first — which project, why it is at risk, where it stands — comes first,
        # so that it needs no horizontal scrolling on a 1,440 px laptop; the money follows.
        "code": table["code"],
        "name": table[name_col].map(clean),  # a grid cell is drawn as typed, but bidi marks would still reorder it
        "risk": [
            f"⚠ {text}" if text else "" for text in map(risk_text, table["ahead_of_plan"], table["overdue_milestones"], [lang] * len(table))
        ],
        "status": [label("project_status", s, lang) for s in table["status"]],
        "sector": [label("sector", s, lang) for s in table["sector"]],
        "province": table["province_name_zh" if lang == "zh" else "province_name_en"].map(clean),
        "planned": table["planned_yuan"] / div,
        "committed": table["committed_yuan"] / div,
        "disbursed": table["disbursed_yuan"] / div,
        # The rate the "paid ahead of plan" flag is based on: paid to date ÷ planned to date (one decimal,
        # as every rate in the cockpit), not the period's rate a flag would seem to contradict.
        "to_date": paid_to_date_rate(table) * 100,
    }
)
money: MoneyColumn = {"format": "%,.1f" if div > 1 else "%,.0f", "width": "medium"}  # "small" cut the headers


def money_column(metric: str):  # noqa: ANN201 (a ColumnConfig)
    """A money column: the registry's label with the unit of its figures (本期计划投入（万元）), its
    definition on hover."""
    name = metrics.label(metric, lang)
    header = f"{name}（{unit}）" if lang == "zh" else f"{name} ({unit})"
    return st.column_config.NumberColumn(header, help=md(metrics.definition(metric, lang)), **money)


event = st.dataframe(
    shown,
    hide_index=True,
    width="stretch",
    height=420,
    key="investment_table",
    on_select="rerun",
    selection_mode="single-row",
    column_config={
        "code": st.column_config.TextColumn(t("investment.col_code", lang), width="small"),
        "name": st.column_config.TextColumn(t("investment.col_name", lang), width="large"),
        "sector": st.column_config.TextColumn(t("investment.col_sector", lang), width="small"),
        "province": st.column_config.TextColumn(t("investment.col_province", lang), width="small"),
        "planned": money_column("planned_yuan"),
        "committed": money_column("committed_yuan"),
        "disbursed": money_column("disbursed_yuan"),
        "to_date": st.column_config.ProgressColumn(
            t("investment.col_to_date", lang),
            format="%.1f%%",
            min_value=0.0,
            max_value=150.0,
            help=t("investment.to_date_help", lang),
            width="small",
        ),
        "status": st.column_config.TextColumn(t("investment.col_status", lang), width="small"),
        "risk": st.column_config.TextColumn(t("investment.col_risk", lang), help=t("investment.at_risk_help", lang), width="medium"),
    },
)
st.caption(t("investment.table_hint", lang))
export_menu(
    ctx,
    page="investment",
    name=t("investment.section_portfolio", lang),
    title=t("investment.section_portfolio", lang),
    figure=None,
    data=table.drop(columns=["partner_id", "project_id"]),
    key="export_portfolio",
    metrics=("planned_yuan", "committed_yuan", "disbursed_yuan"),
)

st.subheader(t("investment.section_detail", lang))
# Every project in the user's provinces, of any year and status: a flagship that ended last year
# or a suspended one is still found here, not only the period's projects.
every = db.get_investment_by_project(scope=scope.with_period(ALL_YEARS[0], ALL_YEARS[1]), as_of=ctx.as_of)
rows = event.selection.rows if event is not None else []
options = list(every.sort_values(["status", "code"], key=lambda col: col.map(STATUS_ORDER) if col.name == "status" else col)["project_id"])
# Option labels of a selectbox are plain text (not Markdown): clean, not escaped.
labels = {r.project_id: clean(f"{r.code} · {getattr(r, name_col)} · {label('project_status', r.status, lang)}") for r in every.itertuples()}
if rows:
    st.session_state["investment_project"] = int(table.iloc[rows[0]]["project_id"])
if st.session_state.get("investment_project") not in options:
    st.session_state.pop("investment_project", None)
initial: SelectboxStart = {} if "investment_project" in st.session_state else {"index": None}
pid = st.selectbox(
    t("investment.pick_project", lang),
    options,
    format_func=labels.__getitem__,
    key="investment_project",
    placeholder=t("investment.pick_placeholder", lang),
    help=t("investment.pick_help", lang),
    **initial,
)
if pid is None:
    st.info(t("investment.pick_hint", lang), icon=":material/touch_app:")
    st.stop()

detail = db.get_project_detail(scope=scope, project_id=int(pid))
p = every.set_index("project_id").loc[pid]
st.markdown(
    f"**{md(p[name_col])}** · {md(p['partner_name_zh' if lang == 'zh' else 'partner_name_en'])} · "
    f"{label('project_kind', p['kind'], lang)} · {label('sector', p['sector'], lang)} · "
    f"{format_date(p['start_on'], lang)} – {format_date(p['end_on'], lang)} · "
    f"{label('project_status', p['status'], lang)}"
)
life = project_life(p, detail.milestones, as_of=ctx.as_of, lang=lang)
render_cards(life.cards, lang=lang, key="project")
(st.success if life.on_track else st.warning)(md(life.verdict), icon=":material/flag:")
left, right = st.columns([3, 2])
with left:
    st.plotly_chart(plot_project_plan(detail.plan, title=t("investment.chart_plan", lang), lang=lang), key="investment_plan")
with right:
    ms = detail.milestones
    st.markdown(f"**{t('investment.milestones', lang)}**")
    st.dataframe(
        pd.DataFrame(
            {
                t("investment.col_milestone", lang): ms[name_col].map(clean),
                t("investment.col_due", lang): [format_date(d, lang) for d in ms["due_on"]],
                t("investment.col_done", lang): [
                    format_date(d, lang)
                    if d is not None and d == d
                    else ("⚠ " + t("investment.overdue", lang) if d_ < ctx.as_of else t("investment.open", lang))
                    for d, d_ in zip(ms["done_on"], ms["due_on"])
                ],
            }
        ),
        hide_index=True,
        width="stretch",
    )
pay = detail.payments
st.markdown(f"**{t('investment.payments', lang)}** · {format_number(len(pay), lang)}")
st.dataframe(
    pd.DataFrame(
        {
            t("investment.col_paid_on", lang): [format_date(d, lang) for d in pay["paid_on"]],
            t("investment.col_amount", lang): [format_money(v, lang) for v in pay["amount_yuan"]],
            t("investment.col_category", lang): [label("category", c, lang) for c in pay["category"]],
        }
    ),
    hide_index=True,
    width="stretch",
    height=240,
)
