"""``digest``: send the alert digests that are due now, then exit — for the scheduler the company
already has (cron, a systemd timer, a Kubernetes CronJob; README, "Alerts and digests").

    python -m components.cli digest --due [--dry-run] [--now 2026-12-07T08:05+08:00]

For each enabled subscription whose period is due (data_access/subscriptions.py): the owner's
provinces today (a digest never shows more than its owner may see now), the Overview's cards and
the chosen sections for that scope (the same section code as the pages and packs), the alerts of
the scope (data_access/alerts.py), then one message: an e-mail with the briefing-pack PDF attached,
or a group-robot markdown message. Each delivery is claimed before it is sent and recorded after
(sent, failed → retried with backoff on later runs, gave up), writes the export audit row when
sent, and one broken channel never stops the others.

A subscription whose owner is disabled or removed is not built and not tried: its period is
recorded ``paused`` (no failure) and goes out when the owner is enabled again. A group robot is
re-checked at send time against its audience in the settings (``subscriptions.robot_allowed``):
a robot the owner may no longer send this digest to is given up, with the reason, and not retried;
its webhook goes out only within the egress policy (``delivery.egress_policy``).

Exit codes: 0 every due digest sent, paused or none due, 4 some deliveries failed (recorded;
retried on the next runs, or given up), 1 database unreachable, 2 bad arguments.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from dataclasses import dataclass
from typing import Any

from components.commands._parser import OneLineParser, visible


@dataclass(frozen=True)
class Prepared:
    """One subscription's digest for one period, ready to send."""

    digest: Any  # components.delivery.channels.Digest
    ctx: Any  # components.sections.Context
    views: list  # the pack's views (kpis first)
    alerts: list
    params: dict[str, list[str]]
    provinces: tuple[str, ...]


def base_url(secrets: dict, env) -> str:
    """Where the digest's link points: [cockpit] base_url, or COCKPIT_BASE_URL."""
    return env.get("COCKPIT_BASE_URL") or (secrets.get("cockpit") or {}).get("base_url") or "http://localhost:8501"


def prepare(engine, conn, s, *, user, cat, thresholds, url: str) -> Prepared | None:
    """Build the digest of subscription ``s`` as its owner may see it now; None when the owner may
    see nothing (disabled, removed, or no province left)."""
    from components.context import context_from_params
    from components.delivery import digest
    from components.sections import build_views
    from data_access import access, alerts, reader

    allowed = access.allowed_provinces(user, cat.region_of)
    provinces = tuple(p for p in (s.provinces or allowed) if p in allowed)
    if not provinces:
        return None
    params = {"province": list(provinces), "lang": [s.lang]}
    ctx, _ = context_from_params(cat, params, allowed, actor=user.email, role=user.role, page="digest")
    ids = ["kpis", *[x for x in s.sections if x != "kpis"]]
    db = reader.direct(engine)
    views = build_views(db, ctx, ids)
    found = alerts.evaluate(conn, scope=ctx.scope, as_of=cat.as_of, thresholds=thresholds)  # cut to the scope there
    link_params = {k: v for k, v in params.items() if not (k == "lang" and v == ["zh"])}
    happened = db.get_events(scope=ctx.scope)  # 本期大事, as the owner may see them
    d = digest.build(ctx, views[0], found, url=digest.link(url, link_params), schedule=s.schedule, events=happened)
    return Prepared(d, ctx, views, found, params, provinces)


def robot_for(s, *, user, region_of, secrets: dict, env):
    """The robot subscription ``s`` names, when its owner may still send this digest there (the
    robot's audience in the settings now, the owner's provinces and role now); a non-retryable
    DeliveryError otherwise: a setting or a grant changed, and a retry would not change it back."""
    from components.delivery import channels as delivery
    from data_access import subscriptions

    target = delivery.resolve_robot(s.target, secrets=secrets, env=env)
    if target.kind != s.channel:
        raise delivery.DeliveryError(s.channel, f"{s.target} is a {target.kind} robot", retryable=False)
    if not subscriptions.robot_allowed(target.audience, user, region_of, s.provinces):
        raise delivery.DeliveryError(
            s.channel,
            f"{s.target} may not receive this digest: its audience (provinces, "
            "regions, roles) does not cover the digest's provinces or its owner's role",
            retryable=False,
        )
    return target


def send(p: Prepared, s, *, user, secrets: dict, env, target=None) -> str:
    """Send one prepared digest (a robot's ``target`` from :func:`robot_for`); the format for the
    audit row. Raises DeliveryError."""
    from components.briefing import appendix, pack_meta
    from components.delivery import channels as delivery
    from components.export import ExportUnavailable, build_pdf, export_filename
    from components.i18n import t

    if s.channel == "email":
        settings = delivery.smtp_settings(secrets, env)
        try:
            pdf = build_pdf(pack_meta(p.ctx), [v.slide() for v in p.views], appendix_tables=appendix(p.views, p.ctx.lang))
        except ExportUnavailable as exc:  # no Chromium / fonts on this host: retry once fixed
            raise delivery.DeliveryError("email", f"pack: {exc}", retryable=True) from exc
        name = export_filename(t("digest.file", s.lang), p.ctx.text.file_part, p.ctx.as_of, "pdf")
        message = delivery.digest_email(p.digest, sender=settings.sender, to=[user.email], attachments=[delivery.Attachment(name, pdf)])
        delivery.send_email(message, settings=settings)
        return "pdf"
    if target is None:
        raise delivery.DeliveryError(s.channel, "no robot checked for this digest", retryable=False)
    delivery.send_robot(target, p.digest, policy=delivery.egress_policy(secrets, env))
    return "md"


def digest(argv: list[str]) -> int:
    """Send (or with --dry-run print) every digest due now; returns the exit code."""
    from sqlalchemy.exc import SQLAlchemyError

    from components.context import read_catalogue
    from components.delivery import channels as delivery
    from data_access import access, alerts, config, subscriptions

    parser = OneLineParser(
        prog="python -m components.cli digest", description="Send the alert digests that are due now (for cron / systemd / CronJob)."
    )
    parser.add_argument("--due", action="store_true", required=True, help="send what is due now, then exit")
    parser.add_argument("--dry-run", action="store_true", help="print what would be sent; send and record nothing")
    parser.add_argument("--now", default=None, metavar="ISO", help="the moment to run as (default: now), e.g. 2026-12-07T08:05+08:00")
    parser.add_argument("--database-url", default=None, help="default: as the app (DATABASE_URL, secrets.toml, embedded)")
    args = parser.parse_args(argv)
    try:
        now = dt.datetime.fromisoformat(args.now) if args.now else dt.datetime.now(dt.timezone.utc)
    except ValueError:
        parser.error(f"--now: not an ISO date-time: {visible(args.now)}")
    if now.tzinfo is None:
        now = now.replace(tzinfo=subscriptions.TZ)
    secrets, env = delivery.read_secrets_file(), os.environ
    thresholds = alerts.Thresholds.from_settings(secrets, env)
    url_base = base_url(secrets, env)
    url = args.database_url or config.database_url()
    failed = 0
    try:
        engine = config.bulk_engine(url)  # a digest's views, for every subscription due, without a page's deadline
        with engine.connect() as conn:
            todo = subscriptions.due(conn, now)
            cat = read_catalogue(conn)
        if not todo:
            print(f"digest: nothing due at {now.isoformat(timespec='minutes')}")
            return 0
        for s, period in todo:
            label = f"#{s.id} {s.schedule} {period} {s.channel} → {visible(s.target)}"
            with engine.connect() as conn:
                user = access.get_user(conn, s.owner)
            if user is None or not user.enabled:  # paused with its owner: not a failure, nothing is tried
                why = "owner removed" if user is None else "owner disabled"
                if args.dry_run:
                    print(f"would pause {label}: {why}")
                    continue
                with engine.begin() as conn:
                    if subscriptions.pause(conn, s, period, now, reason=why):
                        print(f"paused {label}: {why}")
                continue
            attempt = 0
            if not args.dry_run:  # claim first: a period another run holds (or sent) is not even built
                with engine.begin() as conn:
                    claimed = subscriptions.claim(conn, s, period, now)
                if claimed is None:
                    continue
                attempt = claimed
            alerts_n, retryable = 0, True
            try:
                # before anything is built: a group the owner may not send to gets no figures at all
                target = None if s.channel == "email" else robot_for(s, user=user, region_of=cat.region_of, secrets=secrets, env=env)
                with engine.connect() as conn:
                    prepared = prepare(engine, conn, s, user=user, cat=cat, thresholds=thresholds, url=url_base)
                if prepared is None:
                    retryable = False
                    raise delivery.DeliveryError(s.channel, "its owner may see none of its provinces (grants changed)", retryable=False)
                alerts_n = len(prepared.alerts)
                if args.dry_run:
                    print(f"would send {label}\n  {alerts_n} alerts, {len(prepared.views)} sections; link {prepared.digest.link}")
                    for line in delivery.robot_markdown(prepared.digest, "wecom").splitlines():
                        print(f"  | {visible(line)}")
                    continue
                fmt = send(prepared, s, user=user, secrets=secrets, env=env, target=target)
            except SQLAlchemyError:
                raise  # the database is down: exit 1; the claim is taken over by a later run after 30 min
            except Exception as exc:  # noqa: BLE001 — one broken digest or channel must not stop the others
                failed += 1
                if isinstance(exc, delivery.DeliveryError):
                    retryable, reason = exc.retryable, str(exc)
                else:
                    reason = f"{exc.__class__.__name__}: {exc}"
                if args.dry_run:
                    print(f"would fail {label}: {reason}", file=sys.stderr)
                    continue
                with engine.begin() as conn:
                    status = subscriptions.finish(
                        conn, s, period, now, attempt=attempt, ok=False, retryable=retryable, error=reason, alerts=alerts_n
                    )
                print(f"{status} {label} (attempt {attempt}): {reason}", file=sys.stderr)
                continue
            with engine.begin() as conn:
                subscriptions.finish(conn, s, period, now, attempt=attempt, ok=True, alerts=alerts_n)
                access.record(
                    conn,
                    actor=f"digest:{s.owner}",
                    action="digest",
                    page="digest",
                    item=f"subscription#{s.id} {period}",
                    fmt=fmt,
                    provinces=access.provinces_text(prepared.provinces, cat.provinces),
                    filters=prepared.params,
                    data_as_of=cat.as_of,
                    detail=json.dumps(
                        {"channel": s.channel, "target": s.target, "alerts": alerts_n, "attempt": attempt}, ensure_ascii=False
                    ),
                )
            print(f"sent {label}: {alerts_n} alerts")
    except SQLAlchemyError as exc:
        print(f"digest: {config.describe(url)}: {exc.__class__.__name__}: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 1
    return 4 if failed else 0
