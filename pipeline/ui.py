"""Interface strings around an exported article ("Published {date}", care-card prefixes).

The English text lives here (mirrored by ``pipeline/ui/careloc-ui.pot``); each locale's
translation is read from ``pipeline/ui/<code>.po``. A missing file, or an entry that is
untranslated, fuzzy, or does not keep the English ``{placeholders}``, falls back to
English, and the caller is told so it can mark that text ``lang="en"``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pipeline.model import Finding, Location, warning
from pipeline.pofile import read_po

__all__ = ["ENGLISH", "UI_DIR", "UiStrings", "UiText", "load_ui", "placeholders"]

UI_DIR = Path(__file__).resolve().parent / "ui"

#: msgctxt -> English msgid; the POT beside the PO files lists the same entries.
ENGLISH: Mapping[str, str] = {
    "published": "Published {date}",
    "category": "Category: {category}",
    "severity/emergency": "Immediate action required:",
    "severity/urgent": "Urgent advice:",
    "severity/non-urgent": "Non-urgent advice:",
    "red-flags": "Warning signs",
    "fallback": "Shown in English until the translation is ready.",
    "call": "Call {number}",
    "languages": "Other languages",
    "index-title": "Available languages",
}

_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def placeholders(text: str) -> list[str]:
    """The ``{name}`` placeholders of ``text``, sorted."""
    return sorted(_PLACEHOLDER.findall(text))


@dataclass(frozen=True, slots=True)
class UiText:
    """One interface string; ``fallback`` is True when English stands in for a translation."""

    text: str
    fallback: bool = False

    def pieces(self) -> Iterator[tuple[str, bool]]:
        """``(literal, False)`` and ``(placeholder name, True)`` in order, so the caller can
        escape the literal text and insert its own markup for the placeholders.
        ``str.format`` is not used: a translation could reach attributes through it."""
        pos = 0
        for match in _PLACEHOLDER.finditer(self.text):
            if match.start() > pos:
                yield self.text[pos : match.start()], False
            yield match.group(1), True
            pos = match.end()
        if pos < len(self.text):
            yield self.text[pos:], False


@dataclass(frozen=True)
class UiStrings:
    """The interface strings of one locale."""

    code: str
    strings: Mapping[str, UiText]
    findings: tuple[Finding, ...] = ()

    def __getitem__(self, key: str) -> UiText:
        return self.strings[key]


ENGLISH_STRINGS = UiStrings("en", {key: UiText(text) for key, text in ENGLISH.items()})


def ui_path(code: str, ui_dir: Path = UI_DIR) -> Path:
    return ui_dir / f"{code}.po"


@cache
def load_ui(code: str, source_locale: str = "en", ui_dir: Path = UI_DIR) -> UiStrings:
    """The interface strings of ``code`` (a gettext locale name such as ``pt_BR``).

    Raises ContentError if the PO file exists but is not a valid PO file; problems with
    single entries become warnings and those entries fall back to English."""
    if code == source_locale:
        return ENGLISH_STRINGS
    path = ui_path(code, ui_dir)
    display = f"pipeline/ui/{path.name}"
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return UiStrings(code, {k: UiText(t, fallback=True) for k, t in ENGLISH.items()})
    catalog = read_po(data, display)
    strings: dict[str, UiText] = {}
    findings: list[Finding] = []
    for key, english in ENGLISH.items():
        message = catalog.get(english, context=key)
        text = message.string if message is not None else ""
        if message is None or not isinstance(text, str) or not text.strip() or message.fuzzy:
            strings[key] = UiText(english, fallback=True)
            continue
        where = Location(display, message.lineno)
        if placeholders(text) != placeholders(english):
            findings.append(
                warning(
                    "ui-placeholders",
                    f"msgctxt {key!r}: the translation must keep exactly the placeholders "
                    f"{placeholders(english)}; using English",
                    where,
                    unit=key,
                )
            )
            strings[key] = UiText(english, fallback=True)
            continue
        strings[key] = UiText(" ".join(text.split()))
    return UiStrings(code, strings, tuple(findings))
