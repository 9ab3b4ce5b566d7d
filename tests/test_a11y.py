"""Accessibility of every built page type, in a real browser: axe-core's WCAG 2.2 A/AA
rules at 390 px and 1280 px, no sideways scrolling on a phone, and what sighted readers
must see (the severity words on every care card, the note beside English fallback).

Runs Debian's Chromium (``/usr/bin/chromium``, or ``CARELOC_CHROMIUM``) through the
``playwright`` package's ``executable_path``: nothing is downloaded. axe-core's script
comes with the ``axe-playwright-python`` package. Skips, saying why, where either is
missing.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from pipeline.cli import main

from .conftest import WCAG_22_AA

pytestmark = pytest.mark.slow  # Chromium and axe-core on every page type

REPO = Path(__file__).resolve().parent.parent
ARTICLE = "numbness-of-the-legs"
PHONE, DESKTOP = 390, 1280

#: Every page type a build makes: (name, path in the output, what makes it that type).
PAGES = [
    ("source", f"en/{ARTICLE}.html"),
    ("translated", f"es/{ARTICLE}.html"),
    ("rtl", f"ar/{ARTICLE}.html"),
    ("cjk", f"zh-Hans/{ARTICLE}.html"),
    ("draft-with-fallback", f"de/{ARTICLE}.html"),
    ("index", "index.html"),
    ("dashboard", "status.html"),
]

axe_api = pytest.importorskip(
    "axe_playwright_python.sync_playwright", reason="the axe-playwright-python package is absent"
)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped project built after an edit to the English (every locale has one unit
    in English) with German made a draft with two more units untranslated."""
    root = tmp_path_factory.mktemp("a11y") / "project"
    for part in ("source", "schemas", "locales"):
        shutil.copytree(REPO / part, root / part)
    source = root / "source" / f"{ARTICLE}.yaml"
    source.write_text(
        source.read_text(encoding="utf-8").replace("Thyroid diseases", "Thyroid disease"),
        encoding="utf-8",
    )
    config = root / "locales" / "locales.yaml"
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            "  - code: de\n    status: published\n",
            "  - code: de\n    status: draft\n    min_completion: 80\n",
        ),
        encoding="utf-8",
    )
    assert main(["--root", str(root), "extract"]) == 0
    assert main(["--root", str(root), "update"]) == 0
    po = root / "locales" / "de" / "LC_MESSAGES" / f"{ARTICLE}.po"
    text = po.read_text(encoding="utf-8")
    for key in ("causes/mechanism", "causes-blood-flow/dvt"):
        text = re.sub(
            rf'(msgctxt "{re.escape(key)}"\nmsgid "(?:[^"\\]|\\.)*"\n(?:"(?:[^"\\]|\\.)*"\n)*)'
            r'msgstr "(?:[^"\\]|\\.)*"\n(?:"(?:[^"\\]|\\.)*"\n)*',
            r'\1msgstr ""\n',
            text,
        )
    po.write_text(text, encoding="utf-8")
    assert main(["--root", str(root), "build"]) == 0
    return root / "dist"


@pytest.fixture(scope="module")
def browser(chromium: Any) -> Any:
    return chromium


def open_page(browser: Any, site: Path, path: str, width: int) -> Any:
    page = browser.new_page(viewport={"width": width, "height": 800})
    page.goto((site / path).as_uri())
    return page


def test_the_site_has_every_page_type(site: Path) -> None:
    """The pages below are what their names say (else the browser tests prove little)."""
    de = (site / f"de/{ARTICLE}.html").read_text(encoding="utf-8")
    assert de.count('class="fallback"') == 3 and 'class="fallback-note"' in de
    assert 'dir="rtl"' in (site / f"ar/{ARTICLE}.html").read_text(encoding="utf-8")
    assert 'lang="zh-Hans"' in (site / f"zh-Hans/{ARTICLE}.html").read_text(encoding="utf-8")
    assert (site / "index.html").is_file() and (site / "status.html").is_file()


@pytest.mark.parametrize("width", [PHONE, DESKTOP])
@pytest.mark.parametrize(("kind", "path"), PAGES, ids=[kind for kind, _ in PAGES])
def test_no_axe_violations(browser: Any, site: Path, kind: str, path: str, width: int) -> None:
    page = open_page(browser, site, path, width)
    try:
        results = axe_api.Axe().run(
            page,
            options={
                "runOnly": {"type": "tag", "values": WCAG_22_AA},
                "resultTypes": ["violations"],
            },
        )
    finally:
        page.close()
    violations = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
    ]
    assert violations == [], f"{kind} at {width} px"


@pytest.mark.parametrize(("kind", "path"), PAGES, ids=[kind for kind, _ in PAGES])
def test_no_sideways_scrolling_on_a_phone(browser: Any, site: Path, kind: str, path: str) -> None:
    page = open_page(browser, site, path, PHONE)
    try:
        width = page.evaluate("document.documentElement.scrollWidth")
    finally:
        page.close()
    assert width <= PHONE, f"{kind}: {width} px wide at {PHONE} px"


VISIBLE = """(selector) => [...document.querySelectorAll(selector)].map((e) => {
  const r = e.getBoundingClientRect(), s = getComputedStyle(e);
  return r.width > 8 && r.height > 8 && s.visibility === "visible" && s.clipPath === "none"
    && s.clip === "auto" && parseFloat(s.opacity) > 0;
})"""


@pytest.mark.parametrize("path", [p for k, p in PAGES if "/" in p], ids=lambda p: p.split("/")[0])
def test_severity_words_are_shown_on_every_care_card(browser: Any, site: Path, path: str) -> None:
    page = open_page(browser, site, path, PHONE)
    try:
        cards = page.evaluate("document.querySelectorAll('[data-warning]').length")
        shown = page.evaluate(VISIBLE, "[data-warning] h2 .care-card__severity")
        words = page.evaluate(
            "[...document.querySelectorAll('[data-warning] h2')]"
            ".map((h) => h.innerText.split('\\n')[0])"
        )
    finally:
        page.close()
    assert cards == 3 and shown == [True] * cards
    assert all(w.strip() for w in words)  # the heading starts with the words, as seen


def test_english_fallback_is_marked_where_it_appears(browser: Any, site: Path) -> None:
    page = open_page(browser, site, f"de/{ARTICLE}.html", PHONE)
    try:
        fallback = page.evaluate("document.querySelectorAll('.fallback').length")
        notes = page.evaluate(VISIBLE, ".fallback > .fallback-note")
    finally:
        page.close()
    assert fallback == 3 and notes == [True] * fallback
