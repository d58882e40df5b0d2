"""A copy of the seeded database whose names are hostile (docs/SECURITY.md, finding 3): Markdown
links and images, HTML, a spreadsheet formula, Streamlit directives, math, zero-width and
right-to-left characters and a line break, written into every text field the app shows.

Used by the AppTest (tests/app/test_hostile_markdown.py), the browser test
(tests/e2e/test_hostile_names.py) and the export/digest checks. What is written where is chosen
from the data (an at-risk project with an alert, the top gap city of Hubei), not fixed ids.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from data_access import alerts, config, queries, schema
from data_access.scope import Scope
from data_access.untrusted import clean

LINK = "[点此领取](https://evil.example/phish)"
IMAGE = "![x](https://evil.example/pixel.png)"
IMG_TAG = "<img src=https://evil.example/i.png onerror=alert(1)>"
BOLD = "<b>bold</b>"
FORMULA = '=HYPERLINK("https://evil.example")'
DIRECTIVE = ":red[红]"
MATH = "$x^2$"
ZERO_WIDTH = "\u200b"
RTL = "\u202e"
EVIL_HOST = "evil.example"
PROVINCE = "420000"  # Hubei


@dataclass(frozen=True)
class Hostile:
    """Where the hostile names went, and the text each must show as (``clean`` of what was written)."""

    url: str
    province: str
    province_zh: str
    province_en: str
    city: str
    city_zh: str
    project_id: int  # the at-risk project with an alert: hostile name, partner and milestones
    project_code: str
    project_zh: str
    project_en: str
    partner_zh: str
    partner_en: str
    milestone_zh: str
    other_project_id: int  # the biggest at-risk project: invisible characters and a line break
    other_project_zh: str
    other_project_en: str
    upload_file: str
    upload_actor: str

    @property
    def shown(self) -> dict[str, str]:
        """Each hostile text as the screen must show it, literally."""
        return {
            k: clean(v) for k, v in self.__dict__.items() if isinstance(v, str) and k not in ("url", "province", "city", "project_code")
        }


def copy_sqlite(src: str, dst: str) -> None:
    """A consistent copy of a SQLite file (the backup API, not a file copy)."""
    a, b = sqlite3.connect(src), sqlite3.connect(dst)
    try:
        a.backup(b)
    finally:
        a.close()
        b.close()


def make_hostile_copy(seeded_url: str, path) -> Hostile:
    """Copy the seeded database to ``path`` and write hostile names into it."""
    copy_sqlite(make_url(seeded_url).database, str(path))
    url = f"sqlite:///{path}"
    engine = config.make_engine(url)
    try:
        with engine.connect() as conn:
            everything = Scope((PROVINCE,), dt.date(1990, 1, 1), dt.date(2100, 1, 1))
            as_of = queries.data_as_of(queries.get_data_freshness(conn, scope=everything))
            year = Scope((PROVINCE,), dt.date(as_of.year, 1, 1), as_of + dt.timedelta(days=1))
            projects = queries.get_investment_by_project(conn, scope=year, as_of=as_of)
            alerted = [int(a.key.split(":")[1]) for a in alerts.evaluate(conn, scope=year, as_of=as_of) if a.rule == "project_at_risk"]
            risky = projects[projects["at_risk"]].sort_values("planned_yuan", ascending=False)
            first = alerted[0] if alerted else int(risky.iloc[0]["project_id"])
            other = int(risky[risky["project_id"] != first].iloc[0]["project_id"])
            row = projects.set_index("project_id").loc[first]
            partner_id, code = int(row["partner_id"]), str(row["code"])
            city = str(queries.get_coverage_gaps(conn, scope=year, limit=1).iloc[0]["city_code"])
        h = Hostile(
            url=url,
            province=PROVINCE,
            province_zh=f"湖北省{LINK}",
            province_en=f"Hubei {IMAGE}",
            city=city,
            city_zh=f"荆门{IMG_TAG}",
            project_id=first,
            project_code=code,
            project_zh=f"随州项目 {IMAGE} {DIRECTIVE} {MATH}",
            project_en=LINK,
            partner_zh=FORMULA,
            partner_en=f"Partner{RTL}evil{ZERO_WIDTH}",
            milestone_zh=f"{LINK} 里程碑 {BOLD}",
            other_project_id=other,
            other_project_zh=f"数字{ZERO_WIDTH}项目{RTL}反向\n换行",
            other_project_en=IMG_TAG,
            upload_file=f"{LINK}.xlsx",
            upload_actor=f"{BOLD}@evil.example",
        )
        with engine.begin() as conn:
            conn.execute(
                schema.province.update().where(schema.province.c.code == PROVINCE).values(name_zh=h.province_zh, name_en=h.province_en)
            )
            conn.execute(schema.city.update().where(schema.city.c.code == city).values(name_zh=h.city_zh, name_en=f"Jingmen {BOLD}"))
            conn.execute(schema.project.update().where(schema.project.c.id == first).values(name_zh=h.project_zh, name_en=h.project_en))
            conn.execute(
                schema.project.update().where(schema.project.c.id == other).values(name_zh=h.other_project_zh, name_en=h.other_project_en)
            )
            conn.execute(
                schema.partner.update().where(schema.partner.c.id == partner_id).values(name_zh=h.partner_zh, name_en=h.partner_en)
            )
            conn.execute(
                schema.milestone.update().where(schema.milestone.c.project_id == first).values(name_zh=h.milestone_zh, name_en=DIRECTIVE)
            )
            upload = conn.execute(
                schema.data_upload.insert().values(
                    at=dt.datetime.now(dt.timezone.utc).replace(tzinfo=None),
                    actor=h.upload_actor,
                    kind="partners",
                    source="page",
                    file_name=h.upload_file,
                    file_sha256="0" * 64,
                    inserted=0,
                    changed=1,
                    ended=0,
                )
            )
            # its one change: the partner renamed (the history lists an upload through its changes)
            conn.execute(
                schema.data_change.insert().values(
                    upload_id=upload.inserted_primary_key[0],
                    table_name="partner",
                    row_key=h.partner_zh,
                    province_code=PROVINCE,
                    op="update",
                    before=json.dumps({"name_en": "Partner"}),
                    after=json.dumps({"name_en": h.partner_en}),
                )
            )
            assert (
                conn.execute(
                    sa.select(sa.func.count()).select_from(schema.milestone).where(schema.milestone.c.project_id == first)
                ).scalar_one()
                > 0
            )
    finally:
        engine.dispose()
    return h
