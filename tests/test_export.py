"""Tests for pipeline.export: the HTML page and JSON bundle of one article in one locale."""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from babel.dates import format_date

from pipeline import export
from pipeline.export import RenderedPage, Renderer
from pipeline.model import Article
from pipeline.project import Project
from pipeline.schema import validator
from pipeline.ui import ENGLISH, UiStrings, UiText, load_ui

REPO = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
SEED = DATA / "seed" / "numbness-of-the-legs.txt"
SHARED_SEED = REPO.parent / "shared" / "seed" / "numbness-of-the-legs.txt"
ALL = ["en", "es", "fr", "de", "ar", "zh_Hans", "pt_BR"]


@pytest.fixture(scope="module")
def article() -> Article:
    return Project(REPO).load().article("numbness-of-the-legs")


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer()


def translated(article: Article, code: str, *, missing: tuple[str, ...] = ()) -> dict[str, str]:
    """A stand-in for the gate's approved translations: every unit, tagged by locale."""
    return {u.key: f"[{code}] {u.text}" for u in article.units() if u.key not in missing}


class Elements(HTMLParser):
    """Every start tag with its attributes, in order, and the page's visible text."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.scripts: list[str] = []
        self._in: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._in:
            del self._in[len(self._in) - 1 - self._in[::-1].index(tag) :]

    def handle_data(self, data: str) -> None:
        if self._in and self._in[-1] == "script":
            self.scripts.append(data)
        elif not (self._in and self._in[-1] == "style"):
            self.text.append(data)

    def find(self, tag: str, **attrs: str) -> list[dict[str, str | None]]:
        return [
            a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in attrs.items())
        ]

    def index(self, attr: str, value: str | None = None) -> int:
        for i, (_, a) in enumerate(self.tags):
            if attr in a and (value is None or a[attr] == value):
                return i
        raise LookupError(attr)

    @property
    def plain(self) -> str:
        return " ".join("".join(self.text).split())


def render(renderer: Renderer, article: Article, code: str, **kw: Any) -> RenderedPage:
    translations = {} if code == "en" else translated(article, code, **kw)
    return renderer.render(article, code, translations, ALL)


# -- fidelity: nothing of the seed is lost ----------------------------------------------------
def seed_pieces() -> Iterator[str]:
    """Every sentence and every list item of the seed, whitespace normalised."""
    for raw in SEED.read_text(encoding="utf-8").splitlines():
        line = " ".join(raw.split())
        if not line:
            continue
        if line.startswith("•"):
            yield line.lstrip("• ")
        else:
            yield from re.split(r"(?<=[.!?])\s+", line)


def test_seed_copy_is_the_editors_seed() -> None:
    if not SHARED_SEED.exists():
        pytest.skip(f"{SHARED_SEED} is not beside the repository")
    assert SEED.read_bytes() == SHARED_SEED.read_bytes()


def test_english_page_keeps_every_sentence_of_the_seed(
    renderer: Renderer, article: Article
) -> None:
    page = render(renderer, article, "en")
    html_text = Elements(page.html.decode()).plain
    data = json.loads(page.json)
    json_texts = [" ".join(t.split()) for t in _strings(data)]
    pieces = list(seed_pieces())
    assert len(pieces) > 30
    assert "November 12, 2012" in pieces and "Category: Articles" in pieces
    for piece in pieces:
        assert piece in html_text, piece
        if piece == "November 12, 2012":
            published = datetime.date.fromisoformat(data["published"])
            assert format_date(published, format="long", locale="en") == piece
        elif piece == "Category: Articles":
            assert f"Category: {data['category']}" == piece
        else:
            assert any(piece in text for text in json_texts), piece


def _strings(data: Any) -> Iterator[str]:
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for value in data.values():
            yield from _strings(value)
    elif isinstance(data, list):
        for value in data:
            yield from _strings(value)


def test_fidelity_check_would_notice_a_lost_sentence(renderer: Renderer, article: Article) -> None:
    page = render(renderer, article, "en")
    html_text = Elements(page.html.decode().replace("Herniated disks", "")).plain
    assert not all(piece in html_text for piece in seed_pieces())


# -- the page -----------------------------------------------------------------------------------
def test_html_lang_and_direction(renderer: Renderer, article: Article) -> None:
    for code, lang, direction in [("ar", "ar", "rtl"), ("zh_Hans", "zh-Hans", "ltr")]:
        page = Elements(render(renderer, article, code).html.decode())
        assert page.find("html") == [{"lang": lang, "dir": direction}]


def test_hreflang_alternates_list_exported_locales_and_x_default(
    renderer: Renderer, article: Article
) -> None:
    page = renderer.render(article, "es", translated(article, "es"), ["en", "es", "pt_BR"])
    doc = Elements(page.html.decode())
    links = {a["hreflang"]: a["href"] for a in doc.find("link", rel="alternate")}
    assert links == {
        "en": "../en/numbness-of-the-legs.html",
        "es": "../es/numbness-of-the-legs.html",
        "pt-BR": "../pt-BR/numbness-of-the-legs.html",
        "x-default": "../en/numbness-of-the-legs.html",
    }
    nav = [a for a in doc.find("a") if a.get("hreflang")]
    assert [(a["hreflang"], a["lang"]) for a in nav] == [("en", "en"), ("pt-BR", "pt-BR")]


def test_publication_date_is_formatted_for_the_locale(renderer: Renderer, article: Article) -> None:
    doc = Elements(render(renderer, article, "es").html.decode())
    assert "12 de noviembre de 2012" in doc.plain
    assert doc.find("time", datetime="2012-11-12")


def test_json_ld_describes_a_medical_web_page(renderer: Renderer, article: Article) -> None:
    doc = Elements(render(renderer, article, "zh_Hans").html.decode())
    assert len(doc.find("script")) == 1
    data = json.loads("".join(doc.scripts))
    assert data["@type"] == "MedicalWebPage"
    assert data["inLanguage"] == "zh-Hans"
    assert data["datePublished"] == "2012-11-12"
    assert data["name"] == "[zh_Hans] Numbness of the Legs"
    assert data["about"] == {"@type": "MedicalCondition", "name": data["name"]}


def test_page_is_self_contained(renderer: Renderer, article: Article) -> None:
    html = render(renderer, article, "ar").html.decode()
    doc = Elements(html)
    assert not doc.find("link", rel="stylesheet") and not doc.find("img")
    assert [a.get("type") for a in doc.find("script")] == ["application/ld+json"]
    assert all(not a.get("src") for _, a in doc.tags)
    assert "<style>" in html and "inline-start" in html


# -- care cards ---------------------------------------------------------------------------------
def test_care_cards_carry_id_severity_prefix_and_red_flags(
    renderer: Renderer, article: Article
) -> None:
    html = render(renderer, article, "de").html.decode()
    doc = Elements(html)
    cards = {a["data-warning"]: a["data-severity"] for _, a in doc.tags if "data-warning" in a}
    assert cards == {
        "seek-immediate-help": "emergency",
        "see-a-doctor": "urgent",
        "untreated-complications": "non-urgent",
    }
    card = re.search(r'<section class="care-card care-card--emergency".*?</section>', html, re.S)
    assert card is not None
    inner = Elements(card.group(0))
    label = inner.find("span", **{"class": "care-card__severity"})
    assert len(label) == 1 and len(inner.find("h2")) == 1
    assert len(inner.find("li")) == 6
    assert "[de] shortness of breath" in inner.plain
    assert inner.find("ul")[0]["aria-label"]


def test_emergency_cards_come_first_and_only_once(renderer: Renderer, article: Article) -> None:
    doc = Elements(render(renderer, article, "en").html.decode())
    ids = [a["data-warning"] for _, a in doc.tags if "data-warning" in a]
    assert ids == ["seek-immediate-help", "see-a-doctor", "untreated-complications"]
    assert doc.index("data-warning", "seek-immediate-help") < doc.index("data-section")
    # The urgent card stays where the editor put it, after the paragraph before it.
    assert doc.index("data-section", "treatment") < doc.index("data-warning", "see-a-doctor")


def test_severity_prefix_is_in_the_page_language(renderer: Renderer, article: Article) -> None:
    page = render(renderer, article, "es")
    strings = page.page.ui
    assert not strings["severity/emergency"].fallback
    assert strings["severity/emergency"].text in page.html.decode()


def test_untranslated_interface_text_is_marked_english(
    renderer: Renderer, article: Article, monkeypatch: pytest.MonkeyPatch
) -> None:
    english = UiStrings("ar", {k: UiText(v, fallback=True) for k, v in ENGLISH.items()})
    monkeypatch.setattr(export, "load_ui", lambda code, source: english)
    html = render(renderer, article, "ar").html.decode()
    assert (
        '<span class="care-card__severity"><span lang="en" dir="ltr">'
        "Immediate action required:</span></span>" in html
    )


# -- untrusted translations ------------------------------------------------------------------
HOSTILE = '</script><script>alert(1)</script><img src=x onerror="alert(2)"> & <!--'


def test_translations_are_never_markup(renderer: Renderer, article: Article) -> None:
    translations = translated(article, "fr")
    translations["title"] = HOSTILE
    translations["symptoms/seek-immediate-help/dizziness"] = HOSTILE
    page = renderer.render(article, "fr", translations, ["en", "fr"])
    html = page.html.decode()
    doc = Elements(html)
    assert [a.get("type") for a in doc.find("script")] == ["application/ld+json"]
    assert not doc.find("img")
    assert html.count("<script") == 1 and "<!--" not in html
    assert json.loads("".join(doc.scripts))["name"] == HOSTILE
    assert HOSTILE in "".join(doc.text)  # shown as text, exactly as written
    assert json.loads(page.json)["title"] == HOSTILE


def test_script_json_cannot_close_the_script_element() -> None:
    text = str(export.script_json({"a": "</script><!-- &"}))
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"a": "</script><!-- &"}


# -- English fallback --------------------------------------------------------------------------
def test_untranslated_units_fall_back_to_english_marked_lang_en(
    renderer: Renderer, article: Article
) -> None:
    missing = ("title", "causes/mechanism", "causes-blood-flow/dvt")
    page = render(renderer, article, "ar", missing=missing)
    doc = Elements(page.html.decode())
    english = [a for _, a in doc.tags if a.get("lang") == "en" and a.get("class") == "fallback"]
    assert len(english) == 3 and all(a["dir"] == "ltr" for a in english)
    assert "Deep vein thrombosis" in doc.plain
    # A note beside each: in the title, the paragraph and the list item.
    notes = [t for t, a in doc.tags if a.get("class") == "fallback-note"]
    assert notes == ["small", "small", "small"]
    assert doc.plain.count(page.page.ui["fallback"].text) == 3
    assert json.loads(page.json)["fallback"] == sorted(missing)
    translated_page = render(renderer, article, "ar")
    assert json.loads(translated_page.json)["fallback"] == []
    assert 'class="fallback"' not in translated_page.html.decode()


def test_fallback_on_a_left_to_right_page_needs_no_dir(
    renderer: Renderer, article: Article
) -> None:
    page = render(renderer, article, "de", missing=("causes/mechanism",))
    doc = Elements(page.html.decode())
    (fallback,) = [a for _, a in doc.tags if a.get("class") == "fallback"]
    assert fallback == {"lang": "en", "class": "fallback"}


# -- the bundle --------------------------------------------------------------------------------
def test_bundles_are_valid_against_the_schema(renderer: Renderer, article: Article) -> None:
    check = validator(REPO / "schemas" / "bundle.schema.json")
    for code in ALL:
        data = json.loads(render(renderer, article, code, missing=("causes/mechanism",)).json)
        assert list(check.iter_errors(data)) == []


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: d.pop("fallback"),
        lambda d: d.update(dir="up"),
        lambda d: d.update(locale="pt_BR"),
        lambda d: d["warnings"][0].update(severity="critical"),
        lambda d: d["sections"][0]["blocks"][0].update(type="aside"),
        lambda d: d["warnings"][0]["items"].append(""),
        lambda d: d.update(extra=True),
    ],
)
def test_schema_rejects_damaged_bundles(renderer: Renderer, article: Article, damage: Any) -> None:
    data = json.loads(render(renderer, article, "en").json)
    damage(data)
    assert list(validator(REPO / "schemas" / "bundle.schema.json").iter_errors(data))


def test_bundle_lists_warnings_flat_and_in_place(renderer: Renderer, article: Article) -> None:
    data = json.loads(render(renderer, article, "fr").json)
    assert data["locale"] == "fr" and data["source_locale"] == "en" and data["dir"] == "ltr"
    flat = data["warnings"][0]
    assert flat["id"] == "seek-immediate-help" and flat["severity"] == "emergency"
    assert flat["items"][0] == "[fr] shortness of breath" and len(flat["items"]) == 6
    (placed,) = [b for s in data["sections"] for b in s["blocks"] if b["type"] == "warning"][:1]
    assert placed["lead"] == {"key": "symptoms/seek-immediate-help", "text": flat["lead"]}
    assert placed["red_flags"][0] == {
        "id": "shortness-of-breath",
        "key": "symptoms/seek-immediate-help/shortness-of-breath",
        "text": "[fr] shortness of breath",
    }


def test_rendering_is_deterministic(renderer: Renderer, article: Article) -> None:
    first = render(renderer, article, "ar", missing=("causes/mechanism",))
    again = Renderer().render(
        article, "ar", translated(article, "ar", missing=("causes/mechanism",)), ALL
    )
    assert (first.html, first.json) == (again.html, again.json)
    assert first.json.endswith(b"}\n")


# -- an edit to the English, through the CLI ---------------------------------------------------
PUBLISHED = ["es", "fr", "de", "ar", "zh-Hans"]
THYROID = "causes-nerve-damage/thyroid"


def edit_english(root: Path, old: str, new: str) -> None:
    path = root / "source" / "numbness-of-the-legs.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.mark.slow
def test_a_one_word_english_edit_keeps_every_locale_published(
    project_copy: Path, run: Callable[..., tuple[int, str, str]]
) -> None:
    """Issue 16.1: the stale unit is shown in English, marked, while the rest stays."""
    edit_english(project_copy, "text: Thyroid diseases", "text: Thyroid disease")
    for command in ("extract", "update"):
        assert run(project_copy, command)[0] == 0
    code, out, err = run(project_copy, "build")
    assert code == 0, out + err
    assert "[fuzzy] unit 'causes-nerve-damage/thyroid'" in err  # the translator is told
    manifest = json.loads((project_copy / "dist" / "manifest.json").read_text())
    for lang in PUBLISHED:
        assert manifest["locales"][lang]["published"], (lang, manifest["locales"][lang])
        page = (project_copy / "dist" / lang / "numbness-of-the-legs.html").read_text()
        doc = Elements(page)
        (item,) = [a for t, a in doc.tags if t == "li" and a.get("class") == "fallback"]
        assert item["lang"] == "en"
        stale = re.search(r'<li lang="en"[^>]*class="fallback">Thyroid disease (.*?)</li>', page)
        assert stale is not None, lang
        note = Elements(stale.group(1))
        assert note.tags[0][0] == "small" and note.tags[0][1]["lang"] == lang
        strings = load_ui(lang.replace("-", "_"))
        assert not strings["fallback"].fallback
        assert strings["fallback"].text in note.plain  # in the reader's language
        data = (project_copy / "dist" / lang / "numbness-of-the-legs.json").read_text()
        bundle = json.loads(data)
        assert bundle["fallback"] == [THYROID]
    assert run(project_copy, "check")[0] == 0


@pytest.mark.slow
def test_an_english_edit_to_a_warning_still_withholds(
    project_copy: Path, run: Callable[..., tuple[int, str, str]]
) -> None:
    edit_english(project_copy, "lasts more than a few minutes", "lasts longer than a few minutes")
    for command in ("extract", "update"):
        assert run(project_copy, command)[0] == 0
    code, out, _ = run(project_copy, "build")
    assert code == 1
    for lang in PUBLISHED:
        assert f"{lang}: withheld: numbness-of-the-legs: warning treatment/" in out


def test_units_never_translated_do_not_count(
    project_copy: Path, run: Callable[..., tuple[int, str, str]]
) -> None:
    """A unit that has no translation at all is not "awaiting an update": at 100% the
    locale waits for it (a blank or punctuation-only msgstr is no translation either)."""
    po = project_copy / "locales" / "de" / "LC_MESSAGES" / "numbness-of-the-legs.po"
    text = po.read_text(encoding="utf-8")
    start = text.index(f'msgctxt "{THYROID}"')
    end = text.index("\n\n", start)
    entry = text[start:end]
    blank = re.sub(r'msgstr ".*"', 'msgstr "…"', entry)
    po.write_text(text.replace(entry, "#, fuzzy\n" + blank), encoding="utf-8")
    code, out, err = run(project_copy, "check", "--locale", "de")
    assert code == 1
    assert "[completion] 26 of 27 non-warning units are translated and usable (96%)" in out + err
