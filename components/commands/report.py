"""``report``: a briefing pack (PPTX or PDF) built headless from the same sections as the pages."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from components.commands._parser import OneLineParser


def report(argv: list[str]) -> int:
    """Build a briefing pack from the command line; returns the exit code."""
    from sqlalchemy.exc import SQLAlchemyError

    from components.briefing import appendix, pack_meta
    from components.context import context_from_params, read_catalogue
    from components.export import ExportUnavailable, build_pdf, build_pptx
    from components.sections import PACK_DEFAULT, SECTIONS, build_views, unknown_sections
    from data_access import access, codes, config, reader

    parser = OneLineParser(prog="python -m components.cli report", description="Build a briefing pack (PPTX or PDF).")
    parser.add_argument("--province", action="append", default=[], help="6-digit adcode; repeatable; default all")
    parser.add_argument("--region", action="append", default=[], choices=codes.REGIONS)
    parser.add_argument("--period", default="", help="2025 or 2025Q3; default the latest year with data")
    parser.add_argument("--end", action="append", default=[], choices=codes.ENDS)
    parser.add_argument("--channel", action="append", default=[], choices=codes.CHANNELS)
    parser.add_argument("--tier", action="append", default=[], choices=codes.TIERS)
    parser.add_argument("--programme", action="append", default=[], choices=codes.PROGRAMMES)
    parser.add_argument("--project-kind", action="append", default=[], choices=codes.PROJECT_KINDS)
    parser.add_argument("--lang", default="zh", choices=("zh", "en"))
    parser.add_argument(
        "--sections", default=",".join(PACK_DEFAULT), help=f"comma-separated; default {','.join(PACK_DEFAULT)}; all: {','.join(SECTIONS)}"
    )
    parser.add_argument("--out", type=Path, required=True, help="output file, .pptx or .pdf")
    parser.add_argument("--database-url", default=None, help="default: as the app (DATABASE_URL, secrets.toml, embedded)")
    args = parser.parse_args(argv)
    if args.out.suffix.lower() not in (".pptx", ".pdf"):
        parser.error("--out must end in .pptx or .pdf")
    sections = [s.strip() for s in args.sections.split(",") if s.strip()]
    unknown = unknown_sections(sections)
    if unknown or not sections:
        parser.error(f"unknown sections {unknown}; choose from {', '.join(SECTIONS)}")

    t0 = time.perf_counter()
    url = args.database_url or config.database_url()
    try:
        engine = config.make_engine(url)
        with engine.connect() as conn:
            cat = read_catalogue(conn)
        allowed, as_of = cat.provinces, cat.as_of
        params = {
            k: v
            for k, v in (
                ("province", args.province),
                ("region", args.region),
                ("end", args.end),
                ("channel", args.channel),
                ("tier", args.tier),
                ("programme", args.programme),
                ("project_kind", args.project_kind),
            )
            if v
        }
        if args.period:
            params["period"] = [args.period]
        params["lang"] = [args.lang]
        ctx, dropped = context_from_params(cat, params, allowed, actor=access.cli_actor(), role="executive", page="report")
        if dropped:
            parser.error(f"not understood: {', '.join(dropped)}")
        scope = ctx.scope
        views = build_views(reader.direct(engine), ctx, sections)
    except SQLAlchemyError as exc:
        print(f"report: cannot read {config.describe(url)}: {exc.__class__.__name__}: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 1
    t_data = time.perf_counter() - t0
    try:
        builder = build_pptx if args.out.suffix.lower() == ".pptx" else build_pdf
        data = builder(pack_meta(ctx), [v.slide() for v in views], appendix_tables=appendix(views, ctx.lang))
    except ExportUnavailable as exc:
        print(f"report: {exc}", file=sys.stderr)
        return 3
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(data)
    try:  # who ran which pack for which scope, as for a download in the app
        with engine.begin() as conn:
            access.record(
                conn,
                actor=access.cli_actor(),
                action="report",
                page="cli",
                item=",".join(sections),
                fmt=args.out.suffix.lower().lstrip("."),
                provinces=access.provinces_text(scope.provinces, allowed),
                filters=params,
                data_as_of=as_of,
                detail=str(args.out),
            )
    except SQLAlchemyError as exc:
        args.out.unlink(missing_ok=True)  # a pack that cannot be audited is not handed out
        print(f"report: cannot write the audit row: {exc.__class__.__name__}: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 1
    charts = sum(1 for v in views if v.figure is not None)
    print(
        f"wrote {args.out} ({len(data) / 1024:.0f} KB): {len(views)} sections, {charts} charts; "
        f"data {t_data:.1f} s, total {time.perf_counter() - t0:.1f} s"
    )
    for name, value in ctx.text.rows:
        print(f"  {name}: {value}")
    for v in views:
        print(f"  [{v.id}] {v.takeaway}")
    return 0
