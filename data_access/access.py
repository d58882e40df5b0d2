"""Users, roles, the provinces each may see, and the audit log (tables of migration 0002).

The frame (app.py) and the command line ask ``get_user`` who is looking and ``allowed_provinces``
what they may see; that tuple is the outer bound of every Scope built afterwards. Every change to a
user and every export writes one ``audit_log`` row through ``record``. Functions take an open
connection; callers own the transaction (``with engine.begin() as conn``), so a user change and
its audit row commit together or not at all.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from data_access import codes, schema

u, g, log = schema.app_user, schema.app_user_grant, schema.audit_log
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,189}$")
AUDIT_COLUMNS = ["at", "actor", "action", "page", "item", "format", "provinces", "filters", "data_as_of", "detail"]
ALL_PROVINCES = "*"


class UserError(ValueError):
    """A user change that cannot be made; the message says why, in one line."""


@dataclass(frozen=True)
class User:
    """One row of app_user with its grants."""

    email: str
    role: str
    enabled: bool = True
    provinces: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    name: str = ""
    changed_at: dt.datetime | None = None
    changed_by: str = ""
    issuer: str | None = None  # the provider identity this row is bound to (None = not bound yet)
    subject: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def describe(self) -> str:
        """One line for logs and the audit detail: role, enabled and grants."""
        grants = ",".join((*self.provinces, *self.regions)) or "-"
        return f"role={self.role} enabled={self.enabled} grants={grants}"


def now() -> dt.datetime:
    """UTC now without tzinfo (the DateTime columns hold naive UTC on all three dialects)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def cli_actor() -> str:
    """Who runs a command: ``cli:<os user>``."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no passwd entry (some containers)
        return "cli:unknown"


def normalise_email(email: str) -> str:
    """The e-mail as stored: trimmed and lower-cased; UserError if it is not an e-mail address."""
    value = (email or "").strip().lower()
    if not _EMAIL.match(value) or len(value) > 254:
        raise UserError(f"not an e-mail address: {email!r}")
    return value


def allowed_provinces(user: User | None, region_of: Mapping[str, str]) -> tuple[str, ...]:
    """The provinces ``user`` may see, in catalogue order: every province for executive and admin,
    the granted provinces plus the provinces of the granted regions for the others, nothing for
    a missing or disabled user. ``region_of`` maps each province code to its region."""
    if user is None or not user.enabled or user.role not in codes.ROLES:
        return ()
    if user.role in codes.NATIONAL_ROLES:
        return tuple(region_of)
    regions = set(user.regions)
    return tuple(p for p, r in region_of.items() if p in user.provinces or r in regions)


def _grants(conn: Connection, emails: Sequence[str] | None = None) -> dict[str, dict[str, list[str]]]:
    stmt = sa.select(g.c.email, g.c.kind, g.c.code).order_by(g.c.email, g.c.kind, g.c.code)
    if emails is not None:
        stmt = stmt.where(g.c.email.in_(list(emails)))
    out: dict[str, dict[str, list[str]]] = {}
    for email, kind, code in conn.execute(stmt):
        out.setdefault(email, {"province": [], "region": []})[kind].append(code)
    return out


def _user(row, grants: Mapping[str, list[str]] | None) -> User:
    grants = grants or {}
    return User(
        email=row.email,
        role=row.role,
        enabled=bool(row.enabled),
        name=row.name,
        provinces=tuple(grants.get("province", ())),
        regions=tuple(grants.get("region", ())),
        changed_at=row.changed_at,
        changed_by=row.changed_by,
        issuer=row.oidc_issuer,
        subject=row.oidc_subject,
    )


def get_user(conn: Connection, email: str) -> User | None:
    """The user with this e-mail (case-insensitive), or None if unknown or not an e-mail."""
    try:
        key = normalise_email(email)
    except UserError:
        return None
    row = conn.execute(sa.select(u).where(u.c.email == key)).first()
    return None if row is None else _user(row, _grants(conn, [key]).get(key))


def list_users(conn: Connection) -> list[User]:
    """Every user, by e-mail."""
    grants = _grants(conn)
    return [_user(row, grants.get(row.email)) for row in conn.execute(sa.select(u).order_by(u.c.email))]


def _check(conn: Connection, role: str, provinces: Iterable[str], regions: Iterable[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if role not in codes.ROLES:
        raise UserError(f"unknown role {role!r}; choose from {', '.join(codes.ROLES)}")
    provinces, regions = tuple(dict.fromkeys(provinces)), tuple(dict.fromkeys(regions))
    bad_regions = [r for r in regions if r not in codes.REGIONS]
    if bad_regions:
        raise UserError(f"unknown region {bad_regions[0]!r}; choose from {', '.join(codes.REGIONS)}")
    if provinces:
        known = set(conn.execute(sa.select(schema.province.c.code).where(schema.province.c.code.in_(list(provinces)))).scalars())
        unknown = [p for p in provinces if p not in known]
        if unknown:
            raise UserError(f"unknown province {unknown[0]!r}: use a 6-digit adcode such as 410000")
    if role not in codes.NATIONAL_ROLES and not (provinces or regions):
        raise UserError(f"a {role} user needs at least one --province or --region")
    return provinces, regions


def _write_grants(conn: Connection, email: str, provinces: Sequence[str], regions: Sequence[str]) -> None:
    conn.execute(g.delete().where(g.c.email == email))
    rows = [{"email": email, "kind": "province", "code": p} for p in provinces]
    rows += [{"email": email, "kind": "region", "code": r} for r in regions]
    if rows:
        conn.execute(g.insert(), rows)


def add_user(
    conn: Connection, *, email: str, role: str, actor: str, provinces: Iterable[str] = (), regions: Iterable[str] = (), name: str = ""
) -> User:
    """Create a user (enabled) with its grants and audit the change. UserError if it exists or is invalid."""
    key = normalise_email(email)
    if get_user(conn, key) is not None:
        raise UserError(f"{key} exists already; change it with `users set`")
    provinces, regions = _check(conn, role, provinces, regions)
    stamp = now()
    conn.execute(
        u.insert().values(
            email=key, role=role, name=name[:100], enabled=True, created_at=stamp, created_by=actor, changed_at=stamp, changed_by=actor
        )
    )
    _write_grants(conn, key, provinces, regions)
    user = get_user(conn, key)
    assert user is not None
    record(conn, actor=actor, action="user_add", item=key, detail=user.describe())
    return user


def set_user(
    conn: Connection,
    *,
    email: str,
    actor: str,
    role: str | None = None,
    provinces: Iterable[str] | None = None,
    regions: Iterable[str] | None = None,
    enabled: bool | None = None,
    name: str | None = None,
) -> User:
    """Change a user: role, grants (replaced when given), enabled, name; audited with before → after."""
    before = get_user(conn, email)
    if before is None:
        raise UserError(f"no user {email!r}; add it with `users add`")
    role = before.role if role is None else role
    new_provinces = before.provinces if provinces is None else tuple(provinces)
    new_regions = before.regions if regions is None else tuple(regions)
    new_provinces, new_regions = _check(conn, role, new_provinces, new_regions)
    values = {"role": role, "changed_at": now(), "changed_by": actor}
    if enabled is not None:
        values["enabled"] = enabled
    if name is not None:
        values["name"] = name[:100]
    conn.execute(u.update().where(u.c.email == before.email).values(**values))
    _write_grants(conn, before.email, new_provinces, new_regions)
    after = get_user(conn, before.email)
    assert after is not None
    detail = f"{before.describe()} -> {after.describe()}"
    if before.enabled != after.enabled:  # their digests pause and resume with them (components/commands/digest.py)
        n = conn.execute(
            sa.select(sa.func.count())
            .select_from(schema.subscription)
            .where(schema.subscription.c.owner == before.email, schema.subscription.c.enabled == sa.true())
        ).scalar_one()
        detail += f"; {n} subscriptions {'resumed' if after.enabled else 'paused'}"
    record(conn, actor=actor, action="user_set", item=before.email, detail=detail)
    return after


def bind_identity(conn: Connection, *, email: str, issuer: str, subject: str) -> bool:
    """Bind an unbound user row to the provider identity (issuer, subject) that first signed in with
    its e-mail; audited. Returns False when the row was bound meanwhile (the UPDATE only touches an
    unbound row, so two first sign-ins at once cannot both win) or the identity is bound to another row."""
    key = normalise_email(email)
    taken = conn.execute(sa.select(u.c.email).where(u.c.oidc_issuer == issuer, u.c.oidc_subject == subject)).first()
    if taken is not None:
        return taken.email == key
    done = conn.execute(
        u.update()
        .where(u.c.email == key, u.c.oidc_subject.is_(None))
        .values(oidc_issuer=issuer[:255], oidc_subject=subject[:255], bound_at=now())
    ).rowcount
    if done == 1:
        record(conn, actor=key, action="identity_bind", item=key, detail=f"iss={issuer[:400]} sub={subject[:400]}")
    return done == 1


def reset_identity(conn: Connection, *, email: str, actor: str) -> User:
    """Forget the provider identity a user row is bound to: the next sign-in with its e-mail binds
    again (after the person's provider account changed, or a wrong first binding); audited."""
    before = get_user(conn, email)
    if before is None:
        raise UserError(f"no user {email!r}; add it with `users add`")
    conn.execute(
        u.update()
        .where(u.c.email == before.email)
        .values(oidc_issuer=None, oidc_subject=None, bound_at=None, changed_at=now(), changed_by=actor)
    )
    record(
        conn, actor=actor, action="identity_reset", item=before.email, detail=f"was iss={before.issuer or '-'} sub={before.subject or '-'}"
    )
    after = get_user(conn, before.email)
    assert after is not None
    return after


def provinces_text(provinces: Sequence[str], allowed_all: Sequence[str] | None = None) -> str:
    """The scope's provinces for the audit row: ``*`` when it is every province there is."""
    if allowed_all is not None and set(provinces) == set(allowed_all):
        return ALL_PROVINCES
    return ",".join(provinces)[:400]


def record(
    conn: Connection,
    *,
    actor: str,
    action: str,
    page: str = "",
    item: str = "",
    fmt: str = "",
    provinces: str = "",
    filters: Mapping[str, Sequence[str]] | str = "",
    data_as_of: dt.date | None = None,
    detail: str = "",
) -> None:
    """Write one audit row (an export, a report run, a user change)."""
    if not isinstance(filters, str):
        filters = json.dumps({k: list(v) for k, v in filters.items()}, ensure_ascii=False, sort_keys=True)
    conn.execute(
        log.insert().values(
            at=now(),
            actor=actor[:254],
            action=action[:32],
            page=page[:32],
            item=item[:200],
            format=fmt[:8],
            provinces=provinces[:400],
            filters=filters[:2000],
            data_as_of=data_as_of,
            detail=detail[:2000],
        )
    )


def get_audit_log(
    conn: Connection,
    *,
    actor: str | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    fmt: str | None = None,
    action: str | None = None,
    limit: int = 5000,
) -> pd.DataFrame:
    """Audit rows, newest first. Columns: AUDIT_COLUMNS. ``end`` is inclusive (a whole day)."""
    stmt = sa.select(*[log.c[c] for c in AUDIT_COLUMNS]).order_by(log.c.at.desc(), log.c.id.desc()).limit(limit)
    if actor:
        stmt = stmt.where(log.c.actor == actor)
    if start:
        stmt = stmt.where(log.c.at >= dt.datetime.combine(start, dt.time()))
    if end:
        stmt = stmt.where(log.c.at < dt.datetime.combine(end + dt.timedelta(days=1), dt.time()))
    if fmt:
        stmt = stmt.where(log.c.format == fmt)
    if action:
        stmt = stmt.where(log.c.action == action)
    rows = conn.execute(stmt).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=AUDIT_COLUMNS)


def get_audit_actors(conn: Connection) -> list[str]:
    """Everyone who appears in the audit log (for the admin page's filter)."""
    return list(conn.execute(sa.select(log.c.actor).distinct().order_by(log.c.actor)).scalars())
