"""Floor page: Investment (a title and two plotly charts from small in-memory frames)."""

from floor_common import filters, render

render("investment", "项目投入" if filters()["lang"] == "zh" else "Investment")
