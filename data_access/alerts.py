"""Alert rules: what is slipping in a scope as of a date, for the digests (docs/ALERTS.md).

Five rules, each read through the typed query functions (no SQL of its own), each cut to the
scope's provinces and slices. The rules look at "now", so their periods come from ``as_of`` (the
data-as-of date), not from the scope's period:

- ``project_at_risk``: a project at risk at ``as_of`` (spend ahead of its pro-rated plan by more
  than ``spend_ahead_pct`` %, or a milestone overdue) that was not at risk ``risk_window_days``
  earlier: *newly* at risk, so a weekly digest names a project once, not every week.
- ``conversion_drop``: a channel's stage-to-stage conversion (learners reaching a stage ÷ learners
  reaching the stage before it) of this year's lead cohort to ``as_of``, against last year's
  cohort over the same dates at the same age, down by more than ``conversion_drop_points``
  percentage points, with at least ``min_stage_count`` learners at the stage before in both years
  and a two-proportion z statistic of at least ``z`` (small counts never fire).
- ``kpi_below_pace``: a KPI whose year-end projection (data_access.pacing) is below
  ``kpi_projected_below_pct`` % of its annual target.
- ``city_without_partner``: a city or county with more than ``city_leads_min`` leads in the
  quarter of ``as_of`` (to ``as_of``) and no partner.
- ``agreements_expiring``: an agreement of a partner in scope that expires within
  ``agreements_expiring_days`` days after ``as_of`` and has not been renewed (the Coverage page's
  agreements coming due, over the alert's window).

No streamlit; wording lives in components/delivery/alerts.py and the catalogues.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, fields

import pandas as pd
from sqlalchemy.engine import Connection

from data_access import codes
from data_access.queries.agreements import get_agreements_by_expiry
from data_access.queries.coverage import get_coverage_gaps
from data_access.queries.funnel import get_funnel_by_stage
from data_access.queries.investment import AHEAD_TOLERANCE, get_investment_by_project
from data_access.queries.pacing import get_kpi_pacing
from data_access.scope import Scope

RULES: tuple[str, ...] = ("project_at_risk", "conversion_drop", "kpi_below_pace", "city_without_partner", "agreements_expiring")
SEVERITIES: tuple[str, ...] = ("high", "medium")
ENV_PREFIX = "COCKPIT_ALERT_"


@dataclass(frozen=True)
class Thresholds:
    """The rules' settings; defaults in brackets (docs/ALERTS.md).

    - ``spend_ahead_pct`` [5.0]: paid to date more than this % above the plan to date is "ahead of
      plan" (the Investment page's 5 %, so an alert and the page agree).
    - ``conversion_drop_points`` [5.0]: a fall of more than this many percentage points.
    - ``min_stage_count`` [30]: learners at the stage before, in each year, below which a
      conversion is not compared (the normal approximation of the z-test needs counts).
    - ``z`` [2.58]: the two-proportion z statistic the fall must reach (one-sided, about 0.5 % per
      comparison: a digest makes up to 30 of them, docs/ALERTS.md).
    - ``kpi_projected_below_pct`` [90.0]: a projection below this % of the target fires.
    - ``city_leads_min`` [50]: a city with more than this many leads this quarter and no partner fires.
    - ``risk_window_days`` [7]: "newly" at risk = at risk at ``as_of`` and not this many days before.
    - ``agreements_expiring_days`` [90]: an agreement expiring within this many days after ``as_of``
      and not renewed fires (a quarter: time to negotiate a renewal; 0 turns the rule off).

    Settings: ``[alerts]`` in .streamlit/secrets.toml, each key overridden by
    ``COCKPIT_ALERT_<KEY>`` in the environment (``from_settings``).
    """

    spend_ahead_pct: float = AHEAD_TOLERANCE * 100
    conversion_drop_points: float = 5.0
    min_stage_count: int = 30
    z: float = 2.58
    kpi_projected_below_pct: float = 90.0
    city_leads_min: int = 50
    risk_window_days: int = 7  # after the others, so the fields of the agreed API keep their positions
    agreements_expiring_days: int = 90

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            want_int = f.type in ("int", int)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or (want_int and not isinstance(value, int)):
                raise ValueError(f"alerts.{f.name} must be {'an integer' if want_int else 'a number'}, not {value!r}")
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"alerts.{f.name} must be a finite number >= 0, not {value!r}")
            if not want_int:
                object.__setattr__(self, f.name, float(value))
        if self.risk_window_days < 1:
            raise ValueError("alerts.risk_window_days must be at least 1")

    @classmethod
    def from_settings(cls, secrets: Mapping, env: Mapping[str, str]) -> Thresholds:
        """Thresholds from ``[alerts]`` in the secrets, each overridden by ``COCKPIT_ALERT_<KEY>``.

        An unknown key in ``[alerts]`` or a value that is not a number raises ValueError naming it
        (a typo must not silently leave a default in force).
        """
        section = secrets.get("alerts") or {}
        if not isinstance(section, Mapping):
            raise ValueError("[alerts] in secrets.toml is not a table")
        names = {f.name: f.type in ("int", int) for f in fields(cls)}
        unknown = sorted(set(section) - set(names))
        if unknown:
            raise ValueError(f"unknown keys in [alerts]: {', '.join(map(str, unknown))}; known: {', '.join(names)}")
        values: dict[str, object] = dict(section)
        for name, is_int in names.items():
            raw = env.get(ENV_PREFIX + name.upper())
            if raw is None or not raw.strip():
                continue
            try:
                values[name] = int(raw) if is_int else float(raw)
            except ValueError:
                raise ValueError(f"{ENV_PREFIX}{name.upper()}={raw!r} is not {'an integer' if is_int else 'a number'}") from None
        return cls(**values)  # type: ignore[arg-type]  # checked in __post_init__


@dataclass(frozen=True)
class Alert:
    """One thing that needs a leader: which rule, a stable key, where, how bad, and raw values.

    ``key`` is stable across runs ("project:123", "conversion:campus:enrolled", "kpi:leads",
    "city:420100", "agreement:597"): a runner can tell a new alert from one already sent. ``province_code`` is None
    only for an item of a multi-province scope as a whole. ``params`` holds raw values as strings
    (codes, numbers, names from the data), never formatted text: components/delivery/alerts.py words them.
    """

    rule: str
    key: str
    province_code: str | None
    severity: str
    params: tuple[tuple[str, str], ...]

    def param(self, name: str, default: str = "") -> str:
        """One raw value of ``params``."""
        return dict(self.params).get(name, default)


def two_proportion_z(x1: int, n1: int, x2: int, n2: int) -> float:
    """The pooled two-proportion z statistic of x1/n1 against x2/n2 (positive when the first is
    higher): (p1 − p2) / sqrt(p (1 − p) (1/n1 + 1/n2)), p = (x1 + x2) / (n1 + n2).

    0.0 when either sample is empty or the pooled proportion is 0 or 1 (no spread: no evidence).
    """
    if n1 <= 0 or n2 <= 0:
        return 0.0
    pooled = (x1 + x2) / (n1 + n2)
    spread = pooled * (1 - pooled) * (1 / n1 + 1 / n2)
    if spread <= 0:
        return 0.0
    return (x1 / n1 - x2 / n2) / math.sqrt(spread)


def _num(x: float) -> str:
    """A number as a raw string: integers without a decimal point, others with up to 6 decimals."""
    if float(x).is_integer():
        return str(int(x))
    return f"{float(x):.6f}".rstrip("0").rstrip(".")


def _sole_province(scope: Scope) -> str | None:
    return scope.provinces[0] if len(scope.provinces) == 1 else None


def _year_to_date(scope: Scope, as_of: dt.date) -> Scope:
    return scope.with_period(dt.date(as_of.year, 1, 1), as_of + dt.timedelta(days=1))


def _at_risk(conn: Connection, scope: Scope, on: dt.date, t: Thresholds) -> pd.DataFrame:
    """Projects at risk on ``on``: the year-to-date of ``on`` with the money paid up to that day."""
    df = get_investment_by_project(conn, scope=_year_to_date(scope, on), as_of=on)
    # The query's own ahead_of_plan uses 5 %; the threshold is a setting, so it is recomputed
    # from the same columns (+0.005: half a fen of rounding, as the query allows).
    ahead = df["disbursed_to_date_yuan"] > df["planned_to_date_yuan"] * (1 + t.spend_ahead_pct / 100) + 0.005
    df = df.assign(ahead=ahead, overdue=df["overdue_milestones"] > 0)
    return df[df["ahead"] | df["overdue"]]


def project_alerts(conn: Connection, *, scope: Scope, as_of: dt.date, thresholds: Thresholds = Thresholds()) -> list[Alert]:
    """Projects newly at risk: at risk at ``as_of`` and not ``risk_window_days`` days before.

    Severity high when both causes hold (money ahead of plan and a milestone overdue).
    """
    now = _at_risk(conn, scope, as_of, thresholds)
    before = _at_risk(conn, scope, as_of - dt.timedelta(days=thresholds.risk_window_days), thresholds)
    out = []
    for r in now[~now["project_id"].isin(set(before["project_id"]))].itertuples(index=False):
        both = bool(r.ahead and r.overdue)
        out.append(
            Alert(
                "project_at_risk",
                f"project:{int(r.project_id)}",
                str(r.province_code),
                "high" if both else "medium",
                (
                    ("project_id", str(int(r.project_id))),
                    ("code", str(r.code)),
                    ("name_zh", str(r.name_zh)),
                    ("name_en", str(r.name_en)),
                    ("city_name_zh", str(r.city_name_zh)),
                    ("city_name_en", str(r.city_name_en)),
                    ("ahead_of_plan", "1" if r.ahead else "0"),
                    ("overdue_milestones", str(int(r.overdue_milestones))),
                    ("disbursed_to_date_yuan", _num(round(r.disbursed_to_date_yuan, 2))),
                    ("planned_to_date_yuan", _num(round(r.planned_to_date_yuan, 2))),
                ),
            )
        )
    return out


def _stage_counts(df: pd.DataFrame) -> dict[tuple[str, str], int]:
    return {(str(r.channel), str(r.stage)): int(r.learners) for r in df.itertuples(index=False)}


def conversion_alerts(conn: Connection, *, scope: Scope, as_of: dt.date, thresholds: Thresholds = Thresholds()) -> list[Alert]:
    """Channels whose conversion into a stage fell, year to date against the same dates last year.

    Both cohorts are observed at the same age (last year's only up to the same day of last year).
    Severity high when the fall is at least twice ``conversion_drop_points``.
    """
    t = thresholds
    now_scope = _year_to_date(scope, as_of)
    then_scope = now_scope.year_earlier()
    now = _stage_counts(get_funnel_by_stage(conn, scope=now_scope, by=("channel",), observed_until=now_scope.end))
    then = _stage_counts(get_funnel_by_stage(conn, scope=then_scope, by=("channel",), observed_until=then_scope.end))
    out = []
    for channel in scope.channels:
        for before, stage in zip(codes.STAGES, codes.STAGES[1:]):
            n1, x1 = then.get((channel, before), 0), then.get((channel, stage), 0)
            n2, x2 = now.get((channel, before), 0), now.get((channel, stage), 0)
            if min(n1, n2) < max(t.min_stage_count, 1):
                continue
            drop = (x1 / n1 - x2 / n2) * 100
            z = two_proportion_z(x1, n1, x2, n2)
            if drop > t.conversion_drop_points and z >= t.z:
                out.append(
                    Alert(
                        "conversion_drop",
                        f"conversion:{channel}:{stage}",
                        _sole_province(scope),
                        "high" if drop >= 2 * t.conversion_drop_points else "medium",
                        (
                            ("channel", channel),
                            ("from_stage", before),
                            ("stage", stage),
                            ("rate", _num(round(x2 / n2, 6))),
                            ("rate_last_year", _num(round(x1 / n1, 6))),
                            ("drop_points", _num(round(drop, 2))),
                            ("z", _num(round(z, 2))),
                            ("reached", str(x2)),
                            ("base", str(n2)),
                            ("reached_last_year", str(x1)),
                            ("base_last_year", str(n1)),
                        ),
                    )
                )
    return out


def kpi_alerts(conn: Connection, *, scope: Scope, as_of: dt.date, thresholds: Thresholds = Thresholds()) -> list[Alert]:
    """KPIs projected below ``kpi_projected_below_pct`` % of their annual target.

    Only KPIs with a target (a scope that slices channels, tiers, kinds... has none). Severity high
    when even the top of the projection's plausible range is below the bar.
    """
    bar = thresholds.kpi_projected_below_pct / 100
    df = get_kpi_pacing(conn, scope=_year_to_date(scope, as_of))
    out = []
    for r in df.itertuples(index=False):
        if not (r.target > 0) or pd.isna(r.share) or not r.share < bar:
            continue
        confident = not pd.isna(r.high_share) and r.high_share < bar
        out.append(
            Alert(
                "kpi_below_pace",
                f"kpi:{r.metric}",
                _sole_province(scope),
                "high" if confident else "medium",
                (
                    ("metric", str(r.metric)),
                    ("ytd", _num(round(r.ytd, 2))),
                    ("projected", _num(round(r.value, 2))),
                    ("low", _num(round(r.low, 2))),
                    ("high", _num(round(r.high, 2))),
                    ("target", _num(round(r.target, 2))),
                    ("share", _num(round(r.share, 6))),
                    ("low_share", _num(round(r.low_share, 6))),
                    ("high_share", _num(round(r.high_share, 6))),
                    ("basis", str(r.basis)),
                    ("year", str(as_of.year)),
                ),
            )
        )
    return out


def quarter_start(d: dt.date) -> dt.date:
    """The first day of the calendar quarter holding ``d``."""
    return dt.date(d.year, (d.month - 1) // 3 * 3 + 1, 1)


def city_alerts(conn: Connection, *, scope: Scope, as_of: dt.date, thresholds: Thresholds = Thresholds()) -> list[Alert]:
    """Cities and counties with more than ``city_leads_min`` leads this quarter (to ``as_of``) and
    no partner of the scope's kinds. Severity high at twice the threshold or more."""
    quarter = scope.with_period(quarter_start(as_of), as_of + dt.timedelta(days=1))
    gaps = get_coverage_gaps(conn, scope=quarter)  # every place (no more than the cities and counties)
    n = thresholds.city_leads_min
    q = (as_of.month - 1) // 3 + 1
    return [
        Alert(
            "city_without_partner",
            f"city:{r.city_code}",
            str(r.province_code),
            "high" if r.leads >= 2 * max(n, 1) else "medium",
            (
                ("city_code", str(r.city_code)),
                ("name_zh", str(r.name_zh)),
                ("name_en", str(r.name_en)),
                ("tier", str(r.tier)),
                ("leads", str(int(r.leads))),
                ("quarter", f"{as_of.year}Q{q}"),
            ),
        )
        for r in gaps.itertuples(index=False)
        if r.leads > n
    ]


# An agreement expiring this soon is high severity: a month is little time to negotiate a renewal.
AGREEMENT_URGENT_DAYS = 30


def agreement_alerts(conn: Connection, *, scope: Scope, as_of: dt.date, thresholds: Thresholds = Thresholds()) -> list[Alert]:
    """Agreements of partners in scope expiring within ``agreements_expiring_days`` days after
    ``as_of`` and not renewed (get_agreements_by_expiry: no other agreement of the same partner and
    kind runs past the expiry). One alert per agreement, in the partner's province; severity high
    when it expires within ``AGREEMENT_URGENT_DAYS`` days. The rule is a state, not a change: an
    agreement is named in every digest until it is renewed, ended or expired."""
    due = get_agreements_by_expiry(conn, scope=_year_to_date(scope, as_of), as_of=as_of, within_days=thresholds.agreements_expiring_days)
    return [
        Alert(
            "agreements_expiring",
            f"agreement:{int(r.agreement_id)}",
            str(r.province_code),
            "high" if r.days_left <= AGREEMENT_URGENT_DAYS else "medium",
            (
                ("agreement_id", str(int(r.agreement_id))),
                ("kind", str(r.kind)),
                ("expires_on", r.expires_on.isoformat()),
                ("days_left", str(int(r.days_left))),
                ("value_yuan", _num(round(r.value_yuan, 2))),
                ("partner_id", str(int(r.partner_id))),
                ("partner_name_zh", str(r.partner_name_zh)),
                ("partner_name_en", str(r.partner_name_en)),
                ("partner_kind", str(r.partner_kind)),
                ("leads_12m", str(int(r.leads_12m))),
                ("enrolled_12m", str(int(r.enrolled_12m))),
            ),
        )
        for r in due.itertuples(index=False)
    ]


_RULES = {
    "project_at_risk": project_alerts,
    "conversion_drop": conversion_alerts,
    "kpi_below_pace": kpi_alerts,
    "city_without_partner": city_alerts,
    "agreements_expiring": agreement_alerts,
}


def evaluate(conn: Connection, *, scope: Scope, as_of: dt.date, thresholds: Thresholds = Thresholds()) -> list[Alert]:
    """Every rule's alerts for the scope's provinces and slices as of ``as_of`` (its period is not
    used: each rule's period comes from ``as_of``). High severity first, then by rule and key."""
    if not scope.provinces:
        return []
    alerts = [a for rule in RULES for a in _RULES[rule](conn, scope=scope, as_of=as_of, thresholds=thresholds)]
    # Belt and braces: an alert of a province outside the scope must never reach a digest.
    alerts = [a for a in alerts if a.province_code is None or a.province_code in scope.provinces]
    return sorted(alerts, key=lambda a: (SEVERITIES.index(a.severity), RULES.index(a.rule), a.key))
