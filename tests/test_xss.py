"""Translations are untrusted: script injection is reported by ``check``, withheld by the
gate, and even a payload that got past every check is rendered as inert text.

Every exported page is parsed here with ``html.parser``, independently of
``pipeline.verify``: the only ``<script>`` is JSON-LD (valid JSON, no ``</script``),
no ``on*`` attribute, no ``javascript:``/``vbscript:``/``data:`` URL, no
``<iframe>``/``<object>``/``<embed>``, and the payload is shown as the text it is.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import checks, meaning
from pipeline.cache import ENV_NO_CACHE
from pipeline.export import Renderer
from pipeline.model import Article
from pipeline.pofile import read_po, render_po
from pipeline.source import load_article

from .conftest import REPO
from .test_build import fill_translations

Run = Callable[..., tuple[int, str, str]]
ARTICLE = "numbness-of-the-legs"
TITLE = "title"
PARAGRAPH = "overview/definition"
RED_FLAG = "symptoms/seek-immediate-help/dizziness"
SCHEMA = REPO / "schemas" / "article.schema.json"

PAYLOADS = {
    "script": "<script>alert(1)</script>Entumecimiento",
    "img-onerror": '<img src=x onerror="alert(1)">Entumecimiento',
    "javascript-link": '<a href="javascript:alert(1)">Entumecimiento</a>',
    "javascript-url": "Entumecimiento javascript:alert(document.cookie)",
    "title-breakout": "Entumecimiento</title><script>alert(1)</script>",
    "json-ld-breakout": 'Entumecimiento</script><script>alert("ld")</script>',
    "svg-onload": "<svg/onload=alert(1)>Entumecimiento",
    "attribute-breakout": 'Entumecimiento" onmouseover="alert(1)',
    "entity-encoded": "&lt;script&gt;alert(1)&lt;/script&gt; Entumecimiento",
    "iframe": '<iframe src="https://evil.example/"></iframe>Entumecimiento',
    "data-url": "Entumecimiento data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript": "Entumecimiento vbscript:msgbox(1)",
}
DANGEROUS_URL = re.compile(r"^\s*(javascript|vbscript|data)\s*:", re.IGNORECASE)
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "poster", "srcset"}
ACTIVE = {"iframe", "object", "embed", "frame", "frameset", "applet", "base", "form", "svg"}


# -- an independent reader of what a browser would run -----------------------------------
class _Inspector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.scripts: list[str] = []
        self.texts: list[str] = []
        self._script: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ACTIVE:
            self.problems.append(f"<{tag}>")
        if tag == "script":
            kind = dict(attrs).get("type")
            if kind != "application/ld+json":
                self.problems.append(f"<script type={kind!r}>")
            self._script = []
        if tag == "meta" and (dict(attrs).get("http-equiv") or "").lower() == "refresh":
            self.problems.append("<meta http-equiv=refresh>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>")
            if name in URL_ATTRIBUTES and value and DANGEROUS_URL.match(value):
                self.problems.append(f"<{tag} {name}={value!r}>")
            if name == "style" and value and re.search(r"expression|url\(", value, re.I):
                self.problems.append(f"<{tag} style={value!r}>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag == "script":
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            self.scripts.append("".join(self._script))
            self._script = None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script.append(data)
        else:
            self.texts.append(data)

    def handle_comment(self, data: str) -> None:
        self.problems.append(f"<!--{data[:40]}-->")  # careloc writes no comments

    def handle_pi(self, data: str) -> None:
        self.problems.append(f"<?{data[:40]}>")


def inspect(html: str, where: str = "page") -> _Inspector:
    """Parse ``html``; fail if anything in it could run code."""
    inspector = _Inspector()
    inspector.feed(html)
    inspector.close()
    assert inspector.problems == [], f"{where}: {inspector.problems}"
    for script in inspector.scripts:
        assert not re.search(r"</script|<!--", script, re.IGNORECASE), where
        json.loads(script)  # JSON-LD is data, and valid
    return inspector


def inspect_site(dist: Path) -> dict[str, _Inspector]:
    """Every HTML page of a build, each parsed and checked; JSON files must parse."""
    manifest = json.loads((dist / "manifest.json").read_text(encoding="utf-8"))
    pages = {}
    for rel in manifest["files"]:
        data = (dist / rel).read_text(encoding="utf-8")
        if rel.endswith(".html"):
            pages[rel] = inspect(data, rel)
        elif rel.endswith(".json"):
            json.loads(data)
    assert pages, "no page was exported"
    on_disk = {p.relative_to(dist).as_posix() for p in dist.rglob("*.html")}
    assert on_disk == set(pages), "a page on disk is not in the manifest"
    return pages


def test_inspector_catches_what_it_must() -> None:
    """The inspector itself is tested on pages that do run code."""
    for bad in (
        "<p>x<script>alert(1)</script></p>",
        '<script type="application/ld+json">{"a": "</script><script>"}</script>',
        '<img src="x" onerror="alert(1)">',
        '<a href=" javascript:alert(1)">x</a>',
        '<iframe src="https://evil.example/"></iframe>',
        '<svg onload="alert(1)"></svg>',
        '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
        "<p><!-- hidden --></p>",
        '<script type="application/ld+json">{not json}</script>',
    ):
        with pytest.raises((AssertionError, ValueError)):
            inspect(bad)
    inspect('<p>&lt;script&gt;alert(1)&lt;/script&gt;</p><a href="../es/x.html">es</a>')


# -- the project: every locale publishable, then the payloads --------------------------------
@pytest.fixture
def publishable(project_copy: Path) -> Path:
    fill_translations(project_copy)
    return project_copy


def po_path(root: Path, code: str) -> Path:
    return root / "locales" / code / "LC_MESSAGES" / f"{ARTICLE}.po"


def inject(root: Path, code: str, texts: dict[str, str]) -> dict[str, int]:
    """Set the translations of the units ``texts`` (msgctxt -> text); return the line of
    each entry's msgid as written."""
    path = po_path(root, code)
    catalog = read_po(path.read_bytes(), str(path))
    for message in catalog:
        if message.context in texts:
            message.string = texts[message.context]
            message.flags.discard("fuzzy")
    path.write_bytes(render_po(catalog))
    again = read_po(path.read_bytes(), str(path))
    return {str(m.context): int(m.lineno or 0) for m in again if m.context in texts}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(PAYLOADS))
def test_check_reports_every_payload_where_it_is(publishable: Path, run: Run, name: str) -> None:
    lines = inject(publishable, "es", {TITLE: PAYLOADS[name], PARAGRAPH: PAYLOADS[name]})
    status, out, err = run(publishable, "check", "--format", "json")
    assert status == 1, err  # Spanish is published: its errors fail the check
    findings = [
        f
        for f in json.loads(out)["findings"]
        if f["locale"] == "es" and f["severity"] == "error" and f["code"] in ("markup", "urls")
    ]
    po = f"locales/es/LC_MESSAGES/{ARTICLE}.po"
    assert {(f["file"], f["line"]) for f in findings} == {
        (po, lines[TITLE]),
        (po, lines[PARAGRAPH]),
    }, findings
    assert any(f["code"] == "markup" for f in findings)


@pytest.mark.slow
def test_payloads_withhold_the_locale_and_reach_no_page(publishable: Path, run: Run) -> None:
    """The gate: markup in any unit withholds the locale (published or draft); what is
    exported does not contain a single payload, and every page is inert."""
    payloads = list(PAYLOADS.values())
    inject(publishable, "es", {TITLE: payloads[0], PARAGRAPH: payloads[1], RED_FLAG: payloads[2]})
    inject(publishable, "pt_BR", {TITLE: payloads[4], PARAGRAPH: payloads[5]})
    status, out, err = run(publishable, "build")
    assert status == 1, out + err  # a published locale was withheld
    dist = publishable / "dist"
    manifest = json.loads((dist / "manifest.json").read_text(encoding="utf-8"))
    for code in ("es", "pt-BR"):
        assert manifest["locales"][code]["published"] is False
        assert any("markup" in r for r in manifest["locales"][code]["reasons"])
    assert manifest["locales"]["de"]["published"] is True
    pages = inspect_site(dist)
    articles = [page for rel, page in pages.items() if rel.endswith(f"/{ARTICLE}.html")]
    shown = "\n".join(t for page in articles for t in page.texts + page.scripts)
    for payload in payloads:
        assert payload not in shown


@pytest.fixture
def checks_bypassed(monkeypatch: pytest.MonkeyPatch) -> None:
    """As if every check of a translation's text had a gap (markup, URLs, numbers...):
    the gate lets the payloads through. The result cache is off, so that no verdict
    made with the real checks is reused."""
    monkeypatch.setenv(ENV_NO_CACHE, "1")
    monkeypatch.setattr(checks, "TRANSLATION_CHECKS", ())
    monkeypatch.setattr(meaning, "lead_missing_red_flag", lambda *args: iter(()))


@pytest.mark.slow
@pytest.mark.usefixtures("checks_bypassed")
@pytest.mark.parametrize("code", ["es", "ar"])
def test_payloads_let_through_are_exported_as_inert_text(
    publishable: Path, run: Run, code: str
) -> None:
    """Second and third line of defence: autoescaping and the JSON-LD encoder. Even a
    payload the checks missed is published only as the text it is."""
    names = list(PAYLOADS)
    for start in range(0, len(names), 3):
        chosen = [PAYLOADS[n] for n in names[start : start + 3]]
        texts = dict(zip((TITLE, PARAGRAPH, RED_FLAG), chosen, strict=True))
        inject(publishable, code, texts)
        status, out, err = run(publishable, "build")
        assert status == 0, out + err
        dist = publishable / "dist"
        manifest = json.loads((dist / "manifest.json").read_text(encoding="utf-8"))
        tag = code.replace("_", "-")
        assert manifest["locales"][tag]["published"] is True, manifest["locales"][tag]
        pages = inspect_site(dist)
        page = pages[f"{tag}/{ARTICLE}.html"]
        for text in texts.values():
            assert text in page.texts, text  # shown, whole, as text
        ld = json.loads(page.scripts[0])
        assert ld["name"] == texts[TITLE]
        bundle = json.loads((dist / tag / f"{ARTICLE}.json").read_text(encoding="utf-8"))
        assert bundle["title"] == texts[TITLE]


# -- the renderer on its own, with everything hostile -----------------------------------------
@functools.cache
def shipped_article() -> Article:
    """The shipped article (not a fixture: Hypothesis would print it with every failure)."""
    return load_article(REPO / "source" / f"{ARTICLE}.yaml", f"source/{ARTICLE}.yaml", SCHEMA)


def _all_units(article: Article, text: Callable[[int], str]) -> dict[str, str]:
    return {unit.key: text(i) for i, unit in enumerate(article.units())}


def test_renderer_escapes_every_payload_in_every_unit() -> None:
    article = shipped_article()
    renderer = Renderer()
    payloads = list(PAYLOADS.values())
    translations = _all_units(article, lambda i: payloads[i % len(payloads)])
    for code in ("es", "ar", "zh_Hans"):
        page = renderer.render(article, code, translations, ["en", code])
        inspector = inspect(page.html.decode("utf-8"), code)
        for key, text in translations.items():
            assert text in inspector.texts, key


FRAGMENTS = st.sampled_from(
    ["<", ">", "</", "/>", "script", "</script", "<!--", "-->", "]]>", '"', "'", "`", "=",
     "&", "&amp;", "&#x3c;", "javascript:", "on", "onerror=", "\\", "\\u003c", "\u2028",
     "title", "style", " ", "\n", "<img src=x ", "href=", "{{", "}}", "{%", "%}"]
)  # fmt: skip


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(FRAGMENTS, st.text(max_size=5)), min_size=1, max_size=20).map("".join))
def test_no_text_becomes_markup(text: str) -> None:
    """Whatever a translation is made of, the page stays inert and shows it verbatim."""
    article = shipped_article()
    text = text.replace("\x00", "")  # the PO reader refuses NUL
    text = "".join(c for c in text if not 0xD800 <= ord(c) <= 0xDFFF)
    translations = _all_units(article, lambda i: f"{i}{text}")
    page = Renderer().render(article, "es", translations, ["en", "es"])
    inspector = inspect(page.html.decode("utf-8"))
    assert translations["title"] in inspector.texts
    assert json.loads(inspector.scripts[0])["name"] == translations["title"]
