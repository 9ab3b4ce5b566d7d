"""The layout of pipeline/: no module imports another that imports it back."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "pipeline"


def module_files() -> dict[str, Path]:
    """Every module of the package by its name below ``pipeline`` (``gate``, and for a
    subpackage ``incremental`` and ``incremental.codec``)."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        if len(parts) > 1 and parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def name_of(path: Path) -> str:
    return (
        next(name for name, p in module_files().items() if p == path)
        if path.is_relative_to(PACKAGE)
        else path.stem
    )


def module_of(dotted: str, modules: set[str]) -> str:
    """The module ``pipeline.<dotted>`` is (or is in)."""
    name = dotted.removeprefix("pipeline.")
    while name not in modules and "." in name:
        name = name.rsplit(".", 1)[0]
    return name


def imports_of(path: Path, modules: set[str]) -> set[str]:
    """The pipeline modules ``path`` imports, anywhere in it (inside functions and
    ``if TYPE_CHECKING:`` blocks too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "pipeline" or node.module.startswith("pipeline."):
                inner = node.module.removeprefix("pipeline").removeprefix(".")
                for alias in node.names:
                    named = f"{inner}.{alias.name}" if inner else alias.name
                    found.add(named if named in modules else module_of(node.module, modules))
        elif isinstance(node, ast.Import):
            found |= {
                module_of(a.name, modules) for a in node.names if a.name.startswith("pipeline.")
            }
    return found - {name_of(path), ""}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every module that can reach itself, with the path it takes."""
    found = []
    for start in sorted(graph):
        seen: set[str] = set()
        stack = [(start, [start])]
        while stack:
            node, path = stack.pop()
            for nxt in sorted(graph.get(node, ())):
                if nxt == start:
                    found.append([*path, start])
                elif nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, [*path, nxt]))
    return found


def test_cycles_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}})[0] == ["a", "b", "c", "a"]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles_in_pipeline() -> None:
    files = module_files()
    graph = {name: imports_of(path, set(files)) for name, path in files.items()}
    assert len(graph) > 20 and graph["gate"]  # the scan sees the package
    assert cycles(graph) == []


# -- what each module offers (``__all__``) -------------------------------------------------------
def declared_all(path: Path) -> list[str] | None:
    """The names of ``path``'s module-level ``__all__``, None if it declares none."""
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        target = node.target if isinstance(node, ast.AnnAssign) else None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
        if isinstance(target, ast.Name) and target.id == "__all__":
            assert node.value is not None
            value = ast.literal_eval(node.value)
            assert isinstance(value, list) and all(isinstance(n, str) for n in value)
            return value
    return None


def offers() -> dict[str, list[str]]:
    found = {name: declared_all(path) for name, path in module_files().items()}
    missing = sorted(name for name, names in found.items() if names is None)
    assert missing == [], f"modules without __all__: {missing}"
    return {name: names or [] for name, names in found.items()}


def test_every_module_declares_names_that_exist() -> None:
    for module, names in offers().items():
        assert len(names) == len(set(names)), f"pipeline/{module}.py lists a name twice"
        if module == "__main__":  # importing it would run the command line
            assert names == []
            continue
        loaded = importlib.import_module(
            "pipeline" if module == "__init__" else f"pipeline.{module}"
        )
        absent = [name for name in names if not hasattr(loaded, name)]
        assert absent == [], f"pipeline/{module}.py: __all__ lists undefined {absent}"


def borrowed(path: Path, modules: set[str]) -> list[tuple[int, str, str]]:
    """``(line, module, name)`` of every name ``path`` takes from another pipeline
    module: ``from pipeline.x import name`` and ``x.name`` after ``from pipeline import x``
    or ``import pipeline.x as x``, anywhere in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    aliases: dict[str, str] = {}
    found: list[tuple[int, str, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (
            node.module == "pipeline" or (node.module or "").startswith("pipeline.")
        ):
            inner = (node.module or "").removeprefix("pipeline").removeprefix(".")
            for alias in node.names:
                named = f"{inner}.{alias.name}" if inner else alias.name
                if named in modules:
                    aliases[alias.asname or alias.name] = named
                else:
                    found.append((node.lineno, inner or "__init__", alias.name))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("pipeline.") and alias.asname:
                    aliases[alias.asname] = alias.name.removeprefix("pipeline.")
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in aliases
        ):
            found.append((node.lineno, aliases[node.value.id], node.attr))
    return [(line, module, name) for line, module, name in found if module != name_of(path)]


def test_borrowed_catches_a_private_import(tmp_path: Path) -> None:
    path = tmp_path / "user.py"
    path.write_text(
        "from pipeline.gate import _head, evaluate\nfrom pipeline import cache\n"
        "def f():\n    return cache._secret\n"
    )
    assert borrowed(path, {"gate", "cache"}) == [
        (1, "gate", "_head"),
        (1, "gate", "evaluate"),
        (4, "cache", "_secret"),
    ]


@pytest.mark.slow
def test_pipeline_modules_use_only_what_other_modules_offer() -> None:
    offered = offers()
    modules = set(offered)
    outside = [
        f"{path.relative_to(PACKAGE.parent)}:{line}: {module}.{name}"
        for path in module_files().values()
        for line, module, name in borrowed(path, modules)
        if name not in offered[module]
    ]
    assert len(offered) > 20 and offered["gate"]  # the scan sees the package
    assert outside == [], "names not in their module's __all__:\n" + "\n".join(outside)
