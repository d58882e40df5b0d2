"""CLI: ``python -m data_access.seed --database-url URL --learners N --seed S [--replace]``."""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from sqlalchemy.exc import SQLAlchemyError

from data_access import config
from data_access.seed import AlreadySeeded, seed_database
from data_access.seed.business import DEFAULT_UNTIL


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m data_access.seed", description=__doc__)
    parser.add_argument(
        "--database-url", default=None, help="SQLAlchemy URL; default: DATABASE_URL, secrets.toml, or the embedded data/cockpit.db"
    )
    parser.add_argument("--learners", type=int, default=60_000, help="learners to generate (about 2.4 events each)")
    parser.add_argument("--seed", type=int, default=42, help="random seed; the same seed gives identical data")
    parser.add_argument(
        "--until", type=dt.date.fromisoformat, default=DEFAULT_UNTIL, help=f"last day of generated activity (default {DEFAULT_UNTIL})"
    )
    parser.add_argument("--replace", action="store_true", help="delete all existing rows first")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    if args.learners < 0:
        parser.error("--learners must be >= 0")
    url = args.database_url or config.database_url()
    try:
        engine = config.bulk_engine(url)
        report = seed_database(
            engine, learners=args.learners, seed=args.seed, until=args.until, replace=args.replace, progress=not args.quiet
        )
    except AlreadySeeded as exc:
        print(f"seed: {exc}", file=sys.stderr)
        return 2
    except SQLAlchemyError as exc:
        print(f"seed: cannot write to {config.describe(url)}: {exc.__class__.__name__}: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 1
    print(f"seeded {config.describe(url)} in {report.seconds:.1f} s")
    for name, n in report.rows.items():
        print(f"  {name:<14}{n:>12,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
