"""The export engine: figures, DataFrames and plain metadata in, file bytes out.

No streamlit and no data_access in here: pages put the bytes in download buttons, and the
headless report command calls the same functions.

- images: ``figure_to_bytes`` (PNG/SVG/PDF through kaleido + Chromium), ``image_session``
- tables: ``to_csv_bytes``, ``to_xlsx_bytes``, ``export_filename``
- pack: ``Slide``, ``PackMeta``, ``build_pptx``, ``build_pdf`` (the briefing pack)
"""

from .images import ExportError, ExportUnavailable, figure_to_bytes, image_session
from .pack import Appendix, PackMeta, Slide, build_pdf, build_pptx, render_charts
from .tables import export_filename, to_csv_bytes, to_xlsx_bytes

__all__ = [
    "Appendix",
    "ExportError",
    "ExportUnavailable",
    "PackMeta",
    "Slide",
    "build_pdf",
    "build_pptx",
    "render_charts",
    "export_filename",
    "figure_to_bytes",
    "image_session",
    "to_csv_bytes",
    "to_xlsx_bytes",
]
