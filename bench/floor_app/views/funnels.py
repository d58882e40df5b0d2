"""Floor page: Funnels (a title and two plotly charts from small in-memory frames)."""

from floor_common import filters, render

render("funnels", "招生漏斗" if filters()["lang"] == "zh" else "Funnels")
