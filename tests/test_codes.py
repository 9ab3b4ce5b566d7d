"""The registry of finding codes: every code printed is declared, and documented from it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from pipeline import codes
from pipeline.model import Finding, FindingSeverity

REPO = Path(__file__).resolve().parent.parent
EMITTERS = {"error", "warning", "finding", "Finding", "critical", "gate", "cosmetic", "_Problem"}
"""Calls whose first argument is a finding code."""


def emitted_codes() -> dict[str, list[str]]:
    """Every string literal passed as a finding code in pipeline/, with where it is."""
    found: dict[str, list[str]] = {}
    for path in sorted((REPO / "pipeline").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            first = node.args[0]
            code = first.value if isinstance(first, ast.Constant) else None
            if name in EMITTERS and isinstance(code, str):
                where = f"{path.relative_to(REPO)}:{node.lineno}"
                found.setdefault(code, []).append(where)
    return found


@pytest.mark.slow
def test_every_emitted_code_is_declared() -> None:
    found = emitted_codes()
    assert len(found) > 40  # the scan sees the emitters (it would pass vacuously otherwise)
    undeclared = {code: where for code, where in found.items() if not codes.declared(code)}
    assert undeclared == {}


def test_undeclared_code_is_refused() -> None:
    with pytest.raises(ValueError, match="undeclared finding code 'no-such-code'"):
        Finding("no-such-code", FindingSeverity.ERROR, "message")
    assert Finding("stale", FindingSeverity.ERROR, "message").code == "stale"


def test_docs_table_is_generated_from_the_registry() -> None:
    text = (REPO / "docs" / "checks.md").read_text(encoding="utf-8")
    assert codes.with_table(text) == text, "run `python -m pipeline.codes` to regenerate"
    for name in codes.CODES:
        assert f"| `{name}` |" in text


def test_with_table_needs_its_markers() -> None:
    with pytest.raises(ValueError, match="markers"):
        codes.with_table("# no markers here\n")
    table = codes.with_table(f"a\n{codes.BEGIN}\nSTALE TABLE\n{codes.END}\nz\n")
    assert "STALE TABLE" not in table and "| `stale` | gate |" in table and table.endswith("z\n")
