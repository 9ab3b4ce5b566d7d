"""Second line of defence: read back each rendered page and confirm every warning is in it.

The gate decides what may be published; this module does not trust the renderer to have
done what the gate allowed. It parses the HTML as a browser does (selectolax's
bindings to the Lexbor HTML5 parser) and the JSON bundle, independently of the code
that produced them, and compares every urgent-care warning with what the article and
the approved translations say it must be: its id, its severity, its lead and every
red flag, in order. Any difference is a reason to withhold the page.

It is the second line of defence, not a second opinion: what may be published is decided
once, by the gate (``pipeline.checks.decide``), and a page withheld here for a problem
``careloc check`` did not report is a bug (``tests/test_decision.py`` holds them together).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from selectolax.lexbor import LexborHTMLParser, LexborNode

from pipeline.checks import blank
from pipeline.model import Article, WarningBlock
from pipeline.schema import validator

__all__ = ["Expected", "expected_warnings", "verify_bundle", "verify_html"]

ACTIVE_ELEMENTS = frozenset({"iframe", "object", "embed", "frame", "base", "form"})
SEVERITY_LABEL = frozenset({"care-card__severity", "visually-hidden"})
"""Classes of the element that holds a card's severity words ("Immediate action
required:") at the start of its heading."""


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
    calls: list[str] = field(default_factory=list)
    """The numbers of its ``tel:`` links."""


class _PageReader:
    """Collects the care cards of a page, plus anything that could run code, from the
    document tree an HTML5 parser builds (the tree a browser shows, misnested or
    unclosed tags included).

    Every element is looked at once, in document order, by the parser's own walk
    (attributes, active elements, scripts); then each care card's subtree is read
    for its heading, severity prefix, lead and red flags."""

    def __init__(self, html: str) -> None:
        self.cards: list[_Card] = []
        self.first_section: int | None = None
        self.positions = 0
        self.problems: list[str] = []
        self.scripts: list[str] = []
        tree = LexborHTMLParser(html)
        root = tree.root
        self.html_attrs: dict[str, str | None] = root.attributes if root is not None else {}
        if root is None:
            return
        problems: list[tuple[int, int, str]] = []  # (position, order, problem)
        cards: list[tuple[LexborNode, _Card]] = []
        for node in root.traverse():
            tag = node.tag or "-"
            if tag[0] == "-":  # a comment
                continue
            self.positions += 1
            attrs = node.attributes
            for name, value in attrs.items():
                if name.startswith("on") or (value or "").strip().lower().startswith("javascript:"):
                    problems.append(
                        (self.positions, 0, f"<{tag}> carries active content ({name}=...)")
                    )
            if tag in ACTIVE_ELEMENTS:
                problems.append((self.positions, 0, f"unexpected <{tag}> element"))
            if tag == "script":
                if attrs.get("type") != "application/ld+json":
                    problems.append((self.positions, 0, "a <script> that is not JSON-LD"))
                self.scripts.append(node.text(deep=True))
                continue
            if "data-warning" in attrs:
                card = _Card(
                    attrs["data-warning"] or "",
                    attrs.get("data-severity"),
                    self.positions,
                    _hidden(node),
                )
                if _inside_card(node):
                    problems.append(
                        (self.positions, 1, f"warning {card.id!r} is nested inside another warning")
                    )
                cards.append((node, card))
            elif "data-section" in attrs and self.first_section is None and not _inside_card(node):
                self.first_section = self.positions
        self.problems = [problem for _, _, problem in sorted(problems)]
        for node, card in cards:
            self.cards.append(card)
            _read_card(node, card, False, None, False)


def _hidden(node: LexborNode) -> bool:
    """Whether ``node`` or an element around it is hidden (``hidden``, ``aria-hidden``)."""
    current: LexborNode | None = node
    while current is not None and (current.tag or "-")[0] != "-":
        attrs = current.attributes
        if "hidden" in attrs or attrs.get("aria-hidden") == "true":
            return True
        current = current.parent
    return False


def _inside_card(node: LexborNode) -> bool:
    """Whether an element around ``node`` is a care card."""
    current = node.parent
    while current is not None and (current.tag or "-")[0] != "-":
        if "data-warning" in current.attributes:
            return True
        current = current.parent
    return False


def _read_card(
    node: LexborNode, card: _Card, heading: bool, item: list[str] | None, prefix: bool
) -> None:
    """Read the text inside ``node`` into ``card``: ``heading`` (inside its heading),
    ``item`` (inside that red-flag item), ``prefix`` (inside its severity label), and the
    numbers of its ``tel:`` links. A card inside it is read on its own, not into this one."""
    for child in node.iter(include_text=True):
        kind = child.tag or "-"
        if kind == "-text":
            text = child.text_content or ""
            if item is not None:
                item.append(text)
            elif heading:
                (card.prefix if prefix else card.lead).append(text)
            continue
        if kind[0] == "-" or kind == "script":  # a comment; a script's text is not shown
            continue
        attrs = child.attributes
        if "data-warning" in attrs:
            continue
        inner_heading, inner_item, inner_prefix = heading, item, prefix
        if kind == "h2" and not heading:
            card.headings += 1
            inner_heading = True
        elif kind == "li":
            card.items.append([])
            inner_item = card.items[-1]
        elif kind == "a" and (attrs.get("href") or "").startswith("tel:"):
            card.calls.append((attrs.get("href") or "")[4:])
        if not SEVERITY_LABEL.isdisjoint((attrs.get("class") or "").split()):
            inner_prefix = True
        _read_card(child, card, inner_heading, inner_item, inner_prefix)


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
        # The gate never approves a blank translation; should one arrive, it is none.
        return None if translated is None or blank(translated) else _norm(translated)

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


def verify_html(
    html: str,
    lang: str,
    expected: list[Expected],
    where: str,
    emergency_number: str | None = None,
) -> list[str]:
    """Problems with one rendered page; empty if every warning is in it as approved
    (and each emergency card links ``tel:<emergency_number>``, or, without a number,
    no number at all)."""
    reader = _PageReader(html)
    problems = [f"{where}: {p}" for p in reader.problems]
    if reader.html_attrs.get("lang") != lang:
        problems.append(f"{where}: <html lang> is {reader.html_attrs.get('lang')!r}, not {lang!r}")
    for script in reader.scripts:
        try:
            json.loads(script)
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
                f"{where}: warning {exp.id!r} needs one heading that starts with its severity label"
            )
        if exp.severity == "emergency":
            problems += _check_calls(where, exp.id, card.calls, emergency_number)
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


def _check_calls(
    where: str, warning_id: str, calls: list[str], emergency_number: str | None
) -> list[str]:
    """An emergency card links exactly the locale's number; with none, it links none."""
    if emergency_number is None:
        if calls:
            return [
                f"{where}: emergency warning {warning_id!r} links tel:{calls[0]}, but the "
                "locale has no region (no number may be shown)"
            ]
        return []
    if calls != [emergency_number]:
        return [
            f"{where}: emergency warning {warning_id!r} must link tel:{emergency_number} "
            f"(found {', '.join('tel:' + c for c in calls) or 'no tel: link'})"
        ]
    return []


def verify_bundle(
    data: Any,
    lang: str,
    article_id: str,
    expected: list[Expected],
    where: str,
    schema: Path,
    emergency_number: str | None = None,
) -> list[str]:
    """Problems with one JSON bundle: schema violations, then every warning as approved,
    both in the flat ``warnings`` list and in place among the sections, and the
    locale's ``emergency_number``."""
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
    if data["emergency_number"] != emergency_number:
        problems.append(
            f"{where}: emergency_number is {data['emergency_number']!r}, not {emergency_number!r}"
        )
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
