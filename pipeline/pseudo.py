"""Pseudo-localization: a fake locale ``qps-ploc`` that shows layout and fallback problems
before real translations arrive.

Every unit becomes its English with accented letters, about 35% longer, between
``[!!`` and ``!!]``: ``Numbness`` -> ``[!! Ñûɱƀñéšš ļöŕéɱ !!]``. Text that is still
plain English on a page is text that bypassed the catalog; a cut-off bracket is a
layout that cannot take a longer language. Placeholders (``{x}``, ``%s``,
``%(x)s``), URLs, markup and numbers are kept exactly, so the pseudo catalog passes
every check of the gate. It builds like a draft locale when listed in
``locales/locales.yaml`` (as ``status: draft``) and is never published.
"""

from __future__ import annotations

import re

from babel.messages.catalog import Message

from pipeline.catalogs import Change, catalog_from_template, load_po, load_template, now
from pipeline.errors import UsageError
from pipeline.files import atomic_write
from pipeline.model import Article, error
from pipeline.pofile import PoCatalog, content_key, plain_message, render_po
from pipeline.project import PSEUDO_LOCALE, Project, to_bcp47

__all__ = ["CLOSE", "OPEN", "accent", "pseudo", "pseudo_text"]

EXPANSION = 0.35
"""How much longer pseudo text is than the English (German runs about 30% longer)."""
OPEN, CLOSE = "[!! ", " !!]"
PLURAL_FORMS = "nplurals=2; plural=(n != 1);"

_ACCENTED = str.maketrans(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
    "ÅƁÇÐÉƑĜĤÎĴĶĻṀÑÖÞǪŔŠŢÛṼŴẊÝŽáƀçðéƒĝĥîĵķļɱñöþǫŕšţûṽŵẋýž",
)
_FILLER = "ļöŕéɱ îƥšûɱ ðöļöŕ šîţ áɱéţ çöñšéçţéţûŕ áðîƥîšçîñĝ éļîţ šéð ðö éîûšɱöð ţéɱƥöŕ "

# Kept exactly: URLs, placeholders (str.format, %-format), markup tags and entities.
_KEEP = re.compile(
    r"(?:\b(?:https?|ftp)://|\bwww\.|\bmailto:)[^\s<>\"'«»]+"
    r"|%%|%(?:\([A-Za-z_]\w*\))?[-+#0]?\d*(?:\.\d+)?[sdifxXeEgGcr]"
    r"|\{(?:[A-Za-z_][\w.]*|\d+)?(?:![rsa])?(?::[^{}]*)?\}"
    r"|</?[A-Za-z][^<>]*>"
    r"|&(?:[A-Za-z][A-Za-z0-9]*|#\d+|#[xX][0-9A-Fa-f]+);",
    re.IGNORECASE,
)


def accent(text: str) -> str:
    """Latin letters accented, everything ``_KEEP`` matches left exactly as it is."""
    out = []
    end = 0
    for match in _KEEP.finditer(text):
        out.append(text[end : match.start()].translate(_ACCENTED))
        out.append(match.group(0))
        end = match.end()
    out.append(text[end:].translate(_ACCENTED))
    return "".join(out)


def padding(length: int) -> str:
    """``length`` characters of accented filler (no digits, so numbers stay the same)."""
    repeats = length // len(_FILLER) + 1
    return (_FILLER * repeats)[:length].rstrip()


def pseudo_text(text: str) -> str:
    """The pseudo-localized form of one English text.

    Surrounding whitespace stays outside the brackets (``msgfmt --check`` compares
    leading and trailing line breaks); the inside is accented and padded with filler
    to about 135% of the English length."""
    core = text.strip()
    if not core:
        return text
    lead = text[: len(text) - len(text.lstrip())]
    trail = text[len(text.rstrip()) :]
    extra = round(len(core) * EXPANSION)
    filler = padding(extra - 1) if extra > 1 else ""
    inside = accent(core) + (" " + filler if filler else "")
    return f"{lead}{OPEN}{inside}{CLOSE}{trail}"


# -- the catalog ----------------------------------------------------------------------------
def pseudo_catalog(article: Article, template: PoCatalog) -> PoCatalog:
    """The ``qps_ploc`` catalog of ``article``: every template entry, pseudo-translated."""
    catalog = catalog_from_template(
        template,
        PSEUDO_LOCALE,
        header_comment=(
            f"# Pseudo-localized catalog ({to_bcp47(PSEUDO_LOCALE)}) of the careloc article "
            f"'{article.id}'.\n"
            "# Written by `careloc pseudo` for layout testing; never published. Do not edit."
        ),
        revision_date=template.creation_date,
        last_translator="careloc pseudo <translators@careloc.invalid>",
        language_team=f"Pseudo-locale {to_bcp47(PSEUDO_LOCALE)} <translators@careloc.invalid>",
    )
    catalog.file_plural_forms = PLURAL_FORMS
    for message in template:
        if message.id:
            catalog[message.id] = _pseudo_message(message)
    return catalog


def _pseudo_message(message: Message) -> Message:
    string: str | tuple[str, ...]
    if isinstance(message.id, (list, tuple)):
        singular, plural = message.id[0], message.id[-1]
        string = (pseudo_text(singular), pseudo_text(plural))
    else:
        string = pseudo_text(message.id)
    return plain_message(
        message.id,
        string,
        context=message.context,
        locations=message.locations,
        auto_comments=message.auto_comments,
    )


def pseudo_code(raw: str | None) -> str:
    """The gettext name of the pseudo-locale asked for (``qps-ploc`` or ``qps_ploc``);
    UsageError for anything else."""
    code = (raw or PSEUDO_LOCALE).replace("-", "_")
    if code != PSEUDO_LOCALE:
        raise UsageError(
            [
                error(
                    "unknown-locale",
                    f"{raw!r} is not a pseudo-locale; the supported one is "
                    f"{to_bcp47(PSEUDO_LOCALE)}",
                )
            ]
        )
    return code


def pseudo(project: Project, locale: str | None = None) -> list[Change]:
    """Write ``locales/qps_ploc/LC_MESSAGES/<id>.po`` for every article from its template.

    Everything is read and made first, then written; a file whose content would not
    change is left alone (its revision date too)."""
    code = pseudo_code(locale)
    plans = []
    for article in sorted(project.articles, key=lambda a: a.id):
        template = load_template(project, article)
        path = project.po_path(code, article.id)
        # Not checked against the locale: a wrong header is simply rewritten.
        old = load_po(project, path) if path.exists() else None
        new = pseudo_catalog(article, template)
        if old is not None:
            new.revision_date = old.revision_date
            if content_key(old) != content_key(new):
                new.revision_date = now()
        else:
            new.revision_date = now()
        plans.append((path, new, old))
    changes = []
    for path, new, old in plans:
        if old is not None and content_key(old) == content_key(new):
            continue
        project.inside(path.parent)
        atomic_write(path, render_po(new))
        changes.append(Change(project.rel(path), "updated" if old is not None else "created"))
    return changes
