"""Real digest messages for docs/examples/: runs ``python -m components.cli digest --due`` on a copy
of the embedded demo database for a Hubei regional manager, with a local SMTP server (aiosmtpd)
and a local WeCom receiver on loopback, and writes exactly what they received:

- docs/examples/digest-email.eml — the e-mail, with the briefing-pack PDF (KPIs + funnel) attached;
- docs/examples/digest-email.png — its HTML body as a mail client shows it (headless Chromium);
- docs/examples/digest-robot-wecom.json / .md — the WeCom robot's JSON body and its markdown.

Usage: .venv/bin/python bench/digest_examples.py   (needs `make run` once: data/cockpit.db)
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aiosmtpd.controller import Controller  # noqa: E402

from components.commands import main as cli  # noqa: E402
from components.delivery.channels import RobotAudience  # noqa: E402
from data_access import access, bootstrap, config, queries, schema, subscriptions  # noqa: E402
from data_access.scope import Scope  # noqa: E402

OUT = ROOT / "docs" / "examples"
MANAGER = "hubei.manager@company.com"


class Inbox:
    def __init__(self) -> None:
        self.mails: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.mails.append(envelope.content)
        return "250 OK"


def main() -> None:
    got: list[dict] = []

    class Robot(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            got.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            body = b'{"errcode": 0, "errmsg": "ok"}'
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "cockpit.db"
        shutil.copy(ROOT / "data" / "cockpit.db", db)
        url = f"sqlite:///{db}"
        bootstrap.ensure_database(url)  # an older copy gets the digest tables
        engine = config.make_engine(url)
        with engine.begin() as conn:
            access.add_user(conn, email=MANAGER, role="regional", provinces=["420000"], actor="cli:examples")
            for channel, target in (("email", MANAGER), ("wecom", "robot.hubei_leaders")):
                subscriptions.add(
                    conn,
                    owner=MANAGER,
                    provinces=[],
                    sections=["kpis", "funnel", "risk"],
                    schedule="weekly",
                    weekday=0,
                    at_time="08:00",
                    channel=channel,
                    target=target,
                    audience=RobotAudience(provinces=("420000",)) if channel != "email" else None,
                )
            conn.execute(schema.subscription.update().values(created_at=dt.datetime(2020, 1, 1)))
            fresh = queries.get_data_freshness(conn, scope=Scope(("420000",), dt.date(1990, 1, 1), dt.date(2100, 1, 1)))
        as_of = queries.data_as_of(fresh) or dt.date.today()
        monday = as_of - dt.timedelta(days=as_of.weekday())
        inbox = Inbox()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        smtp = Controller(inbox, hostname="127.0.0.1", port=port)
        smtp.start()
        robot = ThreadingHTTPServer(("127.0.0.1", 0), Robot)
        threading.Thread(target=robot.serve_forever, daemon=True).start()
        env = {
            "COCKPIT_SMTP_HOST": "127.0.0.1",
            "COCKPIT_SMTP_PORT": str(port),
            "COCKPIT_SMTP_SECURITY": "plain",
            "COCKPIT_SMTP_SENDER": "产教融合驾驶舱 <cockpit@company.com>",
            "COCKPIT_BASE_URL": "https://cockpit.company.com",
            "COCKPIT_ROBOT_HUBEI_LEADERS_KIND": "wecom",
            "COCKPIT_ROBOT_HUBEI_LEADERS_URL": f"http://127.0.0.1:{robot.server_port}/cgi-bin/webhook/send?key=EXAMPLE",
            # the Hubei leaders' group; the loopback receiver stands in for WeCom's host
            "COCKPIT_ROBOT_HUBEI_LEADERS_PROVINCES": "420000",
            "COCKPIT_ROBOT_HOSTS": "127.0.0.1",
            "COCKPIT_ROBOT_ALLOW_HTTP": "1",
            "COCKPIT_ROBOT_ALLOW_PRIVATE": "1",
        }
        os.environ.update(env)
        try:
            code = cli(["digest", "--due", "--now", f"{monday.isoformat()}T08:05+08:00", "--database-url", url])
        finally:
            smtp.stop()
            robot.shutdown()
    if code != 0 or len(inbox.mails) != 1 or len(got) != 1:
        raise SystemExit(f"digest exited {code}; {len(inbox.mails)} mails, {len(got)} robot messages")
    (OUT / "digest-email.eml").write_bytes(inbox.mails[0])
    (OUT / "digest-robot-wecom.json").write_text(json.dumps(got[0], ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (OUT / "digest-robot-wecom.md").write_text(got[0]["markdown"]["content"] + "\n", encoding="utf-8")
    body = message_from_bytes(inbox.mails[0], policy=policy.default).get_body(("html",))
    assert body is not None, "the digest e-mail has an HTML body"
    html = body.get_content()
    page = Path(tempfile.mkdtemp()) / "mail.html"
    page.write_text(html, encoding="utf-8")
    subprocess.run(
        [
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            f"--screenshot={OUT / 'digest-email.png'}",
            "--window-size=760,900",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    for name in ("digest-email.eml", "digest-email.png", "digest-robot-wecom.json", "digest-robot-wecom.md"):
        print(f"wrote docs/examples/{name} ({(OUT / name).stat().st_size / 1024:.0f} KB)")


if __name__ == "__main__":
    main()
