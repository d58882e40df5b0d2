"""How long a big upkeep file takes: read + validate, plan, and apply, for targets and for partners
(the issue: 10,000 rows validate "in a few seconds"). Runs on a copy of the embedded database.

    .venv/bin/python bench/upkeep_bench.py [--rows 10000]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from components.upkeep.partners import partner_labels  # noqa: E402
from components.upkeep.text import metric_labels  # noqa: E402
from data_access import codes, config, upkeep, upkeep_apply, upkeep_partners  # noqa: E402
from tests.data_access.test_upkeep import workbook as targets_file  # noqa: E402
from tests.data_access.test_upkeep_partners import row  # noqa: E402
from tests.data_access.test_upkeep_partners import workbook as partners_file


def clock(label: str, fn):
    start = time.perf_counter()
    out = fn()
    print(f"{label:<44} {time.perf_counter() - start:6.2f} s")
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000)
    n = ap.parse_args().rows
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "cockpit.db"
        shutil.copy(config.PROJECT_ROOT / "data" / "cockpit.db", db)
        engine = config.make_engine(f"sqlite:///{db}")
        with engine.connect() as conn:
            ref = upkeep.Reference.load(conn)
        everyone = upkeep.Uploader("cli:bench", "operator", tuple(ref.provinces), True)
        provinces = list(ref.provinces)
        metrics = [m for m in codes.TARGET_METRICS if not m.endswith("_fen")]
        trows = [
            (
                2027 + i // (len(provinces) * len(metrics)) % 4,
                provinces[i // len(metrics) % len(provinces)],
                metrics[i % len(metrics)],
                100 + i,
                "",
            )
            for i in range(min(n, 4 * len(provinces) * len(metrics)))
        ]
        tdata = clock(f"targets: build a {len(trows):,}-row file", lambda: targets_file(trows))
        with engine.begin() as conn:
            rows, plan = clock(
                "targets: read + validate + plan",
                lambda: upkeep.preview_targets(conn, tdata, uploader=everyone, metric_labels=metric_labels(), ref=ref),
            )
            clock(
                f"targets: apply {len(plan.changes):,} changes",
                lambda: upkeep_apply.apply_plan(conn, plan, rows, actor="bench", file_name="t.xlsx", sha256="", source="cli"),
            )
        cities = sorted(ref.cities)
        prows = [
            row(
                f"基准测试合作方{i // 2:05d}",
                city=f"x ({cities[(i // 2) % len(cities)]})",
                kind="企业 (enterprise)",
                agreement="渠道合作 (channel)" if i % 2 else "实践基地 (practice_base)",
                value=i % 500,
                unit="万元",
            )
            for i in range(n)
        ]
        pdata = clock(f"partners: build a {n:,}-row file", lambda: partners_file(prows, ref))
        with engine.begin() as conn:
            rows, plan = clock(
                "partners: read + validate + plan",
                lambda: upkeep_partners.preview_partners(conn, pdata, uploader=everyone, labels=partner_labels(), ref=ref),
            )
            assert plan.ok, plan.problems[:3]
            clock(
                f"partners: apply {len(plan.changes):,} changes",
                lambda: upkeep_apply.apply_plan(
                    conn, plan, rows, actor="bench", file_name="p.xlsx", sha256="", source="cli", uploader=everyone
                ),
            )
            again = clock(
                "partners: re-plan the same file (no-op)",
                lambda: upkeep_partners.preview_partners(conn, pdata, uploader=everyone, labels=partner_labels(), ref=ref)[1],
            )
            print(f"  unchanged on re-upload: {again.counts['unchanged']:,}, changes: {len(again.changes)}")


if __name__ == "__main__":
    main()
