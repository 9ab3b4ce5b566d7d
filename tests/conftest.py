"""Shared fixtures: a throw-away copy of the real project, and the CLI run in-process."""

from __future__ import annotations

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
