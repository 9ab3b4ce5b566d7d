"""Render one article in one locale as an HTML page and a JSON bundle (pure functions).

``Renderer.render(article, code, translations, alternates)`` depends on nothing but its
arguments and the packaged templates and interface strings, so pages can be cached by
content or rendered in parallel. Translations are untrusted: HTML goes through Jinja2
with autoescaping, and nothing a translation contains is ever emitted as markup.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from babel.dates import format_date
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

from pipeline.model import Article, ListBlock, Paragraph, Severity, Unit, WarningBlock
from pipeline.project import parse_locale, to_bcp47
from pipeline.ui import UiStrings, UiText, load_ui

__all__ = [
    "BUNDLE_SCHEMA",
    "PagePaths",
    "RenderedPage",
    "Renderer",
    "dump_json",
    "script_json",
    "template_environment",
]

BUNDLE_SCHEMA = "bundle"


NO_ATTRS = Markup("")


# -- the page model: what a reader of one locale sees, built once for HTML and JSON ---------
# Plain (not frozen) slotted classes: a build makes a million of them, each once, and
# only the template and ``bundle`` read them.
@dataclass(slots=True)
class Text:
    """A unit's text in the page's language, or English with ``fallback`` set."""

    key: str
    text: str
    fallback: bool
    attrs: Markup = NO_ATTRS
    """The attributes its element takes: for English shown in want of a translation,
    ``lang`` (and ``dir``) of the English and ``class="fallback"``."""


@dataclass(slots=True)
class Item:
    id: str
    text: Text


@dataclass(slots=True)
class ParagraphView:
    id: str
    text: Text
    type: str = "paragraph"


@dataclass(slots=True)
class ListView:
    id: str
    items: tuple[Item, ...]
    type: str = "list"

    @property
    def fallback(self) -> bool:
        """Whether any item is shown in English."""
        return any(item.text.fallback for item in self.items)


@dataclass(slots=True)
class CardView:
    """An urgent-care warning as a care card."""

    id: str
    severity: str
    lead: Text
    red_flags: tuple[Item, ...]
    type: str = "warning"

    @property
    def emergency(self) -> bool:
        return self.severity == Severity.EMERGENCY.value


BlockView = ParagraphView | ListView | CardView


@dataclass(slots=True)
class SectionView:
    id: str
    heading: Text | None
    blocks: tuple[BlockView, ...]

    @property
    def body(self) -> tuple[BlockView, ...]:
        """The blocks shown in place: emergency cards are lifted to the top of the page."""
        return tuple(b for b in self.blocks if not (isinstance(b, CardView) and b.emergency))


@dataclass(frozen=True, slots=True)
class Alternate:
    """Another language version of the same article, for ``hreflang`` links."""

    code: str
    bcp47: str
    name: str
    dir: str
    href: str


@dataclass(frozen=True)
class Page:
    article: str
    code: str
    lang: str
    dir: str
    source_lang: str
    source_dir: str
    title: Text
    category: Text | None
    published: str
    published_text: str
    sections: tuple[SectionView, ...]
    alternates: tuple[Alternate, ...]
    x_default: str
    ui: UiStrings = field(repr=False)
    emergency_number: str | None = None
    """The number emergency care cards tell the reader to call (the locale's region)."""

    @property
    def cards(self) -> list[CardView]:
        return [b for s in self.sections for b in s.blocks if isinstance(b, CardView)]

    @property
    def emergency_cards(self) -> list[CardView]:
        return [c for c in self.cards if c.emergency]

    @property
    def fallback(self) -> list[str]:
        """msgctxt keys shown in English, sorted."""
        texts = [self.title, self.category] if self.category else [self.title]
        for section in self.sections:
            texts.extend([section.heading] if section.heading else [])
            for block in section.blocks:
                if isinstance(block, ParagraphView):
                    texts.append(block.text)
                elif isinstance(block, ListView):
                    texts.extend(i.text for i in block.items)
                else:
                    texts.extend([block.lead, *(i.text for i in block.red_flags)])
        return sorted(t.key for t in texts if t.fallback)


def page_path(code: str, article_id: str, suffix: str) -> str:
    """Where a page lives in the output directory: ``<bcp47>/<article-id>.<suffix>``."""
    return f"{to_bcp47(code)}/{article_id}.{suffix}"


@functools.cache
def direction(code: str) -> str:
    """``rtl`` or ``ltr``: the text direction of a locale, from CLDR."""
    return "rtl" if parse_locale(code).text_direction == "rtl" else "ltr"


@functools.lru_cache(maxsize=64)
def _alternates(article_id: str, codes: tuple[str, ...], prefix: str) -> tuple[Alternate, ...]:
    """The links to the language versions ``codes`` of an article (the same for each
    of its pages: made once)."""
    return tuple(
        Alternate(
            code,
            to_bcp47(code),
            autonym(code),
            direction(code),
            prefix + page_path(code, article_id, "html"),
        )
        for code in codes
    )


@functools.cache
def autonym(code: str) -> str:
    """The language's name in itself (``español``, ``العربية``), from CLDR."""
    locale = parse_locale(code)
    return str(locale.get_display_name(locale))


def build_page(
    article: Article,
    code: str,
    translations: Mapping[str, str],
    alternates: Sequence[str],
    emergency_number: str | None = None,
) -> Page:
    """The page model of ``article`` in locale ``code``; ``alternates`` are the locale codes
    exported for this article (the source among them), in the order links should appear;
    ``emergency_number`` the number emergency care cards show (None: no number)."""
    source = article.source_locale
    locale = parse_locale(code)
    is_source = code == source
    page_direction, source_direction = direction(code), direction(source)
    fallback = _fallback_attrs(source, page_direction)

    def text(unit: Unit) -> Text:
        if is_source:
            return Text(unit.key, unit.text, False)
        translated = translations.get(unit.key)
        if translated:
            return Text(unit.key, translated, False)
        return Text(unit.key, unit.text, True, fallback)

    def item(unit: Unit) -> Item:
        return Item(unit.key.rsplit("/", 1)[1], text(unit))

    sections = []
    for section in article.sections:
        blocks: list[BlockView] = []
        for block in section.blocks:
            if isinstance(block, Paragraph):
                blocks.append(ParagraphView(block.id, text(block.unit)))
            elif isinstance(block, ListBlock):
                blocks.append(ListView(block.id, tuple(item(u) for u in block.items)))
            elif isinstance(block, WarningBlock):
                blocks.append(
                    CardView(
                        block.id,
                        block.severity.value,
                        text(block.lead),
                        tuple(item(u) for u in block.red_flags),
                    )
                )
        heading = text(section.heading) if section.heading else None
        sections.append(SectionView(section.id, heading, tuple(blocks)))

    return Page(
        article=article.id,
        code=code,
        lang=to_bcp47(code),
        dir=page_direction,
        source_lang=to_bcp47(source),
        source_dir=source_direction,
        title=text(article.title),
        category=text(article.category) if article.category else None,
        published=article.published.isoformat(),
        published_text=format_date(article.published, format="long", locale=locale),
        sections=tuple(sections),
        alternates=_alternates(article.id, tuple(alternates), "../"),
        x_default="../" + page_path(source, article.id, "html"),
        ui=load_ui(code, source),
        emergency_number=emergency_number,
    )


@functools.cache
def _fallback_attrs(source: str, page_direction: str) -> Markup:
    """The attributes of English text shown on a page in want of a translation."""
    attrs = Markup(' lang="{}"').format(to_bcp47(source))
    if page_direction != direction(source):
        attrs += Markup(' dir="{}"').format(direction(source))
    return attrs + Markup(' class="fallback"')


# -- JSON --------------------------------------------------------------------------------
def bundle(page: Page) -> dict[str, Any]:
    """The JSON bundle of a page (see ``schemas/bundle.schema.json``)."""

    def item(i: Item) -> dict[str, str]:
        return {"id": i.id, "key": i.text.key, "text": i.text.text}

    def block(b: BlockView) -> dict[str, Any]:
        if isinstance(b, ParagraphView):
            return {"type": b.type, "id": b.id, "key": b.text.key, "text": b.text.text}
        if isinstance(b, ListView):
            return {"type": b.type, "id": b.id, "items": [item(i) for i in b.items]}
        return {
            "type": b.type,
            "id": b.id,
            "severity": b.severity,
            "lead": {"key": b.lead.key, "text": b.lead.text},
            "red_flags": [item(i) for i in b.red_flags],
        }

    return {
        "article": page.article,
        "locale": page.lang,
        "source_locale": page.source_lang,
        "dir": page.dir,
        "title": page.title.text,
        "published": page.published,
        "category": page.category.text if page.category else None,
        "sections": [
            {
                "id": s.id,
                "heading": s.heading.text if s.heading else None,
                "blocks": [block(b) for b in s.blocks],
            }
            for s in page.sections
        ],
        "warnings": [
            {
                "id": c.id,
                "severity": c.severity,
                "lead": c.lead.text,
                "items": [i.text.text for i in c.red_flags],
            }
            for c in page.cards
        ],
        "fallback": page.fallback,
        "emergency_number": page.emergency_number,
    }


def dump_json(data: Any) -> bytes:
    """The one JSON layout careloc writes: UTF-8, compact, sorted keys, final newline.
    (Compact files are smaller to publish, and written by the json module's C
    encoder, which an indent would turn off.)"""
    return (_json_text(data) + "\n").encode()


def _json_text(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def script_json(data: Any) -> Markup:
    """JSON safe inside ``<script>``: ``<``, ``>`` and ``&`` escaped so that no text can
    close the element or open a comment."""
    text = _json_text(data)
    for char, escaped in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e")):
        text = text.replace(char, escaped)
    return Markup(text)


def json_ld(page: Page) -> dict[str, Any]:
    """schema.org ``MedicalWebPage`` metadata about the condition the article covers."""
    return {
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "inLanguage": page.lang,
        "name": page.title.text,
        "headline": page.title.text,
        "datePublished": page.published,
        "about": {"@type": "MedicalCondition", "name": page.title.text},
        "audience": {"@type": "PeopleAudience", "audienceType": "Patient"},
    }


# -- HTML --------------------------------------------------------------------------------
class PagePaths:
    """Where the two files of one locale x article go, for classes with ``code`` and
    ``article``."""

    code: str
    article: str

    @property
    def html_path(self) -> str:
        return page_path(self.code, self.article, "html")

    @property
    def json_path(self) -> str:
        return page_path(self.code, self.article, "json")


@dataclass(frozen=True)
class RenderedPage(PagePaths):
    """What the build writes for one locale x article, and what it verifies."""

    code: str
    article: str
    html: bytes
    json: bytes
    bundle: dict[str, Any]
    page: Page = field(repr=False)


def template_environment() -> Environment:
    """The Jinja2 environment of careloc's page templates: autoescaped, strict."""
    return Environment(
        loader=PackageLoader("pipeline", "templates"),
        auto_reload=False,  # packaged templates do not change while careloc runs
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


@dataclass(frozen=True)
class Links:
    """The links between the language versions of one article, as markup: the
    ``<link rel="alternate">`` elements of the head, and one item of the language list
    per locale (each page lists all but its own)."""

    head: Markup
    nav: tuple[tuple[str, Markup], ...]


class Renderer:
    """Jinja2 templates, loaded once, turned into pages; ``emergency_numbers``: locale
    code -> the number its emergency care cards show (``LocalePolicy.emergency_number``)."""

    def __init__(self, emergency_numbers: Mapping[str, str] | None = None) -> None:
        self.emergency_numbers = dict(emergency_numbers or {})
        self.env = template_environment()
        self.article_template = self.env.get_template("article.html.j2")
        self.index_template = self.env.get_template("index.html.j2")
        self.links_template = self.env.get_template("links.html.j2")
        self._links: tuple[tuple[str, tuple[Alternate, ...]], Links] | None = None

    def links(self, page: Page) -> Links:
        """The ``Links`` of ``page``'s article, rendered once for all of its pages."""
        key = (page.x_default, page.alternates)
        if self._links is None or self._links[0] != key:
            macros = self.links_template.module
            links = Links(
                macros.head(page.alternates, page.x_default),  # type: ignore[attr-defined]
                tuple(
                    (alt.code, macros.nav_item(alt))  # type: ignore[attr-defined]
                    for alt in page.alternates
                ),
            )
            self._links = (key, links)
        return self._links[1]

    def render(
        self,
        article: Article,
        code: str,
        translations: Mapping[str, str],
        alternates: Sequence[str],
    ) -> RenderedPage:
        """HTML and JSON of ``article`` in ``code``; ``translations`` maps msgctxt to a
        translation safe to publish (absent units are shown in English)."""
        page = build_page(article, code, translations, alternates, self.emergency_numbers.get(code))
        data = bundle(page)
        html = self.article_template.render(
            page=page,
            ui=_ui_filler(page),
            json_ld=script_json(json_ld(page)),
            links=self.links(page),
        )
        return RenderedPage(code, article.id, html.encode(), dump_json(data), data, page)

    def render_index(self, articles: Sequence[tuple[Article, Sequence[str]]]) -> bytes:
        """``index.html``: for each article, links to every language it was exported in."""
        entries = []
        source = "en"
        for article, codes in articles:
            source = article.source_locale
            links = _alternates(article.id, tuple(codes), "")
            entries.append((article, links))
        ui = load_ui(source, source)
        html = self.index_template.render(
            lang=to_bcp47(source),
            dir=direction(source),
            title=ui["index-title"].text,
            entries=entries,
        )
        return html.encode()


def _ui_filler(page: Page) -> Any:
    """``ui(key, **markup)`` for templates: the interface string, escaped, with its
    placeholders replaced by the given markup, marked ``lang`` if shown in English."""

    def ui(key: str, **values: Markup) -> Markup:
        if not values:  # the same on every page of the locale: made once
            return _ui_markup(page.ui[key], page.code, page.source_lang)
        return _fill(page.ui[key], page.code, page.source_lang, values)

    return ui


@functools.lru_cache(maxsize=1024)
def _ui_markup(text: UiText, code: str, source_lang: str) -> Markup:
    return _fill(text, code, source_lang, {})


def _fill(text: UiText, code: str, source_lang: str, values: Mapping[str, Markup]) -> Markup:
    out = Markup("").join(
        escape(values[piece]) if is_placeholder else escape(piece)
        for piece, is_placeholder in text.pieces()
    )
    lang, source = to_bcp47(code), source_lang.replace("-", "_")
    if text.fallback and lang != source_lang:
        attrs = (
            Markup(' dir="{}"').format(direction(source))
            if direction(code) != direction(source)
            else ""
        )
        return Markup('<span lang="{}"{}>{}</span>').format(source_lang, attrs, out)
    return out
