"""``users``: who may sign in, their role and provinces (``users add|list|set|reset-identity``)."""

from __future__ import annotations

import sys

from components.commands._parser import OneLineParser


def users(argv: list[str]) -> int:
    """Manage who may sign in and which provinces they see; returns the exit code."""
    from sqlalchemy.exc import SQLAlchemyError

    from data_access import access, bootstrap, codes, config

    parser = OneLineParser(prog="python -m components.cli users", description="Manage the cockpit's users.")
    parser.add_argument("--database-url", default=None, help="default: as the app (DATABASE_URL, secrets.toml, embedded)")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)
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
    reset = sub.add_parser("reset-identity", help="forget the sign-in account a user is bound to; the next sign-in binds again")
    reset.add_argument("email")
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
                user = access.add_user(
                    conn,
                    email=args.email,
                    role=args.role,
                    actor=actor,
                    name=args.name,
                    provinces=args.province or (),
                    regions=args.region or (),
                )
                print(f"added {user.email}: {user.describe()}")
            elif args.command == "set":
                enabled = True if args.enable else False if args.disable else None
                user = access.set_user(
                    conn,
                    email=args.email,
                    actor=actor,
                    role=args.role,
                    name=args.name,
                    enabled=enabled,
                    provinces=args.province,
                    regions=args.region,
                )
                print(f"changed {user.email}: {user.describe()}")
            elif args.command == "reset-identity":
                user = access.reset_identity(conn, email=args.email, actor=actor)
                print(f"reset {user.email}: the next sign-in with this e-mail binds it to that account")
            else:
                rows = access.list_users(conn)
                if not rows:
                    print("no users yet: add the first admin with `users add EMAIL --role admin`")
                for user in rows:
                    grants = ",".join((*user.provinces, *user.regions)) or "(all)"
                    bound = "bound" if user.subject else "unbound"
                    print(f"{user.email:<40} {user.role:<10} {'enabled' if user.enabled else 'DISABLED':<9} {bound:<8} {grants}")
    except access.UserError as exc:
        print(f"users: {exc}", file=sys.stderr)
        return 2
    except SQLAlchemyError as exc:
        print(f"users: cannot write {config.describe(url)}: {exc.__class__.__name__}: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 1
    return 0
