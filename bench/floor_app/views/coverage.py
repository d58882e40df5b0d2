"""Floor page: Coverage (a title, as many charts, tables and cards as the cockpit page, from small in-memory frames)."""

from floor_common import filters, render

render("coverage", "合作覆盖" if filters()["lang"] == "zh" else "Coverage")
