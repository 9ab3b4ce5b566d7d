"""Read and write gettext PO/POT files with Babel, mending what Babel loses.

Babel's parser and writer do the work; this module adds what a translator's file
needs to survive a round trip unchanged: previous msgctxt, msgid and msgid_plural
(``#|``, and ``#~|`` on obsolete entries, as ``msgmerge --previous`` writes them),
the flags that were actually written (Babel invents ``python-format``), obsolete
entries whole, headers Babel does not know (``X-Generator``) or cannot parse (a
date-only ``PO-Revision-Date``), strict UTF-8, and syntax errors reported with
their line.
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import groupby
from typing import Any, NamedTuple, cast

from babel import Locale, UnknownLocaleError
from babel.messages.catalog import Catalog, Message, parse_separated_header
from babel.messages.pofile import PoFileError, generate_po, normalize

from pipeline import __version__
from pipeline.babel_compat import (
    ParserBase,
    key_for,
    messages_of,
    mime_headers_of,
    parse_datetime_header,
    put_message,
    set_mime_headers,
)
from pipeline.errors import ContentError
from pipeline.files import too_large
from pipeline.model import Location, error
from pipeline.yamlfile import decode_text

__all__ = [
    "MAX_ENTRIES",
    "MAX_PLURALS",
    "MAX_PO_BYTES",
    "MessageText",
    "PoCatalog",
    "PoEntries",
    "PoEntry",
    "Scanned",
    "comment_words",
    "content_key",
    "entries",
    "lines_of",
    "plain_message",
    "previous_context",
    "read_entries",
    "read_header",
    "read_po",
    "render_po",
    "scan_entries",
    "takes_header",
    "translated",
    "unescape",
]

MAX_PO_BYTES = 8 * 1024 * 1024
MAX_ENTRIES = 10_000
MAX_PLURALS = 6
"""No language has more plural forms in CLDR; a larger ``nplurals`` would only make
every plural entry cost memory and time."""
WIDTH = 76

_STRING = r'"(?:[^"\\]|\\.)*"'
_KEYWORD_LINE = re.compile(rf"^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)\s*({_STRING})\s*$")
_CONTINUATION = re.compile(rf"^{_STRING}\s*$")
_ESCAPE = re.compile(r"\\(.)")
_PLAIN_STRING = r'"(?:[^"\\\n]++|\\[\\"ntr])*+"'
_ESCAPES = frozenset('\\"ntr')
"""The escapes Babel decodes; GNU gettext also knows ``\\a``, ``\\x41``, ``\\101``..., which
Babel would keep as literal text: a file would then say one thing to msgfmt and
another to careloc (``\\x3cscript\\x3e``), so those are refused."""
_BABEL_LINE = re.compile(r" on \d+$")
_KNOWN_HEADERS = {
    "project-id-version",
    "report-msgid-bugs-to",
    "pot-creation-date",
    "po-revision-date",
    "last-translator",
    "language",
    "language-team",
    "plural-forms",
    "mime-version",
    "content-type",
    "content-transfer-encoding",
}


_ESCAPED = (
    ("\\n", "\n"),
    ("\\t", "\t"),
    ("\\r", "\r"),
    ('\\"', '"'),
    ("\\a", "\a"),
    ("\\b", "\b"),
    ("\\f", "\f"),
    ("\\v", "\v"),
)


def unescape(string: str) -> str:
    """The text of a quoted PO string, exactly as Babel's ``unescape`` reads it, without
    a regular-expression callback for each escape (a header has one on every line).
    An escaped backslash is split off first, so each one left begins an escape."""
    body = string[1:-1]
    if "\\" not in body:
        return body
    if "\\\\" not in body:
        body = body.replace("\\n", "\n")  # most often the only escape: line ends
        if "\\" not in body:
            return body
    parts = body.split("\\\\")
    for index, part in enumerate(parts):
        if "\\" in part:
            for escape, char in _ESCAPED:
                part = part.replace(escape, char)
            parts[index] = part
    return "\\".join(parts)


class PoCatalog(Catalog):
    """A Babel catalog that keeps the headers it was read with.

    ``header_lines`` holds the header fields as the file had them, so that unknown
    fields (``X-Generator``) and the translator's own ``Plural-Forms`` survive."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.extra_headers: list[tuple[str, str]] = []
        self.file_plural_forms: str | None = None
        self.generated_by: str = f"careloc {__version__}\n"
        self.raw_language: str | None = None
        self.raw_creation_date: str | None = None
        """A ``POT-Creation-Date`` Babel cannot read (``2026-11-25``), as written; it
        stands until ``creation_date`` is set."""
        super().__init__(*args, **kwargs)

    @property
    def creation_date(self) -> Any:
        return self._creation_date

    @creation_date.setter
    def creation_date(self, value: Any) -> None:
        self._creation_date = value
        self.raw_creation_date = None

    def _get_headers(self) -> list[tuple[str, str]]:
        headers = []
        for name, value in mime_headers_of(self):
            if name == "Generated-By":
                continue
            if name == "POT-Creation-Date" and self.raw_creation_date is not None:
                value = self.raw_creation_date
            if name == "Plural-Forms" and self.file_plural_forms is not None:
                value = self.file_plural_forms
            headers.append((name, value))
        # Babel before 2.19 drops Plural-Forms from a catalog whose locale it does not
        # know (qps_ploc); later versions keep it.
        if self.file_plural_forms is not None and all(n != "Plural-Forms" for n, _ in headers):
            headers.insert(len(headers) - 3, ("Plural-Forms", self.file_plural_forms))
        headers.extend(self.extra_headers)
        headers.append(("Generated-By", self.generated_by))
        return headers

    def _set_headers(self, headers: Iterable[tuple[str, str]]) -> None:
        headers = list(headers)
        # msgfmt accepts any text in the dates (``2026-11-25``); Babel only a date and
        # time. What Babel cannot read is kept as written.
        raw = {
            name.lower(): value.strip()
            for name, value in headers
            if name.lower() in ("po-revision-date", "pot-creation-date") and not _babel_date(value)
        }
        set_mime_headers(self, [(n, v) for n, v in headers if n.lower() not in raw])
        if "po-revision-date" in raw:
            self.revision_date = raw["po-revision-date"]
        if "pot-creation-date" in raw:
            self.raw_creation_date = raw["pot-creation-date"]
        for name, value in headers:
            lname = name.lower()
            if lname == "plural-forms":
                self.file_plural_forms = value.strip()
            elif lname == "generated-by":
                self.generated_by = value.strip() + "\n"
            elif lname == "language":
                self.raw_language = value.strip()
            elif lname not in _KNOWN_HEADERS and (name, value) not in self.extra_headers:
                self.extra_headers.append((name, value))

    mime_headers = property(_get_headers, _set_headers)


def _babel_date(value: str) -> bool:
    """True if Babel reads ``value`` as a header date (it refuses a date without a
    time, ``2026-11-25``, which gettext accepts)."""
    if "YEAR" in value or not value.strip():
        return True
    try:
        _datetime_header(value)
    except ValueError:
        return False
    return True


def previous_context(message: Message) -> str | None:
    """The msgctxt the translation was made for (``#| msgctxt``), if the file says."""
    return getattr(message, "previous_context", None)


def set_previous_context(message: Message, context: str | None) -> None:
    message.previous_context = context  # type: ignore[attr-defined]


def translated(message: Message) -> bool:
    """Has any translated text (any plural form)."""
    string = message.string
    return any(string) if isinstance(string, list | tuple) else bool(string)


def entries(catalog: Catalog) -> list[Message]:
    """The catalog's messages in file order, without the header entry. (Iterating a
    Babel ``Catalog`` rebuilds the header entry first, formatting its dates with the
    locale data, for every file read.)"""
    return messages_of(catalog)


MessageText = str | tuple[str, ...] | list[str]


def plain_message(
    msgid: MessageText,
    string: MessageText = "",
    *,
    context: str | None = None,
    locations: Iterable[tuple[str, int]] = (),
    flags: Iterable[str] = (),
    auto_comments: Iterable[str] = (),
    user_comments: Iterable[str] = (),
    previous_id: MessageText | None = None,
    previous_context: str | None = None,
    lineno: int | None = None,
) -> Message:
    """A Message whose flags are exactly ``flags`` (Babel would add ``python-format``
    to any text containing ``%``, making msgfmt demand format strings in prose)."""
    message = Message(
        msgid,
        string,
        list(locations),
        set(flags),
        list(auto_comments),
        list(user_comments),
        previous_id=[previous_id] if isinstance(previous_id, str) else list(previous_id or ()),
        lineno=lineno,
        context=context,
    )
    message.flags = set(flags)
    if previous_context is not None:
        set_previous_context(message, previous_context)
    return message


class _TooManyPlurals(Exception):
    """A header declares more plural forms than any language has."""


class _Parser(ParserBase):
    """Babel's PO parser, reading what msgfmt reads: ``#|`` and ``#~|`` previous
    msgids, the flags as written, duplicates and stray plural forms refused, at most
    ``MAX_ENTRIES`` entries."""

    def __init__(self, catalog: PoCatalog, path: str) -> None:
        self.path = path
        self.previous: list[str] = []
        super().__init__(catalog)

    def take_comment(self, line: str) -> bool:
        if line.startswith("#|"):
            self.finish_entry()
            self.previous.append(line[2:].strip())
            return True
        return False

    def take_message_line(self, line: str, obsolete: bool) -> bool:
        if obsolete and line.startswith("|"):  # "#~| msgid": an obsolete entry's previous msgid
            self.finish_entry()
            self.previous.append(line[1:].strip())
            return True
        return False

    def check_keyword_line(self, lineno: int, line: str) -> None:
        # What msgfmt refuses and Babel would read some way of its own.
        keyword = line.partition(" ")[0]
        if keyword == "msgid_plural" and len(self.messages) != 1:
            self.refuse(line, lineno, "msgid_plural without a msgid just before it")
        elif keyword == "msgstr" or keyword.startswith("msgstr["):
            plural = len(self.messages) > 1
            if keyword == "msgstr" and self.translations:
                self.refuse(line, lineno, "a second msgstr in one entry")
            elif keyword == "msgstr" and plural:
                self.refuse(
                    line, lineno, "an entry with msgid_plural needs msgstr[0], msgstr[1], ..."
                )
            elif keyword != "msgstr" and not plural:
                self.refuse(line, lineno, f"{keyword} without msgid_plural")
            elif keyword != "msgstr" and keyword in {f"msgstr[{i}]" for i, _ in self.translations}:
                self.refuse(line, lineno, f"a second {keyword} in one entry")

    def add_message(self) -> None:
        context_, ids = _previous(self.previous)
        self.previous = []
        flags = {f for f in self.flags if f}
        if len(self.messages) > 1:
            msgid: Any = tuple(m.denormalize() for m in self.messages)
            # msgfmt accepts forms beyond nplurals while they are empty (untranslated
            # entries written for another language); Babel refuses any.
            self.translations = [
                t for t in self.translations if t[0] < self.catalog.num_plurals or t[1]
            ]
        else:
            msgid = self.messages[0].denormalize()
        context = self.context.denormalize() if self.context else None
        lineno = self.offset + 1
        obsolete = self.obsolete
        if self.counter >= MAX_ENTRIES:
            raise PoFileError(f"more than {MAX_ENTRIES} entries", self.catalog, "", self.offset)
        # Babel would keep only the last of two entries with the same msgctxt and msgid
        # (silently, for obsolete ones); the other translation would be lost on update.
        if msgid and (
            key_for(self.catalog, msgid, context) in self.catalog.obsolete
            or self.catalog.get(msgid, context=context) is not None
        ):
            raise PoFileError(
                f"duplicate message definition (msgctxt {context!r})", self.catalog, "", self.offset
            )
        try:
            self.babel_add_message()
        except ValueError as exc:  # the header: a Language or date Babel cannot read
            raise PoFileError(f"invalid header: {exc}", self.catalog, "", lineno - 1) from None
        if not msgid:
            if not obsolete and self.catalog.num_plurals > MAX_PLURALS:
                raise _TooManyPlurals()
            return
        if obsolete:
            message = self.catalog.obsolete.get(key_for(self.catalog, msgid, context))
        else:
            message = self.catalog.get(msgid, context=context)
        if message is not None:
            message.flags = flags
            message.previous_id = ids
            set_previous_context(message, context_ if ids else None)
            message.lineno = lineno


def _previous(lines: list[str]) -> tuple[str | None, list[str]]:
    """The msgctxt and the msgid (with its msgid_plural) of an entry's ``#|`` lines
    (their text after ``#|``), as Babel's ``previous_id`` list; empty without a msgid."""
    parts: dict[str, list[str]] = {}
    current = None
    for line in lines:
        keyword, _, rest = line.partition(" ")
        if keyword.startswith('"'):
            if current:
                parts[current].append(unescape(line))
            continue
        current = keyword
        parts[current] = [unescape(rest.strip())] if rest.strip() else []
    msgid = "".join(parts["msgid"]) if "msgid" in parts else None
    if not msgid:
        return None, []
    context = "".join(parts["msgctxt"]) if "msgctxt" in parts else None
    if "msgid_plural" in parts:
        return context, [msgid, "".join(parts["msgid_plural"])]
    return context, [msgid]


class Scanned(NamedTuple):
    """One entry as ``_scan_entries`` read it, before Babel's ``Message`` bookkeeping."""

    msgid: str
    string: str
    context: str | None
    locations: list[tuple[str, int | None]]
    flags: list[str]
    auto_comments: list[str]
    user_comments: list[str]
    previous: list[str]
    """The text after ``#|`` of each previous-msgid line."""
    lineno: int
    obsolete: bool
    key: str | tuple[str, str]
    """The entry's key in a Babel catalog: its msgid, with its msgctxt if it has one."""


def _comment(
    line: str,
    locations: list[tuple[str, int | None]],
    flags: list[str],
    auto: list[str],
    user: list[str],
    previous: list[str],
    full: bool = True,
) -> bool:
    """File one comment line (stripped, not ``#~``) of an entry as Babel's parser does;
    False for a comment only Babel should read. ``full=False``: only flags and
    translator comments are filed (what ``PoEntry`` holds); a reference is then only
    looked at for what Babel refuses (an isolate in it)."""
    mark = line[1:2]
    if mark == "|":
        if full:
            previous.append(line[2:].strip())
    elif mark == "~":  # "#~|" (nothing else reaches here)
        rest = line[2:].lstrip()
        if rest[:1] != "|":
            return False
        if full:
            previous.append(rest[1:].strip())
    elif mark == ":":
        if "\u2068" in line or "\u2069" in line:
            return False
        if not full:
            return True
        for location in line[2:].split():
            path, colon, number = location.rpartition(":")
            if not colon:
                locations.append((location, None))
            elif number.isdigit() and number.isascii():
                locations.append((path, int(number)))
            else:
                return False
    elif mark == ",":
        flags.extend(flag.strip() for flag in line[2:].lstrip().split(","))
    elif mark == ".":
        if full and (comment := line[2:].strip()):
            auto.append(comment)
    elif mark == "-":
        return False
    else:
        user.append(line[1:].strip())
    return True


_STRINGS = rf"({_PLAIN_STRING}(?:\n{_PLAIN_STRING})*+)"
_OBSOLETE_STRINGS = rf"({_PLAIN_STRING}(?:\n#~ {_PLAIN_STRING})*+)"
_COMMENTS = r"((?:#(?:~[ \t]*+\|)?+(?!~)[^\n]*+\n)*+)"
_ACTIVE_ENTRY = re.compile(
    rf"{_COMMENTS}(?:msgctxt {_STRINGS}\n)?msgid {_STRINGS}\nmsgstr {_STRINGS}(?:\n|\Z)"
)
_OBSOLETE_ENTRY = re.compile(
    rf"{_COMMENTS}(?:#~ msgctxt {_OBSOLETE_STRINGS}\n)?#~ msgid {_OBSOLETE_STRINGS}\n"
    rf"#~ msgstr {_OBSOLETE_STRINGS}(?:\n|\Z)"
)
"""One whole entry as gettext, Babel, Poedit and Weblate write it: its comments, then
``msgctxt``, ``msgid`` and ``msgstr``, each with its continuation lines, nothing else
on their lines (for an obsolete entry each line starts ``#~ ``). Matched by the
entry, a file of such entries is read without a loop over its lines."""


def _strings(group: str, obsolete: bool) -> str:
    """The text of a keyword's quoted strings (``"a"\\n"b"`` is ``ab``)."""
    if "\\" not in group:  # nothing to unescape: only the quotes between lines go
        return group[1:-1].replace('"\n#~ "' if obsolete else '"\n"', "")
    pieces = group.split("\n")
    if obsolete:
        pieces[1:] = [piece[3:] for piece in pieces[1:]]
    return "".join(map(unescape, pieces))


def _scan_entries(text: str, *, full: bool = True) -> list[Scanned] | None:
    """The entries of a PO text, in file order, read exactly as ``_Parser`` (Babel's
    parser) reads them, with a regular-expression match per entry instead of several
    method calls per line: the gate reads twenty thousand catalogs.

    Only the common shape is read here: a text written entry by entry the usual way
    (``_ACTIVE_ENTRY``, ``_OBSOLETE_ENTRY``, blank lines between), with the usual
    comments, ``#|`` and ``#~|`` previous msgids, only the escapes Babel decodes. On
    anything else (plural entries, a missing msgstr, a duplicate, too many entries,
    another layout) it returns None, and the caller lets ``_Parser`` read the text,
    so that Babel decides and reports. tests/test_properties.py holds this reader
    and Babel's to the same entries.

    ``full=False``: what the gate reads (``PoEntry``) only: references, extracted
    comments and previous msgids are not filed (left empty), which is all they
    change; what would make Babel refuse the text still returns None."""
    found: list[Scanned] = []
    keys: set[str | tuple[str, str]] = set()
    pos, end, line = 0, len(text), 0
    while pos < end:
        if text[pos] == "\n":
            pos += 1
            line += 1
            continue
        obsolete = False
        match = _ACTIVE_ENTRY.match(text, pos)
        if match is None:
            match = _OBSOLETE_ENTRY.match(text, pos)
            obsolete = True
        if match is None or len(found) >= MAX_ENTRIES:
            return None
        comments, context, msgid, string = match.groups()
        locations: list[tuple[str, int | None]] = []
        flags: list[str] = []
        auto: list[str] = []
        user: list[str] = []
        previous: list[str] = []
        if comments:
            for comment in comments.split("\n")[:-1]:
                if not _comment(comment.strip(), locations, flags, auto, user, previous, full):
                    return None
        line += text.count("\n", pos, match.start(3))
        msgid = _strings(msgid, obsolete)
        if context is not None:
            context = _strings(context, obsolete)
        key = (msgid, context) if context is not None else msgid
        if msgid:
            if key in keys:  # Babel would keep one of the two: let it report
                return None
            keys.add(key)
        found.append(
            Scanned(
                msgid,
                _strings(string, obsolete),
                context,
                locations,
                flags,
                auto,
                user,
                previous,
                line + 1,
                obsolete,
                key,
            )
        )
        line += text.count("\n", match.start(3), match.end())
        pos = match.end()
    return found


def scan_entries(data: bytes, path: str) -> list[Scanned] | None:
    """Every entry of PO bytes, each comment filed as Babel's parser files it
    (``_scan_entries``); None where that reader leaves the text to Babel.
    ContentError if the bytes are no PO text careloc reads (see ``_text``)."""
    return _scan_entries(_text(data, path))


def _message(entry: Scanned) -> Message:
    """The Babel message ``_Parser`` makes of ``entry`` (flags as written, ``#|`` kept)."""
    message = Message(
        entry.msgid,
        entry.string,
        cast(Any, entry.locations),  # Babel keeps (path, None) for "#: path"
        entry.flags,
        entry.auto_comments,
        entry.user_comments,
        lineno=entry.lineno,
        context=entry.context,
    )
    if entry.msgid:  # as _Parser.add_message mends Babel's message (not the header's)
        message.flags = {f for f in entry.flags if f}
        context, message.previous_id = _previous(entry.previous)
        set_previous_context(message, context)
    return message


def _fill(catalog: PoCatalog, scanned: list[Scanned]) -> bool:
    """Put the scanned entries into ``catalog``; False if Babel cannot read its header."""
    for entry in scanned:
        message = _message(entry)
        if entry.obsolete:
            catalog.obsolete[entry.key] = message
        elif entry.msgid:
            put_message(catalog, entry.key, message)
        else:
            try:
                catalog[""] = message  # the header: Babel reads its fields
            except ValueError:
                return False
    return True


# -- the header ------------------------------------------------------------------------------
class HeaderFields(NamedTuple):
    """The header of a PO file as written."""

    fields: dict[str, str]
    """Each field's value by its lowercased name (the first, if repeated)."""
    lines: dict[str, int]
    """Each field's line by its lowercased name."""
    start: int | None
    """The line of the header's ``msgstr``: where a missing field belongs."""


_FIELD_NAME = re.compile(r"[A-Za-z][\w-]*")
_BREAKS_BUT_CR = "\v\f\x1c\x1d\x1e\x85\u2028\u2029"
"""The line breaks of ``str.splitlines`` other than ``\\n`` and ``\\r`` (which
before a ``\\n`` ends the same line)."""


def lines_of(text: str) -> Iterator[str]:
    """``text.splitlines()``, one line at a time: the header is read from the top of
    a file without splitting all the rest. (Each piece up to a ``\\n`` is split as
    ``splitlines`` would split it: a ``\\r`` before the ``\\n`` ends the same line.)"""
    pos, end = 0, len(text)
    while pos < end:
        stop = text.find("\n", pos)
        if stop < 0:
            stop = end
        piece = text[pos:stop]
        pos = stop + 1
        if piece.isprintable():  # one line: no break in it (nor a tab, which is rare)
            yield piece
            continue
        lines = piece.splitlines()
        if not lines or (stop < end and piece[-1] in _BREAKS_BUT_CR):
            lines.append("")  # the line between the piece's last break and the \n
        yield from lines


def read_header(text: str) -> HeaderFields:
    """The header fields of a PO text (the msgstr of its first entry, ``msgid ""``) as
    written, with the line of each, following fields that a writer wrapped over several
    lines: the one reading of a header careloc's checks and messages use (Babel reads
    it again for its catalog, and ``takes_header`` predicts that reading)."""
    pieces: list[tuple[int, str]] = []
    started = False
    start: int | None = None
    for lineno, raw in enumerate(lines_of(text), 1):
        line = raw.strip()
        if not started:
            if line.startswith("msgstr "):
                started = True
                start = lineno
                line = line[len("msgstr ") :].strip()
            elif line.startswith("msgid ") and line != 'msgid ""':
                break
            else:
                continue
        if not (line.startswith('"') and line.endswith('"') and len(line) >= 2):
            break
        pieces.append((lineno, unescape(line)))
    fields: dict[str, str] = {}
    lines: dict[str, int] = {}
    current: tuple[int, str] | None = None
    for lineno, piece in pieces:
        for part in piece.splitlines(keepends=True):
            first, buffer = current if current is not None else (lineno, "")
            buffer += part
            if not buffer.endswith("\n"):
                current = (first, buffer)
                continue
            current = None
            name, sep, value = buffer.partition(":")
            name = name.strip()
            if sep and _FIELD_NAME.fullmatch(name):
                name = name.lower()
                if name not in fields:
                    fields[name] = value.strip()
                    lines[name] = first
    return HeaderFields(fields, lines, start)


# -- what the gate reads --------------------------------------------------------------------
@dataclass(slots=True)
class PoEntry:
    """One entry of a PO file as the gate reads it: the fields of Babel's ``Message``
    that say what the entry is, without the bookkeeping Babel does on each one
    (a build reads twenty thousand files)."""

    context: str | None
    id: MessageText
    string: MessageText
    flags: set[str]
    user_comments: list[str]
    lineno: int | None

    @property
    def fuzzy(self) -> bool:
        return "fuzzy" in self.flags

    @classmethod
    def of(cls, message: Message) -> PoEntry:
        return cls(
            message.context,
            message.id,
            message.string if message.string is not None else "",
            message.flags,
            message.user_comments,
            message.lineno,
        )


@dataclass(frozen=True, slots=True)
class PoEntries:
    """The entries of one PO file: the active ones in file order (the header left
    out) and the obsolete (``#~``) ones."""

    messages: list[PoEntry]
    obsolete: list[PoEntry]

    @classmethod
    def of(cls, catalog: Catalog) -> PoEntries:
        return cls(
            [PoEntry.of(m) for m in entries(catalog)],
            [PoEntry.of(m) for m in catalog.obsolete.values()],
        )


def _entry(scanned: Scanned) -> PoEntry:
    user = scanned.user_comments
    if len(user) > 1:  # Babel collapses repeated comment lines
        user = [comment for comment, _ in groupby(user)]
    flags = {f for f in scanned.flags if f} if scanned.msgid else set(scanned.flags)
    return PoEntry(scanned.context, scanned.msgid, scanned.string, flags, user, scanned.lineno)


def read_entries(data: bytes, path: str) -> PoEntries:
    """The entries of PO bytes, as ``PoEntries.of(read_po(data, path))`` gives them
    (ContentError on the same input), without making a Babel catalog where the file
    is of the common shape and its header plainly written."""
    text = _text(data, path)
    scanned = _scan_entries(text, full=False)
    headers = (e.string for e in scanned or () if not e.msgid and not e.obsolete)
    if scanned is not None and all(takes_header(h) for h in headers):
        messages: dict[str | tuple[str, str], PoEntry] = {}
        obsolete: dict[str | tuple[str, str], PoEntry] = {}
        for entry in scanned:
            if entry.obsolete:
                obsolete[entry.key] = _entry(entry)
            elif entry.msgid:
                messages[entry.key] = _entry(entry)
        return PoEntries(list(messages.values()), list(obsolete.values()))
    if scanned is None:
        return PoEntries.of(_babel_po(text, path))
    return PoEntries.of(read_po(data, path))


_HEADER_LINE = re.compile(r"([!-9;-~]+):[ \t]*+([^\n]*)")
"""A header field as the email parser Babel uses reads it, when written plainly."""


def takes_header(string: str) -> bool:
    """True if Babel reads ``string`` as a catalog header without error (as
    ``Catalog[""] = Message("", string)`` does: its Language, dates and nplurals),
    found without the email parser when every field is a plain ``Name: value`` line;
    False if Babel would refuse it or if that is not certain (the caller then has
    Babel read it)."""
    lines = string.split("\n")
    if lines[-1] == "":
        lines.pop()
    if "\r" in string:
        return False
    fields = []
    for line in lines:
        match = _HEADER_LINE.fullmatch(line)
        if match is None:
            return False
        fields.append(match.groups())
    try:
        for name, value in fields:
            lname = name.lower()
            if lname == "language":
                value = value.replace("-", "_")
                if value:
                    _parse_locale(value)
            elif lname == "content-type":
                _separated(value)
            elif (
                lname == "plural-forms"
                and int(_separated(f" ;{value}").get("nplurals", 2)) > MAX_PLURALS
            ):
                return False  # read_po refuses it, and says where
    except Exception:  # whatever it is, Babel's own reading will say
        return False
    return True


@functools.lru_cache(maxsize=1024)
def _parse_locale(identifier: str) -> None:
    """Babel's reading of a Language header (an unknown locale is no error to Babel)."""
    with contextlib.suppress(UnknownLocaleError):
        Locale.parse(identifier)


_separated = functools.lru_cache(maxsize=1024)(parse_separated_header)
_datetime_header = functools.lru_cache(maxsize=4096)(parse_datetime_header)


def _check_syntax(lines: list[str], path: str) -> None:
    """Strings must be closed and keywords known; Babel alone accepts ``msgid "abc``."""
    for lineno, raw in enumerate(lines, 1):
        line = raw.strip()
        if line.startswith("#~"):
            line = line[2:].strip()
            if line.startswith("|"):
                continue
        elif line.startswith("#"):
            continue
        if not line:
            continue
        if _KEYWORD_LINE.match(line) or _CONTINUATION.match(line):
            for escape in _ESCAPE.finditer(line):
                if escape.group(1) not in _ESCAPES:
                    raise ContentError(
                        [
                            error(
                                "po-syntax",
                                f"unsupported escape sequence '{escape.group()}': only \\n, "
                                '\\t, \\r, \\" and \\\\ are allowed; write the character itself',
                                Location(path, lineno),
                            )
                        ]
                    )
            continue
        if (line.startswith(("msg", '"')) and line.count('"') % 2 == 1) or line.endswith('\\"'):
            message = "unterminated string"
        else:
            message = f"cannot parse line: {line[:60]!r}"
        raise ContentError([error("po-syntax", message, Location(path, lineno))])


def _text(data: bytes, path: str) -> str:
    """The text of PO bytes: bounded, strict UTF-8, no NUL."""
    if len(data) > MAX_PO_BYTES:
        raise ContentError([too_large(data, MAX_PO_BYTES, len(data), path)])
    text = decode_text(data, path)
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise ContentError([error("po-syntax", "NUL character", Location(path, line))])
    return text


def _bounded(catalog: PoCatalog, text: str, path: str) -> PoCatalog:
    """``catalog``, unless its header declares more plural forms than any language has
    (each plural entry would be that many strings long): ContentError at that line."""
    if catalog.num_plurals <= MAX_PLURALS:
        return catalog
    header = read_header(text)
    line = header.lines.get("plural-forms", header.start or 1)
    raise ContentError(
        [
            error(
                "header-plural-forms",
                f"nplurals={catalog.num_plurals}: no language has more than {MAX_PLURALS} "
                "plural forms",
                Location(path, line),
            )
        ]
    )


def read_po(data: bytes, path: str) -> PoCatalog:
    """Parse PO bytes; ContentError (with the file and line) if they are not a valid PO."""
    text = _text(data, path)
    scanned = _scan_entries(text)
    if scanned is not None:  # the usual layout, plainly written: no syntax to check
        catalog = PoCatalog(charset="utf-8")
        if _fill(catalog, scanned):
            return _bounded(catalog, text, path)
    return _babel_po(text, path)


def _babel_po(text: str, path: str) -> PoCatalog:
    """``read_po`` of ``text`` by Babel's parser alone: the reader of every file
    ``_scan_entries`` leaves, and the referee it is tested against."""
    # Lines end at "\n" only, as for GNU gettext and editors: str.splitlines() would also
    # break inside strings at U+2028, form feeds and other characters msgfmt accepts.
    lines = text.split("\n")
    _check_syntax(lines, path)
    catalog = PoCatalog(charset="utf-8")
    parser = _Parser(catalog, path)
    try:
        parser.parse(lines)
    except _TooManyPlurals:
        _bounded(catalog, text, path)
    except PoFileError as exc:
        message = _BABEL_LINE.sub("", str(exc))  # Babel appends its 0-based line number
        raise ContentError([error("po-syntax", message, Location(path, exc.lineno + 1))]) from None
    except (ValueError, IndexError) as exc:
        raise ContentError([error("po-syntax", str(exc), Location(path, 1))]) from None
    return catalog


def _previous_lines(message: Message, prefix: str) -> str:
    """The ``#|`` (``prefix``) lines of ``message``'s previous msgctxt, msgid and
    msgid_plural, wrapped as GNU gettext wraps them (Babel wraps them into invalid
    lines when long, and drops all but the msgid)."""
    if not message.previous_id:
        return ""
    fields = (
        [("msgctxt", previous_context(message))] if previous_context(message) is not None else []
    )
    fields += zip(("msgid", "msgid_plural"), message.previous_id, strict=False)
    return "".join(_field(f"{prefix} {keyword}", text) for keyword, text in fields)


def _field(keyword: str, text: str | None) -> str:
    """``keyword "text"``, the text wrapped to ``WIDTH`` columns; every continuation
    line starts with the prefix of ``keyword`` (``#~``, ``#|``) if it has one."""
    prefix, _, _ = keyword.rpartition(" ")
    # Babel's normalize() counts a prefix once per word: wrap to the width left, then prefix.
    lines = normalize(text or "", width=WIDTH - len(prefix) - 1 if prefix else WIDTH).split("\n")
    lead = f"{prefix} " if prefix else ""
    return f"{keyword} {lines[0]}\n" + "".join(f"{lead}{line}\n" for line in lines[1:])


def _with_previous(catalog: Catalog, chunks: Iterable[str]) -> Iterator[str]:
    """Insert ``#|`` lines before each entry's ``msgctxt`` or ``msgid``, where GNU
    gettext puts them."""
    messages = list(catalog)
    index = -1
    pending: str | None = None
    for chunk in chunks:
        if chunk.startswith("msgctxt "):
            pending = chunk
            continue
        if chunk.startswith("msgid "):
            index += 1
            if index < len(messages):
                yield _previous_lines(messages[index], "#|")
        if pending is not None:
            yield pending
            pending = None
        yield chunk


def _obsolete(message: Message) -> str:
    """An obsolete entry as ``msgmerge`` writes it: everything it had kept exactly
    (translator comments unwrapped, flags, ``#~|`` previous msgids), every string
    line prefixed ``#~``."""
    lines = [f"# {comment}\n" if comment else "#\n" for comment in message.user_comments]
    lines += [f"#. {comment}\n" for comment in message.auto_comments]
    if message.locations:
        lines.append(
            "#: "
            + " ".join(f"{path}:{line}" if line else path for path, line in message.locations)
            + "\n"
        )
    if message.flags:
        lines.append(f"#, {', '.join(sorted(message.flags))}\n")
    lines.append(_previous_lines(message, "#~|"))
    if message.context is not None:
        lines.append(_field("#~ msgctxt", message.context))
    if isinstance(message.id, list | tuple):
        lines.append(_field("#~ msgid", message.id[0]))
        lines.append(_field("#~ msgid_plural", message.id[1]))
        strings = message.string if isinstance(message.string, list | tuple) else [message.string]
        lines += [_field(f"#~ msgstr[{i}]", text) for i, text in enumerate(strings)]
    else:
        lines.append(_field("#~ msgid", message.id))
        lines.append(_field("#~ msgstr", cast(str, message.string or "")))
    return "".join(lines) + "\n"


def render_po(catalog: Catalog) -> bytes:
    """The PO text of ``catalog`` as UTF-8 bytes (Babel's layout, GNU-compatible)."""
    chunks = generate_po(catalog, width=WIDTH, include_previous=False, ignore_obsolete=True)
    text = "".join(_with_previous(catalog, chunks))
    return (text + "".join(map(_obsolete, catalog.obsolete.values()))).encode("utf-8")


def comment_words(comments: Iterable[str]) -> str:
    """Comments as a word sequence: writers wrap comment lines at different widths."""
    return " ".join(" ".join(comments).split())


def content_key(catalog: Catalog) -> tuple[Any, ...]:
    """What a catalog says, independent of line wrapping, for "would this file change?"."""
    headers = tuple((k, v) for k, v in catalog.mime_headers if k not in ("Generated-By",))

    def entry(m: Message) -> tuple[Any, ...]:
        return (
            m.context,
            m.id,
            m.string,
            tuple(sorted(m.flags)),
            comment_words(m.auto_comments),
            comment_words(m.user_comments),
            tuple(m.locations),
            tuple(m.previous_id or ()),
            previous_context(m),
        )

    return (
        comment_words(line.lstrip("#") for line in catalog.header_comment.splitlines()),
        catalog.fuzzy,
        headers,
        tuple(entry(m) for m in entries(catalog) if m.id),
        tuple(entry(m) for m in catalog.obsolete.values()),
    )
