"""Digest delivery channels: e-mail over SMTP and the group robots of WeCom, DingTalk and Feishu.

The layer the ``digest --due`` runner sends through (issue 12). It knows nothing of subscriptions,
alerts or the database: it takes a :class:`Digest` whose text is already translated and formatted
(the runner renders it with ``components.i18n``) and bytes to attach, and either delivers or raises
one error type, :class:`DeliveryError`, whose ``retryable`` flag tells the runner whether to try
again on a later run.

Settings and secrets come from ``.streamlit/secrets.toml`` (a plain mapping, as ``components.ui.auth``
reads it; :func:`read_secrets_file` for the command line) and the environment, the environment
winning field by field (as ``DATABASE_URL`` wins in ``data_access.config``):

- ``[smtp]`` host, port, security (``starttls`` | ``ssl`` | ``plain``), user, password, sender,
  timeout_s, ca_file; or ``COCKPIT_SMTP_HOST``, ``COCKPIT_SMTP_PORT``, ... (:func:`smtp_settings`).
- ``[robot.<name>]`` kind, url, secret; or ``COCKPIT_ROBOT_<NAME>_KIND`` / ``_URL`` / ``_SECRET``.
  A subscription stores only the name (``"robot.sales_group"``), resolved at send time by
  :func:`resolve_robot`; names outside ``robot.`` are refused, so a stored name can never reach
  ``[auth]`` or ``[connections]``.
- Each robot's **audience** (:class:`RobotAudience`): ``provinces``, ``regions``, ``roles`` in its
  table, or ``COCKPIT_ROBOT_<NAME>_PROVINCES`` / ``_REGIONS`` / ``_ROLES`` (comma-separated): the
  group the robot posts to may see these provinces. Who may send there is decided by
  ``data_access.subscriptions.robot_allowed`` (the form, the save and the runner all ask it).
- Egress (:class:`EgressPolicy`, :func:`egress_policy`): ``[delivery] robot_hosts``,
  ``allow_http``, ``allow_private``; or ``COCKPIT_ROBOT_HOSTS`` (comma-separated),
  ``COCKPIT_ROBOT_ALLOW_HTTP``, ``COCKPIT_ROBOT_ALLOW_PRIVATE`` (1/0). A webhook is posted only
  over https, only to a listed host (default: the four vendor hosts below), only to public
  addresses (the name is resolved, every address checked, and the connection made to a checked
  address, so a DNS answer that changes between the check and the connect cannot redirect it),
  and a redirect is never followed. With an egress proxy (``HTTPS_PROXY``) the proxy resolves the
  name: the host allow-list still applies, the address check is then the proxy's job.

Retryable or not (:class:`DeliveryError`):

- retryable: connection refused/reset, DNS failure, timeouts, HTTP 5xx, 408 and 429, SMTP 4xx
  replies (greylisting, mailbox busy), a server that drops the connection, and the robots'
  "busy / too fast" codes (WeCom -1 and 45009, DingTalk -1 and 130101, Feishu 11232);
- not retryable: missing or invalid settings, an unknown secret name, HTTP 4xx, a TLS certificate
  that does not verify, SMTP authentication failure and 5xx replies (recipient or sender refused),
  a recipient refused while others got the mail (a retry would send it twice), a response that
  is not the robot's JSON, and every other non-zero ``errcode`` / ``code`` (invalid key or
  webhook, signature mismatch such as DingTalk 310000 or Feishu 19021, keyword filter ...), and
  a webhook the egress guard refuses (not https, a host not listed, a private address, a redirect).
  These need a person to fix a setting; retrying would only hammer the endpoint.

Wire formats, as looked up (third-party copies of the vendors' pages; the official pages are
developer.work.weixin.qq.com/document/path/91770, open.dingtalk.com "自定义机器人", open.feishu.cn
"自定义机器人使用指南"). Codes and limits marked (*) were not found in these sources and are from
memory: check them against the vendors' pages before relying on them.

- WeCom group robot: POST JSON ``{"msgtype": "markdown", "markdown": {"content": ...}}`` to
  ``https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=...``; content at most 4096 bytes of
  UTF-8; headings, bold, links, quotes and ``<font color="warning">``; reply ``{"errcode": 0}``
  (docs.zhuonian.xyz/api/wecom-webhook.html, aecore.glodon.com/doc/GGZYJY/c00f6a94208c4b50a013aa11931c80b1;
  93000 "invalid webhook url" in github.com/wes-lin/Cloud189Checkin/issues/175, 45009 "api freq
  out of limit" in github.com/WecomTeam/wecom-openclaw-plugin/issues/48).
- DingTalk custom robot: ``{"msgtype": "markdown", "markdown": {"title": ..., "text": ...}}``; with
  加签 the string ``timestamp + "\\n" + secret`` (timestamp in ms) is signed with HmacSHA256 keyed by
  the secret, Base64-encoded, URL-encoded and appended as ``&timestamp=..&sign=..``; the timestamp
  must be within an hour of DingTalk's clock (apifox.com/apidoc/docs-site/467052/doc-3550006,
  www.mihaoyun.com/wordpress/?p=391; 130101 "send too fast, exceed 20 times per minute" in
  github.com/ccfos/nightingale/issues/369; 310000 for a bad signature or keyword (*); a 20,000-byte
  text limit (*, seen in a code comment only)).
- Feishu custom bot: we send ``msg_type: "interactive"``, a card with a plain-text header title, a
  ``div`` whose text is ``lark_md`` (bold, links, line breaks render; headings do not, so the title
  goes in the header) and a button to the cockpit view. A card renders markdown-ish text best of the
  three types (``text`` shows markdown literally, ``post`` needs the text cut into tagged runs).
  With 签名校验, ``timestamp + "\\n" + secret`` (timestamp in s) is the HMAC-SHA256 *key* over an
  empty message, Base64, sent as ``"timestamp"`` and ``"sign"`` in the JSON body; reply
  ``{"code": 0}`` (zealot.ews.im/zh-Hans/docs/4.x/user-guide/webhooks/feishu,
  m.down10s.com/jiaocheng/5605312225.html, github.com/sharpHL/daily-ai-insight docs/feishu-signature.md;
  19021 for a bad signature or stale timestamp (*), 11232 "frequency limited" (*), a card of at most
  about 30 KB (*)).

Only the standard library is used (``smtplib``, ``email``, ``urllib.request``; the latter honours
``HTTPS_PROXY`` / ``NO_PROXY`` for a company egress proxy), and the vocabulary ``data_access.codes``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import http.client
import ipaddress
import json
import re
import smtplib
import socket
import ssl
import time
import tomllib
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

from data_access import codes, untrusted

SECRETS_PATH = Path(__file__).resolve().parents[2] / ".streamlit" / "secrets.toml"
ENV_PREFIX = "COCKPIT_"
ROBOT_KINDS = ("wecom", "dingtalk", "feishu")
SECURITY_MODES = ("starttls", "ssl", "plain")
ROBOT_TIMEOUT_S = 10.0
WECOM_MAX_BYTES = 4096  # the robot refuses longer markdown content
DINGTALK_MAX_BYTES = 20000
FEISHU_MAX_BYTES = 28000  # a card may be about 30 KB in all; leave room for the frame
# Codes the robots return with HTTP 200 that mean "later, not never".
RETRYABLE_CODES = {"wecom": {-1, 45009}, "dingtalk": {-1, 130101}, "feishu": {11232}}
_SECRET_NAME = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)+$")
_HOSTS = {"qyapi.weixin.qq.com": "wecom", "oapi.dingtalk.com": "dingtalk", "open.feishu.cn": "feishu", "open.larksuite.com": "feishu"}
# Where a webhook may go unless [delivery] robot_hosts / COCKPIT_ROBOT_HOSTS says otherwise: the
# vendors' own webhook hosts (WeCom, DingTalk, Feishu, Lark).
DEFAULT_ROBOT_HOSTS: tuple[str, ...] = tuple(_HOSTS)
_PROVINCE_CODE = re.compile(r"^[0-9]{6}$")


class DeliveryError(Exception):
    """A digest could not be delivered on ``channel``; ``retryable`` says whether a later run may succeed.

    ``reason`` is safe to store and show: it never holds a password, a robot key or a webhook URL.
    """

    def __init__(self, channel: str, reason: str, *, retryable: bool) -> None:
        super().__init__(f"{channel}: {reason} ({'retryable' if retryable else 'not retryable'})")
        self.channel = channel
        self.reason = reason
        self.retryable = retryable


# --------------------------------------------------------------------------- settings and secrets


def read_secrets_file(path: Path = SECRETS_PATH) -> dict[str, Any]:
    """The secrets.toml as a dict ({} when there is none), for runs outside Streamlit (the CLI runner)."""
    if not path.exists():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        # Not retryable: the file has to be fixed, and the message says where.
        raise DeliveryError("settings", f"{path} is not valid TOML ({exc})", retryable=False) from exc


@dataclass(frozen=True)
class SmtpSettings:
    """How to reach the company's mail server. ``security``: starttls (587), ssl (465) or plain (25, inside a trusted network)."""

    host: str
    sender: str
    port: int = 587
    security: str = "starttls"
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout_s: float = 30.0
    ca_file: str | None = None  # an internal CA bundle; default: the system's trust store

    def __post_init__(self) -> None:
        if not self.host or not self.sender:
            raise DeliveryError("email", "SMTP settings need host and sender ([smtp] or COCKPIT_SMTP_HOST / _SENDER)", retryable=False)
        if self.security not in SECURITY_MODES:
            raise DeliveryError(
                "email", f"SMTP security must be one of {', '.join(SECURITY_MODES)}, not {self.security!r}", retryable=False
            )
        if self.password and not self.user:
            raise DeliveryError("email", "SMTP password given without user", retryable=False)


def smtp_settings(secrets: Mapping[str, Any], env: Mapping[str, str]) -> SmtpSettings:
    """SMTP settings from ``[smtp]`` in the secrets, each field overridden by ``COCKPIT_SMTP_<FIELD>``."""
    section = secrets.get("smtp") or {}
    if not isinstance(section, Mapping):
        raise DeliveryError("email", "[smtp] in secrets.toml is not a table", retryable=False)

    def pick(key: str) -> Any:
        value = env.get(f"{ENV_PREFIX}SMTP_{key.upper()}")
        return value if value not in (None, "") else section.get(key)

    try:
        port = int(pick("port") or 0)
        timeout_s = float(pick("timeout_s") or 30.0)
    except (TypeError, ValueError) as exc:
        raise DeliveryError("email", f"SMTP port / timeout_s is not a number ({exc})", retryable=False) from exc
    security = str(pick("security") or "starttls").strip().lower()
    default_port = {"starttls": 587, "ssl": 465, "plain": 25}.get(security, 587)
    return SmtpSettings(
        host=str(pick("host") or ""),
        sender=str(pick("sender") or ""),
        port=port or default_port,
        security=security,
        user=pick("user") or None,
        password=pick("password") or None,
        timeout_s=timeout_s,
        ca_file=pick("ca_file") or None,
    )


def _env_name(name: str) -> str:
    return ENV_PREFIX + name.upper().replace(".", "_")


def resolve_secret(name: str, *, secrets: Mapping[str, Any], env: Mapping[str, str]) -> Any:
    """The value a dotted secret name points at: ``COCKPIT_<NAME>`` in the environment, else that path in the secrets.

    ``"robot.sales_group.url"`` is ``COCKPIT_ROBOT_SALES_GROUP_URL`` or ``[robot.sales_group] url``.
    Raises a non-retryable :class:`DeliveryError` for a malformed or unknown name. For names the
    code chooses; a name a user stored goes through :func:`resolve_robot`, which keeps it under robot.*.
    """
    if not _SECRET_NAME.match(name or ""):
        raise DeliveryError("settings", f"not a secret name: {name!r} (lower-case words joined by dots)", retryable=False)
    from_env = env.get(_env_name(name))
    if from_env:
        return from_env
    node: Any = secrets
    for part in name.split("."):
        if not isinstance(node, Mapping) or part not in node:
            raise DeliveryError("settings", f"no secret {name!r} in secrets.toml or {_env_name(name)}", retryable=False)
        node = node[part]
    return node


@dataclass(frozen=True)
class RobotAudience:
    """Who the group behind one robot is: it may see ``provinces`` and the provinces of ``regions``
    (neither given: a national group), and only owners of one of ``roles`` may send to it (empty:
    any role). The rule that reads it is ``data_access.subscriptions.robot_allowed``."""

    provinces: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()

    @property
    def national(self) -> bool:
        return not self.provinces and not self.regions


@dataclass(frozen=True)
class RobotTarget:
    """Where one group robot lives: its kind, the webhook URL (which holds the key), its signing
    secret, if any, and who may send to it."""

    kind: str
    url: str = field(repr=False)
    secret: str | None = field(default=None, repr=False)
    audience: RobotAudience = RobotAudience()

    def __post_init__(self) -> None:
        if self.kind not in ROBOT_KINDS:
            raise DeliveryError(self.kind or "robot", f"robot kind must be one of {', '.join(ROBOT_KINDS)}", retryable=False)
        if urllib.parse.urlsplit(self.url).scheme not in ("http", "https"):
            raise DeliveryError(self.kind, "robot url must be an http(s) URL", retryable=False)


def resolve_robot(name: str, *, secrets: Mapping[str, Any], env: Mapping[str, str]) -> RobotTarget:
    """The robot a subscription names (``"robot.sales_group"``): ``[robot.sales_group]`` or ``COCKPIT_ROBOT_SALES_GROUP_*``.

    ``kind`` may be left out when the URL's host is the vendor's (qyapi.weixin.qq.com,
    oapi.dingtalk.com, open.feishu.cn / open.larksuite.com).
    """
    if not name.startswith("robot."):
        raise DeliveryError("robot", f"robot secrets live under robot.*, not {name!r}", retryable=False)

    def field_of(key: str, *, required: bool) -> str | None:
        try:
            value = resolve_secret(f"{name}.{key}", secrets=secrets, env=env)
        except DeliveryError:
            if required:
                raise
            return None
        return str(value) if value not in (None, "") else None

    url = field_of("url", required=True) or ""
    kind = field_of("kind", required=False) or _HOSTS.get(urllib.parse.urlsplit(url).hostname or "", "")
    return RobotTarget(
        kind=kind.strip().lower(), url=url, secret=field_of("secret", required=False), audience=_audience(name, secrets=secrets, env=env)
    )


def _words(name: str, key: str, value: Any) -> tuple[str, ...]:
    """A list setting: a TOML list of strings, or one string of comma-separated words (the environment's form)."""
    if value is None:
        return ()
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)) or not all(isinstance(v, str) for v in items):
        raise DeliveryError("robot", f"{name}.{key} must be a list of strings or comma-separated words", retryable=False)
    return tuple(dict.fromkeys(v.strip() for v in items if v.strip()))


def _audience(name: str, *, secrets: Mapping[str, Any], env: Mapping[str, str]) -> RobotAudience:
    """The audience keys of robot ``name`` (environment winning key by key); an unknown region or
    role, or a province that is not a 6-digit adcode, is refused by name: a typo must not widen
    or silently empty who may send there."""

    def raw(key: str) -> Any:
        try:
            return resolve_secret(f"{name}.{key}", secrets=secrets, env=env)
        except DeliveryError:
            return None

    provinces, regions, roles = (_words(name, key, raw(key)) for key in ("provinces", "regions", "roles"))
    for key, values, ok in (
        ("provinces", provinces, _PROVINCE_CODE.match),
        ("regions", regions, codes.REGIONS.__contains__),
        ("roles", roles, codes.ROLES.__contains__),
    ):
        bad = [v for v in values if not ok(v)]
        if bad:
            raise DeliveryError("robot", f"{name}.{key}: unknown value {bad[0]!r}", retryable=False)
    return RobotAudience(provinces=provinces, regions=regions, roles=roles)


def configured_robots(secrets: Mapping[str, Any], env: Mapping[str, str]) -> list[tuple[str, str]]:
    """The robots a subscription may name: (``robot.<name>``, kind) from ``[robot.<name>]`` tables
    and ``COCKPIT_ROBOT_<NAME>_URL`` variables, sorted; a robot whose kind cannot be told is left out."""
    names = {f"robot.{k}" for k, v in (secrets.get("robot") or {}).items() if isinstance(v, Mapping)}
    names |= {
        "robot." + k[len(ENV_PREFIX + "ROBOT_") : -len("_URL")].lower()
        for k in env
        if k.startswith(ENV_PREFIX + "ROBOT_") and k.endswith("_URL") and len(k) > len(ENV_PREFIX + "ROBOT__URL")
    }
    out = []
    for name in sorted(names):
        try:
            out.append((name, resolve_robot(name, secrets=secrets, env=env).kind))
        except DeliveryError:
            continue
    return out


# --------------------------------------------------------------------------- what a digest says


@dataclass(frozen=True)
class Digest:
    """One digest, every string already translated and every number formatted by the caller.

    ``figures`` are (label, value) pairs ("线索数", "2,109"); ``alerts`` one line each;
    ``link`` the cockpit view with the filters in the URL.
    """

    title: str
    scope_line: str
    figures: Sequence[tuple[str, str]]
    alerts: Sequence[str]
    link: str
    figures_heading: str
    alerts_heading: str
    link_label: str
    no_alerts: str = ""
    footer: str = ""
    lang: str = "zh"  # only for punctuation and the HTML lang attribute; the words come translated
    events: Sequence[str] = ()  # 本期大事: one line each (date, title, where); the block is left out when empty
    events_heading: str = ""

    @property
    def colon(self) -> str:
        """The label/value separator: full-width in Chinese text."""
        return "：" if self.lang == "zh" else ": "


def _display_width(text: str) -> int:
    """Columns in a monospaced mail client: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def email_bodies(digest: Digest) -> tuple[str, str]:
    """The plain-text and HTML bodies of a digest e-mail (the HTML escapes every value).

    Names in the scope line and the alerts come from the database: both bodies drop their control,
    zero-width and direction-override characters (``untrusted.clean`` / ``untrusted.html``).
    """
    alerts = [untrusted.clean(a) for a in digest.alerts] or ([digest.no_alerts] if digest.no_alerts else [])
    width = max((_display_width(label) for label, _ in digest.figures), default=0)
    text = [digest.title, untrusted.clean(digest.scope_line), "", digest.figures_heading]
    text += [f"  {label}{' ' * (width - _display_width(label))}  {value}" for label, value in digest.figures]
    text += ["", digest.alerts_heading] + [f"  - {a}" for a in alerts]
    events = [untrusted.clean(x) for x in digest.events]
    if events:
        text += ["", digest.events_heading] + [f"  - {x}" for x in events]
    text += ["", f"{digest.link_label}{digest.colon}{digest.link}"] + ([digest.footer] if digest.footer else [])

    e = untrusted.html

    def row(label: str, value: str) -> str:  # "2,109 · 预计全年 2,484 · …": the figure bold, its note in grey beside it
        figure, _, note = value.partition(" · ")
        return (
            f'<tr><th align="left" style="padding:2px 12px 2px 0;font-weight:normal">{e(label)}</th>'
            f'<td align="right" style="padding:2px 12px 2px 0"><b>{e(figure)}</b></td>'
            f'<td align="left" style="padding:2px 0;color:#6b7280">{e(note)}</td></tr>'
        )

    rows = "".join(row(label, value) for label, value in digest.figures)
    items = "".join(f"<li>{e(a)}</li>" for a in alerts)
    page = (
        f'<!DOCTYPE html><html lang="{e(digest.lang)}"><head><meta charset="utf-8"><title>{e(digest.title)}</title></head>'
        f'<body style="font-family:sans-serif;color:#1f2937">'
        f"<h2>{e(digest.title)}</h2><p>{e(digest.scope_line)}</p>"
        f"<h3>{e(digest.figures_heading)}</h3><table>{rows}</table>"
        f"<h3>{e(digest.alerts_heading)}</h3><ul>{items}</ul>"
        + (f"<h3>{e(digest.events_heading)}</h3><ul>{''.join(f'<li>{e(x)}</li>' for x in events)}</ul>" if events else "")
        + f'<p><a href="{html.escape(digest.link, quote=True)}">{e(digest.link_label)}</a></p>'
        + (f'<p style="color:#6b7280;font-size:12px">{e(digest.footer)}</p>' if digest.footer else "")
        + "</body></html>"
    )
    return "\n".join(text) + "\n", page


def _fit(lines: list[str], tail: list[str], limit: int) -> str:
    """Join lines + tail within ``limit`` UTF-8 bytes, dropping lines from the end (the link in ``tail`` always stays)."""
    kept = list(lines)
    text = "\n".join(kept + tail)
    while len(text.encode("utf-8")) > limit and kept:
        kept.pop()
        text = "\n".join(kept + ["…"] + tail)
    if len(text.encode("utf-8")) > limit:
        text = text.encode("utf-8")[:limit].decode("utf-8", "ignore")
    return text


def robot_markdown(digest: Digest, kind: str) -> str:
    """The markdown body for one robot kind, cut to that robot's size limit.

    WeCom and DingTalk render ``#`` headings; Feishu's lark_md does not, so there the title is the
    card header and the sections start with bold text. The scope line and the alerts hold names from
    the database: ``untrusted.robot`` neutralises them (no link, image, mention or tag can form).
    """
    robot_alerts = [untrusted.robot(a) for a in digest.alerts]
    alerts = robot_alerts or ([digest.no_alerts] if digest.no_alerts else [])
    scope_line = untrusted.robot(digest.scope_line)
    if kind == "feishu":
        lines = [scope_line, "", f"**{digest.figures_heading}**"]
    else:
        lines = [f"## {digest.title}", f"> {scope_line}", "", f"**{digest.figures_heading}**"]
    lines += [f"- {label}{digest.colon}**{value}**" for label, value in digest.figures]
    lines += ["", f"**{digest.alerts_heading}**"]
    if kind == "wecom":
        lines += [f'- <font color="warning">{a}</font>' for a in robot_alerts] or [f"- {a}" for a in alerts]
    else:
        lines += [f"- {a}" for a in alerts]
    if digest.events:
        lines += ["", f"**{digest.events_heading}**"] + [f"- {untrusted.robot(x)}" for x in digest.events]
    tail = ["", f"[{digest.link_label}]({digest.link})"]
    limit = {"wecom": WECOM_MAX_BYTES, "dingtalk": DINGTALK_MAX_BYTES}.get(kind, FEISHU_MAX_BYTES)
    return _fit(lines, tail, limit)


# --------------------------------------------------------------------------- e-mail


@dataclass(frozen=True)
class Attachment:
    """A file to attach: its name (Chinese is fine), bytes and MIME type."""

    filename: str
    data: bytes = field(repr=False)
    mime_type: str = "application/pdf"


def build_email(
    *,
    sender: str,
    to: Sequence[str],
    subject: str,
    text: str,
    html_body: str,
    attachments: Sequence[Attachment] = (),
    date: str | None = None,
    message_id: str | None = None,
) -> EmailMessage:
    """A multipart/mixed message: text + HTML alternatives, then the attachments.

    Subject and display names are RFC 2047 encoded, bodies UTF-8 in base64 (7-bit safe for any
    relay), attachment names RFC 2231 (``filename*=utf-8''...``, continued when long), which Outlook,
    Gmail, Thunderbird, Apple Mail and Foxmail read. (RFC 2047 words inside a parameter are not
    standard, and the email package re-encodes them as RFC 2231 anyway.)
    """
    if not to:
        raise DeliveryError("email", "no recipients", retryable=False)
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = sender
    msg["To"] = ", ".join(to)
    msg["Date"] = date or formatdate(localtime=True)
    domain = sender.rpartition("@")[2].strip(" >") or None
    msg["Message-ID"] = message_id or make_msgid(domain=domain)
    msg.set_content(text, subtype="plain", charset="utf-8", cte="base64")
    msg.add_alternative(html_body, subtype="html", charset="utf-8", cte="base64")
    for item in attachments:
        maintype, _, subtype = item.mime_type.partition("/")
        msg.add_attachment(item.data, maintype=maintype, subtype=subtype or "octet-stream", filename=item.filename)
    return msg


def digest_email(
    digest: Digest,
    *,
    sender: str,
    to: Sequence[str],
    attachments: Sequence[Attachment] = (),
    date: str | None = None,
    message_id: str | None = None,
) -> EmailMessage:
    """The e-mail for a digest: its title as the subject, :func:`email_bodies` as the body, the pack attached."""
    text, page = email_bodies(digest)
    return build_email(
        sender=sender, to=to, subject=digest.title, text=text, html_body=page, attachments=attachments, date=date, message_id=message_id
    )


def _smtp_retryable(code: int) -> bool:
    return 400 <= code < 500


def send_email(message: EmailMessage, *, settings: SmtpSettings) -> None:
    """Hand ``message`` to the SMTP server in ``settings`` (its From/To headers give the envelope)."""
    try:
        context = ssl.create_default_context(cafile=settings.ca_file)
    except (OSError, ssl.SSLError) as exc:
        raise DeliveryError("email", f"ca_file {settings.ca_file} cannot be read ({exc.__class__.__name__})", retryable=False) from exc
    try:
        smtp: smtplib.SMTP
        if settings.security == "ssl":
            smtp = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout_s, context=context)
        else:
            smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_s)
        with smtp:
            if settings.security == "starttls":
                smtp.starttls(context=context)
            if settings.user:
                smtp.login(settings.user, settings.password or "")
            refused = smtp.send_message(message)
    except smtplib.SMTPAuthenticationError as exc:
        raise DeliveryError("email", f"login refused ({exc.smtp_code})", retryable=False) from exc
    except smtplib.SMTPNotSupportedError as exc:
        raise DeliveryError("email", f"server does not support this ({exc}); check security/user", retryable=False) from exc
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        detail = ", ".join(f"{rcpt} ({code})" for rcpt, (code, _) in exc.recipients.items())
        raise DeliveryError("email", f"every recipient refused: {detail}", retryable=all(_smtp_retryable(c) for c in codes)) from exc
    except smtplib.SMTPResponseException as exc:  # sender refused, data refused, HELO refused ...
        reply = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        raise DeliveryError("email", f"server replied {exc.smtp_code} {reply[:200]}", retryable=_smtp_retryable(exc.smtp_code)) from exc
    except smtplib.SMTPServerDisconnected as exc:
        raise DeliveryError("email", f"server closed the connection ({exc})", retryable=True) from exc
    except ssl.SSLCertVerificationError as exc:
        raise DeliveryError("email", f"TLS certificate not trusted ({exc.verify_message}); set ca_file", retryable=False) from exc
    except (TimeoutError, socket.timeout) as exc:
        raise DeliveryError("email", f"timed out after {settings.timeout_s:g} s", retryable=True) from exc
    except (OSError, smtplib.SMTPException) as exc:  # refused, reset, DNS, other TLS trouble
        raise DeliveryError(
            "email", f"cannot reach {settings.host}:{settings.port} ({exc.__class__.__name__}: {exc})", retryable=True
        ) from exc
    if refused:
        # Some recipients have the mail: a retry would send it to them twice, so this is final.
        detail = ", ".join(f"{rcpt} ({code})" for rcpt, (code, _) in refused.items())
        raise DeliveryError("email", f"delivered, but refused for {detail}", retryable=False)


# --------------------------------------------------------------------------- group robots


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's ``sign``: Base64(HMAC-SHA256(key=secret, msg=f"{timestamp_ms}\\n{secret}")) (before URL-encoding)."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def dingtalk_signed_url(url: str, secret: str, timestamp_ms: int) -> str:
    """The webhook URL with ``&timestamp=..&sign=..`` appended (sign URL-encoded)."""
    joiner = "&" if urllib.parse.urlsplit(url).query else "?"
    return f"{url}{joiner}timestamp={timestamp_ms}&sign={urllib.parse.quote_plus(dingtalk_sign(secret, timestamp_ms))}"


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """Feishu's ``sign``: Base64(HMAC-SHA256(key=f"{timestamp_s}\\n{secret}", msg=b""))."""
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def wecom_payload(digest: Digest) -> dict[str, Any]:
    """The WeCom robot's JSON body."""
    return {"msgtype": "markdown", "markdown": {"content": robot_markdown(digest, "wecom")}}


def dingtalk_payload(digest: Digest) -> dict[str, Any]:
    """The DingTalk robot's JSON body (the title is what the chat list and the notification show)."""
    return {"msgtype": "markdown", "markdown": {"title": digest.title, "text": robot_markdown(digest, "dingtalk")}}


def feishu_payload(digest: Digest, *, secret: str | None = None, timestamp_s: int | None = None) -> dict[str, Any]:
    """The Feishu bot's JSON body: an interactive card, signed when the bot has a secret."""
    card = {
        "config": {"wide_screen_mode": True},
        "header": {"title": {"tag": "plain_text", "content": digest.title}, "template": "blue"},
        "elements": [
            {"tag": "div", "text": {"tag": "lark_md", "content": robot_markdown(digest, "feishu")}},
            {
                "tag": "action",
                "actions": [
                    {"tag": "button", "text": {"tag": "plain_text", "content": digest.link_label}, "url": digest.link, "type": "primary"}
                ],
            },
        ],
    }
    body: dict[str, Any] = {"msg_type": "interactive", "card": card}
    if secret:
        ts = int(time.time()) if timestamp_s is None else timestamp_s
        body = {"timestamp": str(ts), "sign": feishu_sign(secret, ts), **body}
    return body


def robot_request(target: RobotTarget, digest: Digest, *, now: Callable[[], float] = time.time) -> tuple[str, dict[str, Any]]:
    """The URL and JSON body to POST for ``target`` (signed now, when it has a secret); also what ``--dry-run`` can show."""
    if target.kind == "wecom":
        return target.url, wecom_payload(digest)
    if target.kind == "dingtalk":
        url = dingtalk_signed_url(target.url, target.secret, int(now() * 1000)) if target.secret else target.url
        return url, dingtalk_payload(digest)
    return target.url, feishu_payload(digest, secret=target.secret, timestamp_s=int(now()))


# --------------------------------------------------------------------------- egress guard


@dataclass(frozen=True)
class EgressPolicy:
    """Where a webhook may be posted: https to one of ``hosts`` (exact names, lower case) at a
    public address. ``allow_http`` / ``allow_private`` open plain http and private, loopback,
    link-local ... addresses: for a test receiver on loopback or an on-premises robot gateway."""

    hosts: tuple[str, ...] = DEFAULT_ROBOT_HOSTS
    allow_http: bool = False
    allow_private: bool = False


def _host_key(host: str) -> str:
    return host.strip().strip("[]").rstrip(".").lower()


def _flag(key: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("", "0", "false", "no", "off"):
        return False
    raise DeliveryError("robot", f"{key} must be true or false, not {value!r}", retryable=False)


def egress_policy(secrets: Mapping[str, Any], env: Mapping[str, str]) -> EgressPolicy:
    """The egress policy from ``[delivery]`` (robot_hosts, allow_http, allow_private), each key
    overridden by ``COCKPIT_ROBOT_HOSTS`` (comma-separated) / ``COCKPIT_ROBOT_ALLOW_HTTP`` /
    ``COCKPIT_ROBOT_ALLOW_PRIVATE``. A list of hosts replaces the defaults, it does not add to them."""
    section = secrets.get("delivery") or {}
    if not isinstance(section, Mapping):
        raise DeliveryError("robot", "[delivery] in secrets.toml is not a table", retryable=False)
    hosts_value = env.get(f"{ENV_PREFIX}ROBOT_HOSTS") or section.get("robot_hosts")
    hosts = DEFAULT_ROBOT_HOSTS
    if hosts_value is not None:
        hosts = tuple(_host_key(h) for h in _words("delivery", "robot_hosts", hosts_value))
    allow = {}
    for key in ("allow_http", "allow_private"):
        value = env.get(f"{ENV_PREFIX}ROBOT_{key.upper()}")
        allow[key] = _flag(key, value if value not in (None, "") else section.get(key, False))
    return EgressPolicy(hosts=hosts, **allow)


def _not_public(address: str) -> str | None:
    """Why ``address`` may not be posted to (loopback, private ...), or None for a public address."""
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(address)
    candidates = [ip]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:  # ::ffff:127.0.0.1 is 127.0.0.1
            candidates = [ip.ipv4_mapped]
        else:  # 6to4 and Teredo carry an IPv4 address too: both must be public
            candidates += [a for a in (ip.sixtofour, (ip.teredo or (None, None))[1]) if a is not None]
    for candidate in candidates:
        for why, hit in (
            ("unspecified", candidate.is_unspecified),
            ("loopback", candidate.is_loopback),
            ("link-local", candidate.is_link_local),
            ("multicast", candidate.is_multicast),
            ("private", candidate.is_private),
            ("reserved", candidate.is_reserved),
            ("non-public", not candidate.is_global),
        ):  # e.g. 100.64/10, where cloud metadata lives
            if hit:
                return why
    return None


def _proxied(scheme: str, host: str) -> bool:
    return bool(urllib.request.getproxies().get(scheme)) and not urllib.request.proxy_bypass(host)


def check_egress(channel: str, url: str, policy: EgressPolicy) -> list[str] | None:
    """Refuse a webhook URL the policy does not allow (a non-retryable :class:`DeliveryError` whose
    reason names the host, never the path or query that hold the key); the checked addresses to
    connect to, or None when an egress proxy will connect for us."""
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError:
        raise DeliveryError(channel, "refused: the robot URL cannot be parsed", retryable=False) from None
    scheme = parts.scheme.lower()
    if scheme != "https" and not (scheme == "http" and policy.allow_http):
        raise DeliveryError(
            channel, f"refused: the robot URL must be https, not {scheme or 'no scheme'} ([delivery] allow_http)", retryable=False
        )
    if "@" in parts.netloc or any(c in parts.netloc for c in "\\ \t\r\n"):
        raise DeliveryError(channel, "refused: the robot URL's host part holds a user, a password or odd characters", retryable=False)
    host = _host_key(parts.hostname or "")
    if not host or host not in {_host_key(h) for h in policy.hosts}:
        raise DeliveryError(
            channel,
            f"refused: {host or 'no host'} is not an allowed robot host ([delivery] robot_hosts or COCKPIT_ROBOT_HOSTS)",
            retryable=False,
        )
    try:
        ipaddress.ip_address(host)
        literal = True
    except ValueError:
        literal = False
    if not literal and _proxied(scheme, host):
        return None  # the proxy resolves the name and is where egress is controlled
    if literal:
        addresses = [host]
    else:
        try:
            infos = socket.getaddrinfo(host, port or (443 if scheme == "https" else 80), type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            raise DeliveryError(channel, f"cannot resolve {host} ({exc.__class__.__name__})", retryable=True) from None
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not policy.allow_private:
        for address in addresses:  # every address: any of them might be the one a later lookup gives
            why = _not_public(address)
            if why:
                raise DeliveryError(
                    channel, f"refused: {host} is a {why} address ({address}); [delivery] allow_private to allow it", retryable=False
                )
    return addresses


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Never follow a redirect: a webhook that answers 3xx would send the next request (and its
    body) to wherever it points, past the host allow-list."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ARG002 - urllib's signature
        raise urllib.error.HTTPError(req.full_url, code, "redirect not followed", headers, fp)


def _pinned(connection_class: type, addresses: Sequence[str]) -> Callable[..., http.client.HTTPConnection]:
    """A connection factory for urllib that connects to the checked ``addresses`` (in turn) instead
    of resolving the host again; TLS still verifies the certificate for the host name."""

    def make(host: str, **kwargs: Any) -> http.client.HTTPConnection:
        conn = connection_class(host, **kwargs)

        def connect(address, timeout=None, source_address=None):
            error: OSError | None = None
            for ip in addresses:
                try:
                    return socket.create_connection((ip, address[1]), timeout, source_address)
                except OSError as exc:
                    error = exc
            raise error or OSError("no address to connect to")

        conn._create_connection = connect  # http.client's hook for opening the socket
        return conn

    return make


class _PinnedHTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, addresses: Sequence[str]) -> None:
        super().__init__()
        self._addresses = addresses

    def http_open(self, req):
        return self.do_open(_pinned(http.client.HTTPConnection, self._addresses), req)


class _PinnedHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, addresses: Sequence[str]) -> None:
        super().__init__()
        self._addresses = addresses

    def https_open(self, req):
        return self.do_open(_pinned(http.client.HTTPSConnection, self._addresses), req, context=self._context)  # type: ignore[attr-defined]  # HTTPSHandler keeps its SSL context there


def _opener(addresses: Sequence[str] | None) -> urllib.request.OpenerDirector:
    if addresses is None:  # through the environment's proxy
        return urllib.request.build_opener(_NoRedirect())
    return urllib.request.build_opener(
        _NoRedirect(), urllib.request.ProxyHandler({}), _PinnedHTTPHandler(addresses), _PinnedHTTPSHandler(addresses)
    )


def _post_json(channel: str, url: str, body: dict[str, Any], timeout_s: float, policy: EgressPolicy) -> dict[str, Any]:
    addresses = check_egress(channel, url, policy)
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(
        url, data=data, method="POST", headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": "cockpit-digest"}
    )
    try:
        with _opener(addresses).open(request, timeout=timeout_s) as response:
            raw = response.read()
    except urllib.error.HTTPError as exc:
        exc.close()
        if 300 <= exc.code < 400:
            raise DeliveryError(
                channel, f"refused: the robot answered HTTP {exc.code}, a redirect (never followed)", retryable=False
            ) from None
        retryable = exc.code >= 500 or exc.code in (408, 429)
        raise DeliveryError(channel, f"HTTP {exc.code}", retryable=retryable) from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, ssl.SSLCertVerificationError):
            raise DeliveryError(channel, f"TLS certificate not trusted ({reason.verify_message})", retryable=False) from None
        if isinstance(reason, (TimeoutError, socket.timeout)):
            raise DeliveryError(channel, f"timed out after {timeout_s:g} s", retryable=True) from None
        # from None throughout: the chained exception would print the URL, and the URL holds the key.
        raise DeliveryError(channel, f"cannot connect ({reason.__class__.__name__}: {reason})", retryable=True) from None
    except (TimeoutError, socket.timeout):
        raise DeliveryError(channel, f"timed out after {timeout_s:g} s", retryable=True) from None
    except (http.client.HTTPException, OSError) as exc:  # the server hung up mid-reply, a reset ...
        raise DeliveryError(channel, f"connection failed ({exc.__class__.__name__})", retryable=True) from None
    try:
        reply = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        reply = None
    if not isinstance(reply, dict):
        raise DeliveryError(channel, "the reply is not the robot's JSON (wrong URL or a proxy page?)", retryable=False)
    return reply


def send_robot(
    target: RobotTarget,
    digest: Digest,
    *,
    timeout_s: float = ROBOT_TIMEOUT_S,
    now: Callable[[], float] = time.time,
    policy: EgressPolicy | None = None,
) -> None:
    """Post ``digest`` to one group robot, within ``policy`` (default: https to the vendors' hosts
    at public addresses); returns when the robot says ok, raises :class:`DeliveryError` otherwise."""
    url, body = robot_request(target, digest, now=now)
    reply = _post_json(target.kind, url, body, timeout_s, policy or EgressPolicy())
    key = "code" if target.kind == "feishu" else "errcode"
    # Older Feishu hooks answered {"StatusCode": 0, "StatusMessage": "success"}.
    code = reply.get(key, reply.get("StatusCode") if target.kind == "feishu" else None)
    message = str(reply.get("msg" if target.kind == "feishu" else "errmsg", ""))[:200]
    if code is None:
        raise DeliveryError(target.kind, f"the reply has no {key}", retryable=False)
    try:
        code = int(code)
    except (TypeError, ValueError):
        raise DeliveryError(target.kind, f"{key} {code!r} is not a number", retryable=False) from None
    if code != 0:
        raise DeliveryError(target.kind, f"{key} {code}: {message}", retryable=code in RETRYABLE_CODES[target.kind])
