"""Second line of defence: read back each rendered page and confirm every warning is in it.

The gate decides what may be published; this module does not trust the renderer to have
done what the gate allowed. It parses the HTML with the standard library's
``html.parser`` and the JSON bundle independently of the code that produced them, and
compares every urgent-care warning with what the article and the approved translations
say it must be: its id, its severity, its lead and every red flag, in order. Any
difference is a reason to withhold the page.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from pipeline.model import Article, WarningBlock
from pipeline.schema import validator

VOID_ELEMENTS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
    | {"track", "wbr"}
)
ACTIVE_ELEMENTS = frozenset({"iframe", "object", "embed", "frame", "base", "form"})


def _norm(text: str) -> str:
    return " ".join(text.split())


@dataclass
class _Card:
    id: str
    severity: str | None
    position: int
    hidden: bool
    prefix: list[str] = field(default_factory=list)
    lead: list[str] = field(default_factory=list)
    items: list[list[str]] = field(default_factory=list)
    headings: int = 0


@dataclass
class _Open:
    tag: str
    attrs: dict[str, str | None]
    card: _Card | None = None


class _PageReader(HTMLParser):
    """Collects the care cards of a page, plus anything that could run code."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[_Open] = []
        self.cards: list[_Card] = []
        self.html_attrs: dict[str, str | None] = {}
        self.first_section: int | None = None
        self.positions = 0
        self.problems: list[str] = []
        self.scripts: list[list[str]] = []

    # -- where are we? ---------------------------------------------------------------
    def _card(self) -> _Card | None:
        for element in reversed(self.stack):
            if element.card is not None:
                return element.card
        return None

    def _hidden(self, attrs: dict[str, str | None]) -> bool:
        opened = [*(e.attrs for e in self.stack), attrs]
        return any("hidden" in a or a.get("aria-hidden") == "true" for a in opened)

    # -- parser callbacks ------------------------------------------------------------
    def handle_starttag(self, tag: str, attr_list: list[tuple[str, str | None]]) -> None:
        attrs = dict(attr_list)
        for name, value in attr_list:
            if name.startswith("on") or (value or "").strip().lower().startswith("javascript:"):
                self.problems.append(f"<{tag}> carries active content ({name}=...)")
        if tag in ACTIVE_ELEMENTS:
            self.problems.append(f"unexpected <{tag}> element")
        if tag == "html":
            self.html_attrs = attrs
        if tag == "script":
            if attrs.get("type") != "application/ld+json":
                self.problems.append("a <script> that is not JSON-LD")
            self.scripts.append([])
        self.positions += 1
        card = None
        if "data-warning" in attrs:
            card = _Card(
                attrs["data-warning"] or "",
                attrs.get("data-severity"),
                self.positions,
                self._hidden(attrs),
            )
            if self._card() is not None:
                self.problems.append(f"warning {card.id!r} is nested inside another warning")
            self.cards.append(card)
        elif "data-section" in attrs and self.first_section is None:
            self.first_section = self.positions
        current = self._card()
        if current is not None and card is None:
            if tag == "h2" and self._inside_card_tag(current, "h2") is False:
                current.headings += 1
            if tag == "li":
                current.items.append([])
        if tag not in VOID_ELEMENTS:
            self.stack.append(_Open(tag, attrs, card))

    def _inside_card_tag(self, card: _Card, tag: str) -> bool:
        for element in reversed(self.stack):
            if element.card is card:
                return False
            if element.tag == tag:
                return True
        return False

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID_ELEMENTS:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return
        self.problems.append(f"</{tag}> closes an element that is not open")

    def handle_data(self, data: str) -> None:
        if self.stack and self.stack[-1].tag == "script" and self.scripts:
            self.scripts[-1].append(data)
            return
        card = self._card()
        if card is None:
            return
        if self._inside_card_tag(card, "li"):
            if card.items:
                card.items[-1].append(data)
        elif self._inside_card_tag(card, "h2"):
            hidden_prefix = any(
                "visually-hidden" in (e.attrs.get("class") or "").split()
                for e in self._open_in(card)
            )
            (card.prefix if hidden_prefix else card.lead).append(data)

    def _open_in(self, card: _Card) -> list[_Open]:
        inside: list[_Open] = []
        for element in reversed(self.stack):
            if element.card is card:
                break
            inside.append(element)
        return inside


@dataclass(frozen=True)
class Expected:
    """What one warning must say in one locale."""

    id: str
    severity: str
    lead: str | None
    items: tuple[str | None, ...]


def expected_warnings(
    article: Article, translations: Mapping[str, str], *, source: bool
) -> list[Expected]:
    """The warnings as the approved translations (or, for the source, the article) give
    them; ``None`` where a target locale has no approved translation."""

    def text(key: str, english: str) -> str | None:
        if source:
            return _norm(english)
        translated = translations.get(key)
        return _norm(translated) if translated else None

    def one(w: WarningBlock) -> Expected:
        return Expected(
            w.id,
            w.severity.value,
            text(w.lead.key, w.lead.text),
            tuple(text(u.key, u.text) for u in w.red_flags),
        )

    return [one(w) for w in article.warnings()]


def _compare(where: str, expected: Expected, severity: Any, lead: Any, items: Any) -> list[str]:
    problems = []
    wid = expected.id
    if severity != expected.severity:
        problems.append(
            f"{where}: warning {wid!r} has severity {severity!r}, not {expected.severity!r}"
        )
    if expected.lead is None:
        problems.append(f"{where}: warning {wid!r} has no approved translation of its lead")
    elif not isinstance(lead, str) or _norm(lead) != expected.lead:
        problems.append(f"{where}: warning {wid!r}: the lead is not the approved text")
    items = items if isinstance(items, list) else []
    if len(items) != len(expected.items):
        problems.append(
            f"{where}: warning {wid!r} has {len(items)} red flag(s), expected {len(expected.items)}"
        )
    for i, (got, want) in enumerate(zip(items, expected.items, strict=False), 1):
        if want is None:
            problems.append(f"{where}: warning {wid!r} red flag {i} has no approved translation")
        elif not isinstance(got, str) or _norm(got) != want:
            problems.append(f"{where}: warning {wid!r} red flag {i} is not the approved text")
    return problems


def verify_html(html: str, lang: str, expected: list[Expected], where: str) -> list[str]:
    """Problems with one rendered page; empty if every warning is in it as approved."""
    reader = _PageReader()
    try:
        reader.feed(html)
        reader.close()
    except (AssertionError, ValueError) as exc:  # html.parser's own complaints
        return [f"{where}: cannot be parsed: {exc}"]
    problems = [f"{where}: {p}" for p in reader.problems]
    if reader.html_attrs.get("lang") != lang:
        problems.append(f"{where}: <html lang> is {reader.html_attrs.get('lang')!r}, not {lang!r}")
    for chunks in reader.scripts:
        try:
            json.loads("".join(chunks))
        except ValueError:
            problems.append(f"{where}: the JSON-LD block is not valid JSON")
    found: dict[str, _Card] = {}
    for card in reader.cards:
        if card.id in found:
            problems.append(f"{where}: warning {card.id!r} appears more than once")
        found[card.id] = card
    wanted = {e.id for e in expected}
    for extra in sorted(set(found) - wanted):
        problems.append(f"{where}: unknown warning {extra!r}")
    for exp in expected:
        if exp.id not in found:
            problems.append(f"{where}: warning {exp.id!r} is missing")
            continue
        card = found[exp.id]
        if card.hidden:
            problems.append(f"{where}: warning {exp.id!r} is hidden")
        if card.headings != 1 or not _norm("".join(card.prefix)):
            problems.append(
                f"{where}: warning {exp.id!r} needs one heading with a visually hidden "
                "severity prefix"
            )
        if (
            exp.severity == "emergency"
            and reader.first_section is not None
            and card.position > reader.first_section
        ):
            problems.append(f"{where}: emergency warning {exp.id!r} is not at the top")
        problems += _compare(
            where,
            exp,
            card.severity,
            "".join(card.lead),
            ["".join(item) for item in card.items],
        )
    return problems


def verify_bundle(
    data: Any, lang: str, article_id: str, expected: list[Expected], where: str, schema: Path
) -> list[str]:
    """Problems with one JSON bundle: schema violations, then every warning as approved,
    both in the flat ``warnings`` list and in place among the sections."""
    errors = sorted(validator(schema).iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        return [
            f"{where}: {'/'.join(map(str, e.absolute_path)) or '(top level)'}: {e.message}"
            for e in errors
        ]
    problems = []
    if data["locale"] != lang:
        problems.append(f"{where}: locale is {data['locale']!r}, not {lang!r}")
    if data["article"] != article_id:
        problems.append(f"{where}: article is {data['article']!r}, not {article_id!r}")
    flat = {w["id"]: w for w in data["warnings"]}
    placed = {b["id"]: b for s in data["sections"] for b in s["blocks"] if b["type"] == "warning"}
    for name, table in (("warnings", flat), ("sections", placed)):
        if len(table) != len(expected) or set(table) != {e.id for e in expected}:
            problems.append(f"{where}: {name} lists warnings {sorted(table)}")
    for exp in expected:
        if exp.id in flat:
            w = flat[exp.id]
            problems += _compare(f"{where} warnings", exp, w["severity"], w["lead"], w["items"])
        if exp.id in placed:
            b = placed[exp.id]
            problems += _compare(
                f"{where} sections",
                exp,
                b["severity"],
                b["lead"]["text"],
                [f["text"] for f in b["red_flags"]],
            )
    return problems
