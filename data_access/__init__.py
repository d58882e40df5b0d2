"""Data-access layer: configuration, schema, migrations, demo seed and typed queries.

Nothing in this package imports streamlit except ``cache.py``.
"""
