"""``ask``: a typed question answered on the command line — the same parse and answer as the box on
every page (components/ask), so a group robot can use it later.

  python -m components.cli ask "河南今年报名多少，比去年呢？" [--as EMAIL] [--lang en] [--json]

Prints what was understood (chips), the sentence, the notices and the page link (absolute, on the
cockpit's address: COCKPIT_BASE_URL or [cockpit] base_url, as in digests). Exit 0 answered,
3 not understood (or ambiguous, out of scope, no data, not supported), 2 bad arguments, 1 database
unreachable. The question is stored like one asked in the app (actor ``cli:<os user>`` or --as).
"""

from __future__ import annotations

import json
import os
import sys

from components.commands._parser import OneLineParser, visible


def ask(argv: list[str]) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from components import ask as asking
    from components.ask.answer import chip_text
    from components.commands.digest import base_url
    from components.context import read_catalogue
    from components.delivery import channels as delivery
    from data_access import access, asked, bootstrap, config, queries, reader

    parser = OneLineParser(prog="python -m components.cli ask", description="Ask the cockpit a question (docs/ASK.md).")
    parser.add_argument("question", help="the question, in Chinese or English")
    parser.add_argument("--as", dest="as_user", default=None, metavar="EMAIL", help="answer within this cockpit user's provinces")
    parser.add_argument(
        "--lang", choices=("zh", "en"), default=None, help="language of the answer (default: zh, en for an all-ASCII question)"
    )
    parser.add_argument("--json", action="store_true", help="print the answer as JSON (chips, sentence, figures, link)")
    parser.add_argument("--database-url", default=None, help="default: as the app (DATABASE_URL, secrets.toml, embedded)")
    args = parser.parse_args(argv)
    lang = args.lang or ("en" if args.question.isascii() and args.question.strip() else "zh")
    url = args.database_url or config.database_url()
    status = bootstrap.ensure_database(url)
    if not status.ok:
        print(f"ask: {status.message}", file=sys.stderr)
        return 1
    try:
        engine = config.make_engine(url)
        with engine.connect() as conn:
            cat = read_catalogue(conn)
            places = queries.get_place_catalogue(conn)
            synonyms = asked.get_synonyms(conn)
            if args.as_user:
                user = access.get_user(conn, args.as_user)
                allowed = access.allowed_provinces(user, cat.region_of) if user is not None and user.enabled else ()
                if not allowed:
                    print(f"ask: {visible(args.as_user)}: not a cockpit user with provinces to see", file=sys.stderr)
                    return 2
                actor, role = user.email, user.role  # type: ignore[union-attr]
            else:  # an operator with database access, like `report`: every province
                allowed, actor, role = cat.provinces, access.cli_actor(), "executive"
        db = reader.direct(engine)
        vocab = asking.vocabulary(db, cat, places=places, synonyms=synonyms, allowed=allowed)
        answer = asking.ask(args.question, db=db, cat=cat, allowed=allowed, vocab=vocab, lang=lang, actor=actor, role=role, page="cli")
        with engine.begin() as conn:
            asked.record_question(
                conn,
                actor=actor,
                lang=lang,
                text=answer.parse.text,
                parse=answer.parse.as_dict(),
                status=answer.status,
                unknown=answer.parse.unknown,
                page="cli",
            )
    except SQLAlchemyError as exc:
        print(f"ask: cannot read {config.describe(url)}: {exc.__class__.__name__}: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 1
    chips = [chip_text(c, vocab, lang) for c, _ in answer.parse.chips()]
    link = base_url(delivery.read_secrets_file(), os.environ).rstrip("/") + answer.link
    if args.json:
        out = {
            "status": answer.status,
            "chips": chips,
            "unknown": list(answer.parse.unknown),
            "corrected": [list(x) for x in answer.parse.corrected],
            "sentence": answer.sentence,
            "notices": list(answer.notices),
            "figures": json.loads(answer.rows.to_json(orient="records", force_ascii=False)) if not answer.rows.empty else [],
            "link": link if answer.status in ("answered", "unsupported") else "",
            "parse": answer.parse.as_dict(),
        }
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        label = "理解为" if lang == "zh" else "Understood"
        if chips:
            print(visible(f"{label}: " + " · ".join(f"[{c}]" for c in chips)))
        for typed, read in answer.parse.corrected:
            print(visible(("按「{1}」理解「{0}」" if lang == "zh" else "Read '{0}' as '{1}'").format(typed, read)))
        if answer.parse.unknown and answer.answered:
            print(visible(("未理解：" if lang == "zh" else "Not understood: ") + " ".join(answer.parse.unknown)))
        print(visible(answer.sentence))
        for note in answer.notices:
            print(visible(note))
        for _code, words in answer.options:
            print(visible(f"  - {words}"))
        if answer.status in ("answered", "unsupported"):
            print(visible(("页面：" if lang == "zh" else "Page: ") + link))
    return 0 if answer.answered else 3
