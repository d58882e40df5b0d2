"""Floor page: Coverage (a title and two plotly charts from small in-memory frames)."""

from floor_common import filters, render

render("coverage", "合作覆盖" if filters()["lang"] == "zh" else "Coverage")
