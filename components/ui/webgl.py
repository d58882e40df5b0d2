"""Whether this browser draws WebGL in software (no GPU, a remote desktop, a headless browser):
there the interactive pydeck map takes seconds a frame, and the Coverage page shows the static map
instead (issue 24).

A tiny Streamlit component (st.components.v2, inline JS, nothing fetched), mounted on the Coverage
page only, asks the browser's WebGL for its renderer and reports back only a software one: one
rerun of that session, and a cookie (``cockpit_webgl=software``, 30 days, this site only) so that
every later session of the same browser — a reload, a new tab, a shared link — knows it from its
first run, before any map is sent. A browser with a GPU never answers, so it never pays a rerun.

The cookie is a drawing preference, nothing more: only the exact value "software" is read, and it
grants nothing. Nothing of the user's reaches the JS: it is a constant of ours (the component API's
trusted code).
"""

from __future__ import annotations

import streamlit as st

KEY = "webgl_probe"
COOKIE = "cockpit_webgl"
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
  // Only a software renderer is reported: a browser with a GPU never causes a rerun.
  if (software) {
    document.cookie = "cockpit_webgl=software; path=/; max-age=2592000; SameSite=Lax";
    setStateValue("software", true);
  }
}
"""
KNOWN = "webgl_software"  # session state: the answer, kept when the probe is no longer drawn
_probe = None


def _from_cookie() -> bool:
    try:
        return st.context.cookies.get(COOKIE) == "software"
    except Exception:  # no request behind this session (AppTest, bare mode): nothing to read
        return False


def software() -> bool:
    """True once this browser has said it draws WebGL in software: in an earlier session (its
    cookie) or in this one. Call it where the map is drawn: otherwise it mounts the probe, whose
    answer (only ever "software") arrives as one rerun; a browser with a GPU, or a client that runs
    no JavaScript (AppTest), never answers."""
    global _probe
    if st.session_state.get(KNOWN) or _from_cookie():
        st.session_state[KNOWN] = True
        return True
    state = st.session_state.get(KEY)
    value = state.get("software") if isinstance(state, dict) else getattr(state, "software", None)
    if value is True:
        st.session_state[KNOWN] = True
        return True
    if _probe is None:
        _probe = st.components.v2.component("cockpit_webgl_probe", js=_JS)
    _probe(key=KEY, on_software_change=lambda: None)
    return False
