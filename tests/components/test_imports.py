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
# data_access.periods: the one pro-rating rule of plans and targets (pure date arithmetic).
# data_access.placenames: place names without their suffixes (the question parser's short names).
VOCABULARY = {"data_access.codes", "data_access.scope", "data_access.untrusted", "data_access.periods", "data_access.placenames"}
# components/ folders whose modules draw with streamlit or wire the app (the rest must be pure):
# ui/ (the Streamlit floor), commands/ and cli.py (the command line).
UI_FOLDERS = {"ui", "commands"}
UI_FILES = {"cli.py"}


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
    return sorted(
        p for p in base.rglob("*.py") if p.relative_to(base).parts[0] not in UI_FOLDERS and str(p.relative_to(base)) not in UI_FILES
    )


@pytest.mark.parametrize("name", sorted(VOCABULARY))
def test_the_vocabulary_imports_only_the_standard_library(name):
    path = ROOT / (name.replace(".", "/") + ".py")
    for module in runtime_imports(path):
        top = module.split(".")[0]
        assert top in sys.stdlib_module_names or top == "__future__" or module in VOCABULARY or module == "data_access", (
            f"{name} imports {module}"
        )


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
    assert {
        "components/sections/overview.py",
        "components/charts/funnel.py",
        "components/filters.py",
        "components/briefing.py",
        "components/kpi.py",
    } <= names
    assert "components/ui/sections.py" not in names


def module_graph() -> dict[str, set[str]]:
    """Every project module (components/, data_access/, but migrations) → the project modules it
    imports anywhere (module level and inside functions alike: a deferred import is still a cycle)."""
    mods: dict[str, Path] = {}
    for path in [*(ROOT / "components").rglob("*.py"), *(ROOT / "data_access").rglob("*.py")]:
        if "migrations" in path.parts:
            continue
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        mods[name] = path

    def resolve(name: str) -> str | None:
        while name and name not in mods:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for name, path in mods.items():
        deps: set[str | None] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                deps.update(resolve(a.name) for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                deps.update(resolve(f"{node.module}.{a.name}") or resolve(node.module) for a in node.names)
        # a package importing its own submodules (sections/__init__ lists its sections) is not a cycle
        graph[name] = {d for d in deps if d and d != name and not d.startswith(name + ".")}
    return graph


def test_the_import_graph_has_no_cycle():
    graph = module_graph()
    assert {"data_access.upkeep", "data_access.upkeep_apply", "components.ui.auth"} <= set(graph)
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> None:
        if node in path:
            raise AssertionError("import cycle: " + " → ".join([*path[path.index(node) :], node]))
        if node in done:
            return
        for dep in sorted(graph.get(node, ())):
            visit(dep, [*path, node])
        done.add(node)

    for module in sorted(graph):
        visit(module, [])


def test_the_cycle_check_sees_a_cycle(monkeypatch):
    """The check above fails on a cycle (two modules that import each other, one inside a function)."""
    graph = module_graph()
    graph["data_access.upkeep"] = graph["data_access.upkeep"] | {"data_access.upkeep_apply"}
    monkeypatch.setattr(sys.modules[__name__], "module_graph", lambda: graph)
    with pytest.raises(AssertionError, match="import cycle"):
        test_the_import_graph_has_no_cycle()


def test_the_apps_import_chain_does_not_load_the_seed_generator():
    """Importing what app.py and the pages import (module level) leaves data_access.seed unloaded:
    the demo-data generator is imported only when the embedded default must be seeded."""
    import subprocess

    top = set()
    for path in [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py"))]:
        top |= {m for m in runtime_imports(path) if m.split(".")[0] in ("components", "data_access")}
    modules = sorted({m for m in top if importlib_util_find(m)})
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in modules)
        + "print(sorted(m for m in sys.modules if m.startswith('data_access.seed')))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "data_access.cache" in modules and "components.ui.context" in modules
    assert done.stdout.strip() == "[]", f"the app's imports load {done.stdout.strip()}"


def importlib_util_find(name: str) -> bool:
    """True when ``name`` is a module (not a name imported from one)."""
    import importlib.util

    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def test_paths_built_from_module_files_point_into_the_project():
    """Modules that find files relative to themselves still find them after a move (a folder
    deeper, .parent.parent is components/, not the project: secrets and caches went missing)."""
    from components.charts import boundaries
    from components.delivery import channels
    from data_access import config, places

    assert channels.SECRETS_PATH == config.PROJECT_ROOT / ".streamlit" / "secrets.toml"
    for module in (boundaries, places):
        cache_dirs = [v for k, v in vars(module).items() if callable(v) and k.endswith("cache_dir")]
        assert cache_dirs, f"{module.__name__} has no *cache_dir function"
        assert all(f() == config.PROJECT_ROOT / "data" / "cache" for f in cache_dirs), module.__name__
