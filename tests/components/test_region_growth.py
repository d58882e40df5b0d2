"""Region against region reads one grouped query per period and sums provinces into region groups
in its pure step: its figures must be the registry's (components.metrics.read) for the same
provinces — per region at a national scope, per province within one region — for every metric it
offers, this period and the comparison period. Real SQL on the seeded SQLite database."""

from __future__ import annotations

import pytest

from components import metrics
from components.context import Catalogue, context_from_params, read_catalogue
from components.sections import SECTIONS
from components.sections.overview import GROWTH_METRICS
from data_access import reader

REGIONS = ("central", "south")  # two of the seven
PERIODS = ("year", "quarter")


@pytest.fixture(scope="module")
def db(seeded) -> reader.Reader:
    return reader.direct(seeded["sqlite"])


@pytest.fixture(scope="module")
def cat(seeded) -> Catalogue:
    with seeded["sqlite"].connect() as conn:
        return read_catalogue(conn)


def context(cat: Catalogue, period: str, **params: list[str]):
    label = str(cat.as_of.year) if period == "year" else f"{cat.as_of.year}Q{(cat.as_of.month - 1) // 3 + 1}"
    ctx, dropped = context_from_params(cat, {**params, "period": [label]}, cat.provinces)
    assert dropped == []
    return ctx


def registry(db, ctx, metric: str) -> tuple[float, float]:
    row = metrics.read(db, ctx, [metric]).iloc[0]
    return float(row["value"]), float(row["previous"])


@pytest.mark.parametrize("period", PERIODS)
@pytest.mark.parametrize("metric", GROWTH_METRICS)
def test_each_region_shows_the_registry_figures_of_its_provinces(db, cat, metric, period):
    national = SECTIONS["region_growth"].variant(metric).view(db, context(cat, period))
    assert national.metrics == (metric,)  # (empty when neither period has any: the figures are still held)
    rows = national.prepared
    assert set(rows.index) == set(cat.regions) - {r for r, ps in cat.regions.items() if not ps}
    for region in REGIONS:
        now, before = registry(db, context(cat, period, region=[region]), metric)
        assert rows.loc[region, "now"] == pytest.approx(now, rel=1e-9, abs=1e-6), region
        assert rows.loc[region, "before"] == pytest.approx(before, rel=1e-9, abs=1e-6), region
    # The regions add up to the nation, as the registry has it.
    now, before = registry(db, context(cat, period), metric)
    assert rows["now"].sum() == pytest.approx(now, rel=1e-9) and rows["before"].sum() == pytest.approx(before, rel=1e-9)


@pytest.mark.parametrize("metric", ("leads", "partners", "disbursed_yuan"))
def test_within_one_region_each_province_shows_its_registry_figures(db, cat, metric):
    ctx = context(cat, "year", region=["central"])
    v = SECTIONS["region_growth"].variant(metric).view(db, ctx)
    assert set(v.prepared.index) == set(cat.regions["central"])
    for province in cat.regions["central"]:
        now, before = registry(db, context(cat, "year", province=[province]), metric)
        assert v.prepared.loc[province, "now"] == pytest.approx(now, rel=1e-9, abs=1e-6)
        assert v.prepared.loc[province, "before"] == pytest.approx(before, rel=1e-9, abs=1e-6)
    assert metrics.fmt(metric, v.prepared.iloc[0]["now"], "zh") in v.takeaway or v.prepared.iloc[0]["before"] < 30


def test_the_takeaway_names_the_fastest_region_in_the_registry_words(db, cat):
    ctx = context(cat, "year")
    v = SECTIONS["region_growth"].view(db, ctx)
    top = v.prepared.dropna(subset=["growth"])
    top = top[top["before"] >= 30].iloc[0]
    assert top["label"] in v.takeaway and metrics.label("leads", "zh") in v.takeaway
    assert metrics.fmt("leads", top["now"], "zh") in v.takeaway and metrics.fmt("leads", top["before"], "zh") in v.takeaway
