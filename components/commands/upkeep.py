"""``import``: annual targets, partners and agreements, or events from an Excel workbook, with the
page's validator and preview (``python -m components.cli import targets|partners|events FILE.xlsx [--dry-run] [--as EMAIL]``)."""

from __future__ import annotations

import sys
from pathlib import Path

from components.commands._parser import OneLineParser, visible


def import_(argv: list[str]) -> int:
    """Validate, preview and (without --dry-run) apply one file; returns the exit code:
    0 applied or nothing to change, 2 any invalid row or bad argument (nothing written), 1 database unreachable."""
    import sqlalchemy as sa
    from sqlalchemy.exc import SQLAlchemyError

    from components.i18n import t, tn
    from components.upkeep.events import event_labels
    from components.upkeep.partners import partner_labels
    from components.upkeep.text import metric_labels, preview_text, problem_text
    from data_access import access, bootstrap, codes, config, schema, upkeep, upkeep_apply, upkeep_events, upkeep_partners

    parser = OneLineParser(
        prog="python -m components.cli import",
        description="Import annual targets, partners and agreements, or events from an XLSX file made from a Data upkeep template.",
    )
    parser.add_argument("kind", choices=("targets", "partners", "events"), help="what the file holds")
    parser.add_argument("file", help="an .xlsx file (the template of the Data upkeep page)")
    parser.add_argument("--dry-run", action="store_true", help="validate and preview only; write nothing")
    parser.add_argument(
        "--as",
        dest="as_user",
        default=None,
        metavar="EMAIL",
        help="act as this cockpit user (admin or analyst): their provinces bound the file",
    )
    parser.add_argument("--lang", choices=("zh", "en"), default="zh")
    parser.add_argument("--database-url", default=None, help="default: as the app (DATABASE_URL, secrets.toml, embedded)")
    args = parser.parse_args(argv)
    lang = args.lang
    path = Path(args.file)
    try:
        size = path.stat().st_size
        # Never read a huge file whole: one byte past the limit is enough for read_sheet to refuse it.
        with path.open("rb") as f:
            data = f.read(min(size, upkeep.MAX_BYTES) + 1)
    except OSError as exc:
        print(f"import: cannot read {visible(str(path))}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    url = args.database_url or config.database_url()
    status = bootstrap.ensure_database(url)
    if not status.ok:
        print(f"import: {status.message}", file=sys.stderr)
        return 1
    engine = config.bulk_engine(url)
    try:
        with engine.connect() as conn:
            region_of = dict(conn.execute(sa.select(schema.province.c.code, schema.province.c.region)).all())
            if args.as_user:
                user = access.get_user(conn, args.as_user)
                if user is None or not user.enabled or not upkeep.may_change_data(user.role, user.email):
                    print(f"import: {visible(args.as_user)}: {t('upkeep.error.role', lang)}", file=sys.stderr)
                    return 2
                uploader = upkeep.Uploader(
                    user.email, user.role, access.allowed_provinces(user, region_of), user.role in codes.NATIONAL_ROLES
                )
            else:  # an operator with database access, like `report`: every province
                uploader = upkeep.Uploader(access.cli_actor(), "operator", tuple(region_of), True)
            ref = upkeep.Reference.load(conn)
            rows: list
            if args.kind == "targets":
                rows, plan = upkeep.preview_targets(conn, data, uploader=uploader, metric_labels=metric_labels(), ref=ref)
            elif args.kind == "events":
                rows, plan = upkeep_events.preview_events(conn, data, uploader=uploader, labels=event_labels(), ref=ref)
            else:
                rows, plan = upkeep_partners.preview_partners(conn, data, uploader=uploader, labels=partner_labels(), ref=ref)
        if not plan.ok:
            for p in plan.problems:
                print(visible(problem_text(p, lang, args.kind)), file=sys.stderr)
            if plan.problem_count > len(plan.problems):
                print(tn("upkeep.more_problems", plan.problem_count - len(plan.problems), lang), file=sys.stderr)
            print(tn("upkeep.summary_problems", plan.problem_count, lang), file=sys.stderr)
            return 2
        for line in preview_text(plan, ref.provinces, lang, cities=ref.cities).splitlines():
            print(visible(line))
        if args.dry_run:
            print(t("upkeep.dry_run", lang))
            return 0
        with engine.begin() as conn:
            upload_id = upkeep_apply.apply_plan(
                conn,
                plan,
                rows,
                actor=uploader.actor,
                file_name=path.name,
                sha256=upkeep.file_sha256(data),
                source="cli",
                uploader=uploader,
            )
        if upload_id is None:
            print(t("upkeep.nothing_to_do", lang))
        else:
            print(t("upkeep.applied", lang, id=upload_id, **{k: v for k, v in plan.counts.items() if k != "unchanged"}))
        return 0
    except upkeep.UpkeepError as exc:
        print(f"import: {t(f'upkeep.error.{exc.code}', lang, **exc.params)}", file=sys.stderr)
        return 2
    except SQLAlchemyError as exc:
        print(f"import: {config.describe(url)}: {exc.__class__.__name__}: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 1
