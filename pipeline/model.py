"""The typed model that flows through every stage: article, sections, units, findings."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum

from pipeline.codes import CODES

__all__ = [
    "Article",
    "Block",
    "Finding",
    "FindingSeverity",
    "ListBlock",
    "Location",
    "Paragraph",
    "Section",
    "Severity",
    "Unit",
    "UnitKind",
    "WarningBlock",
    "error",
    "visible",
    "warning",
]


@dataclass(frozen=True, slots=True)
class Location:
    """Where something came from: a project-relative path, a 1-based line and column."""

    path: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        parts = [self.path]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)


class Severity(StrEnum):
    """Urgency of an urgent-care warning, after the NHS care-card levels."""

    EMERGENCY = "emergency"
    URGENT = "urgent"
    NON_URGENT = "non-urgent"


class UnitKind(StrEnum):
    """What a translatable unit is, as told to the translator."""

    TITLE = "title"
    CATEGORY = "category"
    HEADING = "heading"
    PARAGRAPH = "paragraph"
    LIST_ITEM = "list-item"
    WARNING_LEAD = "warning-lead"
    RED_FLAG = "red-flag"


@dataclass(frozen=True, slots=True)
class Unit:
    """One translatable piece of text; ``key`` is its gettext ``msgctxt``."""

    key: str
    kind: UnitKind
    text: str
    location: Location
    warning_id: str | None = None
    severity: Severity | None = None

    @property
    def is_warning(self) -> bool:
        """True for the lead and the red flags of an urgent-care warning."""
        return self.warning_id is not None


@dataclass(frozen=True, slots=True)
class Paragraph:
    id: str
    unit: Unit

    @property
    def units(self) -> tuple[Unit, ...]:
        return (self.unit,)


@dataclass(frozen=True, slots=True)
class ListBlock:
    id: str
    items: tuple[Unit, ...]
    location: Location

    @property
    def units(self) -> tuple[Unit, ...]:
        return self.items


@dataclass(frozen=True, slots=True)
class WarningBlock:
    """An urgent-care warning: a lead sentence and optional red-flag symptoms."""

    id: str
    severity: Severity
    lead: Unit
    red_flags: tuple[Unit, ...]
    location: Location

    @property
    def units(self) -> tuple[Unit, ...]:
        return (self.lead, *self.red_flags)


Block = Paragraph | ListBlock | WarningBlock


@dataclass(frozen=True, slots=True)
class Section:
    id: str
    heading: Unit | None
    blocks: tuple[Block, ...]
    location: Location

    @property
    def units(self) -> Iterator[Unit]:
        if self.heading is not None:
            yield self.heading
        for block in self.blocks:
            yield from block.units


@dataclass(frozen=True)
class Article:
    """One source article, as loaded from ``source/<id>.yaml``."""

    id: str
    path: str
    source_locale: str
    published: datetime.date
    title: Unit
    category: Unit | None
    sections: tuple[Section, ...]
    _by_key: dict[str, Unit] = field(default_factory=dict, repr=False, compare=False)
    _units: tuple[Unit, ...] = field(default=(), init=False, repr=False, compare=False)
    _warnings: tuple[WarningBlock, ...] = field(default=(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Listed once: every check of every locale walks them.
        units = [self.title] if self.category is None else [self.title, self.category]
        for section in self.sections:
            units.extend(section.units)
        warnings = (b for s in self.sections for b in s.blocks if isinstance(b, WarningBlock))
        object.__setattr__(self, "_units", tuple(units))
        object.__setattr__(self, "_warnings", tuple(warnings))
        self._by_key.update((u.key, u) for u in units)

    def units(self) -> Iterator[Unit]:
        """Every translatable unit, in document order."""
        return iter(self._units)

    def unit(self, key: str) -> Unit | None:
        return self._by_key.get(key)

    def warnings(self) -> list[WarningBlock]:
        """The urgent-care warnings, in document order."""
        return list(self._warnings)

    def warning_units(self) -> list[Unit]:
        return [u for w in self._warnings for u in w.units]


class FindingSeverity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


_INVISIBLE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")
_INVISIBLE_BUT_BREAKS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]"
)


def _escaped(match: re.Match[str]) -> str:
    char = match.group()
    return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"


def visible(text: str, *, breaks: bool = False) -> str:
    """``text`` with every character that could act on a terminal or a CI log instead
    of being read shown as an escape (``\\x1b``): C0 and C1 controls but the tab (ANSI
    escape sequences start with them), line breaks, and the bidi controls that reorder
    what is shown. File names, msgctxts and PO header values come from untrusted files.
    ``breaks``: leave ``\\n`` and ``\\r`` to a caller that encodes them itself."""
    pattern = _INVISIBLE_BUT_BREAKS if breaks else _INVISIBLE
    return pattern.sub(_escaped, text) if pattern.search(text) else text


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem found by a check, with where it is and whom it concerns."""

    code: str
    severity: FindingSeverity
    message: str
    location: Location | None = None
    locale: str | None = None
    """The locale concerned, as a BCP 47 tag (``pt-BR``); None for the source."""
    article: str | None = None
    unit: str | None = None
    """The unit the finding is about (its msgctxt, ``symptoms/dizziness``), if it is
    about one unit."""

    def __post_init__(self) -> None:
        if self.code not in CODES:
            raise ValueError(
                f"undeclared finding code {self.code!r}: declare it in pipeline/codes.py"
            )

    @property
    def is_error(self) -> bool:
        return self.severity is FindingSeverity.ERROR

    def format(self) -> str:
        """``path:line: severity: [code] message``, the gettext/compiler convention, on
        one line, with control characters shown escaped (``visible``)."""
        where = str(self.location) if self.location else "careloc"
        return visible(f"{where}: {self.severity.value}: [{self.code}] {self.message}")

    def as_dict(self) -> dict[str, object]:
        loc = self.location
        return {
            "code": self.code,
            "severity": self.severity.value,
            "locale": self.locale,
            "article": self.article,
            "file": loc.path if loc else None,
            "line": loc.line if loc else None,
            "message": self.message,
        }


def error(
    code: str,
    message: str,
    location: Location | None = None,
    *,
    locale: str | None = None,
    article: str | None = None,
    unit: str | None = None,
) -> Finding:
    """An error finding: it blocks publishing (and fails CI for the source or a published
    locale)."""
    return Finding(code, FindingSeverity.ERROR, message, location, locale, article, unit)


def warning(
    code: str,
    message: str,
    location: Location | None = None,
    *,
    locale: str | None = None,
    article: str | None = None,
    unit: str | None = None,
) -> Finding:
    """A warning finding: reported, never blocks on its own."""
    return Finding(code, FindingSeverity.WARNING, message, location, locale, article, unit)
