"""The command line of the cockpit (``python -m components.cli``, kept for scripts and schedulers):
``serve`` the app, build a briefing ``report`` headless, manage ``users``, ``import`` targets
and partners, send the alert ``digest``s that are due.

This package is the command-line composition root, as app.py is the browser's: it wires
data_access to the sections and the export engine (builders themselves never query). One module
per command: serve.py, report.py, users.py, upkeep.py, digest.py.

  python -m components.cli serve [streamlit options, e.g. --server.port 8501]
  python -m components.cli report --province 420000 --period 2026 --lang zh \\
      --sections kpis,coverage_map,funnel --out reports/hubei.pptx [--pdf]
  python -m components.cli users add EMAIL --role regional --province 410000 [--region central ...]
  python -m components.cli users list
  python -m components.cli users set EMAIL [--role ...] [--province ... | --region ...] [--enable | --disable]
  python -m components.cli import targets|partners|events FILE.xlsx [--dry-run] [--as EMAIL] [--lang zh|en]
  python -m components.cli digest --due [--dry-run] [--now 2026-12-07T08:05+08:00]
  python -m components.cli metrics [--write]     docs/METRICS.md from the metric registry
  python -m components.cli ask "河南今年报名多少，比去年呢？" [--as EMAIL] [--lang en] [--json]

``report`` takes the same values as the URL (README, "Links and filters"), reads the database
configured for the app (DATABASE_URL, .streamlit/secrets.toml or the embedded default), and
writes a PPTX or PDF (by the --out suffix). Exit codes: 0 written, 2 bad arguments, 3 no
Chromium / CJK fonts, 1 database unreachable. ``users`` exits 0 done, 2 bad arguments (one clear
line), 1 database unreachable. Every ``report`` run and every user change writes an audit row with
the actor ``cli:<os user>``. ``import`` validates a targets workbook in full, prints the preview and
applies it in one transaction; exit 0 applied (or nothing to change), 2 any invalid row (nothing
written), 1 database unreachable. ``digest --due`` sends what is due and exits: 0 all sent (or
none due), 4 some deliveries failed (recorded, retried on later runs), 1 database unreachable.
``ask`` answers a typed question as the box on every page does (docs/ASK.md): exit 0 answered,
3 not understood (or ambiguous, out of scope, no data), 2 bad arguments, 1 database unreachable.
"""

from __future__ import annotations

import sys

COMMANDS = ("serve", "report", "users", "import", "digest", "metrics", "ask")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in COMMANDS:
        print(__doc__, file=sys.stderr)
        return 2
    if argv[0] == "serve":
        from components.commands.serve import serve

        serve(argv[1:])
        return 0
    try:
        if argv[0] == "report":
            from components.commands.report import report

            return report(argv[1:])
        if argv[0] == "import":
            from components.commands.upkeep import import_

            return import_(argv[1:])
        if argv[0] == "metrics":
            from components.commands.metrics_doc import metrics_doc

            return metrics_doc(argv[1:])
        if argv[0] == "ask":
            from components.commands.ask import ask

            return ask(argv[1:])
        if argv[0] == "digest":
            from components.commands.digest import digest

            return digest(argv[1:])
        from components.commands.users import users

        return users(argv[1:])
    except SystemExit as exc:  # argparse: --help (0) or a bad argument (2)
        return int(exc.code or 0)
