"""URL parameters <-> Filters: the pure half of the filter bar."""

from __future__ import annotations

import datetime as dt

import pytest

from components.filters import CHANNELS, ENDS, TIERS, Filters, parse_params, period_bounds, period_options, to_params

ALLOWED = ("110000", "410000", "420000", "430000")
REGIONS = {"central": ("410000", "420000", "430000"), "north": ("110000",)}
PERIODS = ("2026", "2026Q3", "2026Q2", "2026Q1", "2025", "2025Q4")


def parse(**params):
    return parse_params(
        {k: v if isinstance(v, list) else [v] for k, v in params.items()}, allowed=ALLOWED, regions=REGIONS, periods=PERIODS
    )


def test_no_parameters_give_the_defaults():
    f, dropped = parse()
    assert f == Filters(provinces=(), period="2026", ends=ENDS, channels=CHANNELS, tiers=TIERS, lang="zh")
    assert dropped == []


def test_several_provinces_are_kept_in_catalogue_order():
    f, _ = parse(province=["420000", "410000"])
    assert f.provinces == ("410000", "420000")


def test_unknown_and_forbidden_provinces_are_dropped_and_reported():
    f, dropped = parse(province=["410000", "999999", "' OR 1=1 --", "650000"])
    assert f.provinces == ("410000",)
    assert "province=999999" in dropped and "province=650000" in dropped and len(dropped) == 3


def test_only_invalid_provinces_fall_back_to_all_rather_than_none():
    f, dropped = parse(province="999999")
    assert f.provinces == () and dropped == ["province=999999"]


def test_a_region_selects_its_provinces():
    f, _ = parse(region="central")
    assert f.provinces == ("410000", "420000", "430000")


def test_selecting_every_allowed_province_is_the_same_as_none():
    f, _ = parse(province=list(ALLOWED))
    assert f.provinces == ()


def test_an_explicit_empty_channel_means_no_channel():
    f, _ = parse(channel="")
    assert f.channels == ()


def test_bad_period_and_language_fall_back_with_a_notice():
    f, dropped = parse(period="2031Q5", lang="fr")
    assert (f.period, f.lang) == ("2026", "zh")
    assert set(dropped) == {"period=2031Q5", "lang=fr"}


def test_unknown_parameters_are_reported_and_long_values_shortened():
    _, dropped = parse(utm_source="x" * 500)
    assert len(dropped) == 1 and dropped[0].startswith("utm_source=") and len(dropped[0]) < 60


@pytest.mark.parametrize(
    "f",
    [
        Filters(provinces=("410000",), period="2025Q4", ends=("G",), channels=("online", "campus"), tiers=("county",), lang="en"),
        Filters(period="2026", channels=()),
        Filters(period="2026"),
    ],
)
def test_params_round_trip(f):
    params = to_params(f, default_period="2026")
    back, dropped = parse_params(params, allowed=ALLOWED, regions=REGIONS, periods=PERIODS)
    assert dropped == []
    assert back == Filters(
        f.provinces,
        f.period,
        tuple(e for e in ENDS if e in f.ends),
        tuple(c for c in CHANNELS if c in f.channels),
        tuple(x for x in TIERS if x in f.tiers),
        lang=f.lang,
    )


def test_defaults_are_left_out_of_the_url():
    assert to_params(Filters(period="2026"), default_period="2026") == {}


def test_period_options_stop_at_the_data_as_of_date():
    options = period_options(dt.date(2025, 2, 1), dt.date(2026, 5, 10))
    # The latest year's months follow its quarters (a cut month is a period of its own).
    assert options[:9] == ["2026", "2026Q2", "2026Q1", "2026-05", "2026-04", "2026-03", "2026-02", "2026-01", "2025"]
    assert "2026Q3" not in options and "2024" not in options and "2026-06" not in options and "2025-12" not in options


def test_a_period_ending_after_the_data_is_clamped_to_the_data_as_of_date():
    assert period_bounds("2026", dt.date(2026, 10, 31)) == (dt.date(2026, 1, 1), dt.date(2026, 11, 1))
    assert period_bounds("2025Q4", dt.date(2026, 10, 31)) == (dt.date(2025, 10, 1), dt.date(2026, 1, 1))


def test_scope_label_names_a_few_provinces_and_counts_the_rest():
    from components.filters import scope_label

    names = {"110000": ("北京市", "Beijing"), "410000": ("河南省", "Henan"), "420000": ("湖北省", "Hubei"), "430000": ("湖南省", "Hunan")}
    assert scope_label(ALLOWED, ALLOWED, names, "zh") == "全国"
    assert scope_label(("410000", "420000"), ALLOWED, names, "en") == "Henan, Hubei"
    assert scope_label(ALLOWED[:3] + ("999999",), ALLOWED + ("999999",), names, "zh") == "北京市、河南省、湖北省 +1"
    assert scope_label((), ALLOWED, names, "zh") == "—"


@pytest.mark.parametrize("hostile", ["[x](//e.vil/a)", "![i](//x.test/p)", "a\n---\n# big", "exec@corp.cn", "`code` <b>x</b>"])
def test_dropped_link_text_is_shown_literally_in_the_notice(hostile):
    from components.filters import dropped_text

    text = dropped_text([f"province={hostile}"], "zh")
    assert text.startswith("`") and text.endswith("`") and text.count("`") == 2
    assert "\n" not in text


# ---- the filters in words: one description for the page, file names, the pack and the XLSX sheet ----


def _describe(f, lang="zh", provinces=("410000",)):
    import datetime as dt

    from components.filters import describe_filters

    names = {"410000": ("河南省", "Henan"), "420000": ("湖北省", "Hubei")}
    return describe_filters(f, provinces=provinces, start=dt.date(2026, 7, 1), end=dt.date(2026, 10, 1), names=names, lang=lang)


def test_the_description_names_every_narrowed_filter_everywhere():
    from components.filters import Filters
    from components.i18n import label, t

    f = Filters(
        provinces=("410000",),
        period="2026Q3",
        ends=("B",),
        channels=("online", "campus"),
        tiers=("capital", "prefecture", "county"),
        lang="zh",
    )
    d = _describe(f)
    channels = "、".join(label("channel", c, "zh") for c in ("campus", "online"))  # catalogue order
    assert dict(d.slices) == {t("filter.kinds", "zh"): label("end", "B", "zh"), t("filter.channels", "zh"): channels}
    for place in (d.line, d.scope_and_slices):
        assert "河南省" in place and label("end", "B", "zh") in place and channels in place
        assert t("filter.tiers", "zh") not in place  # tiers are at "all": not narrowed, not named
    assert "2026Q3" in d.file_part and label("channel", "online", "zh") in d.file_part and "河南省" in d.file_part
    rows = dict(d.rows)
    assert rows[t("filter.tiers", "zh")] == t("filter.all", "zh") and rows[t("filter.channels", "zh")] == channels
    assert "2026年7月1日" in rows[t("filter.period", "zh")] and "2026年9月30日" in rows[t("filter.period", "zh")]


def test_a_slice_with_nothing_chosen_says_none_and_defaults_add_nothing():
    from components.filters import Filters
    from components.i18n import t

    d = _describe(Filters(period="2026", channels=(), lang="en"), lang="en", provinces=("410000", "420000"))
    assert dict(d.slices) == {t("filter.channels", "en"): t("filter.none", "en")}
    plain = _describe(Filters(period="2026", lang="en"), lang="en", provinces=("410000", "420000"))
    # Every province of the catalogue; the comparison is named on every footer and file name.
    assert plain.slices == () and plain.scope_and_slices == "National · Compared with: vs same period last year"
    assert plain.file_part == "National_2026_yoy"


def test_programme_and_project_kind_travel_in_the_url_like_the_other_slices():
    f, dropped = parse(programme="cert_1x", project_kind=["industry_college", "practice_base", "nope"])
    assert f.programmes == ("cert_1x",) and f.project_kinds == ("industry_college", "practice_base")
    assert dropped == ["project_kind=nope"]
    params = to_params(f, default_period="2026")
    assert params["programme"] == ["cert_1x"] and params["project_kind"] == ["industry_college", "practice_base"]
    assert parse(**params)[0] == f
    assert "programme" not in to_params(Filters(period="2026"), default_period="2026")


def test_only_this_one_narrows_one_filter_and_keeps_the_rest():
    from components.ui.filter_bar import isolate, only_options

    f = Filters(provinces=("410000", "420000"), period="2026", channels=CHANNELS)
    assert isolate(f, "channel:online", ALLOWED).channels == ("online",)
    assert isolate(f, "channel:online", ALLOWED).provinces == ("410000", "420000")
    assert isolate(f, "province:430000", ALLOWED).provinces == ("430000",)
    assert isolate(f, "province:999999", ALLOWED) == f and isolate(f, "tier:nowhere", ALLOWED) == f
    assert isolate(f, "programme:cert_1x", ALLOWED).programmes == ("cert_1x",)
    options = only_options(ALLOWED)
    assert "province:110000" in options and "project_kind:industry_college" in options
