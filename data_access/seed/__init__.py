"""Realistic, deterministic demo data for the cockpit (CLI: ``python -m data_access.seed``).

``seed_database`` migrates the database to head, refuses to touch one that already holds data
unless ``replace=True`` (then it deletes every row and reseeds, in one transaction, so a failure
loses nothing), and bulk-inserts everything with a progress bar on stderr.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import cast

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from tqdm import tqdm

from data_access import codes, config, migrate, places, schema
from data_access.refresh import analyze, refresh
from data_access.seed import business as biz
from data_access.seed.funnel import Chunk, FunnelModel
from data_access.seed.reference import build_reference

GENERATOR_VERSION = "1"
INSERT_BATCH = 50_000


class AlreadySeeded(RuntimeError):
    """The database holds data and ``replace`` was not asked for."""


@dataclass
class SeedReport:
    """What a seed run wrote and how long it took."""

    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def existing_rows(conn: Connection) -> dict[str, int]:
    """Row counts of the tables a seed writes (0 everywhere for an empty database)."""
    return {t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one() for t in (schema.partner, schema.funnel_event)}


def seed_database(
    engine: Engine, *, learners: int, seed: int = 42, until: dt.date = biz.DEFAULT_UNTIL, replace: bool = False, progress: bool = True
) -> SeedReport:
    """Fill the database with demo data for ``learners`` learners (about 2.4 events each)."""
    t0 = time.perf_counter()
    migrate.upgrade(engine)
    ref = build_reference(places.load_provinces(), places.load_places(), seed=seed, until=until)
    model = FunnelModel(ref.cities, ref.partners, seed=seed, until=until)
    report = SeedReport()
    with engine.begin() as conn:
        config.for_bulk_work(conn)
        counts = existing_rows(conn)
        if any(counts.values()):
            if not replace:
                raise AlreadySeeded(
                    f"The database already holds data ({counts['partner']:,} partners, "
                    f"{counts['funnel_event']:,} funnel events). Nothing was changed. "
                    "Rerun with --replace to delete everything and reseed."
                )
            # Upkeep history describes the rows being replaced: a revert of it would be wrong afterwards.
            for table in (schema.data_change, schema.data_upload, *reversed(schema.TABLES_IN_LOAD_ORDER)):
                conn.execute(table.delete())
        for table, rows in (
            (schema.province, ref.provinces),
            (schema.city, ref.cities),
            (schema.partner, ref.partners),
            (schema.agreement, ref.agreements),
            (schema.project, ref.projects),
            (schema.budget_plan, ref.budget_plans),
            (schema.disbursement, ref.disbursements),
            (schema.milestone, ref.milestones),
        ):
            _insert_dicts(conn, table, rows)
            report.rows[table.name] = len(rows)
        # Secondary indexes of the two big tables are built once after the load rather than row by
        # row during it (10 M events into SQLite: 304 s with them in place). Only where DDL is
        # transactional: on MySQL/MariaDB it would commit, and a failed seed must leave nothing.
        deferred = (
            [ix for t in (schema.learner, schema.funnel_event) for ix in t.indexes] if conn.dialect.name in ("sqlite", "postgresql") else []
        )
        # PostgreSQL checks a foreign key row by row while it loads, but in one join when the
        # constraint is added afterwards: the foreign keys of the two big tables come back after.
        fks = (
            [fk for t in (schema.learner, schema.funnel_event) for fk in t.foreign_key_constraints]
            if conn.dialect.name == "postgresql"
            else []
        )
        for fk in fks:
            conn.execute(sa.schema.DropConstraint(fk))
        for ix in deferred:
            ix.drop(conn)
        stats = _insert_funnel(conn, model, learners, report, progress)
        for ix in deferred:
            ix.create(conn)
        for fk in fks:
            conn.execute(sa.schema.AddConstraint(fk))
        analyze(conn)  # the refresh below plans its month queries on these statistics
        targets = _targets(ref, stats, until)
        _insert_dicts(conn, schema.target, targets)
        report.rows["target"] = len(targets)
        events, event_provinces = _events(ref, until)
        _insert_dicts(conn, schema.event, events)
        _insert_dicts(conn, schema.event_province, event_provinces)
        report.rows["event"] = len(events)
        notes, note_provinces = _notes(until)
        _insert_dicts(conn, schema.view_note, notes)
        _insert_dicts(conn, schema.view_note_province, note_provinces)
        report.rows["view_note"] = len(notes)
        info = [
            dict(key="seed", value=str(seed)),
            dict(key="learners", value=str(learners)),
            dict(key="until", value=until.isoformat()),
            dict(key="generator_version", value=GENERATOR_VERSION),
            dict(key="source", value="demo data: data_access.seed"),
        ]
        _insert_dicts(conn, schema.dataset_info, info)
        report.rows["dataset_info"] = len(info)
        if conn.dialect.name == "postgresql":
            _advance_sequences(conn)
    if engine.dialect.name == "postgresql":
        # Index-only scans need the visibility map, which only VACUUM sets (outside a transaction).
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("SET statement_timeout = 0")  # 10 M rows take longer than a page query may
            conn.exec_driver_sql("VACUUM (ANALYZE) learner, funnel_event")
            conn.exec_driver_sql("RESET statement_timeout")
    # The pages read the summary tables: build them from what was just written (month by month).
    refresh(engine, full=True)
    with engine.connect() as conn:
        for table in (schema.summary_funnel_flow, schema.summary_funnel_cohort, schema.summary_leads):
            report.rows[table.name] = conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
    report.seconds = time.perf_counter() - t0
    return report


def _events(ref, until: dt.date) -> tuple[list[dict], list[dict]]:
    """The business's demo events up to ``until`` (business.DEMO_EVENTS), with the provinces each
    concerns (a national one: all of them; a region's: its provinces)."""
    partner_id = {p["name_zh"]: p["id"] for p in ref.partners}
    region_of = {p["code"]: p["region"] for p in ref.provinces}
    events: list[dict] = []
    provinces: list[dict] = []
    for starts_on, ends_on, kind, title_zh, title_en, note, reach, where, partner in biz.DEMO_EVENTS:
        if starts_on > until:
            continue
        event_id = len(events) + 1
        region = where[0] if reach == "region" else ""
        codes_ = (
            sorted(region_of)
            if reach == "national"
            else sorted(p for p, r in region_of.items() if r == region)
            if reach == "region"
            else list(where)
        )
        events.append(
            dict(
                id=event_id, starts_on=starts_on, ends_on=ends_on, kind=kind, title_zh=title_zh, title_en=title_en, note=note,
                reach=reach, region=region, partner_id=partner_id.get(partner) if partner else None, project_id=None,
                created_by="seed", created_at=dt.datetime.combine(starts_on, dt.time(9)), changed_by="", changed_at=None,
            )
        )  # fmt: skip
        provinces.extend({"event_id": event_id, "province_code": code} for code in codes_)
    return events, provinces


def _notes(until: dt.date) -> tuple[list[dict], list[dict]]:
    """The demo notes on views (business.DEMO_NOTES) whose period has begun by ``until``."""
    notes: list[dict] = []
    provinces: list[dict] = []
    for section, starts_on, ends_on, where, body, author in biz.DEMO_NOTES:
        if starts_on > until:
            continue
        note_id = len(notes) + 1
        written = dt.datetime.combine(min(until, ends_on - dt.timedelta(days=1)), dt.time(18))
        notes.append(
            dict(id=note_id, section=section, starts_on=starts_on, ends_on=ends_on, body=body, created_by=author, created_at=written)
        )
        provinces.extend({"note_id": note_id, "province_code": code} for code in where)
    return notes, provinces


def _advance_sequences(conn: Connection) -> None:
    """PostgreSQL: move each id sequence past the ids the seed wrote itself (COPY and explicit ids
    leave sequences at 1), so the next row a loader or an upload inserts gets a free id."""
    for table in schema.TABLES_IN_LOAD_ORDER:
        if "id" in table.c and table.c.id.primary_key:
            top = conn.execute(sa.select(sa.func.coalesce(sa.func.max(table.c.id), 0))).scalar_one()
            conn.execute(sa.text("SELECT setval(pg_get_serial_sequence(:t, 'id'), :v, false)"), {"t": table.name, "v": int(top) + 1})


def _insert_dicts(conn: Connection, table: sa.Table, rows: list[dict]) -> None:
    for i in range(0, len(rows), INSERT_BATCH):
        conn.execute(table.insert(), rows[i : i + INSERT_BATCH])


def _insert_funnel(conn: Connection, model: FunnelModel, n: int, report: SeedReport, progress: bool) -> pd.DataFrame:
    """Stream learners and events into the database; return counts per year x province x event kind."""
    sqlite = conn.dialect.name == "sqlite"
    stats: list[pd.DataFrame] = []
    next_event_id = 1
    n_events = 0
    bar = tqdm(total=n, unit=" learners", disable=not progress, file=sys.stderr, desc="seeding funnel")
    for chunk in model.chunks(n):
        learners, events = _chunk_rows(chunk, next_event_id, as_text_dates=sqlite)
        next_event_id += len(chunk.ev_learner)
        n_events += len(chunk.ev_learner)
        _bulk(conn, schema.learner, learners, sqlite)
        _bulk(conn, schema.funnel_event, events, sqlite)
        year = chunk.ev_day.astype("datetime64[D]").astype("datetime64[Y]").astype(int) + 1970
        idx = chunk.ev_learner - chunk.learner_id[0]
        stats.append(
            pd.DataFrame({"year": year, "province": chunk.province[idx], "stage": chunk.ev_stage}).value_counts().rename("n").reset_index()
        )
        bar.update(len(chunk.learner_id))
        bar.set_postfix(events=f"{n_events:,}")
    bar.close()
    report.rows["learner"] = n
    report.rows["funnel_event"] = n_events
    if not stats:
        return pd.DataFrame(columns=["year", "province", "stage", "n"])
    return pd.concat(stats).groupby(["year", "province", "stage"], as_index=False)["n"].sum()


def _chunk_rows(c: Chunk, first_event_id: int, *, as_text_dates: bool) -> tuple[list, list]:
    def dates(days: np.ndarray):
        d = days.astype("datetime64[D]")
        return np.datetime_as_string(d).tolist() if as_text_dates else d.astype(object).tolist()

    channels = np.array(codes.CHANNELS, dtype=object)
    programmes = np.array(codes.PROGRAMMES, dtype=object)
    kinds = np.array(codes.EVENT_KINDS, dtype=object)
    partner = [int(p) if p else None for p in c.partner.tolist()]
    learners = list(
        zip(
            c.learner_id.tolist(),
            c.city.tolist(),
            c.province.tolist(),
            channels[c.channel].tolist(),
            programmes[c.programme].tolist(),
            partner,
            dates(c.lead_day),
        )
    )
    idx = c.ev_learner - c.learner_id[0]
    ids = range(first_event_id, first_event_id + len(idx))
    events = list(
        zip(
            ids,
            c.ev_learner.tolist(),
            kinds[c.ev_stage].tolist(),
            dates(c.ev_day),
            channels[c.channel[idx]].tolist(),
            c.city[idx].tolist(),
            c.province[idx].tolist(),
            programmes[c.programme[idx]].tolist(),
        )
    )
    return learners, events


def _bulk(conn: Connection, table: sa.Table, rows: list[tuple], sqlite: bool) -> None:
    """Write ``rows`` (tuples in column order) the fastest way each dialect offers.

    SQLite: the DB-API ``executemany`` of tuples (several times faster than Core with dicts).
    PostgreSQL (psycopg 3): ``COPY … FROM STDIN``, rows streamed in binary-free text format.
    MySQL/MariaDB (PyMySQL): ``executemany`` of an ``INSERT … VALUES`` statement, which PyMySQL sends
    as multi-row inserts of up to about 1 MB each. Table and column names come from the schema,
    never from input; values are always passed separately.
    """
    cols = [c.name for c in table.columns]
    driver = conn.connection.driver_connection
    assert driver is not None  # an open connection: the DB-API connection under it
    name = conn.dialect.name
    if sqlite:
        sql = f"INSERT INTO {table.name} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
        driver.executemany(sql, rows)
    elif name == "postgresql" and conn.dialect.driver == "psycopg":
        with driver.cursor() as cur, cur.copy(f"COPY {table.name} ({', '.join(cols)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    elif name in ("mysql", "mariadb") and conn.dialect.driver == "pymysql":
        sql = f"INSERT INTO {table.name} ({', '.join(cols)}) VALUES ({', '.join(['%s'] * len(cols))})"
        with driver.cursor() as cur:
            cur.executemany(sql, rows)
    else:
        for i in range(0, len(rows), INSERT_BATCH):
            conn.execute(table.insert(), [dict(zip(cols, r)) for r in rows[i : i + INSERT_BATCH]])


def _targets(ref, stats: pd.DataFrame, until: dt.date) -> list[dict]:
    """Annual targets per province and nationally: a stretch over what the data achieves."""
    rng = np.random.default_rng(7)
    year_fraction = {y: 1.0 for y in range(2021, until.year)}
    # The current year is partial: project it to a full year by the seasonal weights.
    months = biz.MONTH_WEIGHT
    year_fraction[until.year] = sum(months[: until.month - 1]) / sum(months) + months[until.month - 1] / sum(months) * until.day / 31
    stage_metric = {"lead": "leads", "enrolled": "enrolled", "certified": "certified", "employed": "employed"}
    # Counts, and leads etc. projected to a full year (floats): a Counter adds floats fine at run time,
    # but typeshed types Counter values as int.
    actual = cast("dict[tuple[int, str, str], float]", Counter())
    for year, prov, stage, n in stats.itertuples(index=False):
        name = codes.EVENT_KINDS[int(stage)]
        if name in stage_metric and int(year) in year_fraction:
            actual[(int(year), prov, stage_metric[name])] += int(n) / year_fraction[int(year)]
    city_prov = {c["code"]: c["province_code"] for c in ref.cities}
    for year in year_fraction:
        end = dt.date(year, 12, 31)
        joint = {a["partner_id"] for a in ref.agreements if a["kind"] == "joint_school" and a["signed_on"] <= end}
        for p in ref.partners:
            if p["since"] <= end and p["status"] != "ended":
                prov = city_prov[p["city_code"]]
                actual[(year, prov, "partners")] += 1
                if codes.END_OF_KIND[p["kind"]] == "S" and p["id"] in joint:
                    actual[(year, prov, "schools")] += 1
        for pr in ref.projects:
            if pr["start_on"] <= end and pr["end_on"].year >= year:
                actual[(year, city_prov[pr["city_code"]], "active_projects")] += 1
        for bp in ref.budget_plans:
            if bp["year"] == year:
                actual[(year, city_prov[ref.projects[bp["project_id"] - 1]["city_code"]], "planned_fen")] += bp["planned_fen"]
        for d in ref.disbursements:
            if d["paid_on"].year == year:
                actual[(year, city_prov[ref.projects[d["project_id"] - 1]["city_code"]], "disbursed_fen")] += d["amount_fen"]
    rows: list[dict] = []
    national: Counter = Counter()
    for (year, prov, metric), value in sorted(actual.items()):
        stretch = rng.uniform(1.02, 1.25)
        v = int(round(value * stretch))
        rows.append(dict(year=year, province_code=prov, metric=metric, value=v))
        national[(year, metric)] += v
    for (year, metric), v in sorted(national.items()):
        rows.append(dict(year=year, province_code=None, metric=metric, value=v))
    # The joint running of 100 schools, phased in towards 2026.
    for year in year_fraction:
        rows = [r for r in rows if not (r["province_code"] is None and r["metric"] == "schools" and r["year"] == year)]
    for year, goal in {2021: 30, 2022: 45, 2023: 60, 2024: 75, 2025: 90, 2026: codes.SCHOOLS_PLAN}.items():
        if year in year_fraction:
            rows.append(dict(year=year, province_code=None, metric="schools", value=goal))
    return [dict(id=i + 1, **r) for i, r in enumerate(rows)]
