"""Digest delivery end to end on loopback: a real SMTP server (aiosmtpd) and real HTTP receivers.

Nothing is mocked: the e-mail goes through smtplib to aiosmtpd and is parsed again from the bytes
the server received; each robot's request is read by an ``http.server`` on 127.0.0.1, and the
DingTalk and Feishu signatures are recomputed here from the secret, independently of the module.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import ipaddress
import json
import socket
import ssl
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import replace
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from components.commands.launch import free_port
from components.delivery.channels import (
    DEFAULT_ROBOT_HOSTS,
    WECOM_MAX_BYTES,
    Attachment,
    DeliveryError,
    Digest,
    EgressPolicy,
    RobotAudience,
    RobotTarget,
    SmtpSettings,
    check_egress,
    configured_robots,
    digest_email,
    egress_policy,
    resolve_robot,
    robot_markdown,
    send_email,
    send_robot,
    smtp_settings,
)

PDF = b"%PDF-1.4\n% placeholder pack\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
PDF_NAME = "湖北省-2026-周报.pdf"
SENDER = "产教融合驾驶舱 <cockpit@example.com>"
TO = ["hubei.manager@example.com", "deputy@example.com"]
DIGEST = Digest(
    title="产教融合驾驶舱 · 湖北省 2026 周报",
    scope_line="湖北省 · 2026 年 · 数据截至 2026-11-30",
    figures=[("线索数", "2,109"), ("合作企业", "87"), ("实际拨付", "1,234.5 万元")],
    alerts=["校园渠道 报名→缴费 转化率 31%，较去年同期 −9 个百分点", "武汉市 本季度线索 420 条，仍无合作伙伴"],
    link="http://cockpit.example.com/overview?province=420000&period=2026",
    figures_heading="主要数字",
    alerts_heading="需要关注",
    link_label="打开驾驶舱",
    no_alerts="本期无提醒",
)
FIXED_NOW = 1_764_000_000.123  # seconds; the robots' timestamps are derived from it
# The test receivers listen on plain http on loopback: only this policy lets a webhook reach them.
LOOPBACK = EgressPolicy(hosts=("127.0.0.1",), allow_http=True, allow_private=True)


# --------------------------------------------------------------------------- SMTP on loopback


class Inbox:
    """An aiosmtpd handler that keeps every envelope; RCPT replies can be set per address."""

    def __init__(self) -> None:
        self.envelopes: list[Any] = []
        self.tls_seen: list[bool] = []
        self.rcpt_replies: dict[str, str] = {}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 - aiosmtpd's hook name
        reply = self.rcpt_replies.get(address)
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.envelopes.append(envelope)
        self.tls_seen.append(server.transport.get_extra_info("ssl_object") is not None)
        return "250 Message accepted for delivery"

    def message(self):
        assert len(self.envelopes) == 1, f"expected one mail, got {len(self.envelopes)}"
        return message_from_bytes(self.envelopes[0].content, policy=policy.default)


@pytest.fixture
def smtp_server():
    """Start aiosmtpd on a free loopback port with the given options; yields (inbox, port)."""
    controllers: list[Controller] = []

    def start(**kwargs) -> tuple[Inbox, int]:
        inbox, port = Inbox(), free_port()
        controller = Controller(inbox, hostname="127.0.0.1", port=port, **kwargs)
        controller.start()
        controllers.append(controller)
        return inbox, port

    yield start
    for controller in controllers:
        controller.stop()


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (cryptography, pinned via Authlib), to run STARTTLS and SMTPS on loopback."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return cert_path, key_path


def server_tls(certificate):
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    return context


def send_digest(port: int, **settings) -> None:
    message = digest_email(DIGEST, sender=SENDER, to=TO, attachments=[Attachment(PDF_NAME, PDF)])
    send_email(message, settings=SmtpSettings(host="127.0.0.1", port=port, sender=SENDER, timeout_s=5, **settings))


def test_the_email_arrives_with_the_pack_attached_a_chinese_subject_and_the_figures(smtp_server):
    inbox, port = smtp_server()
    send_digest(port, security="plain")
    received = inbox.message()

    assert inbox.envelopes[0].mail_from == "cockpit@example.com"
    assert inbox.envelopes[0].rcpt_tos == TO
    assert received["Subject"] == DIGEST.title
    raw_headers = inbox.envelopes[0].content.split(b"\r\n\r\n", 1)[0]
    assert raw_headers.isascii(), "headers must be RFC 2047 encoded, not raw UTF-8"
    assert received["From"].addresses[0].display_name == "产教融合驾驶舱"

    attachments = list(received.iter_attachments())
    assert [a.get_filename() for a in attachments] == [PDF_NAME]
    assert attachments[0].get_content_type() == "application/pdf"
    assert attachments[0].get_content() == PDF

    text = received.get_body(preferencelist=("plain",)).get_content()
    page = received.get_body(preferencelist=("html",)).get_content()
    for label, value in DIGEST.figures:
        assert label in text and value in text
        assert f"<b>{value}</b>" in page
    assert DIGEST.alerts[1] in text and DIGEST.alerts[1] in page
    assert DIGEST.link in text
    assert 'href="http://cockpit.example.com/overview?province=420000&amp;period=2026"' in page


def test_the_html_body_escapes_what_it_is_given(smtp_server):
    inbox, port = smtp_server()
    hostile = replace(DIGEST, alerts=["<script>alert(1)</script> 项目"])
    send_email(
        digest_email(hostile, sender=SENDER, to=TO[:1]),
        settings=SmtpSettings(host="127.0.0.1", port=port, sender=SENDER, security="plain", timeout_s=5),
    )
    page = inbox.message().get_body(preferencelist=("html",)).get_content()
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; 项目" in page


def accept_only(user: str, password: str):
    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = auth_data.login == user.encode() and auth_data.password == password.encode()
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd sends the 535 itself

    return authenticator


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_login_is_used_and_a_wrong_password_is_not_retryable(smtp_server):
    inbox, port = smtp_server(authenticator=accept_only("cockpit", "s3cret"), auth_require_tls=False, auth_required=True)
    send_digest(port, security="plain", user="cockpit", password="s3cret")
    assert len(inbox.envelopes) == 1

    with pytest.raises(DeliveryError) as caught:
        send_digest(port, security="plain", user="cockpit", password="wrong")
    assert (caught.value.channel, caught.value.retryable) == ("email", False)
    assert "wrong" not in str(caught.value) and "s3cret" not in str(caught.value)
    assert len(inbox.envelopes) == 1


def test_starttls_is_used_when_asked_and_an_untrusted_certificate_is_not_retryable(smtp_server, certificate):
    inbox, port = smtp_server(tls_context=server_tls(certificate), require_starttls=True)
    send_digest(port, security="starttls", ca_file=str(certificate[0]))
    assert inbox.tls_seen == [True]

    with pytest.raises(DeliveryError) as caught:
        send_digest(port, security="starttls")  # the system trust store does not know our certificate
    assert caught.value.retryable is False and "certificate" in caught.value.reason


def test_plain_against_a_server_that_requires_starttls_is_refused(smtp_server, certificate):
    inbox, port = smtp_server(tls_context=server_tls(certificate), require_starttls=True)
    with pytest.raises(DeliveryError) as caught:
        send_digest(port, security="plain")
    assert caught.value.retryable is False  # 530 "Must issue a STARTTLS command first": a setting to fix
    assert inbox.envelopes == []


def test_implicit_tls_on_the_ssl_setting(smtp_server, certificate):
    inbox, port = smtp_server(ssl_context=server_tls(certificate))
    send_digest(port, security="ssl", ca_file=str(certificate[0]))
    assert inbox.tls_seen == [True]
    assert list(inbox.message().iter_attachments())[0].get_content() == PDF


@pytest.mark.parametrize(("reply", "retryable"), [("550 5.1.1 no such user", False), ("451 4.7.1 greylisted, try later", True)])
def test_refused_recipients_are_retryable_only_for_a_temporary_reply(smtp_server, reply, retryable):
    inbox, port = smtp_server()
    inbox.rcpt_replies = {address: reply for address in TO}
    with pytest.raises(DeliveryError) as caught:
        send_digest(port, security="plain")
    assert caught.value.retryable is retryable
    assert reply.split()[0] in caught.value.reason


def test_one_refused_recipient_among_several_is_final(smtp_server):
    inbox, port = smtp_server()
    inbox.rcpt_replies = {TO[1]: "451 4.7.1 try later"}
    with pytest.raises(DeliveryError) as caught:
        send_digest(port, security="plain")
    # The first recipient has the mail already: a retry would send it to them twice.
    assert caught.value.retryable is False and TO[1] in caught.value.reason
    assert inbox.envelopes[0].rcpt_tos == TO[:1]


def test_a_ca_file_that_cannot_be_read_is_a_setting_to_fix(tmp_path):
    with pytest.raises(DeliveryError) as caught:
        send_digest(free_port(), security="starttls", ca_file=str(tmp_path / "missing.pem"))
    assert caught.value.retryable is False and "ca_file" in caught.value.reason


def test_an_smtp_server_that_is_not_there_is_retryable():
    with pytest.raises(DeliveryError) as caught:
        send_digest(free_port(), security="plain")
    assert (caught.value.channel, caught.value.retryable) == ("email", True)


def test_smtp_settings_come_from_secrets_with_the_environment_winning_key_by_key():
    secrets = {"smtp": {"host": "smtp.company.com", "user": "cockpit", "password": "from-file", "sender": SENDER}}
    settings = smtp_settings(secrets, {"COCKPIT_SMTP_PASSWORD": "from-env", "COCKPIT_SMTP_SECURITY": "ssl"})
    assert (settings.host, settings.port, settings.security, settings.password) == ("smtp.company.com", 465, "ssl", "from-env")
    assert "from-env" not in repr(settings)
    assert smtp_settings(secrets, {}).port == 587
    only_env = smtp_settings(
        {}, {"COCKPIT_SMTP_HOST": "mx", "COCKPIT_SMTP_SENDER": "a@b.c", "COCKPIT_SMTP_PORT": "2525", "COCKPIT_SMTP_SECURITY": "plain"}
    )
    assert (only_env.host, only_env.port, only_env.user) == ("mx", 2525, None)


@pytest.mark.parametrize(
    "secrets",
    [
        {},
        {"smtp": {"host": "mx"}},
        {"smtp": {"host": "mx", "sender": "a@b.c", "security": "tls"}},
        {"smtp": "mx"},
        {"smtp": {"host": "mx", "sender": "a@b.c", "port": "x"}},
    ],
)
def test_incomplete_smtp_settings_are_a_non_retryable_error(secrets):
    with pytest.raises(DeliveryError) as caught:
        smtp_settings(secrets, {})
    assert caught.value.retryable is False


# --------------------------------------------------------------------------- robots on loopback


class Receiver:
    """An HTTP server on loopback that records each POST and answers with ``status`` and ``reply``."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.status, self.reply = 200, b'{"errcode": 0, "errmsg": "ok"}'
        self.extra_headers: dict[str, str] = {}  # e.g. Location, for a receiver that redirects
        self.hold = threading.Event()  # set: answer at once; clear: keep the client waiting
        self.hold.set()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's hook name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                split = urllib.parse.urlsplit(self.path)
                receiver.requests.append(
                    {
                        "path": split.path,
                        "query": urllib.parse.parse_qs(split.query),
                        "raw_query": split.query,
                        "headers": dict(self.headers),
                        "json": json.loads(body),
                    }
                )
                receiver.hold.wait(30)
                try:
                    self.send_response(receiver.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(receiver.reply)))
                    for name, value in receiver.extra_headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(receiver.reply)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the timeout test's client has hung up already: expected, not a failure

            def do_GET(self):  # noqa: N802 - a followed redirect arrives as a GET
                receiver.requests.append({"path": self.path, "method": "GET"})
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def only(self) -> dict[str, Any]:
        assert len(self.requests) == 1, f"expected one request, got {len(self.requests)}"
        return self.requests[0]


@pytest.fixture
def receiver(monkeypatch) -> Iterator[Receiver]:
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)  # a loopback receiver must be reached directly
    r = Receiver()
    yield r
    r.hold.set()
    r.server.shutdown()
    r.server.server_close()


def test_wecom_gets_a_markdown_message_with_the_figures_and_the_link(receiver):
    send_robot(RobotTarget("wecom", f"{receiver.url}/cgi-bin/webhook/send?key=KEY-123"), DIGEST, policy=LOOPBACK)
    got = receiver.only()
    assert got["path"] == "/cgi-bin/webhook/send" and got["query"] == {"key": ["KEY-123"]}
    assert got["headers"]["Content-Type"].startswith("application/json")
    assert set(got["json"]) == {"msgtype", "markdown"} and got["json"]["msgtype"] == "markdown"
    content = got["json"]["markdown"]["content"]
    assert content.startswith(f"## {DIGEST.title}")
    assert "- 线索数：**2,109**" in content and '<font color="warning">武汉市 本季度线索 420 条，仍无合作伙伴</font>' in content
    assert content.endswith(f"[打开驾驶舱]({DIGEST.link})")


def expected_dingtalk_sign(secret: str, timestamp: str) -> str:
    """DingTalk's documented scheme, written out again here: HmacSHA256(secret, ts + "\\n" + secret), Base64."""
    mac = hmac.new(secret.encode("utf-8"), (timestamp + "\n" + secret).encode("utf-8"), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


def test_dingtalk_gets_a_signed_request_that_verifies_only_with_the_right_secret(receiver):
    secret = "SEC0123456789abcdef"
    send_robot(
        RobotTarget("dingtalk", f"{receiver.url}/robot/send?access_token=TOKEN", secret=secret),
        DIGEST,
        now=lambda: FIXED_NOW,
        policy=LOOPBACK,
    )
    got = receiver.only()
    assert got["query"]["access_token"] == ["TOKEN"]
    timestamp, sign = got["query"]["timestamp"][0], got["query"]["sign"][0]  # parse_qs has URL-decoded the sign
    assert timestamp == str(int(FIXED_NOW * 1000))
    assert "sign=" in got["raw_query"] and "+" not in got["raw_query"].split("sign=")[1]  # URL-encoded on the wire
    assert hmac.compare_digest(sign, expected_dingtalk_sign(secret, timestamp))
    assert not hmac.compare_digest(sign, expected_dingtalk_sign("SECwrong", timestamp))

    body = got["json"]
    assert body["msgtype"] == "markdown" and body["markdown"]["title"] == DIGEST.title
    assert "- 实际拨付：**1,234.5 万元**" in body["markdown"]["text"] and DIGEST.link in body["markdown"]["text"]


def test_dingtalk_without_a_secret_sends_no_signature(receiver):
    send_robot(RobotTarget("dingtalk", f"{receiver.url}/robot/send?access_token=TOKEN"), DIGEST, policy=LOOPBACK)
    assert set(receiver.only()["query"]) == {"access_token"}


def test_feishu_gets_a_signed_card(receiver):
    receiver.reply = b'{"code": 0, "msg": "success", "data": {}}'
    secret = "feishu-secret"
    send_robot(
        RobotTarget("feishu", f"{receiver.url}/open-apis/bot/v2/hook/HOOK", secret=secret), DIGEST, now=lambda: FIXED_NOW, policy=LOOPBACK
    )
    body = receiver.only()["json"]
    assert body["timestamp"] == str(int(FIXED_NOW))  # seconds, not milliseconds
    # Feishu's scheme, written out again: the key is ts + "\n" + secret, the message is empty.
    expected = base64.b64encode(hmac.new(f"{body['timestamp']}\n{secret}".encode(), b"", hashlib.sha256).digest()).decode()
    wrong = base64.b64encode(hmac.new(f"{body['timestamp']}\nother".encode(), b"", hashlib.sha256).digest()).decode()
    assert body["sign"] == expected and body["sign"] != wrong

    assert body["msg_type"] == "interactive"
    card = body["card"]
    assert card["header"]["title"] == {"tag": "plain_text", "content": DIGEST.title}
    text = card["elements"][0]["text"]
    assert text["tag"] == "lark_md" and "- 合作企业：**87**" in text["content"] and "#" not in text["content"].split("\n")[0]
    button = card["elements"][1]["actions"][0]
    assert button["url"] == DIGEST.link and button["text"]["content"] == "打开驾驶舱"


def test_feishu_without_a_secret_is_not_signed(receiver):
    receiver.reply = b'{"StatusCode": 0, "StatusMessage": "success"}'
    send_robot(RobotTarget("feishu", f"{receiver.url}/hook"), DIGEST, policy=LOOPBACK)
    assert "sign" not in receiver.only()["json"]


@pytest.mark.parametrize(
    ("kind", "status", "reply", "retryable"),
    [
        ("wecom", 500, b"oops", True),
        ("dingtalk", 503, b"{}", True),
        ("wecom", 429, b"{}", True),
        ("wecom", 404, b"{}", False),
        ("dingtalk", 200, b'{"errcode": 310000, "errmsg": "sign not match"}', False),
        ("dingtalk", 200, b'{"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"}', True),
        ("wecom", 200, b'{"errcode": 93000, "errmsg": "invalid webhook url"}', False),
        ("wecom", 200, b'{"errcode": 45009, "errmsg": "api freq out of limit"}', True),
        ("feishu", 200, b'{"code": 19021, "msg": "sign match fail or timestamp is not within one hour"}', False),
        ("feishu", 200, b'{"code": 11232, "msg": "frequency limited"}', True),
        ("wecom", 200, b"<html>proxy login</html>", False),
        ("feishu", 200, b'{"data": {}}', False),
    ],
)
def test_robot_failures_map_to_retryable_or_not(receiver, kind, status, reply, retryable):
    receiver.status, receiver.reply = status, reply
    with pytest.raises(DeliveryError) as caught:
        send_robot(RobotTarget(kind, f"{receiver.url}/hook?key=THE-KEY", secret="SECsecret"), DIGEST, policy=LOOPBACK)
    assert (caught.value.channel, caught.value.retryable) == (kind, retryable)
    assert "THE-KEY" not in str(caught.value) and "SECsecret" not in str(caught.value)
    assert len(receiver.requests) == 1


def test_a_robot_that_is_not_there_is_retryable(monkeypatch):
    monkeypatch.delenv("http_proxy", raising=False)
    monkeypatch.delenv("HTTP_PROXY", raising=False)
    with pytest.raises(DeliveryError) as caught:
        send_robot(RobotTarget("wecom", f"http://127.0.0.1:{free_port()}/send?key=K"), DIGEST, policy=LOOPBACK)
    assert caught.value.retryable is True and "cannot connect" in caught.value.reason


def test_a_robot_that_does_not_answer_in_time_is_retryable(receiver):
    receiver.hold.clear()  # the handler waits until the test is over
    with pytest.raises(DeliveryError) as caught:
        send_robot(RobotTarget("wecom", f"{receiver.url}/send?key=K"), DIGEST, timeout_s=0.3, policy=LOOPBACK)
    assert caught.value.retryable is True and "timed out" in caught.value.reason
    assert len(receiver.requests) == 1


def test_wecom_markdown_is_cut_to_its_limit_and_keeps_the_link():
    many = replace(DIGEST, alerts=[f"项目 {i} 支出超前于计划，里程碑逾期" for i in range(400)])
    content = robot_markdown(many, "wecom")
    assert len(content.encode("utf-8")) <= WECOM_MAX_BYTES
    assert content.endswith(f"[打开驾驶舱]({DIGEST.link})") and "\n…\n" in content
    assert "项目 0 支出" in content and "项目 399 支出" not in content
    assert "…" not in robot_markdown(DIGEST, "wecom")


def test_an_english_digest_gets_english_punctuation():
    english = replace(DIGEST, figures=[("Leads", "2,109")], lang="en")
    assert "- Leads: **2,109**" in robot_markdown(english, "dingtalk") and "：" not in robot_markdown(english, "dingtalk")


def test_no_alerts_says_so():
    quiet = replace(DIGEST, alerts=[])
    assert "- 本期无提醒" in robot_markdown(quiet, "wecom") and "- 本期无提醒" in robot_markdown(quiet, "dingtalk")


# --------------------------------------------------------------------------- robot secrets by name


def test_a_robot_is_resolved_by_name_from_secrets_or_the_environment():
    secrets = {
        "robot": {
            "sales_group": {"kind": "dingtalk", "url": "https://oapi.dingtalk.com/robot/send?access_token=T", "secret": "SECx"},
            "leaders": {"url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=K"},
        }
    }
    sales = resolve_robot("robot.sales_group", secrets=secrets, env={})
    assert (sales.kind, sales.secret) == ("dingtalk", "SECx")
    assert "access_token" not in repr(sales) and "SECx" not in repr(sales)
    assert resolve_robot("robot.leaders", secrets=secrets, env={}).kind == "wecom"  # from the vendor's host

    from_env = resolve_robot("robot.sales_group", secrets=secrets, env={"COCKPIT_ROBOT_SALES_GROUP_SECRET": "SECenv"})
    assert from_env.secret == "SECenv" and from_env.url.endswith("access_token=T")
    only_env = resolve_robot(
        "robot.east", secrets={}, env={"COCKPIT_ROBOT_EAST_URL": "http://127.0.0.1:9/hook", "COCKPIT_ROBOT_EAST_KIND": "feishu"}
    )
    assert (only_env.kind, only_env.secret) == ("feishu", None)


@pytest.mark.parametrize("name", ["robot.missing", "auth", "connections.cockpit", "smtp.password", "robot.Bad Name", "robot.unknown_host"])
def test_a_robot_name_that_does_not_resolve_is_a_non_retryable_error(name):
    secrets = {
        "auth": {"url": "https://sso", "kind": "wecom"},
        "connections": {"cockpit": {"url": "postgresql://u:p@h/db"}},
        "smtp": {"password": "p"},
        "robot": {"unknown_host": {"url": "https://robots.example.com/x"}},
    }
    with pytest.raises(DeliveryError) as caught:
        resolve_robot(name, secrets=secrets, env={})
    assert caught.value.retryable is False
    assert "postgresql://" not in str(caught.value)


# --------------------------------------------------------------------------- robot audiences


def test_a_robot_declares_its_audience_in_secrets_or_the_environment():
    secrets = {
        "robot": {
            "hubei_leaders": {
                "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=K",
                "provinces": ["420000"],
                "roles": ["admin", "regional"],
            },
            "central": {"url": "https://oapi.dingtalk.com/robot/send?access_token=T", "regions": "central"},
            "bare": {"url": "https://open.feishu.cn/open-apis/bot/v2/hook/H"},
        }
    }
    hubei = resolve_robot("robot.hubei_leaders", secrets=secrets, env={})
    assert hubei.audience == RobotAudience(provinces=("420000",), roles=("admin", "regional"))
    assert resolve_robot("robot.central", secrets=secrets, env={}).audience == RobotAudience(regions=("central",))
    bare = resolve_robot("robot.bare", secrets=secrets, env={}).audience
    assert bare == RobotAudience() and bare.national  # nothing declared: a national group
    env = {"COCKPIT_ROBOT_HUBEI_LEADERS_PROVINCES": "420000, 410000", "COCKPIT_ROBOT_HUBEI_LEADERS_ROLES": "admin"}
    assert resolve_robot("robot.hubei_leaders", secrets=secrets, env=env).audience == RobotAudience(
        provinces=("420000", "410000"), roles=("admin",)
    )


@pytest.mark.parametrize(("key", "value"), [("regions", ["centrl"]), ("roles", ["boss"]), ("provinces", ["Hubei"]), ("provinces", 420000)])
def test_a_robot_audience_with_a_typo_is_refused_and_not_offered(key, value):
    secrets = {"robot": {"team": {"url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=K", key: value}}}
    with pytest.raises(DeliveryError) as caught:
        resolve_robot("robot.team", secrets=secrets, env={})
    assert caught.value.retryable is False and key in caught.value.reason
    assert configured_robots(secrets, {}) == []


# --------------------------------------------------------------------------- webhook egress guard


def test_the_vendors_hosts_pass_the_default_policy_when_they_resolve_to_public_addresses(monkeypatch):
    monkeypatch.setattr(
        socket, "getaddrinfo", lambda host, port, *a, **k: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("101.91.0.1", port))]
    )
    for name in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    for host in DEFAULT_ROBOT_HOSTS:
        assert check_egress("wecom", f"https://{host}/hook?key=K", EgressPolicy()) == ["101.91.0.1"]


def test_the_default_egress_policy_is_https_to_the_vendors_hosts():
    assert egress_policy({}, {}) == EgressPolicy()
    assert (
        EgressPolicy().hosts == DEFAULT_ROBOT_HOSTS == ("qyapi.weixin.qq.com", "oapi.dingtalk.com", "open.feishu.cn", "open.larksuite.com")
    )
    assert (EgressPolicy().allow_http, EgressPolicy().allow_private) == (False, False)
    from_file = egress_policy({"delivery": {"robot_hosts": ["robots.corp.cn"], "allow_private": True}}, {})
    assert from_file == EgressPolicy(hosts=("robots.corp.cn",), allow_private=True)
    from_env = egress_policy(
        {"delivery": {"robot_hosts": ["robots.corp.cn"], "allow_private": True}},
        {"COCKPIT_ROBOT_HOSTS": "a.example.com,B.example.com.", "COCKPIT_ROBOT_ALLOW_PRIVATE": "0", "COCKPIT_ROBOT_ALLOW_HTTP": "1"},
    )
    assert from_env == EgressPolicy(hosts=("a.example.com", "b.example.com"), allow_http=True, allow_private=False)
    with pytest.raises(DeliveryError):
        egress_policy({}, {"COCKPIT_ROBOT_ALLOW_PRIVATE": "maybe"})


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=THE-KEY", "https"),  # plain http
        ("https://robots.example.com/hook?key=THE-KEY", "robots.example.com is not an allowed robot host"),
        ("https://qyapi.weixin.qq.com.evil.example/send?key=THE-KEY", "not an allowed robot host"),
        ("https://qyapi.weixin.qq.com@evil.example/send?key=THE-KEY", "user"),
    ],
)
def test_the_default_policy_refuses_other_hosts_and_plain_http_before_any_connection(url, words):
    with pytest.raises(DeliveryError) as caught:
        send_robot(RobotTarget("wecom", url), DIGEST)  # no policy given: the default one
    assert caught.value.retryable is False and words in caught.value.reason and "refused" in caught.value.reason
    assert "THE-KEY" not in str(caught.value)


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "10.1.2.3", "169.254.169.254", "[::1]", "[::ffff:127.0.0.1]", "100.100.100.200", "0.0.0.0", "localhost"]
)
def test_private_loopback_and_metadata_addresses_are_refused_without_allow_private(receiver, host):
    port = receiver.server.server_port
    bare = host.strip("[]")
    policy = EgressPolicy(hosts=(bare,), allow_http=True)  # listed, http allowed: only the address is wrong
    with pytest.raises(DeliveryError) as caught:
        send_robot(RobotTarget("wecom", f"http://{host}:{port}/send?key=THE-KEY"), DIGEST, policy=policy, timeout_s=2)
    assert caught.value.retryable is False and "allow_private" in caught.value.reason
    assert "THE-KEY" not in str(caught.value)
    assert receiver.requests == []  # nothing reached the loopback receiver, not even for localhost
    send_robot(RobotTarget("wecom", f"{receiver.url}/send?key=K"), DIGEST, policy=LOOPBACK)  # allowed, it arrives
    assert len(receiver.requests) == 1


def test_a_redirect_is_never_followed(receiver):
    elsewhere = Receiver()
    try:
        receiver.status, receiver.reply = 302, b""
        receiver.extra_headers = {"Location": f"{elsewhere.url}/collect?stolen=1"}
        with pytest.raises(DeliveryError) as caught:
            send_robot(RobotTarget("wecom", f"{receiver.url}/send?key=THE-KEY"), DIGEST, policy=LOOPBACK)
        assert caught.value.retryable is False and "redirect" in caught.value.reason
        assert "THE-KEY" not in str(caught.value)
        assert len(receiver.requests) == 1 and elsewhere.requests == []
    finally:
        elsewhere.server.shutdown()
        elsewhere.server.server_close()


def test_the_connection_goes_to_the_address_that_was_checked(receiver, monkeypatch):
    """DNS rebinding: the name answers a checked address first and another one after; the
    request must still go to the first (it is not resolved twice)."""
    real = socket.getaddrinfo
    answers = iter(["127.0.0.1"] + ["10.255.255.1"] * 10)

    def rebinding(host, port, *args, **kwargs):
        if host == "robots.rebind.test":
            ip = next(answers)
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    policy = EgressPolicy(hosts=("robots.rebind.test",), allow_http=True, allow_private=True)
    send_robot(
        RobotTarget("wecom", f"http://robots.rebind.test:{receiver.server.server_port}/send?key=K"), DIGEST, policy=policy, timeout_s=2
    )
    assert receiver.only()["path"] == "/send"
    assert next(answers) == "10.255.255.1"  # resolved exactly once


def test_https_goes_to_the_checked_address_and_still_verifies_the_certificate(certificate, monkeypatch):
    got: list[bytes] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            got.append(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(200)
            self.send_header("Content-Length", "13")
            self.end_headers()
            self.wfile.write(b'{"errcode":0}')

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = server_tls(certificate).wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    for name in ("https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    target = RobotTarget("wecom", f"https://127.0.0.1:{server.server_port}/send?key=K")
    https_only = EgressPolicy(hosts=("127.0.0.1",), allow_private=True)  # no allow_http
    try:
        with pytest.raises(DeliveryError) as caught:  # the system trust store does not know this certificate
            send_robot(target, DIGEST, policy=https_only, timeout_s=3)
        assert caught.value.retryable is False and "certificate" in caught.value.reason and got == []
        monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))  # trusted now: it arrives
        send_robot(target, DIGEST, policy=https_only, timeout_s=3)
        assert len(got) == 1 and json.loads(got[0])["msgtype"] == "markdown"
    finally:
        server.shutdown()
        server.server_close()
