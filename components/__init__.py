"""Pure builders for the cockpit: figures, decks, exports, filter widgets and the i18n layer.

Nothing here imports ``data_access``; builders take DataFrames and plain values.
"""
