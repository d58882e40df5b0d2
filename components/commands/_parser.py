"""argparse for the commands: one clear line on a bad argument, control characters shown escaped."""

from __future__ import annotations

import argparse
import re
import sys

CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def visible(text: str) -> str:
    """``text`` with every control character (line breaks, ANSI escapes, bidi overrides) shown as its escape."""
    return CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a bad argument is one clear line on stderr and exit code 2.

    The line quotes what the operator typed; control characters in it are shown escaped, never
    sent to the terminal (a pasted value may hold a line break or an ANSI sequence).
    """

    def error(self, message: str):  # type: ignore[override]
        print(f"{self.prog}: {visible(message)} (see --help)", file=sys.stderr)
        raise SystemExit(2)
