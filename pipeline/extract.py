"""Extract an article's translatable units into a gettext template (POT) catalog."""

from __future__ import annotations

from pipeline.model import Article, Unit, UnitKind
from pipeline.pofile import PoCatalog, plain_message

__all__ = ["PROJECT", "build_template"]

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
