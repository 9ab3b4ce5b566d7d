"""The parts of Babel careloc uses that Babel does not document.

Babel's public API cannot say where an entry was written, cannot keep a header date
without a time, and rebuilds the header entry each time a catalog is iterated. careloc
therefore leans on a few private names of ``babel.messages``; they are all here, and
only here, so that a Babel release that changes them breaks one module and one test
(tests/test_babel_compat.py) instead of the PO reader in silence. ``pyproject.toml``
caps Babel below the first release that test has not seen.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from babel.messages.catalog import Catalog, Message, _parse_datetime_header
from babel.messages.pofile import PoFileParser

__all__ = [
    "MessageKey",
    "ParserBase",
    "key_for",
    "messages_of",
    "mime_headers_of",
    "parse_datetime_header",
    "put_message",
    "set_mime_headers",
]

MessageKey = str | tuple[str, str]


def messages_of(catalog: Catalog) -> list[Message]:
    """The catalog's messages in file order, without the header entry (iterating a
    ``Catalog`` rebuilds the header entry first, formatting its dates with the locale
    data: too slow for ten thousand files)."""
    return list(catalog._messages.values())


def put_message(catalog: Catalog, key: MessageKey, message: Message) -> None:
    """Store ``message`` under ``key`` as it is (``catalog[id] = message`` would merge
    it with what is there and add flags of its own)."""
    catalog._messages[key] = message


def key_for(catalog: Catalog, msgid: Any, context: str | None) -> MessageKey:
    """The key of an entry in ``catalog`` and in its ``obsolete`` mapping."""
    key: MessageKey = catalog._key_for(msgid, context)
    return key


def mime_headers_of(catalog: Catalog) -> list[tuple[str, str]]:
    """The header fields Babel itself writes for ``catalog`` (``Catalog.mime_headers``
    before a subclass overrides it)."""
    return Catalog._get_mime_headers(catalog)


def set_mime_headers(catalog: Catalog, headers: Iterable[tuple[str, str]]) -> None:
    """Babel's reading of header fields into ``catalog``."""
    Catalog._set_mime_headers(catalog, headers)


def parse_datetime_header(value: str) -> datetime.datetime:
    """A header date as Babel reads it; ValueError for one it cannot read."""
    return _parse_datetime_header(value)


class ParserBase(PoFileParser):
    """Babel's PO parser with the steps careloc changes under names of its own.

    A subclass overrides ``take_comment`` and ``take_message_line`` (return True when
    it has handled the line), ``check_keyword_line`` (raise through ``refuse``) and
    ``add_message`` (call ``babel_add_message`` to let Babel store the entry). The
    entry being read is in ``messages`` (msgid, msgid_plural), ``translations``
    ((index, string) pairs), ``context``, ``flags``, ``obsolete`` and ``offset`` (its
    0-based msgid line); ``counter`` counts the entries stored."""

    def __init__(self, catalog: Catalog) -> None:
        super().__init__(catalog, abort_invalid=True)

    # -- hooks ---------------------------------------------------------------------------
    def take_comment(self, line: str) -> bool:
        return False

    def take_message_line(self, line: str, obsolete: bool) -> bool:
        return False

    def check_keyword_line(self, lineno: int, line: str) -> None:
        pass

    def add_message(self) -> None:
        self.babel_add_message()

    # -- Babel's steps ---------------------------------------------------------------------
    def babel_add_message(self) -> None:
        PoFileParser._add_message(self)

    def finish_entry(self) -> None:
        """End the entry being read (a ``#|`` line starts the next one)."""
        self._finish_current_message()

    def refuse(self, line: str, lineno: int, message: str) -> None:
        """Raise Babel's ``PoFileError`` for ``line`` (0-based ``lineno``)."""
        self._invalid_pofile(line, lineno, message)

    # -- Babel's private methods, routed to the hooks ------------------------------------------
    def _process_comment(self, line: str) -> None:
        if not self.take_comment(line):
            super()._process_comment(line)

    def _process_message_line(self, lineno: int, line: str, obsolete: bool = False) -> None:
        if not self.take_message_line(line, obsolete):
            super()._process_message_line(lineno, line, obsolete)

    def _process_keyword_line(self, lineno: int, line: str, obsolete: bool = False) -> None:
        self.check_keyword_line(lineno, line)
        super()._process_keyword_line(lineno, line, obsolete)

    def _add_message(self) -> None:
        self.add_message()
