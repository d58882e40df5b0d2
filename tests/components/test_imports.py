"""The floors hold: what each kind of module may import (read from the source, at module level).

- The shared vocabulary (data_access/codes.py, data_access/scope.py) imports only the standard
  library and itself, so components and data_access can both use it.
- Pure modules of components/ (builders, sections, filters, exports, i18n, the pack) import no
  streamlit, and from data_access only the vocabulary (the Reader only for type checking).
- Nothing under data_access/ imports components/ or pages/ (no arrow back up).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VOCABULARY = {"data_access.codes", "data_access.scope", "data_access.untrusted"}
# components/ modules that draw with streamlit or wire the app (the rest must be pure).
UI = {"auth.py", "context.py", "export_ui.py", "filter_bar.py", "outage.py", "section_ui.py", "state.py", "cli.py"}


def runtime_imports(path: Path) -> set[str]:
    """Modules imported at module level (``if TYPE_CHECKING:`` blocks and function bodies left out)."""
    out: set[str] = set()

    def visit(nodes):
        for node in nodes:
            if isinstance(node, ast.Import):
                out.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                out.update({node.module} | {f"{node.module}.{a.name}" for a in node.names})
            elif isinstance(node, ast.If) and not (isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"):
                visit(node.body)
                visit(node.orelse)
            elif isinstance(node, ast.Try):
                visit(node.body)

    visit(ast.parse(path.read_text(encoding="utf-8")).body)
    return out


def pure_component_modules() -> list[Path]:
    base = ROOT / "components"
    return sorted(p for p in base.rglob("*.py")
                  if p.relative_to(base).parts[0] != "commands" and not (len(p.relative_to(base).parts) == 1 and p.name in UI))


@pytest.mark.parametrize("name", sorted(VOCABULARY))
def test_the_vocabulary_imports_only_the_standard_library(name):
    path = ROOT / (name.replace(".", "/") + ".py")
    for module in runtime_imports(path):
        top = module.split(".")[0]
        assert top in sys.stdlib_module_names or top == "__future__" or module in VOCABULARY or module == "data_access", \
            f"{name} imports {module}"


@pytest.mark.parametrize("path", pure_component_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_pure_components_import_no_streamlit_and_only_the_vocabulary_of_data_access(path):
    imported = runtime_imports(path)
    assert not {m for m in imported if m.split(".")[0] == "streamlit"}, f"{path.name} imports streamlit"
    reaching = {m for m in imported if m.startswith("data_access.") and not any(m.startswith(v) for v in VOCABULARY)}
    assert not reaching, f"{path.name} imports {reaching} (only {sorted(VOCABULARY)} at run time)"


def test_data_access_never_imports_components_or_pages():
    for path in (ROOT / "data_access").rglob("*.py"):
        tops = {m.split(".")[0] for m in runtime_imports(path)}
        assert not tops & {"components", "pages", "app"}, f"{path} imports {tops & {'components', 'pages', 'app'}}"


def test_the_walk_sees_the_modules_it_checks():
    names = {str(p.relative_to(ROOT)) for p in pure_component_modules()}
    assert {"components/sections/overview.py", "components/charts/funnel.py", "components/filters.py",
            "components/briefing.py", "components/kpi.py"} <= names
    assert "components/ui/sections.py" not in names
