"""Floor page: Overview (a title, as many charts, tables and cards as the cockpit page, from small in-memory frames)."""

from floor_common import filters, render

render("overview", "总览" if filters()["lang"] == "zh" else "Overview")
