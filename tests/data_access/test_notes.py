"""Notes on a view (issue 26 point 5) on SQLite, PostgreSQL and MariaDB: a note shows on the view it
was written on and any wider one (never on a narrower or another province's view, never outside
its period), a Henan manager never receives a Hubei note, only what the writer may see can be
noted, every note and removal is audited and bumps the data version, hostile text is refused."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from data_access import notes, queries, schema, upkeep
from data_access.scope import Scope

HENAN, HUBEI, GUANGDONG = "410000", "420000", "440000"
Q3 = (dt.date(2026, 7, 1), dt.date(2026, 10, 1))
YEAR = (dt.date(2026, 1, 1), dt.date(2027, 1, 1))


@pytest.fixture
def every(conn) -> tuple[str, ...]:
    return tuple(conn.execute(sa.select(schema.province.c.code).order_by(schema.province.c.code)).scalars())


def leave(conn, body, *, provinces=(HENAN,), period=Q3, section="refunds_channels", actor="wang@corp.cn", role="regional", allowed=None):
    return notes.save_note(
        conn,
        section=section,
        start=period[0],
        end=period[1],
        provinces=provinces,
        body=body,
        actor=actor,
        role=role,
        allowed=allowed or provinces,
    )


def bodies(conn, provinces, period=Q3, section="refunds_channels") -> list[str]:
    df = queries.get_notes(conn, scope=Scope(tuple(provinces), *period))
    return list(df[df["section"] == section]["body"])


def test_a_note_shows_on_its_view_and_wider_ones_only(conn, every):
    leave(conn, "河南三季度退费偏高，已约谈线下分校")
    assert "河南三季度退费偏高，已约谈线下分校" in bodies(conn, [HENAN])  # the view it was written on
    assert "河南三季度退费偏高，已约谈线下分校" in bodies(conn, [HENAN, HUBEI])  # a wider one
    assert "河南三季度退费偏高，已约谈线下分校" in bodies(conn, every, YEAR)  # national, the whole year
    assert "河南三季度退费偏高，已约谈线下分校" not in bodies(conn, [HUBEI])  # another province
    assert "河南三季度退费偏高，已约谈线下分校" not in bodies(conn, [HENAN], (dt.date(2026, 10, 1), dt.date(2027, 1, 1)))  # Q4
    assert "河南三季度退费偏高，已约谈线下分校" not in bodies(conn, [HENAN], (dt.date(2026, 8, 1), dt.date(2026, 9, 1)))  # narrower
    assert "河南三季度退费偏高，已约谈线下分校" not in bodies(conn, [HENAN], section="trend")  # another section


def test_a_henan_manager_never_receives_a_hubei_or_a_national_note(conn, every):
    leave(conn, "湖北专属备注", provinces=(HUBEI,))
    leave(conn, "两省备注", provinces=(HENAN, HUBEI))
    leave(conn, "全国备注", provinces=every, role="executive")
    henan = bodies(conn, [HENAN])
    assert not {"湖北专属备注", "两省备注", "全国备注"} & set(henan)  # each names a province they may not see
    assert {"湖北专属备注", "两省备注", "全国备注"} <= set(bodies(conn, every))


def test_the_seeded_note_of_the_issue_is_on_henan_refunds_of_q3_2025(conn):
    seeded = bodies(conn, [HENAN], (dt.date(2025, 7, 1), dt.date(2025, 10, 1)))
    assert any(b.startswith("河南三季度退费偏高") for b in seeded)
    assert not bodies(conn, [HUBEI], (dt.date(2025, 7, 1), dt.date(2025, 10, 1)))


def test_only_what_the_writer_may_see_can_be_noted_and_bad_text_is_refused(conn):
    for kwargs, reason in (
        (dict(body="看这里", provinces=(HUBEI,), allowed=(HENAN,)), "scope"),
        (dict(body="看这里", provinces=()), "scope"),
        (dict(body="   "), "empty"),
        (dict(body="长" * (notes.BODY_MAX + 1)), "length"),
        (dict(body="[点我](https://evil.example)"), "markup"),
        (dict(body="<img src=x onerror=alert(1)>"), "markup"),
        (dict(body="=HYPERLINK(1)"), "markup"),
        (dict(body="ok", role="guest"), "role"),
        (dict(body="ok", period=(Q3[1], Q3[0])), "view"),
    ):
        with pytest.raises(notes.NoteRefused) as refused:
            leave(conn, **kwargs)
        assert str(refused.value) == reason, kwargs
    assert not bodies(conn, [HENAN, HUBEI])


def test_a_note_and_its_removal_are_audited_and_move_the_data_version(conn):
    version = upkeep.data_version(conn)
    note_id = leave(conn, "已约谈线下分校")
    assert upkeep.data_version(conn) > version
    with pytest.raises(notes.NoteRefused, match="author"):
        notes.delete_note(conn, note_id, actor="li@corp.cn", role="regional", allowed=(HENAN,))
    with pytest.raises(notes.NoteRefused, match="scope"):
        notes.delete_note(conn, note_id, actor="admin@corp.cn", role="admin", allowed=(HUBEI,))
    moved = upkeep.data_version(conn)
    notes.delete_note(conn, note_id, actor="wang@corp.cn", role="regional", allowed=(HENAN,))
    assert upkeep.data_version(conn) > moved
    assert "已约谈线下分校" not in bodies(conn, [HENAN])
    log = conn.execute(
        sa.select(schema.audit_log.c.action, schema.audit_log.c.actor, schema.audit_log.c.provinces)
        .where(schema.audit_log.c.action.in_(("note_add", "note_del")))
        .order_by(schema.audit_log.c.id)
    ).all()
    assert [tuple(r) for r in log][-2:] == [("note_add", "wang@corp.cn", HENAN), ("note_del", "wang@corp.cn", HENAN)]


def test_control_and_bidi_characters_are_refused_and_lines_become_one(conn):
    for body in ("退费\u202e偏高", "退费\u200b偏高", "退费\x07偏高"):
        with pytest.raises(notes.NoteRefused, match="markup"):
            leave(conn, body)
    assert not [b for b in bodies(conn, [HENAN]) if b.startswith("退费")]
    leave(conn, "退费偏高\r\n已约谈")  # the lines of the text box become one
    assert "退费偏高 已约谈" in bodies(conn, [HENAN])
