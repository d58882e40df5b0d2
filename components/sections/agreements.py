"""Agreement sections: the agreements coming due in the next months (the renewals to decide on), by
partner, kind, province and value, with what each partner has brought in over the last 12 months.

How many, their value and how many belong to partners without a recent enrolment are the
registry's metrics (``agreements_due``, ``agreements_due_value``, ``agreements_due_idle``,
components/metrics.py) at the registry's horizon of 6 months; the Coverage page's widget may pick
3 or 12 months instead (the same query, the same rule, another window).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from components import metrics
from components.context import Context
from components.i18n import format_date, format_money, format_number, label, t, tn
from components.sections.base import Section
from data_access import periods

if TYPE_CHECKING:
    from data_access.reader import Reader

# The horizons in months: the first is the pack's and the registry's (metrics.DUE_MONTHS).
HORIZONS: tuple[str, ...] = (str(metrics.DUE_MONTHS), "3", "12")


@dataclass(frozen=True)
class DueAgreements:
    """The agreements coming due within ``months`` of ``as_of`` (to ``until``), biggest value first,
    with names in the context's language, and the registry's figures of them."""

    rows: pd.DataFrame  # get_agreements_by_expiry plus partner, province, kind_label
    months: int
    as_of: dt.date
    until: dt.date
    values: dict[str, float]

    @property
    def count(self) -> int:
        return int(self.values["agreements_due"])

    @property
    def idle(self) -> int:
        return int(self.values["agreements_due_idle"])


class AgreementsDue(Section[pd.DataFrame, DueAgreements]):
    """Agreements expiring in the next 3 / 6 / 12 months and not renewed, biggest value first: every
    one (the page lists them all, a slide the first rows), and a takeaway with their number and value."""

    id = "agreements_due"
    in_pack = True
    page = "coverage"
    title_key = "sections.agreements_due"
    takeaway_key = "sections.agreements_due_takeaway"
    empty_key = "sections.agreements_due_empty"
    options = HORIZONS
    metric_ids = metrics.AGREEMENT_METRICS
    takeaway_ids = metrics.AGREEMENT_METRICS

    @property
    def months(self) -> int:
        return int(self.option)

    def title(self, c: Context) -> str:
        return tn(self.title_key, self.months, c.lang)

    def empty_text(self, c: Context) -> str:
        return tn(self.empty_key, self.months, c.lang, until=format_date(self.until(c), c.lang))

    def until(self, c: Context) -> dt.date:
        """The last day of the window: ``months`` calendar months after the period's last day."""
        return periods.months_after(c.scope.end - dt.timedelta(days=1), self.months)

    def load(self, db: Reader, c: Context) -> pd.DataFrame:
        return db.get_agreements_by_expiry(scope=c.scope, within_days=metrics.due_within_days(c.scope, self.months))

    def prepare(self, frames: pd.DataFrame, c: Context) -> DueAgreements:
        lang, zh = c.lang, c.lang == "zh"
        rows = frames.reset_index(drop=True)
        rows = rows.assign(
            partner=rows["partner_name_zh" if zh else "partner_name_en"],
            province=rows["province_name_zh" if zh else "province_name_en"],
            kind_label=[label("agreement_kind", k, lang) for k in rows["kind"]],
        )
        return DueAgreements(rows, self.months, c.scope.end - dt.timedelta(days=1), self.until(c), metrics.agreement_values(frames))

    def is_empty(self, p: DueAgreements) -> bool:
        return p.rows.empty

    def takeaway(self, p: DueAgreements, c: Context) -> str:
        """Their number and value (or that all are framework agreements), the largest, and how many
        belong to partners that brought no enrolment in the last 12 months (left out when none)."""
        lang, v = c.lang, p.values
        sep = "；" if lang == "zh" else "; "
        words = {
            "window": tn("agreements.months", p.months, lang),  # "6 months": the count of its own noun
            "until": format_date(p.until, lang),
            "n": metrics.fmt("agreements_due", v["agreements_due"], lang),
            "value": metrics.fmt("agreements_due_value", v["agreements_due_value"], lang),
        }
        one = p.count == 1
        if v["agreements_due_value"] > 0:
            head = tn(self.takeaway_key, p.count, lang, **words)
        elif one:  # "a framework agreement" / "为框架协议": one agreement is worded apart in Chinese too
            head = t("sections.agreements_due_framework_one", lang, **words)
        else:
            head = tn("sections.agreements_due_framework", p.count, lang, **words)
        clauses = [head]
        top = p.rows.iloc[0]
        if not one and top["value_yuan"] > 0:
            clauses.append(
                t(
                    "sections.agreements_due_top",
                    lang,
                    partner=top["partner"],
                    kind=top["kind_label"],
                    value=format_money(top["value_yuan"], lang),
                    date=format_date(top["expires_on"], lang),
                )
            )
        if p.idle:
            if p.idle == p.count:
                clauses.append(t("sections.agreements_due_idle_one" if one else "sections.agreements_due_idle_all", lang))
            else:
                clauses.append(
                    t("sections.agreements_due_idle", lang, idle=metrics.fmt("agreements_due_idle", v["agreements_due_idle"], lang))
                )
        return sep.join(clauses) + ("。" if lang == "zh" else ".")

    def table(self, p: DueAgreements, c: Context) -> pd.DataFrame:
        """Every agreement coming due, formatted (a slide shows the first rows and says how many)."""
        lang, r = c.lang, p.rows
        return pd.DataFrame(
            {
                t("agreements.col_partner", lang): r["partner"],
                t("agreements.col_kind", lang): r["kind_label"],
                t("coverage.col_province", lang): r["province"],
                t("agreements.col_expires", lang): [format_date(d, lang) for d in r["expires_on"]],
                t("agreements.col_value", lang): [format_money(x, lang) for x in r["value_yuan"]],
                t("agreements.col_leads_12m", lang): [format_number(x, lang) for x in r["leads_12m"]],
                t("agreements.col_enrolled_12m", lang): [format_number(x, lang) for x in r["enrolled_12m"]],
            }
        )

    def data(self, p: DueAgreements, c: Context) -> pd.DataFrame:
        return p.rows.drop(columns=["partner", "province", "kind_label"])
