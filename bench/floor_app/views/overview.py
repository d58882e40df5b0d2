"""Floor page: Overview (a title and two plotly charts from small in-memory frames)."""

from floor_common import filters, render

render("overview", "总览" if filters()["lang"] == "zh" else "Overview")
