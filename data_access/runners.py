"""Fresh, uncached reads and writes of the app's own tables: the signed-in user's row, users and
the audit log for the admin page, the export audit writer, and the runners through which pages
call data_access.subscriptions / alerts / upkeep / asked functions on a connection of their own. Never
cached: a user disabled, an upload applied or a subscription saved shows on the next click.

All of it runs on the write engine (config.write_database_url): with the pages on a read replica,
these reads are the primary's, so a change is seen at once (a user disabled loses access on their
next click, not after the replication lag) and every write reaches the primary.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
from sqlalchemy.exc import SQLAlchemyError

from data_access import access, config
from data_access.engine import DataUnavailable, describe, write_engine


def user(email: str) -> access.User | None:
    """The signed-in user's row, read fresh on every run (never cached: disabling a user or
    changing their provinces takes effect on their next click)."""
    try:
        with write_engine().connect() as conn:
            return access.get_user(conn, email)
    except SQLAlchemyError as exc:
        raise DataUnavailable(describe(exc)) from exc


class ExportRefused(PermissionError):
    """The user may no longer export this view (disabled, or their provinces changed since it was drawn)."""


def audit_writer(
    *,
    actor: str,
    provinces: str,
    filters: dict[str, list[str]],
    data_as_of,
    recheck: tuple[tuple[str, ...], dict[str, str], str] | None = None,
) -> Callable[..., None]:
    """A function that records one export of this run's view: ``write(page=, item=, fmt=)``.

    Download callables run later, on a server thread without a script context and without a
    rerun of the frame, so the engine and the run's identity and scope are bound now. With
    ``recheck = (scope provinces, region of each province, role)`` the user's row is read again at
    the click: a user disabled, given another role (a demoted admin and the audit log), or no longer
    granted a province of the view, since the page was drawn gets ExportRefused. A failure to write
    raises too: an export that cannot be audited is not handed out.
    """
    eng = write_engine()

    def write(*, page: str, item: str, fmt: str, action: str = "export") -> None:
        with eng.begin() as conn:
            if recheck is not None:
                wanted, region_of, role = recheck
                now = access.get_user(conn, actor)
                now_allowed = set(access.allowed_provinces(now, region_of))
                if now is None or now.role != role or not now_allowed or not set(wanted) <= now_allowed:
                    raise ExportRefused(f"{actor} may no longer export this view")
            access.record(
                conn, actor=actor, action=action, page=page, item=item, fmt=fmt, provinces=provinces, filters=filters, data_as_of=data_as_of
            )

    return write


def _admin(fn: Callable, *, write: bool = False, **kwargs):
    """Run an access function (data_access.access) on a fresh connection; writes commit at once."""
    try:
        with write_engine().begin() if write else write_engine().connect() as conn:
            return fn(conn, **kwargs)
    except SQLAlchemyError as exc:
        raise DataUnavailable(describe(exc)) from exc


def users() -> list[access.User]:
    """Every user (admin page)."""
    return _admin(access.list_users)


def add_user(**kwargs) -> access.User:
    """Create a user and audit it (admin page); access.UserError says what is wrong."""
    return _admin(access.add_user, write=True, **kwargs)


def set_user(**kwargs) -> access.User:
    """Change a user and audit it (admin page); access.UserError says what is wrong."""
    return _admin(access.set_user, write=True, **kwargs)


def audit_log(**filters) -> pd.DataFrame:
    """The audit log, newest first, with the admin page's filters (never cached: it is the record)."""
    return _admin(access.get_audit_log, **filters)


def audit_actors() -> list[str]:
    """Everyone in the audit log."""
    return _admin(access.get_audit_actors)


def digest_run(fn: Callable, *, write: bool = False, **kwargs):
    """Run a data_access.subscriptions or alerts function on a fresh connection (``write``: one
    transaction). Never cached: a user's own subscriptions and the alerts of now."""
    return _admin(fn, write=write, **kwargs)


def upkeep_run(fn: Callable, *, write: bool = False, **kwargs):
    """Run a data_access.upkeep function on a fresh connection (``write``: in one transaction that
    commits at the end, or rolls back whole on any error, without a page's statement deadline: an
    import of 10,000 partners is bulk work, config.for_bulk_work)."""
    if not write:
        return _admin(fn, **kwargs)

    def bulk(conn, **kw):
        config.for_bulk_work(conn)
        return fn(conn, **kw)

    return _admin(bulk, write=True, **kwargs)


def bind_identity(*, email: str, issuer: str, subject: str) -> bool:
    """Bind an unbound user row to the identity that first signed in with its e-mail (audited)."""
    return _admin(access.bind_identity, write=True, email=email, issuer=issuer, subject=subject)


def record_sign_in_refused(*, email: str, reason: str, issuer: str, subject: str) -> None:
    """Audit a refused sign-in (unverified e-mail, another subject than the bound one)."""
    _admin(
        access.record,
        write=True,
        actor=email or "(no e-mail)",
        action="signin_refused",
        item=email,
        detail=f"{reason}: iss={issuer[:400] or '-'} sub={subject[:400] or '-'}",
    )


def asked(fn: Callable, *, write: bool = False, **kwargs):
    """Run a data_access.asked function (the questions typed, the synonyms added) on a fresh
    connection; writes commit at once. Never cached: a synonym added is understood on the next question."""
    return _admin(fn, write=write, **kwargs)


def events_run(fn: Callable, *, write: bool = False, **kwargs):
    """Run a data_access.events or data_access.notes function (the timeline's events, the notes on
    views: list, save, delete) on a fresh connection; a change commits at once, audited, and bumps
    the data version (the views show it on their next run)."""
    return _admin(fn, write=write, **kwargs)
