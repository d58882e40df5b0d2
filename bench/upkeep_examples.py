"""Writes the filled partner templates of docs/examples (README, "Partners and agreements"):
partners-zh.xlsx applies cleanly to the demo database, partners-bad-zh.xlsx is refused with five
problems named. Both start from the real template; re-run after the template changes:

    .venv/bin/python bench/upkeep_examples.py
"""

from __future__ import annotations

import datetime as dt
import io
import sys
from pathlib import Path

import openpyxl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from components.upkeep.partners import partners_template  # noqa: E402
from data_access import config, upkeep  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "docs" / "examples"
TODAY = dt.date(2026, 12, 2)  # fixed: the files do not change from one run to the next
GOOD = [
    (
        "郑州信息科技职业学院",
        "Zhengzhou Vocational College of Information Technology",
        "高职院校 (vocational_college)",
        "郑州市 (410100)",
        "核心合作 (core)",
        "共建产业学院 (industry_college)",
        "2026-09-01",
        "2031-08-31",
        480,
        "万元",
        "合作中 (active)",
        "新签产业学院",
    ),
    (
        "郑州信息科技职业学院",
        "",
        "高职院校 (vocational_college)",
        "郑州市 (410100)",
        "核心合作 (core)",
        "实践基地 (practice_base)",
        "2026-10-15",
        "",
        0,
        "",
        "合作中 (active)",
        "框架协议",
    ),
    (
        "洛阳智能制造有限公司",
        "Luoyang Intelligent Manufacturing Co., Ltd.",
        "企业 (enterprise)",
        "洛阳市 (410300)",
        "一般合作 (general)",
        "渠道合作 (channel)",
        "2026-11-20",
        "2029-11-19",
        35.5,
        "万元",
        "合作中 (active)",
        "",
    ),
]
BAD = GOOD + [
    (
        "河南某职业学院",
        "",
        "高职院校 (vocational_college)",
        "郑州 (419999)",
        "核心合作 (core)",
        "实践基地 (practice_base)",
        "2026-03-01",
        "",
        "",
        "",
        "合作中 (active)",
        "城市代码错",
    ),
    (
        "@SUM(1+1)*cmd",
        "",
        "企业 (enterprise)",
        "郑州市 (410100)",
        "一般合作 (general)",
        "渠道合作 (channel)",
        "2026-03-01",
        "",
        "",
        "",
        "合作中 (active)",
        "像公式的名称",
    ),
    (
        "开封示范学校",
        "",
        "技工院校 (technical_school)",
        "开封市 (410200)",
        "一般合作 (general)",
        "实践基地 (practice_base)",
        "2027-01-05",
        "",
        "",
        "",
        "合作中 (active)",
        "签约日期在将来",
    ),
    (
        "洛阳智能制造有限公司",
        "",
        "企业 (enterprise)",
        "洛阳市 (410300)",
        "核心合作 (core)",
        "智慧校园 (smart_campus)",
        "2026-06-01",
        "",
        "",
        "",
        "合作中 (active)",
        "与第 4 行等级不同",
    ),
    (
        "南阳现代农业集团",
        "",
        "企业 (enterprise)",
        "南阳市 (411300)",
        "一般合作 (general)",
        "渠道合作 (channel)",
        "2026-06-01",
        "",
        200,
        "亿元",
        "合作中 (active)",
        "金额超上限（单位填错）",
    ),
]


def filled(rows, ref) -> bytes:
    book = openpyxl.load_workbook(
        io.BytesIO(partners_template(ref.cities, ref.provinces, allowed=tuple(ref.provinces), today=TODAY, lang="zh"))
    )
    for r in rows:
        book.worksheets[0].append(list(r))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def main() -> None:
    with config.make_engine(config.database_url()).connect() as conn:
        ref = upkeep.Reference.load(conn, today=TODAY)
    for name, rows in (("partners-zh.xlsx", GOOD), ("partners-bad-zh.xlsx", BAD)):
        (OUT / name).write_bytes(filled(rows, ref))
        print(f"wrote docs/examples/{name}")


if __name__ == "__main__":
    main()
