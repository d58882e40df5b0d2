"""Sections: every view of the cockpit, defined once (see base.py for what a section is).

``SECTIONS`` is the registry, in pack order: id -> section. Pages lay their sections out,
the briefing pack and the ``report`` command list them, digests will too; a number shown in any
of them is computed by the section's own code. ``PACK_DEFAULT`` is what a pack holds when no
sections are chosen.

Adding a section: subclass ``Section`` in the topic's module (load → prepare → takeaway, and a
figure and/or table), add its title and takeaway to both catalogues, register it below, and lay
it out on its page with ``components.ui.sections.show``. tests/components/test_sections.py checks
every registered section has both titles and a takeaway.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from components.sections.base import Section, SectionContext, View
from components.sections.coverage import CoverageBars, CoverageGaps, CoverageMap, CoverageTiers, NewPartners
from components.sections.funnels import Channels, Funnel, FunnelCompare, Lag, Provinces, Tiers, TierShares, Trend
from components.sections.investment import InvestmentSummary, MoneyBy, MoneyByProvince, Risk, SpendOverTime
from components.sections.overview import Kpis, Movers

if TYPE_CHECKING:
    from data_access.reader import Reader

_ALL: tuple[Section, ...] = (
    Kpis(), Movers(), Movers("enrolled"),
    CoverageMap(), CoverageBars(), NewPartners(), CoverageTiers(), TierShares(), CoverageGaps(),
    InvestmentSummary(), SpendOverTime(), MoneyBy(), MoneyByProvince(), Risk(),
    Funnel(), Channels(), FunnelCompare(), Tiers(), Provinces(), Trend(), Lag(), Lag("certified"),
)
SECTIONS: dict[str, Section] = {s.key: s for s in _ALL}
PACK_DEFAULT: tuple[str, ...] = ("kpis", "movers", "coverage_map", "coverage_per_lead", "new_partners", "coverage_tiers",
                                 "tier_shares", "coverage_gaps",
                                 "spend", "sectors", "risk", "funnel", "channels", "tiers", "lag")


def unknown_sections(ids: Sequence[str]) -> list[str]:
    """The ids that are not registered sections."""
    return [s for s in ids if s not in SECTIONS]


def build_views(db: Reader, ctx: SectionContext, ids: Sequence[str]) -> list[View]:
    """The views of ``ids`` in registry order; unknown ids raise ValueError naming the valid ones."""
    unknown = unknown_sections(ids)
    if unknown:
        raise ValueError(f"unknown sections {unknown}; choose from {', '.join(SECTIONS)}")
    return [SECTIONS[s].view(db, ctx) for s in SECTIONS if s in ids]


__all__ = ["PACK_DEFAULT", "SECTIONS", "Section", "SectionContext", "View", "build_views", "unknown_sections"]
