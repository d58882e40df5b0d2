"""Data upkeep in words and files: the Excel templates, and problems and previews as sentences."""
