"""Extract an article's translatable units into a gettext template (POT) catalog."""

from __future__ import annotations

import functools
import re
from datetime import datetime

from pipeline.model import Article, Unit, UnitKind
from pipeline.pofile import PoCatalog, comment_words, plain_message, scan_entries, takes_header

__all__ = ["PROJECT", "build_template", "says_template"]

PROJECT = "careloc"

_WHAT = {
    UnitKind.TITLE: "Article title.",
    UnitKind.CATEGORY: "Category the article is filed under.",
    UnitKind.HEADING: "Section heading.",
    UnitKind.PARAGRAPH: "Paragraph.",
    UnitKind.LIST_ITEM: "List item.",
}


def describe(unit: Unit, article: Article) -> list[str]:
    """The extracted comments (``#.``) that tell a translator what the unit is."""
    section = unit.key.split("/", 1)[0]
    if not unit.is_warning:
        where = f" Section '{section}'." if "/" in unit.key else ""
        return [_WHAT[unit.kind] + where]
    assert unit.severity is not None
    warning = next(w for w in article.warnings() if w.id == unit.warning_id)
    if unit.kind is UnitKind.WARNING_LEAD:
        part = "lead sentence"
    else:
        n = warning.red_flags.index(unit) + 1
        part = f"red-flag symptom {n} of {len(warning.red_flags)}"
    return [
        f"URGENT-CARE WARNING ({unit.severity.value}), {part} of warning '{unit.warning_id}'.",
        "Translate it completely and keep its urgency; a locale is not published "
        "while any warning part is missing, fuzzy or changed in meaning.",
    ]


def template_header_comment(article: Article) -> str:
    return (
        f"# Translation template for the careloc article '{article.id}'.\n"
        f"# Made by `careloc extract` from {article.path}.\n"
        "# Do not edit: change the source and extract again."
    )


def build_template(article: Article, version: str) -> PoCatalog:
    """The POT catalog for one article: one entry per unit, in document order."""
    catalog = PoCatalog(project=PROJECT, version=version, charset="utf-8", fuzzy=True)
    catalog.header_comment = template_header_comment(article)
    catalog.msgid_bugs_address = ""
    for unit in article.units():
        catalog[unit.text] = plain_message(
            unit.text,
            context=unit.key,
            locations=[(article.path, unit.location.line or 0)],
            auto_comments=describe(unit, article),
        )
    return catalog


# -- is a template on disk what ``build_template`` makes? -----------------------------------
_OWN_HEADERS = ("POT-Creation-Date:", "Generated-By:")
"""Header fields a template keeps from its last extraction (``content_key`` leaves
Generated-By out; the creation date is carried over before comparing)."""


@functools.lru_cache(maxsize=4)
def _header_lines(version: str) -> tuple[str, ...]:
    """The header fields of ``build_template``'s catalog but ``_OWN_HEADERS``, as written."""
    catalog = PoCatalog(project=PROJECT, version=version, charset="utf-8", fuzzy=True)
    catalog.msgid_bugs_address = ""
    fields = (f"{name}: {value}" for name, value in catalog.mime_headers)
    return tuple(line for line in fields if not line.startswith(_OWN_HEADERS))


def says_template(article: Article, data: bytes, path: str, version: str) -> bool:
    """True if ``data``, the template of ``article`` as read from ``path``, says what
    ``build_template(article, version)`` says (``content_key`` equal once the creation
    date is carried over), found from its text without making either catalog: the
    template of every article is compared with the source before the gate runs.

    Only the layout ``careloc extract`` writes is recognised here; False for any
    other (wrapped differently, a comment added, another header), and ``content_key``
    then decides. ContentError if the bytes are no PO text at all."""
    found = scan_entries(data, path)
    units = tuple(article.units())
    if not found or len(found) != len(units) + 1:
        return False
    header = found[0]
    if (
        header.msgid
        or header.obsolete
        or header.context is not None
        or header.flags != ["fuzzy"]
        or header.auto_comments
        or header.locations
        or header.previous
        or not _says_header(header.string, version)
    ):
        return False
    expected = template_header_comment(article).splitlines()
    written = (f"# {comment}".rstrip() for comment in header.user_comments)
    if comment_words(c.lstrip("#") for c in written) != comment_words(
        line.lstrip("#") for line in expected
    ):
        return False
    for unit, entry in zip(units, found[1:], strict=True):
        if (
            entry.obsolete
            or entry.context != unit.key
            or entry.msgid != unit.text
            or entry.string
            or any(entry.flags)
            or entry.user_comments
            or entry.previous
            or not unit.location.line
            or entry.locations != [(article.path, unit.location.line)]
            or comment_words(entry.auto_comments) != comment_words(describe(unit, article))
        ):
            return False
    return True


_DATE = re.compile(r"POT-Creation-Date: (\d{4}-\d\d-\d\d \d\d:\d\d)[+-]\d{4}")


def _written_date(line: str) -> bool:
    """A creation date as ``careloc extract`` writes it (one Babel reads as a date)."""
    match = _DATE.fullmatch(line)
    if match is None:
        return False
    try:
        datetime.strptime(match.group(1), "%Y-%m-%d %H:%M")
    except ValueError:
        return False
    return True


def _says_header(string: str, version: str) -> bool:
    """The header ``build_template`` writes, whatever its creation date (one Babel reads)."""
    lines = string.split("\n")
    if lines.pop() != "" or not takes_header(string):
        return False
    dates = [line for line in lines if line.startswith(_OWN_HEADERS[0])]
    generators = [line for line in lines if line.startswith(_OWN_HEADERS[1])]
    if len(dates) != 1 or len(generators) > 1 or not _written_date(dates[0]):
        return False
    kept = tuple(line for line in lines if not line.startswith(_OWN_HEADERS))
    return kept == _header_lines(version)
