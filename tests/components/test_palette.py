"""The one palette: every code has a colour, scales run light to dark, helpers convert for pydeck."""

from __future__ import annotations

import math
import re

import pytest

from components.charts import palette
from components.charts.palette import (
    CHANNEL_COLORS,
    END_COLORS,
    KIND_COLORS,
    MONEY_COLORS,
    SEQUENTIAL,
    STAGE_COLORS,
    TIER_COLORS,
    hex_to_rgb,
    sequential_colors,
    sequential_index,
    sequential_rgb,
)
from data_access import codes  # only the tests may look at the code lists

HEX = re.compile(r"#[0-9A-F]{6}")


def luminance(hex_color: str) -> float:
    """WCAG relative luminance: 0 for black, 1 for white."""

    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b, _ = hex_to_rgb(hex_color)
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


# ---- every code has a colour ----------------------------------------------------------------


def test_every_channel_has_a_colour():
    assert set(CHANNEL_COLORS) == set(codes.CHANNELS)


def test_every_partner_kind_has_a_colour():
    assert set(KIND_COLORS) == set(codes.PARTNER_KINDS)


def test_every_end_has_a_colour():
    assert set(END_COLORS) == set(codes.ENDS)


def test_every_tier_has_a_colour():
    assert set(TIER_COLORS) == set(codes.TIERS)


def test_every_stage_and_refunds_have_a_colour():
    assert set(STAGE_COLORS) == set(codes.STAGES) | {codes.REFUNDED}


# ---- the agreed colours (Okabe–Ito based) ---------------------------------------------------


def test_categorical_colours_are_the_agreed_ones():
    assert CHANNEL_COLORS == {
        "campus": "#0072B2",
        "enterprise": "#E69F00",
        "government": "#009E73",
        "online": "#CC79A7",
        "branch": "#D55E00",
    }
    assert END_COLORS == {"S": "#0072B2", "B": "#E69F00", "G": "#009E73"}
    assert KIND_COLORS == {
        "university": "#0072B2",
        "vocational_college": "#56B4E9",
        "technical_school": "#1B3F73",
        "enterprise": "#E69F00",
        "government": "#009E73",
    }
    assert TIER_COLORS == {"capital": "#1B3F73", "prefecture": "#56B4E9", "county": "#E69F00"}
    assert MONEY_COLORS == {"planned": "#9AA5B1", "committed": "#56B4E9", "disbursed": "#0072B2"}
    assert (palette.RISK_COLOR, palette.NEUTRAL, palette.GRID) == ("#D55E00", "#9AA5B1", "#E6E9EF")


def test_each_end_keeps_its_colour_across_channels_and_kinds():
    # The school end, the campus channel and universities read as one colour on every page.
    assert CHANNEL_COLORS["campus"] == END_COLORS["S"] == KIND_COLORS["university"]
    assert CHANNEL_COLORS["enterprise"] == END_COLORS["B"] == KIND_COLORS["enterprise"]
    assert CHANNEL_COLORS["government"] == END_COLORS["G"] == KIND_COLORS["government"]


@pytest.mark.parametrize("mapping", [CHANNEL_COLORS, END_COLORS, KIND_COLORS, TIER_COLORS, MONEY_COLORS, STAGE_COLORS])
def test_colours_within_a_group_are_distinct(mapping):
    assert len(set(mapping.values())) == len(mapping)


def test_every_colour_is_an_uppercase_hex_triplet():
    groups = [CHANNEL_COLORS, END_COLORS, KIND_COLORS, TIER_COLORS, MONEY_COLORS, STAGE_COLORS]
    colours = [c for g in groups for c in g.values()] + list(SEQUENTIAL)
    colours += [palette.RISK_COLOR, palette.NEUTRAL, palette.GRID, palette.NO_DATA, palette.TEXT]
    assert [c for c in colours if not HEX.fullmatch(c)] == []


# ---- sequential scales ----------------------------------------------------------------------


def test_sequential_scale_has_six_or_seven_steps_from_light_to_dark():
    assert 6 <= len(SEQUENTIAL) <= 7
    lum = [luminance(c) for c in SEQUENTIAL]
    assert lum == sorted(lum, reverse=True) and len(set(lum)) == len(lum)
    assert lum[0] > 0.75 and lum[-1] < 0.08  # readable on white at the light end, near navy at the other


def test_sequential_scale_is_blue():
    for c in SEQUENTIAL:
        r, g, b, _ = hex_to_rgb(c)
        assert b >= r and b >= g, c


def test_no_data_grey_is_not_a_step_of_the_scale():
    def distance(a: str, b: str) -> float:
        return math.dist(hex_to_rgb(a)[:3], hex_to_rgb(b)[:3])

    assert min(distance(palette.NO_DATA, c) for c in SEQUENTIAL) > 20


def test_stage_colours_darken_along_the_funnel_and_refunds_are_the_alarm_colour():
    lum = [luminance(STAGE_COLORS[s]) for s in codes.STAGES]
    assert lum == sorted(lum, reverse=True)
    assert STAGE_COLORS[codes.REFUNDED] == palette.RISK_COLOR == "#D55E00"


# ---- helpers --------------------------------------------------------------------------------


def test_hex_to_rgb_gives_pydeck_rgba():
    assert hex_to_rgb("#0072B2") == [0, 114, 178, 255]
    assert hex_to_rgb("0072b2", alpha=128) == [0, 114, 178, 128]
    assert hex_to_rgb("#07B") == [0, 119, 187, 255]


@pytest.mark.parametrize("bad", ["", "#12345", "#GG0000", "blue"])
def test_hex_to_rgb_rejects_what_is_not_a_colour(bad):
    with pytest.raises(ValueError):
        hex_to_rgb(bad)


def test_sequential_colors_spread_from_lightest_to_darkest():
    assert sequential_colors(len(SEQUENTIAL)) == list(SEQUENTIAL)
    three = sequential_colors(3)
    assert three[0] == SEQUENTIAL[0] and three[-1] == SEQUENTIAL[-1] and len(set(three)) == 3
    assert len(sequential_colors(1)) == 1 and sequential_colors(0) == []


def test_sequential_rgb_maps_the_range_onto_the_scale():
    assert sequential_rgb(0, 0, 100) == hex_to_rgb(SEQUENTIAL[0])
    assert sequential_rgb(100, 0, 100) == hex_to_rgb(SEQUENTIAL[-1])
    assert sequential_rgb(-5, 0, 100) == hex_to_rgb(SEQUENTIAL[0])  # clamped
    assert sequential_rgb(500, 0, 100) == hex_to_rgb(SEQUENTIAL[-1])
    assert sequential_rgb(3, 3, 3) == hex_to_rgb(SEQUENTIAL[0])  # zero-width range


def test_sequential_rgb_never_gets_lighter_as_the_value_grows():
    steps = [sequential_index(v, 0, 10) for v in range(11)]
    assert steps == sorted(steps) and steps[0] == 0 and steps[-1] == len(SEQUENTIAL) - 1


@pytest.mark.parametrize("missing", [None, float("nan"), "n/a"])
def test_sequential_rgb_of_a_missing_value_is_the_no_data_grey(missing):
    assert sequential_rgb(missing, 0, 10) == hex_to_rgb(palette.NO_DATA)


def test_sequential_rgb_with_fewer_steps_uses_the_spread_colours():
    assert sequential_rgb(9, 0, 10, steps=3) == hex_to_rgb(sequential_colors(3)[-1])
    assert sequential_rgb(0, 0, 10, steps=3, alpha=100)[3] == 100


def test_font_family_starts_with_a_cjk_font():
    assert palette.FONT_FAMILY.startswith("Noto Sans CJK SC") and palette.FONT_FAMILY.endswith("sans-serif")
