"""The command line of the cockpit: ``serve`` the app, build a briefing ``report`` headless, manage ``users``.

This is the command-line composition root, as app.py is the browser's: the one module under
components/ that wires data_access to the builders (figure builders themselves never query).

  python -m components.cli serve [streamlit options, e.g. --server.port 8501]
  python -m components.cli report --province 420000 --period 2026 --lang zh \\
      --sections kpis,coverage_map,funnel --out reports/hubei.pptx [--pdf]
  python -m components.cli users add EMAIL --role regional --province 410000 [--region central ...]
  python -m components.cli users list
  python -m components.cli users set EMAIL [--role ...] [--province ... | --region ...] [--enable | --disable]

``report`` takes the same values as the URL (README, "Links and filters"), reads the database
configured for the app (DATABASE_URL, .streamlit/secrets.toml or the embedded default), and
writes a PPTX or PDF (by the --out suffix). Exit codes: 0 written, 2 bad arguments, 3 no
Chromium / CJK fonts, 1 database unreachable. ``users`` exits 0 done, 2 bad arguments (one clear
line), 1 database unreachable. Every ``report`` run and every user change writes an audit row with
the actor ``cli:<os user>``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
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
    from components.filters import (
        CHANNELS,
        ENDS,
        REGIONS,
        TIERS,
        parse_params,
        period_bounds,
        period_options,
        scope_label,
        selected_provinces,
    )
    from components.i18n import format_period
    from data_access import access, codes, config, queries
    from data_access.scope import Scope, selection_scope

    parser = _OneLineParser(prog="python -m components.cli report", description="Build a briefing pack (PPTX or PDF).")
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
    try:  # who ran which pack for which scope, as for a download in the app
        with engine.begin() as conn:
            access.record(conn, actor=access.cli_actor(), action="report", page="cli", item=",".join(sections),
                          fmt=args.out.suffix.lower().lstrip("."), provinces=access.provinces_text(scope.provinces, allowed),
                          filters=params, data_as_of=as_of, detail=str(args.out))
    except SQLAlchemyError as exc:
        args.out.unlink(missing_ok=True)  # a pack that cannot be audited is not handed out
        print(f"report: cannot write the audit row: {exc.__class__.__name__}: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 1
    charts = sum(1 for s in built if s.figure is not None)
    print(f"wrote {args.out} ({len(data) / 1024:.0f} KB): {len(built)} sections, {charts} charts; "
          f"data {t_data:.1f} s, total {time.perf_counter() - t0:.1f} s")
    for name, value in filter_rows(ctx, ends=filters.ends, channels=filters.channels, tiers=filters.tiers):
        print(f"  {name}: {value}")
    return 0


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _visible(text: str) -> str:
    """``text`` with every control character (line breaks, ANSI escapes, bidi overrides) shown as its escape."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


class _OneLineParser(argparse.ArgumentParser):
    """argparse, but a bad argument is one clear line on stderr and exit code 2.

    The line quotes what the operator typed; control characters in it are shown escaped, never
    sent to the terminal (a pasted value may hold a line break or an ANSI sequence).
    """

    def error(self, message: str):  # type: ignore[override]
        print(f"{self.prog}: {_visible(message)} (see --help)", file=sys.stderr)
        raise SystemExit(2)


def users(argv: list[str]) -> int:
    """Manage who may sign in and which provinces they see; returns the exit code."""
    from sqlalchemy.exc import SQLAlchemyError

    from data_access import access, bootstrap, codes, config

    parser = _OneLineParser(prog="python -m components.cli users", description="Manage the cockpit's users.")
    parser.add_argument("--database-url", default=None, help="default: as the app (DATABASE_URL, secrets.toml, embedded)")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_OneLineParser)
    add = sub.add_parser("add", help="add a user")
    add.add_argument("email")
    add.add_argument("--role", required=True, choices=codes.ROLES)
    add.add_argument("--name", default="")
    sub.add_parser("list", help="list users, their roles and grants")
    change = sub.add_parser("set", help="change a user (grants given replace the old ones)")
    change.add_argument("email")
    change.add_argument("--role", choices=codes.ROLES)
    change.add_argument("--name")
    state = change.add_mutually_exclusive_group()
    state.add_argument("--enable", action="store_true")
    state.add_argument("--disable", action="store_true")
    for p in (add, change):
        p.add_argument("--province", action="append", default=None, help="6-digit adcode; repeatable")
        p.add_argument("--region", action="append", default=None, choices=codes.REGIONS, help="repeatable")
    args = parser.parse_args(argv)

    url = args.database_url or config.database_url()
    status = bootstrap.ensure_database(url)  # the embedded default is created here on a fresh install
    if not status.ok:
        print(f"users: {status.message}", file=sys.stderr)
        return 1
    actor = access.cli_actor()
    try:
        with config.make_engine(url).begin() as conn:
            if args.command == "add":
                user = access.add_user(conn, email=args.email, role=args.role, actor=actor, name=args.name,
                                       provinces=args.province or (), regions=args.region or ())
                print(f"added {user.email}: {user.describe()}")
            elif args.command == "set":
                enabled = True if args.enable else False if args.disable else None
                user = access.set_user(conn, email=args.email, actor=actor, role=args.role, name=args.name,
                                       enabled=enabled, provinces=args.province, regions=args.region)
                print(f"changed {user.email}: {user.describe()}")
            else:
                rows = access.list_users(conn)
                if not rows:
                    print("no users yet: add the first admin with `users add EMAIL --role admin`")
                for user in rows:
                    grants = ",".join((*user.provinces, *user.regions)) or "(all)"
                    print(f"{user.email:<40} {user.role:<10} {'enabled' if user.enabled else 'DISABLED':<9} {grants}")
    except access.UserError as exc:
        print(f"users: {exc}", file=sys.stderr)
        return 2
    except SQLAlchemyError as exc:
        print(f"users: cannot write {config.describe(url)}: {exc.__class__.__name__}: {str(exc).splitlines()[0]}",
              file=sys.stderr)
        return 1
    return 0


COMMANDS = ("serve", "report", "users")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in COMMANDS:
        print(__doc__, file=sys.stderr)
        return 2
    if argv[0] == "serve":
        serve(argv[1:])
        return 0
    try:
        return report(argv[1:]) if argv[0] == "report" else users(argv[1:])
    except SystemExit as exc:  # argparse: --help (0) or a bad argument (2)
        return int(exc.code or 0)


if __name__ == "__main__":
    sys.exit(main())
