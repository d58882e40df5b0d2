"""A digest in words: the headline figures of the Overview's cards (the same ``Card`` objects the
page draws, pacing line included), the alerts of the scope, and a link back to the cockpit view
with the filters in the URL. Pure: ``components/commands/digest.py`` gathers the views and alerts
and sends what this builds through ``components/delivery/channels.py``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from components.delivery.alerts import alert_text
from components.delivery.channels import Digest
from components.i18n import format_date, t, tn

if TYPE_CHECKING:
    from components.context import Context
    from components.sections.base import View
    from data_access.alerts import Alert

# The cards a digest quotes, in this order (the Overview's metric keys).
DIGEST_METRICS = ("partners", "leads", "enrolled", "certified", "employed", "disbursed_yuan")
MAX_ALERTS = 12  # a digest lists the first 12 (high severity first) and says how many more


def figures(kpis: View, lang: str) -> list[tuple[str, str]]:
    """(label, value) of the digest's cards, "value · projected year-end" where the card has one."""
    cards = {card.label: card for _, group in kpis.prepared.groups for card in group}
    out = []
    for metric in DIGEST_METRICS:
        card = cards.get(t(f"metric.{metric}", lang))
        if card is not None:
            out.append((card.label, f"{card.value} · {card.pacing_line}" if card.pacing_line else card.value))
    return out


def ordered(alerts: Sequence[Alert]) -> list[Alert]:
    """High severity first, then in the order of the rules (``data_access.alerts.RULES``, as
    ``evaluate`` sorts them: projects at risk before agreements coming due, so a national digest's
    first lines are not all renewals), then by key: the same order in every channel."""
    from data_access.alerts import RULES  # a tuple of rule names (deferred: a pure module imports no rules at load)

    rank = {rule: i for i, rule in enumerate(RULES)}
    return sorted(alerts, key=lambda a: (a.severity != "high", rank.get(a.rule, len(rank)), a.rule, a.key))


def link(base_url: str, params: Mapping[str, Sequence[str]]) -> str:
    """The cockpit's Overview with the digest's filters in the URL."""
    query = urlencode([(k, v) for k, values in params.items() for v in values])
    return f"{base_url.rstrip('/')}/" + (f"?{query}" if query else "")


def event_lines(events, ctx: Context) -> list[str]:
    """本期大事 in a digest: "2026年3月10日 河南省考报名条件调整（河南省）", one per event of the period."""
    from components.charts.events import event_title
    from components.sections.overview import event_when, event_where

    if events is None or len(events) == 0:
        return []
    sep = ("（", "）") if ctx.lang == "zh" else (" (", ")")
    return [
        f"{event_when(r, ctx.lang)} {event_title(r, ctx.lang)}{sep[0]}{event_where(r, ctx)}{sep[1]}" for r in events.itertuples(index=False)
    ]


def build(ctx: Context, kpis: View, alerts: Sequence[Alert], *, url: str, schedule: str, events=None) -> Digest:
    """The digest of one subscription for one period (``events``: get_events of its scope)."""
    lang = ctx.lang
    shown = ordered(alerts)
    lines = [alert_text(a, lang, names=ctx.names) for a in shown[:MAX_ALERTS]]
    if len(shown) > MAX_ALERTS:
        lines.append(tn("digest.more_alerts", len(shown) - MAX_ALERTS, lang))
    return Digest(
        title=t("digest.title", lang, schedule=t(f"digest.schedule.{schedule}", lang)),
        scope_line=f"{ctx.text.line} · {t('app.data_as_of', lang, date=format_date(ctx.as_of, lang))}",
        figures=figures(kpis, lang),
        alerts=lines,
        link=url,
        figures_heading=t("digest.figures", lang),
        alerts_heading=t("digest.alerts", lang),
        link_label=t("digest.open", lang),
        no_alerts=t("digest.no_alerts", lang),
        footer=t("digest.footer", lang),
        lang=lang,
        events=event_lines(events, ctx),
        events_heading=t("digest.events", lang),
    )
