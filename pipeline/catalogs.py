"""The translator workflow over the project: extract templates, init and update PO files.

Every operation first reads and merges everything, then writes (``_planned``,
``_write_all``): a file whose content would stay the same is left alone (whoever last
wrapped it), dates move only with content, and nothing is written if any file is bad."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Message

from pipeline import __version__, parallel
from pipeline.babel_compat import key_for
from pipeline.cache import Cache
from pipeline.errors import ContentError, UsageError
from pipeline.extract import PROJECT, build_template, says_template
from pipeline.files import atomic_write, read_bounded, remove_leftover_temps
from pipeline.model import Article, Finding, Location, error
from pipeline.pofile import (
    MAX_PO_BYTES,
    MessageText,
    PoCatalog,
    content_key,
    plain_message,
    previous_context,
    read_header,
    read_po,
    render_po,
    translated,
)
from pipeline.project import (
    CONFIG_PATH,
    PSEUDO_LOCALE,
    Project,
    parse_locale,
    register_locale,
    source_date_epoch,
)

__all__ = [
    "Change",
    "catalog_from_template",
    "extract",
    "init",
    "load_po",
    "load_template",
    "merge",
    "new_catalog",
    "now",
    "stale_templates",
    "sync",
    "template_problems",
    "update",
]

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
    return parse_po(project, path, read_bytes(project, path), locale)


def read_bytes(project: Project, path: Path) -> bytes:
    """The bytes of a file of the project (refusing paths that lead outside it)."""
    project.inside(path)
    return read_bounded(path, MAX_PO_BYTES, project.rel(path))


def parse_po(project: Project, path: Path, data: bytes, locale: str | None = None) -> PoCatalog:
    """``load_po`` of bytes already read from ``path``."""
    catalog = read_po(data, project.rel(path))
    if locale is not None:
        declared = (catalog.raw_language or "").replace("-", "_")
        if declared != locale:
            header = read_header(data.decode("utf-8"))
            line = header.lines.get("language", header.start or 1)
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


@dataclass(frozen=True)
class _Write:
    """A file an operation will write once everything has been read and merged."""

    path: Path
    change: Change
    data: bytes


def _planned(
    project: Project, path: Path, catalog: PoCatalog, old: PoCatalog | None
) -> _Write | None:
    """The write that makes ``path`` say ``catalog``; None if it already says that."""
    if old is not None and content_key(old) == content_key(catalog):
        return None
    return _write(project, path, catalog, "updated" if old is not None else "created")


def _write(project: Project, path: Path, catalog: PoCatalog, action: str) -> _Write:
    return _Write(path, Change(project.rel(path), action), render_po(catalog))


def _write_all(project: Project, writes: Iterable[_Write], *, dry_run: bool) -> list[Change]:
    writes = list(writes)
    for write in writes:  # every destination checked before the first is written
        project.inside(write.path.parent)
    if not dry_run:
        for write in writes:
            atomic_write(write.path, write.data)
    return [write.change for write in writes]


def _gather(results: Iterable[tuple[list[_Write], list[Finding]]]) -> list[_Write]:
    """Every planned write, or ContentError with the problems of every file: nothing is
    written unless every file could be read."""
    writes: list[_Write] = []
    findings: list[Finding] = []
    for planned, problems in results:
        writes += planned
        findings += problems
    if findings:
        raise ContentError(findings)
    return writes


# -- extract -------------------------------------------------------------------------
EXTRACT_CACHE = "extract"
UPDATE_CACHE = "update"
CURRENT = b"current"
"""What the cache records for a template or PO file that an operation left unchanged."""


def extract(project: Project, *, dry_run: bool = False) -> list[Change]:
    """Write ``locales/templates/<id>.pot`` for every article whose units changed."""
    cache = Cache(project.root)
    articles = list(project.articles)
    results = parallel.map_ordered(
        _extract_one, (project, cache, articles), range(len(articles)), label="extract"
    )
    changes = _write_all(project, _gather(results), dry_run=dry_run)
    if not dry_run:
        _remove_leftovers(project.template_path(a.id) for a in articles)
    return changes


def _remove_leftovers(paths: Iterable[Path]) -> None:
    """Remove the temporary files a killed ``extract`` or ``update`` left beside ``paths``."""
    for directory in sorted({path.parent for path in paths}):
        remove_leftover_temps(directory, (".po", ".pot"))


def _extract_one(
    state: tuple[Project, Cache, list[Article]], index: int
) -> tuple[list[_Write], list[Finding]]:
    project, cache, articles = state
    return extract_article(project, cache, articles[index])


STALE_TEMPLATE = (
    "template is out of date with the source (the English changed); run `careloc extract` "
    "(or `careloc sync`: extract, then update)"
)
MISSING_TEMPLATE = "no template for this article; run `careloc extract` (or `careloc sync`)"


def template_problems(project: Project, cache: Cache, article: Article) -> list[Finding]:
    """Why the template of ``article`` cannot be used as it is: it cannot be read, or
    it is out of date with the source (translators have to have seen what is
    published). Empty if it is current."""
    writes, findings = extract_article(project, cache, article)
    return findings + [_stale(write) for write in writes]


def _stale(write: _Write) -> Finding:
    if write.change.action == "created":
        return error("no-template", MISSING_TEMPLATE, Location(write.change.path))
    return error("stale-template", STALE_TEMPLATE, Location(write.change.path))


def stale_templates(project: Project) -> list[Finding]:
    """The templates that ``careloc extract`` would write differently today (compared
    by content, never by date), or that it cannot read: one finding each, empty if
    every template is current. Every command that reads templates asks this first.

    Cheap when nothing changed: a template found current for the same article digest
    and template bytes is not made again (the ``extract`` cache), so this costs a
    read and a hash per template."""
    cache = Cache(project.root)
    articles = [a for a in project.articles if not _known_current(project, cache, a)]
    results = parallel.map_ordered(
        _template_problems, (project, cache, articles), range(len(articles)), label="templates"
    )
    return [finding for problems in results for finding in problems]


def _known_current(project: Project, cache: Cache, article: Article) -> bool:
    """True if the cache says the template of ``article`` on disk is current (a read
    and a hash, no template made; errors are left to ``template_problems``)."""
    path = project.template_path(article.id)
    if not cache.enabled or not path.is_file():
        return False
    try:
        data = read_bytes(project, path)
    except ContentError:
        return False
    key = cache.key(EXTRACT_CACHE, project.article_digest(article), data)
    return cache.get(EXTRACT_CACHE, key) == CURRENT


def _template_problems(state: tuple[Project, Cache, list[Article]], index: int) -> list[Finding]:
    project, cache, articles = state
    return template_problems(project, cache, articles[index])


def extract_article(
    project: Project, cache: Cache, article: Article
) -> tuple[list[_Write], list[Finding]]:
    """The write that brings the template of ``article`` up to date (none if it is),
    or the problems that prevent it."""
    path = project.template_path(article.id)
    try:
        data = read_bytes(project, path) if path.exists() else None
        key = None
        if data is not None and cache.enabled:
            key = cache.key(EXTRACT_CACHE, project.article_digest(article), data)
            if cache.get(EXTRACT_CACHE, key) == CURRENT:
                return [], []
        if data is not None and says_template(article, data, project.rel(path), __version__):
            old, new = None, None  # current, found without making the catalogs
        else:
            new = build_template(article, __version__)
            old = parse_po(project, path, data) if data is not None else None
    except ContentError as exc:
        return [], exc.findings
    if new is not None:  # the keys compared once: the creation date is carried over first
        if old is not None:
            new.creation_date = old.creation_date
        if old is None or content_key(old) != content_key(new):
            new.creation_date = now()
            return [_write(project, path, new, "updated" if old is not None else "created")], []
    if key is not None:
        cache.put(EXTRACT_CACHE, key, CURRENT)
    return [], []


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


def sync(project: Project) -> list[Change]:
    """``extract``, then ``update`` of every configured locale: what an editor runs after
    changing the English. Each step leaves alone the files it would not change."""
    changes = extract(project)
    return changes + update(project, project.target_locales())


# -- init ----------------------------------------------------------------------------
def po_header_comment(locale: Locale, article_id: str) -> str:
    return (
        f"# {locale.english_name} translation of the careloc article '{article_id}'.\n"
        "# Translate the msgstr lines; `careloc update` merges changes to the English."
    )


def catalog_from_template(
    template: PoCatalog,
    locale: Locale | str,
    *,
    header_comment: str,
    revision_date: datetime.datetime | str,
    last_translator: str,
    language_team: str,
) -> PoCatalog:
    """An empty PO catalog for ``locale`` whose header follows ``template``."""
    catalog = PoCatalog(
        locale=locale,
        project=PROJECT,
        version=template.version,
        charset="utf-8",
        fuzzy=False,
        creation_date=template.creation_date,
        revision_date=revision_date,
        last_translator=last_translator,
        language_team=language_team,
    )
    catalog.msgid_bugs_address = template.msgid_bugs_address
    catalog.header_comment = header_comment
    return catalog


def new_catalog(code: str, article: Article, template: PoCatalog) -> PoCatalog:
    """A fresh, untranslated PO catalog for one locale, like ``msginit`` makes."""
    locale = parse_locale(code)
    catalog = catalog_from_template(
        template,
        locale,
        header_comment=po_header_comment(locale, article.id),
        revision_date=now(),
        last_translator=LAST_TRANSLATOR,
        language_team=f"{locale.english_name} <translators@careloc.invalid>",
    )
    for message in template:
        if message.id:
            catalog[message.id] = _merged(None, message)
    return catalog


def init(project: Project, code: str) -> list[Change]:
    """Create ``locales/<code>/LC_MESSAGES/<id>.po`` for every article and register the
    locale in ``locales/locales.yaml`` as ``draft`` (comments and order kept) unless it
    is listed there already; never overwrite a PO file.

    ``code`` may be written gettext-style (``pt_BR``) or as BCP 47 (``pt-BR``); the
    directory is always gettext-style."""
    code = code.replace("-", "_")
    try:
        parse_locale(code)
    except ValueError as exc:
        raise UsageError([error("unknown-locale", str(exc))]) from None
    if code == project.config.source_locale:
        raise UsageError([error("source-locale", f"{code!r} is the source locale")])
    if code == PSEUDO_LOCALE:
        raise UsageError([error("pseudo-locale", f"{code!r} is made by `careloc pseudo`")])
    config: list[_Write] = []
    registered = project.config.policy(code) is not None  # and only its files were lost
    if not registered:
        config_path = project.root / CONFIG_PATH
        text = read_bytes(project, config_path).decode("utf-8")
        config.append(
            _Write(
                config_path,
                Change(CONFIG_PATH, "updated"),
                register_locale(text, code).encode("utf-8"),
            )
        )
    planned = []
    for article in project.articles:
        path = project.po_path(code, article.id)
        if path.exists():
            raise ContentError(
                [
                    error(
                        "exists",
                        "PO file already exists; use `careloc update` to merge changes"
                        if registered
                        else f"PO file already exists, but {code!r} is not in {CONFIG_PATH}: "
                        f"add `- {{code: {code}, status: draft}}` to its `locales:` list",
                        Location(project.rel(path)),
                    )
                ]
            )
        planned.append((path, new_catalog(code, article, load_template(project, article))))
    writes = [_planned(project, path, catalog, None) for path, catalog in planned]
    # The PO files first: a locale is registered only once its files are there.
    return _write_all(project, [*(w for w in writes if w is not None), *config], dry_run=False)


# -- update --------------------------------------------------------------------------
def _merged(old: Message | None, new: Message, plurals: int = 2) -> Message:
    """The entry for template message ``new`` given the translator's entry ``old``
    (current, or obsolete and revived: it comes back as it left, fuzzy if it was).
    An entry that gains or loses its plural takes the first form, or the one form for
    each of ``plurals``, as msgmerge does (fuzzy: its msgid changed)."""
    if old is None or not translated(old):
        return plain_message(
            new.id,
            context=new.context,
            locations=new.locations,
            auto_comments=new.auto_comments,
            user_comments=old.user_comments if old else (),
        )
    flags = set(old.flags)
    previous: list[str] | None = list(old.previous_id) or None
    context = previous_context(old)
    if old.id != new.id:
        # Keep the English the translation was made for, so the translator sees the diff.
        if not ("fuzzy" in flags and previous):
            previous, context = _as_list(old.id), None
        flags.add("fuzzy")
    if "fuzzy" not in flags or (previous == _as_list(new.id) and context in (None, new.context)):
        previous = context = None
    string: MessageText = old.string or ""
    if isinstance(new.id, str) and not isinstance(string, str):
        string = string[0] if string else ""
    elif not isinstance(new.id, str) and isinstance(string, str):
        string = (string,) * plurals
    return plain_message(
        new.id,
        string,
        context=new.context,
        locations=new.locations,
        flags=flags,
        auto_comments=new.auto_comments,
        user_comments=old.user_comments,
        previous_id=previous,
        previous_context=context,
    )


def _as_list(msgid: MessageText) -> list[str]:
    """A msgid as Babel's ``previous_id`` holds one: ``[msgid]`` or ``[msgid, plural]``."""
    return [msgid] if isinstance(msgid, str) else list(msgid)


def _match(candidates: list[Message], msgid: MessageText) -> Message | None:
    """Take the entry a template message continues from ``candidates`` (the entries of
    its msgctxt): a translation of exactly this English if there is one (it may be an
    obsolete entry, revived; a current one rather than a fuzzy one), else the current
    entry."""
    for fuzzy in (False, True):
        for i, message in enumerate(candidates):
            if message.id == msgid and translated(message) and message.fuzzy == fuzzy:
                return candidates.pop(i)
    return candidates.pop(0) if candidates else None


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
    # Every entry of each msgctxt, the current one first, then obsolete ones (a unit
    # removed, added back with other English and removed again has several).
    previous = [*(m for m in po if m.id), *po.obsolete.values()]
    entries: dict[str | None, list[Message]] = {}
    for message in previous:
        entries.setdefault(message.context, []).append(message)
    taken = set()
    for new in template:
        if not new.id:
            continue
        old = _match(entries.get(new.context, []), new.id)
        taken.add(id(old))
        merged[new.id] = _merged(old, new, po.num_plurals)
    # Removed units keep their translation as obsolete entries (#~), with everything
    # msgmerge keeps: translator comments, flags (fuzzy above all) and the previous
    # English (#~|). Nothing is lost, and nothing comes back as current that was not.
    for old in previous:
        if translated(old) and id(old) not in taken:
            merged.obsolete[key_for(merged, old.id, old.context)] = plain_message(
                old.id,
                old.string or "",
                context=old.context,
                flags=old.flags,
                user_comments=old.user_comments,
                previous_id=old.previous_id or None,
                previous_context=previous_context(old),
            )
    return merged


def po_files(project: Project, codes: list[str]) -> Iterator[tuple[str, Article, Path]]:
    for code in codes:
        for article in project.articles:
            yield code, article, project.po_path(code, article.id)


def update(project: Project, codes: list[str], *, check: bool = False) -> list[Change]:
    """Merge each template into each locale's PO (creating missing ones); with
    ``check`` write nothing and report what would change.

    Each template is read once for all locales; articles are merged on every core;
    a PO file found current for the same template bytes before is not parsed again
    (``pipeline.cache``). Changes are reported locale by locale, article by article."""
    codes = [c for c in codes if c != PSEUDO_LOCALE]  # `careloc pseudo` rewrites it whole
    cache = Cache(project.root)
    articles = list(project.articles)
    results = parallel.map_ordered(
        _update_article, (project, cache, articles, codes), range(len(articles)), label="update"
    )
    writes = _gather(results)
    order = {(code, a.id): n for n, (code, a, _) in enumerate(po_files(project, codes))}
    writes.sort(key=lambda w: order[w.path.parent.parent.name, w.path.stem])
    changes = _write_all(project, writes, dry_run=check)
    if not check:
        _remove_leftovers(path for _, _, path in po_files(project, codes))
    return changes


def _update_article(
    state: tuple[Project, Cache, list[Article], list[str]], index: int
) -> tuple[list[_Write], list[Finding]]:
    """Merge one article's template into its PO file of every locale."""
    project, cache, articles, codes = state
    article = articles[index]
    template_path = project.template_path(article.id)
    writes: list[_Write] = []
    try:
        if not template_path.exists():
            load_template(project, article)  # raises the no-template finding
        template_data = read_bytes(project, template_path)
        template: PoCatalog | None = None
        for code in codes:
            path = project.po_path(code, article.id)
            data = read_bytes(project, path) if path.exists() else None
            key = None
            if data is not None and cache.enabled:
                key = cache.key(UPDATE_CACHE, code, template_data, data)
                if cache.get(UPDATE_CACHE, key) == CURRENT:
                    continue
            if template is None:
                template = parse_po(project, template_path, template_data)
            if data is None:
                created = _planned(project, path, new_catalog(code, article, template), None)
                assert created is not None  # a new file is always written
                writes.append(created)
                continue
            po = parse_po(project, path, data, code)
            write = _planned(project, path, merge(po, template), po)
            if write is not None:
                writes.append(write)
            elif key is not None:
                cache.put(UPDATE_CACHE, key, CURRENT)
    except ContentError as exc:
        return [], exc.findings
    return writes, []
