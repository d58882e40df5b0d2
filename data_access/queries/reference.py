"""Reference lists (GB/T 2260 places): public facts, the same for every user.

These are the only query functions without a scope: the filter bar needs the full list of
provinces to intersect with what a user may see. They return no business data.
"""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from data_access.queries._sql import frame, prov

PROVINCE_CATALOGUE_COLUMNS = ["province_code", "name_zh", "name_en", "region"]


def get_province_catalogue(conn: Connection) -> pd.DataFrame:
    """All provinces in the database. Columns: province_code, name_zh, name_en, region; by code."""
    stmt = sa.select(prov.c.code, prov.c.name_zh, prov.c.name_en, prov.c.region).order_by(prov.c.code)
    return frame(conn, stmt, PROVINCE_CATALOGUE_COLUMNS)
