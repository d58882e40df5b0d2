"""The Streamlit floor of components/: sign-in pages, the page context, the filter bar, the export
menu, section layout, outage notices and session-state keys. Everything else in components/ is pure."""
