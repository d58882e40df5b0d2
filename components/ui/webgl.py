"""Whether this browser draws WebGL in software (no GPU, a remote desktop, a headless browser):
there the interactive pydeck map takes seconds a frame, and the Coverage page shows the static map
instead (issue 24). A tiny Streamlit component (st.components.v2, inline JS, nothing fetched) asks
the browser's WebGL for its renderer once per session and reports it back.

Nothing of the user's reaches the JS: it is a constant of ours (the component API's trusted code).
"""

from __future__ import annotations

import streamlit as st

KEY = "webgl_probe"
# SwiftShader (Chromium's software GL), llvmpipe / softpipe (Mesa), Microsoft Basic Render Driver.
_JS = """
export default function (component) {
  const { setStateValue } = component;
  let software = true;
  try {
    const canvas = document.createElement("canvas");
    const gl = canvas.getContext("webgl2") || canvas.getContext("webgl");
    if (gl) {
      const info = gl.getExtension("WEBGL_debug_renderer_info");
      const renderer = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER) || "");
      software = /swiftshader|llvmpipe|softpipe|software|basic render/i.test(renderer);
      const lose = gl.getExtension("WEBGL_lose_context");
      if (lose) lose.loseContext();
    }
  } catch (e) {
    software = true;
  }
  setStateValue("software", software);
}
"""
_probe = None


def probe() -> None:
    """Mount the probe (once a run, from app.py): its answer arrives as one rerun of the session."""
    global _probe
    if _probe is None:
        _probe = st.components.v2.component("cockpit_webgl_probe", js=_JS)
    _probe(key=KEY, on_software_change=lambda: None)


def software() -> bool | None:
    """True when this session's browser draws WebGL in software, False with a GPU, None when it has
    not said (the first run of a session, or a client that runs no JavaScript: AppTest)."""
    state = st.session_state.get(KEY)
    value = getattr(state, "software", None) if state is not None else None
    if value is None and isinstance(state, dict):
        value = state.get("software")
    return value if isinstance(value, bool) else None
