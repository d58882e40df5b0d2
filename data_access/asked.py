"""The questions typed into the cockpit, and the synonyms admins add from them (docs/ASK.md,
"Learns from use"): every question is stored with who asked, when, what it was read as and whether
it was answered; the admin page lists those not understood and adds a word for them — stored here,
audited in audit_log, understood from the next question on (no release).

Plain functions on a connection; the app calls them through data_access.runners.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from data_access import access, schema
from data_access.untrusted import clean

q, syn = schema.ask_question, schema.ask_synonym
STATUSES = ("answered", "not_understood", "ambiguous", "out_of_scope", "no_data", "unsupported", "refused")
QUESTION_COLUMNS = ["id", "asked_at", "actor", "lang", "text", "status", "unknown", "page"]
SYNONYM_COLUMNS = ["term", "kind", "code", "added_by", "added_at"]
TERM_MAX = 64


class SynonymRefused(ValueError):
    """A synonym that cannot be added; the message says why (shown to the admin)."""


def record_question(
    conn: Connection, *, actor: str, lang: str, text: str, parse: Mapping, status: str, unknown: tuple[str, ...] = (), page: str = ""
) -> None:
    """Store one question as typed (control characters dropped, cut to the column) with its parse."""
    if status not in STATUSES:
        raise ValueError(f"status must be one of {STATUSES}, not {status!r}")
    conn.execute(
        q.insert().values(
            asked_at=access.now(),
            actor=actor[:254],
            lang=lang[:2],
            text=clean(text)[:400],
            parse=json.dumps(parse, ensure_ascii=False, sort_keys=True, default=str)[:4000],
            status=status,
            unknown=" ".join(clean(u) for u in unknown)[:400],
            page=page[:32],
        )
    )


def get_questions(conn: Connection, *, status: str | None = None, limit: int = 500) -> pd.DataFrame:
    """Questions, newest first (``status``: only those). Columns: QUESTION_COLUMNS."""
    stmt = sa.select(*[q.c[x] for x in QUESTION_COLUMNS]).order_by(q.c.asked_at.desc(), q.c.id.desc()).limit(limit)
    if status is not None:
        stmt = stmt.where(q.c.status == status)
    return pd.DataFrame([tuple(r) for r in conn.execute(stmt).all()], columns=QUESTION_COLUMNS)


def unknown_words(questions: pd.DataFrame) -> pd.DataFrame:
    """The words not understood in ``questions`` (a get_questions frame), most asked first, with one
    example question each. Columns: word, times, example."""
    rows: dict[str, list] = {}
    for text, words in zip(questions["text"], questions["unknown"]):
        for w in str(words or "").split():
            entry = rows.setdefault(w, [w, 0, text])
            entry[1] += 1
    out = pd.DataFrame(list(rows.values()), columns=["word", "times", "example"])
    return out.sort_values(["times", "word"], ascending=[False, True], kind="stable").reset_index(drop=True)


def get_synonyms(conn: Connection) -> pd.DataFrame:
    """Every added synonym, by term. Columns: SYNONYM_COLUMNS."""
    stmt = sa.select(*[syn.c[x] for x in SYNONYM_COLUMNS]).order_by(syn.c.term)
    return pd.DataFrame([tuple(r) for r in conn.execute(stmt).all()], columns=SYNONYM_COLUMNS)


_TERM_OK = re.compile(r"^[\w+#&.'\- \u4e00-\u9fff]+$")


def add_synonym(conn: Connection, *, term: str, kind: str, code: str, actor: str, kinds: tuple[str, ...], known: set[str]) -> str:
    """Add ``term`` as a word for (``kind``, ``code``), audited; returns the term as stored.

    ``kinds`` are the kinds a synonym may have; ``known`` the terms the vocabulary already has (a
    synonym never changes what a known word means). Raises SynonymRefused with the reason.
    """
    stored = re.sub(r"\s+", " ", clean(term).strip().lower())
    if not stored or len(stored) > TERM_MAX or not _TERM_OK.match(stored):
        raise SynonymRefused("term")
    if kind not in kinds or not code:
        raise SynonymRefused("kind")
    if stored in known or conn.execute(sa.select(syn.c.term).where(syn.c.term == stored)).first() is not None:
        raise SynonymRefused("known")
    conn.execute(syn.insert().values(term=stored, kind=kind, code=str(code)[:32], added_by=actor[:254], added_at=access.now()))
    access.record(conn, actor=actor, action="ask_synonym_add", page="admin", item=stored, detail=f"{kind}:{code}")
    return stored


def delete_synonym(conn: Connection, *, term: str, actor: str) -> bool:
    """Remove an added synonym (audited); False when there was none."""
    row = conn.execute(sa.select(syn.c.kind, syn.c.code).where(syn.c.term == term)).first()
    if row is None:
        return False
    conn.execute(syn.delete().where(syn.c.term == term))
    access.record(conn, actor=actor, action="ask_synonym_del", page="admin", item=term, detail=f"{row.kind}:{row.code}")
    return True
