"""Learns from use (docs/ASK.md): every question is stored with its parse and outcome; admins add a
word for what was not understood — stored in the database, audited, understood from the next
question on — on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from components import ask
from components.ask.vocab import SYNONYM_KINDS
from components.context import read_catalogue
from data_access import access, asked, queries, reader, schema

ADMIN = "admin@corp.cn"


@pytest.fixture(params=["sqlite", "postgresql", "mariadb"])
def engine(request, seeded):
    engine = seeded[request.param]
    yield engine
    with engine.begin() as conn:  # shared with other tests: leave nothing behind
        conn.execute(schema.ask_synonym.delete())
        conn.execute(schema.ask_question.delete())
        conn.execute(schema.audit_log.delete().where(schema.audit_log.c.action.like("ask_%")))


def ask_now(engine, text):
    with engine.connect() as conn:
        cat = read_catalogue(conn)
        places = queries.get_place_catalogue(conn)
        synonyms = asked.get_synonyms(conn)
    db = reader.direct(engine)
    vocab = ask.vocabulary(db, cat, places=places, synonyms=synonyms, allowed=cat.provinces)
    return ask.ask(text, db=db, cat=cat, allowed=cat.provinces, vocab=vocab, lang="zh"), vocab


def test_every_question_is_stored_with_its_parse_and_outcome(engine):
    a, _ = ask_now(engine, "河南的招办量是多少")
    with engine.begin() as conn:
        stored_parse = a.parse.as_dict()
        asked.record_question(
            conn, actor="demo", lang="zh", text=a.parse.text, parse=stored_parse, status=a.status, unknown=a.parse.unknown
        )
        rows = asked.get_questions(conn)
        stored = conn.execute(sa.select(schema.ask_question.c.parse)).scalar_one()
    assert list(rows["text"]) == ["河南的招办量是多少"] and rows["status"].iloc[0] == a.status
    assert json.loads(stored)["provinces"] == ["410000"]
    words = asked.unknown_words(rows)
    assert "招办量" in "".join(words["word"])


def test_a_synonym_added_by_an_admin_is_understood_from_the_next_question_and_audited(engine):
    before, vocab = ask_now(engine, "河南今年的招办量")
    assert "enrolled" not in before.parse.metrics and before.parse.unknown
    with engine.begin() as conn:
        known = set(vocab.terms)
        stored = asked.add_synonym(conn, term=" 招办量 ", kind="metric", code="enrolled", actor=ADMIN, kinds=SYNONYM_KINDS, known=known)
    assert stored == "招办量"
    after, _ = ask_now(engine, "河南今年的招办量")
    assert after.answered and after.parse.metrics == ("enrolled",) and not after.parse.unknown
    with engine.connect() as conn:
        audit = access.get_audit_log(conn, action="ask_synonym_add")
    assert list(audit["actor"]) == [ADMIN] and list(audit["item"]) == ["招办量"] and "metric:enrolled" in audit["detail"].iloc[0]
    with engine.begin() as conn:
        assert asked.delete_synonym(conn, term="招办量", actor=ADMIN)
        assert not asked.delete_synonym(conn, term="招办量", actor=ADMIN)
    gone, _ = ask_now(engine, "河南今年的招办量")
    assert "enrolled" not in gone.parse.metrics
    with engine.connect() as conn:
        assert len(access.get_audit_log(conn, action="ask_synonym_del")) == 1


@pytest.mark.parametrize(
    ("term", "kind", "reason"),
    [
        ("报名", "metric", "known"),  # a synonym never changes a known word
        ("河南", "province", "known"),
        ("", "metric", "term"),
        ("x" * 65, "metric", "term"),
        ("[点我](https://evil)", "metric", "term"),
        ("=cmd()", "metric", "term"),
        ("新词", "password", "kind"),
    ],
)
def test_a_synonym_that_would_change_a_word_or_carry_markup_is_refused(engine, term, kind, reason):
    _, vocab = ask_now(engine, "报名")
    with engine.begin() as conn, pytest.raises(asked.SynonymRefused) as refused:
        asked.add_synonym(conn, term=term, kind=kind, code="enrolled", actor=ADMIN, kinds=SYNONYM_KINDS, known=set(vocab.terms))
    assert str(refused.value) == reason
    with engine.connect() as conn:
        assert asked.get_synonyms(conn).empty


def test_a_question_with_control_characters_is_stored_without_them(engine):
    with engine.begin() as conn:
        asked.record_question(conn, actor="demo", lang="zh", text="河南\x00报名\u202e", parse={}, status="answered")
        assert list(asked.get_questions(conn)["text"]) == ["河南报名"]
        with pytest.raises(ValueError):
            asked.record_question(conn, actor="demo", lang="zh", text="x", parse={}, status="made_up")
