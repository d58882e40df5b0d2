"""The command line of the cockpit: ``serve`` the app, or build a briefing ``report`` headless.

This is the command-line composition root, as app.py is the browser's: the one module under
components/ that wires data_access to the builders (figure builders themselves never query).

  python -m components.cli serve [streamlit options, e.g. --server.port 8501]
  python -m components.cli report --province 420000 --period 2026 --lang zh \\
      --sections kpis,coverage_map,funnel --out reports/hubei.pptx [--pdf]

``report`` takes the same values as the URL (README, "Links and filters"), reads the database
configured for the app (DATABASE_URL, .streamlit/secrets.toml or the embedded default), and
writes a PPTX or PDF (by the --out suffix). Exit codes: 0 written, 2 bad arguments, 3 no
Chromium / CJK fonts, 1 database unreachable.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app.py"


def serve(argv: list[str]) -> None:
    """Start Streamlit on app.py with its legacy pages/ mode off.

    Streamlit turns on a v1 multipage mode for any app with a ``pages/`` folder until the first
    script run calls ``st.navigation``; a deep link as the first request after a start would run
    the page file without app.py. Switching the flag off first sends every run through the frame.
    """
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.web import cli

    PagesManager.uses_pages_directory = False
    sys.argv = ["streamlit", "run", str(APP), *argv]
    cli.main()


def report(argv: list[str]) -> int:
    """Build a briefing pack from the command line; returns the exit code."""
    from sqlalchemy.exc import SQLAlchemyError

    from components.briefing import SECTIONS, BriefContext, build_sections, filter_rows, pack_meta
    from components.export import ExportUnavailable, build_pdf, build_pptx
    from components.filters import (CHANNELS, ENDS, REGIONS, TIERS, parse_params, period_bounds, period_options,
                                    scope_label, selected_provinces)
    from components.i18n import format_period
    from data_access import codes, config, queries
    from data_access.scope import Scope, selection_scope

    parser = argparse.ArgumentParser(prog="python -m components.cli report", description="Build a briefing pack (PPTX or PDF).")
    parser.add_argument("--province", action="append", default=[], help="6-digit adcode; repeatable; default all")
    parser.add_argument("--region", action="append", default=[], choices=REGIONS)
    parser.add_argument("--period", default="", help="2025 or 2025Q3; default the latest year with data")
    parser.add_argument("--end", action="append", default=[], choices=ENDS)
    parser.add_argument("--channel", action="append", default=[], choices=CHANNELS)
    parser.add_argument("--tier", action="append", default=[], choices=TIERS)
    parser.add_argument("--lang", default="zh", choices=("zh", "en"))
    parser.add_argument("--sections", default=",".join(SECTIONS), help=f"comma-separated; default all: {','.join(SECTIONS)}")
    parser.add_argument("--out", type=Path, required=True, help="output file, .pptx or .pdf")
    parser.add_argument("--database-url", default=None, help="default: as the app (DATABASE_URL, secrets.toml, embedded)")
    args = parser.parse_args(argv)
    if args.out.suffix.lower() not in (".pptx", ".pdf"):
        parser.error("--out must end in .pptx or .pdf")
    sections = [s.strip() for s in args.sections.split(",") if s.strip()]
    unknown = [s for s in sections if s not in SECTIONS]
    if unknown or not sections:
        parser.error(f"unknown sections {unknown}; choose from {', '.join(SECTIONS)}")

    t0 = time.perf_counter()
    url = args.database_url or config.database_url()
    try:
        engine = config.make_engine(url)
        with engine.connect() as conn:
            catalogue = queries.get_province_catalogue(conn)
            allowed = tuple(catalogue["province_code"])
            everything = Scope(allowed, dt.date(1990, 1, 1), dt.date(2100, 1, 1))
            fresh = queries.get_data_freshness(conn, scope=everything)
        as_of = queries.data_as_of(fresh) or dt.date.today()
        first = fresh.set_index("source").loc["funnel_event", "earliest_on"] or dt.date(as_of.year, 1, 1)
        regions = {r: tuple(catalogue.loc[catalogue["region"] == r, "province_code"]) for r in codes.REGIONS}
        params = {k: v for k, v in (("province", args.province), ("region", args.region), ("end", args.end),
                                    ("channel", args.channel), ("tier", args.tier)) if v}
        if args.period:
            params["period"] = [args.period]
        params["lang"] = [args.lang]
        filters, dropped = parse_params(params, allowed=allowed, regions=regions, periods=period_options(first, as_of))
        if dropped:
            parser.error(f"not understood: {', '.join(dropped)}")
        start, end = period_bounds(filters.period, as_of)
        scope = selection_scope(selected_provinces(filters, allowed), start, end, ends=filters.ends,
                                channels=filters.channels, tiers=filters.tiers)
        names = {r.province_code: (r.name_zh, r.name_en) for r in catalogue.itertuples()}
        lang = filters.lang
        scope_text = scope_label(scope.provinces, allowed, names, lang)
        ctx = BriefContext(scope=scope, lang=lang, as_of=as_of, scope_text=scope_text,
                           period_text=format_period(filters.period, lang), names=names)

        results: dict[tuple, object] = {}

        def load(name: str, s, **kwargs):
            # Several sections read the same frame (as the app's cache shares it): query it once,
            # hand each section its own copy since sections add columns.
            key = (name, s, tuple(sorted(kwargs.items())))
            if key not in results:
                with engine.connect() as c:
                    results[key] = getattr(queries, name)(c, scope=s, **kwargs)
            value = results[key]
            return value.copy() if hasattr(value, "copy") else value

        built = build_sections(load, ctx, sections)
    except SQLAlchemyError as exc:
        print(f"report: cannot read {config.describe(url)}: {exc.__class__.__name__}: {str(exc).splitlines()[0]}",
              file=sys.stderr)
        return 1
    t_data = time.perf_counter() - t0
    try:
        builder = build_pptx if args.out.suffix.lower() == ".pptx" else build_pdf
        data = builder(pack_meta(ctx), built)
    except ExportUnavailable as exc:
        print(f"report: {exc}", file=sys.stderr)
        return 3
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(data)
    charts = sum(1 for s in built if s.figure is not None)
    print(f"wrote {args.out} ({len(data) / 1024:.0f} KB): {len(built)} sections, {charts} charts; "
          f"data {t_data:.1f} s, total {time.perf_counter() - t0:.1f} s")
    for name, value in filter_rows(ctx, ends=filters.ends, channels=filters.channels, tiers=filters.tiers):
        print(f"  {name}: {value}")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in ("serve", "report"):
        print(__doc__, file=sys.stderr)
        return 2
    if argv[0] == "serve":
        serve(argv[1:])
        return 0
    return report(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
