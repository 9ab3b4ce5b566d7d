"""The clinical termbase of a locale: ``locales/<locale>/glossary.tbx``, read safely.

TBX-Basic (ISO 30042), as Weblate, memoQ and Trados export it and translate-toolkit
reads it: the 2019 edition (``<tbx>``, ``conceptEntry``, ``langSec``, ``termSec``)
and the 2008 one (``<martif>``, ``termEntry``, ``langSet``, ``tig``/``ntig``). Each
concept has English terms and terms of the locale, each with an optional
``<termNote type="administrativeStatus">``:

* ``preferredTerm-admn-sts``, ``admittedTerm-admn-sts`` (or no status): where the
  English has the concept, the translation must use one of these;
* ``deprecatedTerm-admn-sts``, ``supersededTerm-admn-sts``: it must not use these.

The file is untrusted: an entity declaration or a document type declaration with an
internal subset is refused (a DOCTYPE naming an external DTD, as translate-toolkit
writes it, is accepted and never fetched), the size is bounded, and any problem is a
``termbase`` error with the file and line.
"""

from __future__ import annotations

import functools
import hashlib
import os
import xml.parsers.expat
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import ContentError
from pipeline.files import read_bounded
from pipeline.meaning import contains
from pipeline.model import Location, error

__all__ = ["MAX_TBX_BYTES", "Termbase", "load", "parse", "path_of"]

MAX_TBX_BYTES = 4 * 1024 * 1024
FILE_NAME = "glossary.tbx"
ALLOWED = ("preferredTerm-admn-sts", "admittedTerm-admn-sts")
FORBIDDEN = ("deprecatedTerm-admn-sts", "supersededTerm-admn-sts")
_CONCEPT = {"conceptEntry", "termEntry"}
_LANGUAGE = {"langSec", "langSet"}
_TERM_GROUP = {"termSec", "tig", "ntig"}
_XML_LANG = "http://www.w3.org/XML/1998/namespace lang"


@dataclass(frozen=True)
class Concept:
    """One concept: its English terms, and the locale's allowed and forbidden ones."""

    source: tuple[str, ...]
    allowed: tuple[str, ...]
    forbidden: tuple[str, ...]
    line: int


@dataclass(frozen=True, eq=False)
class Termbase:
    """The concepts of one locale's termbase (only those with an English term)."""

    path: str
    concepts: tuple[Concept, ...]
    digest: str = ""

    def concepts_in(self, english: str) -> tuple[Concept, ...]:
        """The concepts whose English term ``english`` uses."""
        return _concepts_in(self, english)


@functools.lru_cache(maxsize=65536)
def _concepts_in(termbase: Termbase, english: str) -> tuple[Concept, ...]:
    return tuple(c for c in termbase.concepts if any(contains(english, t) for t in c.source))


def _language(tag: str) -> str:
    return tag.replace("_", "-").split("-")[0].lower()


def parse(data: bytes, path: str, locale: str, source_locale: str = "en") -> Termbase:
    """The termbase in ``data`` (the bytes of ``path``) for the gettext locale ``locale``;
    ContentError (``termbase``, with the line) if it is not a TBX file careloc can use."""
    reader = _Reader(path, _language(locale), _language(source_locale))
    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
    parser.StartDoctypeDeclHandler = reader.refuse_doctype
    parser.EntityDeclHandler = reader.refuse_entity
    parser.StartElementHandler = reader.start
    parser.EndElementHandler = reader.end
    parser.CharacterDataHandler = reader.text
    reader.parser = parser
    try:
        parser.Parse(data, True)
    except xml.parsers.expat.ExpatError as exc:
        raise _error(
            path,
            exc.lineno,
            f"not well-formed XML: {xml.parsers.expat.errors.messages.get(exc.code, str(exc))}",
        ) from None
    if not reader.root_seen:
        raise _error(path, 1, "not a TBX file (the root element is not <tbx> or <martif>)")
    return Termbase(path, tuple(reader.concepts), hashlib.sha256(data).hexdigest())


def _error(path: str, line: int | None, message: str) -> ContentError:
    return ContentError([error("termbase", message, Location(path, line))])


class _Reader:
    """Expat handlers collecting concepts; raise ContentError on what careloc refuses."""

    def __init__(self, path: str, locale: str, source: str) -> None:
        self.path, self.locale, self.source = path, locale, source
        self.parser: xml.parsers.expat.XMLParserType | None = None
        self.concepts: list[Concept] = []
        self.root_seen = False
        self.stack: list[str] = []
        self._concept: dict[str, list[str]] | None = None
        self._concept_line = 0
        self._lang: str | None = None
        self._term: list[str] | None = None
        self._terms: list[tuple[str, str | None, int]] = []  # text, status, line
        self._status: list[str] | None = None
        self._term_text: str | None = None
        self._term_status: str | None = None
        self._term_line = 0

    def _line(self) -> int:
        return self.parser.CurrentLineNumber if self.parser is not None else 0

    def refuse_doctype(
        self, name: str, system: str | None, public: str | None, internal: int
    ) -> None:
        # translate-toolkit (and so Weblate) writes <!DOCTYPE martif PUBLIC "..." "TBXcdv04.dtd">:
        # a reference to an external DTD is accepted and never fetched. An internal subset,
        # where entities are declared, is refused.
        if internal:
            raise _error(
                self.path,
                self._line(),
                "a document type declaration with an internal subset is not allowed",
            )

    def refuse_entity(self, *_: object) -> None:
        raise _error(self.path, self._line(), "an entity declaration is not allowed")

    def start(self, name: str, attrs: dict[str, str]) -> None:
        local = name.rsplit(" ", 1)[-1]
        if not self.stack:
            if local not in ("tbx", "martif"):
                raise _error(
                    self.path, self._line(), f"the root element is <{local}>, not <tbx> or <martif>"
                )
            self.root_seen = True
        self.stack.append(local)
        if local in _CONCEPT:
            self._concept = {"source": [], "allowed": [], "forbidden": []}
            self._concept_line = self._line()
        elif local in _LANGUAGE:
            lang = attrs.get(_XML_LANG) or attrs.get("lang")
            if not lang:
                raise _error(self.path, self._line(), f"<{local}> without xml:lang")
            self._lang = _language(lang)
        elif local in _TERM_GROUP:
            self._term_text, self._term_status, self._term_line = None, None, self._line()
        elif local == "term":
            self._term = []
        elif local == "termNote" and attrs.get("type") == "administrativeStatus":
            self._status = []

    def text(self, data: str) -> None:
        if self._term is not None:
            self._term.append(data)
        elif self._status is not None:
            self._status.append(data)

    def end(self, name: str) -> None:
        local = self.stack.pop()
        if local == "term" and self._term is not None:
            self._term_text = " ".join("".join(self._term).split())
            self._term = None
        elif local == "termNote" and self._status is not None:
            self._term_status = "".join(self._status).strip()
            self._status = None
            if self._term_status not in ALLOWED + FORBIDDEN:
                raise _error(
                    self.path,
                    self._line(),
                    f"unknown administrativeStatus {self._term_status!r}; TBX-Basic has "
                    + ", ".join(ALLOWED + FORBIDDEN),
                )
        elif local in _TERM_GROUP:
            self._close_term()
        elif local in _LANGUAGE:
            self._lang = None
        elif local in _CONCEPT and self._concept is not None:
            c = self._concept
            if c["source"] and (c["allowed"] or c["forbidden"]):
                self.concepts.append(
                    Concept(
                        tuple(c["source"]),
                        tuple(c["allowed"]),
                        tuple(c["forbidden"]),
                        self._concept_line,
                    )
                )
            self._concept = None

    def _close_term(self) -> None:
        text, status = self._term_text, self._term_status
        if not text:
            raise _error(self.path, self._term_line, "a term group without a <term>")
        if self._concept is None or self._lang is None:
            raise _error(
                self.path, self._term_line, "a term outside a concept entry and language section"
            )
        if self._lang == self.source:
            self._concept["source"].append(text)
        elif self._lang == self.locale:
            self._concept["forbidden" if status in FORBIDDEN else "allowed"].append(text)


@functools.lru_cache(maxsize=256)
def path_of(locales_dir: Path, code: str) -> Path:
    return locales_dir / code / FILE_NAME


_loaded: dict[tuple[str, str, str], tuple[tuple[int, int], Termbase | None]] = {}


def load(locales_dir: Path, code: str, display: str, source_locale: str = "en") -> Termbase | None:
    """The termbase of locale ``code``, or None if it has none; ContentError if it is
    broken. Kept per process while the file is unchanged (the gate asks once per PO)."""
    path = path_of(locales_dir, code)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise _error(display, None, exc.strerror or str(exc)) from None
    stamp = (info.st_mtime_ns, info.st_size)
    key = (str(path), code, source_locale)
    held = _loaded.get(key)
    if held is not None and held[0] == stamp:
        return held[1]
    data = read_bounded(path, MAX_TBX_BYTES, display)
    termbase = parse(data, display, code, source_locale)
    _loaded[key] = (stamp, termbase)
    return termbase
