"""Floor page: Investment (a title, as many charts, tables and cards as the cockpit page, from small in-memory frames)."""

from floor_common import filters, render

render("investment", "项目投入" if filters()["lang"] == "zh" else "Investment")
