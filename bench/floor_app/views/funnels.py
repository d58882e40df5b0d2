"""Floor page: Funnels (a title, as many charts, tables and cards as the cockpit page, from small in-memory frames)."""

from floor_common import filters, render

render("funnels", "招生漏斗" if filters()["lang"] == "zh" else "Funnels")
