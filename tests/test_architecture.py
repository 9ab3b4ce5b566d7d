"""The layout of pipeline/: no module imports another that imports it back."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "pipeline"


def imports_of(path: Path, modules: set[str]) -> set[str]:
    """The pipeline modules ``path`` imports, anywhere in it (inside functions and
    ``if TYPE_CHECKING:`` blocks too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "pipeline":
                found |= {alias.name for alias in node.names if alias.name in modules}
            elif node.module.startswith("pipeline."):
                found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("pipeline.")}
    return found - {path.stem}


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
    modules = {p.stem for p in PACKAGE.glob("*.py")}
    graph = {p.stem: imports_of(p, modules) for p in PACKAGE.glob("*.py")}
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
    found = {p.stem: declared_all(p) for p in sorted(PACKAGE.glob("*.py"))}
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
        if isinstance(node, ast.ImportFrom) and node.module == "pipeline":
            for alias in node.names:
                if alias.name in modules:
                    aliases[alias.asname or alias.name] = alias.name
                else:
                    found.append((node.lineno, "__init__", alias.name))
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("pipeline."):
            module = (node.module or "").split(".")[1]
            found += [(node.lineno, module, alias.name) for alias in node.names]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("pipeline.") and alias.asname:
                    aliases[alias.asname] = alias.name.split(".")[1]
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in aliases
        ):
            found.append((node.lineno, aliases[node.value.id], node.attr))
    return [(line, module, name) for line, module, name in found if module != path.stem]


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


def test_pipeline_modules_use_only_what_other_modules_offer() -> None:
    offered = offers()
    modules = set(offered)
    outside = [
        f"pipeline/{path.name}:{line}: {module}.{name}"
        for path in sorted(PACKAGE.glob("*.py"))
        for line, module, name in borrowed(path, modules)
        if name not in offered[module]
    ]
    assert len(offered) > 20 and offered["gate"]  # the scan sees the package
    assert outside == [], "names not in their module's __all__:\n" + "\n".join(outside)
