"""Run an app command (``python tests/net_audit.py serve ...``) with a socket audit hook: every name
lookup, connect or send of this process towards anything but loopback is appended to the file
named by ``NET_AUDIT_LOG``, one JSON line each (event, host, where in the code).

Python raises an audit event for every socket call made through its socket module, whichever
library makes it (requests, urllib, asyncio, uvicorn), before the call happens: a lookup that would
fail on an intranet is recorded all the same. Sockets opened by C libraries (libpq) or by other
processes (Chromium) are not seen. Used by tests/e2e/test_intranet.py.
"""

from __future__ import annotations

import ipaddress
import json
import os
import sys
import traceback
from pathlib import Path

LOG = os.environ["NET_AUDIT_LOG"]
LOOPBACK_NAMES = {"", "localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}
ADDRESS_EVENTS = {"socket.connect": 1, "socket.sendto": -1, "socket.sendmsg": -1}  # event: where the address is in its args
NAME_EVENTS = {"socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyname_ex", "socket.gethostbyaddr", "socket.getnameinfo"}


def is_loopback(host: object) -> bool:
    """True for a loopback name or address (or none at all)."""
    if host is None:
        return True
    text = (host.decode() if isinstance(host, bytes) else str(host)).strip("[]").lower()
    if text in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(text.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def hook(event: str, args: tuple) -> None:
    if event in ADDRESS_EVENTS:
        address = args[ADDRESS_EVENTS[event]]
        if not isinstance(address, tuple):  # a Unix socket's path, a netlink pair of ints
            return
        host = address[0]
    elif event in NAME_EVENTS:
        host = args[0][0] if isinstance(args[0], tuple) else args[0]
    else:
        return
    if is_loopback(host):
        return
    with open(LOG, "a", encoding="utf-8") as out:
        out.write(json.dumps({"event": event, "host": str(host), "where": "".join(traceback.format_stack(limit=10)[:-1])}) + "\n")


if __name__ == "__main__":
    sys.addaudithook(hook)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from components.commands import main

    sys.exit(main(sys.argv[1:]))
