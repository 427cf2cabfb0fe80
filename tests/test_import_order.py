"""Imports go one way: an app imports from itself and the apps below it, never from above.

Every .py file under yiwang/ (migrations and tests included: yiwang/<app>/tests/ is part of
the app) is read as a syntax tree; every import counts, at module level, inside a function
or under `if TYPE_CHECKING:`, relative ones resolved, and so does
`importlib.import_module("yiwang.…")` with a literal name. The project-level modules
(yiwang/settings.py, urls.py, api_urls.py, wsgi.py), the root conftest.py, tests/ and
benchmarks/ sit above every app and are not checked. docs/ARCHITECTURE.md ("Imports")
explains how a lower app learns about a higher one.
"""

import ast
import functools
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "yiwang"

# Lowest first; the apps of one entry are on the same level and may not import each other.
LAYERS = [
    ("core",),
    ("areas",),
    ("accounts",),
    ("notices",),
    ("registry",),
    ("cases",),
    ("outreach",),
    ("points", "volunteering", "projects", "services", "duty", "coops"),
    ("cockpit",),
    ("demo",),
]
RANK = {app: level for level, apps in enumerate(LAYERS) for app in apps}

# Modules of the package itself, not of an app: they may import anything.
PROJECT_MODULES = {"__init__", "settings", "urls", "api_urls", "wsgi", "gunicorn_conf"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_package(path: Path) -> bool:
    return path.name == "__init__.py"


def _files():
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).parts
        if len(rel) == 1:
            assert path.stem in PROJECT_MODULES, f"yiwang/{path.name}: a module outside an app"
            continue
        yield path, rel[0]


@functools.cache
def _imports(path: Path):
    """(line, module name, function-local) for every import of a yiwang module in the file;
    `from a.b import c` gives a.b.c when that is a module, else a.b."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    own = _module_name(path)
    package = own if _is_package(path) else own.rpartition(".")[0]
    local_lines = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            for inner in ast.walk(node):
                if isinstance(inner, ast.Import | ast.ImportFrom | ast.Call):
                    local_lines.add(id(inner))
    for node in ast.walk(tree):
        local = id(node) in local_lines
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, local
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                if node.level > 1:
                    base = base[: -(node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            for alias in node.names:
                submodule = f"{module}.{alias.name}"
                yield node.lineno, submodule if _exists(submodule) else module, local
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and (getattr(node.func, "attr", None) or getattr(node.func, "id", None))
            == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.lineno, node.args[0].value, local


def _exists(module: str) -> bool:
    path = ROOT.joinpath(*module.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _app_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "yiwang" or len(parts) < 2 or parts[1] in PROJECT_MODULES:
        return None
    return parts[1]


def test_every_app_is_in_the_order():
    apps = {
        path.name
        for path in PACKAGE.iterdir()
        if path.is_dir() and (path / "__init__.py").is_file()
    }
    missing = sorted(apps - RANK.keys())
    assert not missing, f"apps missing from LAYERS in {__file__}: {missing}"


def test_no_app_imports_an_app_above_it():
    violations = []
    for path, app in _files():
        for line, module in sorted({(line, module) for line, module, _ in _imports(path)}):
            target = _app_of(module)
            if target is None or target == app:
                continue
            if target not in RANK:
                violations.append(f"{path.relative_to(ROOT)}:{line} imports {module} (unknown app)")
            elif RANK[target] >= RANK[app]:
                where = "same level as" if RANK[target] == RANK[app] else "above"
                violations.append(
                    f"{path.relative_to(ROOT)}:{line} imports {module} ({where} {app})"
                )
    assert not violations, "imports against the layer order:\n" + "\n".join(violations)


def _graph():
    """Per app, module → {imported module of the same app: (line, local)}."""
    edges = defaultdict(dict)
    for path, app in _files():
        own = _module_name(path)
        for line, module, local in _imports(path):
            if _app_of(module) != app or module == own:
                continue
            while module and not _exists(module):
                module = module.rpartition(".")[0]
            if module and module != own:
                edges[own].setdefault(module, (line, local))
    return edges


def _cycles(edges):
    """The strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in edges.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in list(edges):
        if node not in index:
            visit(node)
    return found


def _describe(edges, component):
    members = set(component)
    lines = []
    for module in component:
        for target, (line, local) in sorted(edges.get(module, {}).items()):
            if target in members:
                how = "inside a function" if local else "at module level"
                lines.append(f"  {module}:{line} imports {target} ({how})")
    return "\n".join(lines)


def test_no_import_cycle_within_an_app():
    """Counting imports inside functions too: a function-local import that only breaks a
    cycle hides it; the two modules belong together or the shared part goes in a third."""
    edges = _graph()
    cycles = _cycles(edges)
    assert not cycles, "import cycles:\n" + "\n\n".join(_describe(edges, c) for c in cycles)
