"""The translator workflow over the project: extract templates, init and update PO files.

Every write goes through ``_write_if_changed``: a file whose content would stay the
same is left alone (whoever last wrapped it), and dates move only with content."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Message

from pipeline import __version__
from pipeline.errors import ContentError, UsageError
from pipeline.extract import PROJECT, build_template
from pipeline.files import atomic_write
from pipeline.model import Article, Location, error
from pipeline.pofile import (
    MessageText,
    PoCatalog,
    content_key,
    plain_message,
    read_po,
    render_po,
)
from pipeline.progress import track
from pipeline.project import PSEUDO_LOCALE, Project, parse_locale, source_date_epoch

LAST_TRANSLATOR = "careloc translators <translators@careloc.invalid>"


def now() -> datetime.datetime:
    """The timestamp for a changed file: ``SOURCE_DATE_EPOCH`` if set, else the clock."""
    epoch = source_date_epoch()
    if epoch is not None:
        return datetime.datetime.fromtimestamp(epoch, datetime.UTC)
    return datetime.datetime.now(datetime.UTC).replace(second=0, microsecond=0)


@dataclass(frozen=True)
class Change:
    """One file an operation wrote (or, with ``check``, would write)."""

    path: str
    action: str  # "created" | "updated"


def load_po(project: Project, path: Path, locale: str | None = None) -> PoCatalog:
    """Read a PO/POT file of the project; with ``locale``, its ``Language`` header must
    name that locale (a file copied into the wrong directory would publish the wrong
    language)."""
    project.inside(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ContentError(
            [error("unreadable", exc.strerror or str(exc), Location(project.rel(path)))]
        ) from None
    catalog = read_po(data, project.rel(path))
    if locale is not None:
        declared = (catalog.raw_language or "").replace("-", "_")
        if declared != locale:
            line = next(
                (
                    n
                    for n, text in enumerate(data.splitlines(), 1)
                    if text.startswith(b'"Language:')
                ),
                1,
            )
            raise ContentError(
                [
                    error(
                        "header-language",
                        f"Language header is {declared or 'missing'!r} but the file is in "
                        f"locales/{locale}/",
                        Location(project.rel(path), line),
                    )
                ]
            )
    return catalog


def _write_if_changed(
    project: Project, path: Path, catalog: PoCatalog, old: PoCatalog | None, *, dry_run: bool
) -> Change | None:
    if old is not None and content_key(old) == content_key(catalog):
        return None
    change = Change(project.rel(path), "updated" if old is not None else "created")
    if not dry_run:
        project.inside(path.parent)
        atomic_write(path, render_po(catalog))
    return change


# -- extract -------------------------------------------------------------------------
def extract(project: Project, *, dry_run: bool = False) -> list[Change]:
    """Write ``locales/templates/<id>.pot`` for every article whose units changed."""
    changes = []
    for article in project.articles:
        path = project.template_path(article.id)
        new = build_template(article, __version__)
        old = load_po(project, path) if path.exists() else None
        if old is not None:
            new.creation_date = old.creation_date
            if content_key(old) != content_key(new):
                new.creation_date = now()
        else:
            new.creation_date = now()
        change = _write_if_changed(project, path, new, old, dry_run=dry_run)
        if change:
            changes.append(change)
    return changes


def load_template(project: Project, article: Article) -> PoCatalog:
    path = project.template_path(article.id)
    if not path.exists():
        raise ContentError(
            [
                error(
                    "no-template",
                    f"no template for article {article.id!r}; run `careloc extract`",
                    Location(project.rel(path)),
                )
            ]
        )
    return load_po(project, path)


# -- init ----------------------------------------------------------------------------
def po_header_comment(locale: Locale, article_id: str) -> str:
    return (
        f"# {locale.english_name} translation of the careloc article '{article_id}'.\n"
        "# Translate the msgstr lines; `careloc update` merges changes to the English."
    )


def new_catalog(code: str, article: Article, template: PoCatalog) -> PoCatalog:
    """A fresh, untranslated PO catalog for one locale, like ``msginit`` makes."""
    locale = parse_locale(code)
    catalog = PoCatalog(
        locale=locale,
        project=PROJECT,
        version=template.version,
        charset="utf-8",
        fuzzy=False,
        creation_date=template.creation_date,
        revision_date=now(),
        last_translator=LAST_TRANSLATOR,
        language_team=f"{locale.english_name} <translators@careloc.invalid>",
    )
    catalog.msgid_bugs_address = template.msgid_bugs_address
    catalog.header_comment = po_header_comment(locale, article.id)
    for message in template:
        if message.id:
            catalog[message.id] = _merged(None, message)
    return catalog


def init(project: Project, code: str) -> list[Change]:
    """Create ``locales/<code>/LC_MESSAGES/<id>.po`` for every article; never overwrite."""
    try:
        parse_locale(code)
    except ValueError as exc:
        raise UsageError([error("unknown-locale", str(exc))]) from None
    if code == project.config.source_locale:
        raise UsageError([error("source-locale", f"{code!r} is the source locale")])
    if code == PSEUDO_LOCALE:
        raise UsageError([error("pseudo-locale", f"{code!r} is made by `careloc pseudo`")])
    planned = []
    for article in project.articles:
        path = project.po_path(code, article.id)
        if path.exists():
            raise ContentError(
                [
                    error(
                        "exists",
                        "PO file already exists; use `careloc update` to merge changes",
                        Location(project.rel(path)),
                    )
                ]
            )
        planned.append((path, new_catalog(code, article, load_template(project, article))))
    changes = []
    for path, catalog in planned:
        change = _write_if_changed(project, path, catalog, None, dry_run=False)
        assert change is not None
        changes.append(change)
    return changes


# -- update --------------------------------------------------------------------------
def _merged(old: Message | None, new: Message) -> Message:
    """The entry for template message ``new`` given the translator's entry ``old``."""
    if old is None or not old.string:
        return plain_message(
            new.id,
            context=new.context,
            locations=new.locations,
            auto_comments=new.auto_comments,
            user_comments=old.user_comments if old else (),
        )
    flags = set(old.flags)
    previous: MessageText | None = old.previous_id[0] if old.previous_id else None
    if old.id != new.id:
        # Keep the msgid the translation was made for, so the translator sees the diff.
        if not ("fuzzy" in flags and previous):
            previous = old.id
        flags.add("fuzzy")
    if "fuzzy" not in flags or previous == new.id:
        previous = None
    return plain_message(
        new.id,
        old.string,
        context=new.context,
        locations=new.locations,
        flags=flags,
        auto_comments=new.auto_comments,
        user_comments=old.user_comments,
        previous_id=previous,
    )


def merge(po: PoCatalog, template: PoCatalog) -> PoCatalog:
    """Merge ``template`` into a copy of ``po``, matching entries by ``msgctxt``."""
    merged = PoCatalog(charset="utf-8")
    merged.mime_headers = po.mime_headers
    merged.header_comment = po.header_comment
    merged.fuzzy = po.fuzzy
    merged.extra_headers = list(po.extra_headers)
    merged.file_plural_forms = po.file_plural_forms
    merged.generated_by = po.generated_by
    merged.creation_date = template.creation_date
    current = {m.context: m for m in po if m.id}
    obsolete = {m.context: m for m in po.obsolete.values()}
    for new in template:
        if not new.id:
            continue
        old = current.pop(new.context, None) or obsolete.pop(new.context, None)
        merged[new.id] = _merged(old, new)
    # Removed units keep their translation as obsolete entries (#~); nothing is lost.
    for old in [*current.values(), *obsolete.values()]:
        if old.string:
            merged.obsolete[merged._key_for(old.id, old.context)] = plain_message(
                old.id, old.string, context=old.context, user_comments=old.user_comments
            )
    return merged


def po_files(project: Project, codes: list[str]) -> Iterator[tuple[str, Article, Path]]:
    for code in codes:
        for article in project.articles:
            yield code, article, project.po_path(code, article.id)


def update(project: Project, codes: list[str], *, check: bool = False) -> list[Change]:
    """Merge each template into each locale's PO (creating missing ones); with
    ``check`` write nothing and report what would change."""
    plans: list[tuple[Path, PoCatalog | None, PoCatalog]] = []
    codes = [c for c in codes if c != PSEUDO_LOCALE]  # `careloc pseudo` rewrites it whole
    for code, article, path in track(
        list(po_files(project, codes)), "update", describe=lambda p: f"{p[0]}/{p[1].id}"
    ):
        template = load_template(project, article)
        if path.exists():
            po = load_po(project, path, code)
            plans.append((path, po, merge(po, template)))
        else:
            plans.append((path, None, new_catalog(code, article, template)))
    changes = []
    for path, old, merged in plans:
        change = _write_if_changed(project, path, merged, old, dry_run=check)
        if change:
            changes.append(change)
    return changes
