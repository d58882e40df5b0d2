"""Typed query functions: ``get_<measure>_by_<grain>(conn, *, scope, ...) -> DataFrame``.

Every function aggregates in SQL, takes an explicit Scope and binds all values as parameters;
the columns each returns are listed in its docstring. ``SCOPED_QUERIES`` lists them all (a test
walks it to prove that none ignores the scope).
"""

from data_access.queries.agreements import get_agreements_by_expiry
from data_access.queries.ask import get_ask_names
from data_access.queries.coverage import (
    get_coverage_by_city,
    get_coverage_by_province,
    get_coverage_gaps,
    get_new_partners_by_end,
    get_partner_counts_by_end,
    get_partner_points,
)
from data_access.queries.events import get_events
from data_access.queries.freshness import SummaryStatus, data_as_of, get_data_freshness, get_replica_lag, get_summary_status
from data_access.queries.funnel import (
    get_cohort_lag,
    get_events_by_month,
    get_funnel_by_city,
    get_funnel_by_province,
    get_funnel_by_stage,
    get_leads_by_tier_year,
)
from data_access.queries.investment import (
    ProjectDetail,
    get_disbursed_by_month,
    get_investment_by,
    get_investment_by_project,
    get_planned_by_year,
    get_project_detail,
)
from data_access.queries.kpi import get_kpis
from data_access.queries.notes import get_notes
from data_access.queries.pacing import get_kpi_pacing, get_kpi_series_by_month
from data_access.queries.reference import get_place_catalogue, get_province_catalogue

SCOPED_QUERIES = (
    get_coverage_by_province,
    get_coverage_by_city,
    get_coverage_gaps,
    get_partner_points,
    get_partner_counts_by_end,
    get_new_partners_by_end,
    get_agreements_by_expiry,
    get_leads_by_tier_year,
    get_investment_by_project,
    get_investment_by,
    get_disbursed_by_month,
    get_planned_by_year,
    get_project_detail,
    get_funnel_by_stage,
    get_funnel_by_province,
    get_funnel_by_city,
    get_cohort_lag,
    get_events_by_month,
    get_kpis,
    get_data_freshness,
    get_kpi_series_by_month,
    get_kpi_pacing,
    get_ask_names,
    get_events,
    get_notes,
)

__all__ = [f.__name__ for f in SCOPED_QUERIES] + [
    "ProjectDetail",
    "data_as_of",
    "get_place_catalogue",
    "get_province_catalogue",
    "get_summary_status",
    "get_replica_lag",
    "SummaryStatus",
    "SCOPED_QUERIES",
]
