"""Reference lists (GB/T 2260 places): public facts, the same for every user.

These are the only query functions without a scope: the filter bar needs the full list of
provinces to intersect with what a user may see. They return no business data.
"""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from data_access.queries._sql import c, frame, prov

PROVINCE_CATALOGUE_COLUMNS = ["province_code", "name_zh", "name_en", "region"]


def get_province_catalogue(conn: Connection) -> pd.DataFrame:
    """All provinces in the database. Columns: province_code, name_zh, name_en, region; by code."""
    stmt = sa.select(prov.c.code, prov.c.name_zh, prov.c.name_en, prov.c.region).order_by(prov.c.code)
    return frame(conn, stmt, PROVINCE_CATALOGUE_COLUMNS)


PLACE_CATALOGUE_COLUMNS = ["code", "province_code", "parent_code", "name_zh", "name_en", "tier"]


def get_place_catalogue(conn: Connection) -> pd.DataFrame:
    """All cities and counties in the database (the 2,200 places a question may name).
    Columns: code, province_code, parent_code (a county's city; None otherwise), name_zh, name_en, tier; by code."""
    stmt = sa.select(c.c.code, c.c.province_code, c.c.parent_code, c.c.name_zh, c.c.name_en, c.c.tier).order_by(c.c.code)
    return frame(conn, stmt, PLACE_CATALOGUE_COLUMNS)
