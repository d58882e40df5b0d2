"""The one palette of the cockpit: every chart, map and export takes its colours from here.

Categorical colours come from Okabe & Ito's colour-blind-safe set (blue #0072B2, orange
#E69F00, bluish green #009E73, reddish purple #CC79A7, vermillion #D55E00, sky blue #56B4E9),
plus a dark navy (#1B3F73) where a third blue-family shade is needed. The same meaning keeps
the same colour across pages: the school end, campus channel and universities are all blue,
the enterprise end orange, government green. Quantities use one light-to-dark blue scale,
which reads in order for every kind of colour vision and in greyscale print.

Colours are "#RRGGBB" strings (plotly); pydeck wants ``[r, g, b, a]`` lists: ``hex_to_rgb``.
"""

from __future__ import annotations

import math

__all__ = [
    "CHANNEL_COLORS",
    "END_COLORS",
    "FONT_FAMILY",
    "GRID",
    "KIND_COLORS",
    "MONEY_COLORS",
    "NEUTRAL",
    "NO_DATA",
    "RISK_COLOR",
    "SEQUENTIAL",
    "STAGE_COLORS",
    "TEXT",
    "TIER_COLORS",
    "hex_to_rgb",
    "sequential_colors",
    "sequential_index",
    "sequential_rgb",
]

# Enrolment channels (codes.CHANNELS).
CHANNEL_COLORS: dict[str, str] = {
    "campus": "#0072B2",
    "enterprise": "#E69F00",
    "government": "#009E73",
    "online": "#CC79A7",
    "branch": "#D55E00",
}
# The three ends (codes.ENDS): S schools, B enterprises, G government.
END_COLORS: dict[str, str] = {"S": "#0072B2", "B": "#E69F00", "G": "#009E73"}
# Partner kinds (codes.PARTNER_KINDS): the three school kinds are shades of the school end's blue.
KIND_COLORS: dict[str, str] = {
    "university": "#0072B2",
    "vocational_college": "#56B4E9",
    "technical_school": "#1B3F73",
    "enterprise": "#E69F00",
    "government": "#009E73",
}
# City tiers (codes.TIERS), for channel sinking.
TIER_COLORS: dict[str, str] = {"capital": "#1B3F73", "prefecture": "#56B4E9", "county": "#E69F00"}
# Money flows: planned -> committed -> disbursed, from pale to full.
MONEY_COLORS: dict[str, str] = {"planned": "#9AA5B1", "committed": "#56B4E9", "disbursed": "#0072B2"}

RISK_COLOR = "#D55E00"  # refunds, overdue payments, gaps: the one alarm colour
NEUTRAL = "#9AA5B1"  # "other", targets, reference lines
GRID = "#E6E9EF"  # gridlines and hairlines
TEXT = "#1F2933"  # titles and annotations on white
# Areas with no value (no leads, out of scope): a light grey that no step of SEQUENTIAL matches.
NO_DATA = "#DADDE2"

# Sequential scale for choropleths and heatmaps, light -> dark blue (7 steps). The first step is
# blue enough to tell from NO_DATA, the last is the navy used for titles, and each step is a
# clear lightness drop from the one before, so neighbouring provinces stay distinct.
SEQUENTIAL: tuple[str, ...] = (
    "#DCEAF7",
    "#C2DBF0",
    "#93BFE3",
    "#5F9FD1",
    "#3280BD",
    "#1C5F9E",
    "#1B3F73",
)

# Funnel stages (codes.STAGES) from light to dark blue as learners go deeper; refunds in the
# alarm colour because a refunded enrolment is a loss, not a stage.
STAGE_COLORS: dict[str, str] = {
    "lead": "#D6E6F5",
    "consultation": "#B0CFEA",
    "trial_class": "#84B3DC",
    "enrolled": "#5897CC",
    "completed": "#2F7AB9",
    "certified": "#1F5D99",
    "employed": "#1B3F73",
    "refunded": "#D55E00",
}

FONT_FAMILY = "Noto Sans CJK SC, Noto Sans SC, Microsoft YaHei, PingFang SC, sans-serif"


def hex_to_rgb(hex_color: str, alpha: int = 255) -> list[int]:
    """``"#0072B2"`` (or ``"0072B2"``, ``"#07B"``) -> ``[0, 114, 178, alpha]`` for pydeck."""
    text = hex_color.strip().lstrip("#")
    if len(text) == 3:
        text = "".join(ch * 2 for ch in text)
    if len(text) != 6:
        raise ValueError(f"not a #RRGGBB colour: {hex_color!r}")
    r, g, b = (int(text[i : i + 2], 16) for i in (0, 2, 4))
    return [r, g, b, int(alpha)]


def sequential_colors(n: int) -> list[str]:
    """``n`` colours of SEQUENTIAL, evenly spread from its lightest to its darkest step."""
    if n <= 0:
        return []
    if n == 1:
        return [SEQUENTIAL[len(SEQUENTIAL) // 2]]
    last = len(SEQUENTIAL) - 1
    return [SEQUENTIAL[round(i * last / (n - 1))] for i in range(n)]


def sequential_index(value: float | None, vmin: float, vmax: float, *, steps: int = len(SEQUENTIAL)) -> int | None:
    """The step (0 .. steps-1) of ``value`` on ``steps`` equal intervals of [vmin, vmax]; None if missing.

    Each interval includes its lower bound; values outside [vmin, vmax] fall in the end steps,
    and a zero-width range puts everything in step 0.
    """
    if value is None or isinstance(value, bool):
        return None
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    if math.isnan(v) or steps <= 0:
        return None
    if math.isinf(v):
        return steps - 1 if v > 0 else 0
    span = float(vmax) - float(vmin)
    if not span > 0:
        return 0
    return min(max(int((v - float(vmin)) / span * steps), 0), steps - 1)


def sequential_rgb(value: float | None, vmin: float, vmax: float, *, steps: int = len(SEQUENTIAL), alpha: int = 255) -> list[int]:
    """Colour of ``value`` on the sequential scale cut into ``steps`` equal intervals, as ``[r, g, b, a]``.

    A missing value (None, NaN, not a number) gets NO_DATA.
    """
    i = sequential_index(value, vmin, vmax, steps=steps)
    if i is None:
        return hex_to_rgb(NO_DATA, alpha)
    return hex_to_rgb(sequential_colors(steps)[i], alpha)
