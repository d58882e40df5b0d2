"""Figure builders on small literal frames: traces, labels, colours, empty handling."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from components.charts.coverage import plot_province_bars
from components.charts.funnel import (
    plot_cohort_lag,
    plot_conversion_by,
    plot_funnel,
    plot_monthly_by_channel,
    plot_step_conversion_by_channel,
    stage_totals,
    step_conversion,
)
from components.charts.investment import cumulative_spend_frame, plot_cumulative_spend, plot_money_bars, plot_project_plan
from components.charts.overview import plot_movers
from components.charts.palette import CHANNEL_COLORS, MONEY_COLORS, NO_DATA, RISK_COLOR, STAGE_COLORS
from components.i18n import format_money, label, t

STAGES = ["lead", "consultation", "trial_class", "enrolled", "completed", "certified", "employed"]


def funnel_frame() -> pd.DataFrame:
    rows = []
    for channel, n in (("campus", [100, 70, 40, 20, 18, 9, 5]), ("online", [200, 80, 30, 10, 7, 2, 0])):
        rows += [(s, channel, v) for s, v in zip(STAGES, n)]
    rows.append(("refunded", "online", 3))
    return pd.DataFrame(rows, columns=["stage", "channel", "learners"])


def test_stage_totals_are_in_funnel_order_and_ignore_refunds():
    totals = stage_totals(funnel_frame())
    assert list(totals.index) == STAGES
    assert totals["lead"] == 300 and totals["employed"] == 5


def test_step_conversion_divides_by_the_previous_stage():
    conv = step_conversion(pd.Series([100, 50, 0, 0], index=["a", "b", "c", "d"]))
    assert conv["b"] == 0.5 and conv["c"] == 0 and np.isnan(conv["d"])


def test_funnel_has_seven_stages_labelled_in_the_language_with_stage_colours():
    fig = plot_funnel(funnel_frame(), title="T", lang="en")
    trace = fig.data[0]
    assert list(trace.y) == [label("stage", s, "en") for s in STAGES]
    assert list(trace.marker.color) == [STAGE_COLORS[s] for s in STAGES]
    assert fig.layout.title.text == "T"


def test_step_conversion_chart_has_one_trace_per_channel_present_in_its_colour():
    fig = plot_step_conversion_by_channel(funnel_frame(), title="T", lang="zh")
    assert [tr.name for tr in fig.data] == [label("channel", "campus", "zh"), label("channel", "online", "zh")]
    assert [tr.marker.color for tr in fig.data] == [CHANNEL_COLORS["campus"], CHANNEL_COLORS["online"]]
    assert fig.data[0].y[0] == 0.7  # consultation / lead for campus


def test_conversion_by_dimension_skips_values_without_leads():
    df = funnel_frame().assign(tier=lambda d: np.where(d["channel"] == "campus", "capital", "county"))
    df.loc[df["tier"] == "county", "learners"] = 0
    fig = plot_conversion_by(df, dim="tier", labels={"capital": "C", "county": "K"}, title="T", lang="en")
    assert list(fig.data[0].x) == ["C"]
    assert fig.data[0].y[0] == 0.2


def test_monthly_chart_draws_only_the_chosen_stage():
    df = pd.DataFrame(
        {
            "year": [2026, 2026, 2026],
            "month": [1, 2, 2],
            "stage": ["lead", "lead", "enrolled"],
            "channel": ["online", "online", "online"],
            "events": [5, 7, 100],
        }
    )
    fig = plot_monthly_by_channel(df, stage="lead", title="T", lang="zh")
    assert len(fig.data) == 1 and list(fig.data[0].y) == [5, 7]


def test_cohort_lag_shares_add_up_to_one_per_channel():
    df = pd.DataFrame(
        {"channel": ["campus"] * 2, "stage": ["enrolled"] * 2, "bucket": ["0-30", "91-180"], "learners": [3, 1], "total_days": [30, 100]}
    )
    fig = plot_cohort_lag(df, stage="enrolled", title="T", lang="en")
    total = sum(tr.x[0] for tr in fig.data)
    assert abs(total - 1) < 1e-9
    assert "33" in fig.data[0].y[0]  # mean days (30+100)/4 = 32.5 → 33


def test_movers_colour_falls_in_the_alarm_colour():
    df = pd.DataFrame({"label": ["A", "B"], "change": [5, -8], "now": [10, 2], "before": [5, 10]})
    fig = plot_movers(df, title="T", lang="zh")
    colours = dict(zip(fig.data[0].y, fig.data[0].marker.color))
    assert colours["B"] == RISK_COLOR and colours["A"] != RISK_COLOR
    assert list(fig.data[0].y)[-1] == "B"  # biggest movement on top


def test_cumulative_spend_spreads_the_annual_plan_and_accumulates_payments():
    plan = pd.DataFrame({"year": [2026], "planned_yuan": [1200.0]})
    paid = pd.DataFrame({"year": [2026, 2026], "month": [2, 5], "disbursed_yuan": [100.0, 50.0]})
    df = cumulative_spend_frame(plan, paid, start=dt.date(2026, 1, 1), end=dt.date(2026, 7, 1))
    assert len(df) == 6
    assert list(df["planned"]) == [100, 200, 300, 400, 500, 600]
    assert list(df["disbursed"]) == [0, 100, 100, 100, 150, 150]
    fig = plot_cumulative_spend(df, title="T", lang="zh")
    assert [tr.line.color for tr in fig.data] == [MONEY_COLORS["planned"], MONEY_COLORS["disbursed"]]
    assert fig.layout.yaxis.title.text == "元"


def test_money_bars_use_one_unit_for_the_axis():
    df = pd.DataFrame({"label": ["a", "b"], "planned_yuan": [3e8, 1e8], "committed_yuan": [5e8, 2e8], "disbursed_yuan": [1e8, 0.5e8]})
    fig = plot_money_bars(df, title="T", lang="zh")
    assert fig.layout.xaxis.title.text == "亿元"
    assert list(fig.data[0].x) == [1.0, 3.0]  # largest plan drawn last = on top
    # The legend names the registry's metrics (components/metrics.py), as the cards and columns do.
    assert [tr.name for tr in fig.data] == [
        t("metric.planned_yuan", "zh"),
        t("metric.committed_yuan", "zh"),
        t("metric.disbursed_yuan", "zh"),
    ]


def test_project_plan_bars_per_year():
    plan = pd.DataFrame({"year": [2024, 2025], "planned_yuan": [2e6, 3e6], "disbursed_yuan": [1e6, 0.0]})
    fig = plot_project_plan(plan, title="T", lang="en")
    assert list(fig.data[0].x) == ["2024", "2025"] and len(fig.data) == 2


def test_province_bars_carry_codes_and_grey_out_missing_values():
    df = pd.DataFrame(
        {
            "province_code": ["410000", "540000"],
            "name_zh": ["河南省", "西藏自治区"],
            "name_en": ["Henan", "Tibet"],
            "partners": [30, 0],
            "per_10k_leads": [5.0, np.nan],
        }
    )
    fig = plot_province_bars(df, metric="per_10k_leads", title="T", lang="en")
    assert list(fig.data[0].customdata) == ["540000", "410000"]
    assert fig.data[0].marker.color[0] == NO_DATA


def test_province_bars_take_the_map_colours_when_given():
    df = pd.DataFrame(
        {
            "province_code": ["410000", "420000"],
            "name_zh": ["河南省", "湖北省"],
            "name_en": ["Henan", "Hubei"],
            "partners": [30, 10],
            "per_10k_leads": [5.0, 1.0],
        }
    )
    fig = plot_province_bars(df, metric="partners", title="T", lang="zh", colors={"410000": "#111111", "420000": "#222222"})
    assert dict(zip(fig.data[0].customdata, fig.data[0].marker.color)) == {"410000": "#111111", "420000": "#222222"}


def test_conversion_by_tier_keeps_the_tier_order():
    df = funnel_frame().assign(tier=lambda d: np.where(d["channel"] == "campus", "county", "capital"))
    fig = plot_conversion_by(
        df, dim="tier", labels={"capital": "C", "prefecture": "P", "county": "K"}, title="T", lang="en", keep_order=True
    )
    assert list(fig.data[0].x) == ["C", "K"]


def test_kpi_rows_stay_even_and_at_most_four_wide():
    from components.kpi import rows_of

    assert rows_of(6) == [3, 3] and rows_of(5) == [3, 2] and rows_of(4) == [4] and rows_of(9) == [3, 3, 3]
    assert all(max(rows_of(n)) <= 4 and sum(rows_of(n)) == n for n in range(1, 20))


def test_money_bars_carry_value_labels_so_the_leader_is_read_without_hovering():
    df = pd.DataFrame({"label": ["A", "B"], "planned_yuan": [3e6, 1e6], "committed_yuan": [4e6, 2e6], "disbursed_yuan": [1e6, 5e5]})
    fig = plot_money_bars(df, title="T", lang="zh")
    planned = fig.data[0]
    assert list(planned.y) == ["B", "A"]  # largest plan at the top (plotly draws bottom-up)
    assert list(planned.text) == [format_money(1e6, "zh"), format_money(3e6, "zh")]


def test_axes_never_use_si_suffixes_beside_a_unit():
    fig = plot_money_bars(
        pd.DataFrame({"label": ["A"], "planned_yuan": [9e9], "committed_yuan": [9e9], "disbursed_yuan": [1e9]}), title="T", lang="zh"
    )
    assert fig.layout.xaxis.exponentformat == "none" and fig.layout.yaxis.exponentformat == "none"
