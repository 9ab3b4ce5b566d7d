"""``careloc build``: gate, render, verify and write the per-locale site in one atomic step.

The recipe reads top to bottom: gather everything (articles, templates, the gate's
verdicts), render every page that may be published, read each page back and verify
its warnings, then write the whole output directory beside the old one and swap it
in. Nothing is written until everything has passed; a failure or an interrupt leaves
the previous build as it was.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from pipeline import catalogs, gate, parallel
from pipeline.cache import Cache
from pipeline.dashboard import PAGE as DASHBOARD
from pipeline.dashboard import render_dashboard
from pipeline.errors import ContentError
from pipeline.export import (
    BUNDLE_SCHEMA,
    PagePaths,
    RenderedPage,
    Renderer,
    dump_json,
)
from pipeline.files import (
    FileInfo,
    exchange,
    exclusive_lock,
    is_real_dir,
    read_bounded,
    remove_tree,
    write_new,
)
from pipeline.incremental import pages as page_records
from pipeline.incremental import verdicts as verdict_records
from pipeline.incremental.fragments import DASHBOARD as DASHBOARD_FRAGMENTS
from pipeline.incremental.fragments import INDEX as INDEX_FRAGMENT
from pipeline.incremental.fragments import Fragments
from pipeline.incremental.pages import PageRecord, PageStore
from pipeline.incremental.prune import prune
from pipeline.incremental.verdicts import ArticleVerdicts, Detached, Pending
from pipeline.model import Article, Finding, Location, error, visible
from pipeline.project import PSEUDO_LOCALE, LocalePolicy, Project, to_bcp47
from pipeline.schema import read_schema, validator
from pipeline.ui import load_ui
from pipeline.verdict import Verdict, translations_digest
from pipeline.verify import expected_warnings, verify_bundle, verify_html

__all__ = [
    "LOCK_SUFFIX",
    "MANIFEST",
    "TEMP_PREFIX",
    "BuildResult",
    "FileInfo",
    "LocaleOutcome",
    "build",
]

DEFAULT_OUT = "dist"
MANIFEST = "manifest.json"
INDEX = "index.html"
TEMP_PREFIX = ".dist-"
LOCK_SUFFIX = ".lock"
PSEUDO_REASON = (
    f"pseudo-locale: built under {to_bcp47(PSEUDO_LOCALE)}/ for layout testing, never published"
)
#: Project parts an output directory may never replace or sit inside.
PROTECTED = ("source", "locales", "schemas", "pipeline", ".git")


@dataclass(frozen=True)
class LocaleOutcome:
    """Whether one locale was exported (for every article) and, if not, why."""

    code: str
    status: str  # "source" | "published" | "draft"
    published: bool
    reasons: tuple[str, ...] = ()

    @property
    def bcp47(self) -> str:
        return to_bcp47(self.code)

    @property
    def failing(self) -> bool:
        """A ``published`` locale that was withheld fails the build; a draft never does."""
        return self.status == "published" and not self.published

    def as_dict(self) -> dict[str, object]:
        return {"status": self.status, "published": self.published, "reasons": list(self.reasons)}


@dataclass(frozen=True)
class BuildResult:
    out: Path
    locales: tuple[LocaleOutcome, ...]
    files: Mapping[str, FileInfo] = field(repr=False)
    findings: tuple[Finding, ...] = ()
    kept: bool = False
    """Not one file would have changed: the previous output was left as it was."""

    @property
    def failed(self) -> bool:
        return any(outcome.failing for outcome in self.locales)

    def summary(self) -> list[str]:
        """One line per locale, then where the files went."""
        lines = []
        for o in self.locales:
            name = o.bcp47 if o.status == "published" else f"{o.bcp47} ({o.status})"
            if o.published:
                lines.append(f"{name}: published")
            elif o.code == PSEUDO_LOCALE:
                lines.append(f"{o.bcp47}: {'; '.join(o.reasons)}")
            else:
                lines.append(f"{name}: withheld: {'; '.join(o.reasons)}")
        if self.kept:
            lines.append(f"{self.out} is up to date ({len(self.files)} files, none changed)")
        else:
            lines.append(f"wrote {len(self.files)} files to {self.out}")
        return [visible(line) for line in lines]  # reasons quote untrusted files


# -- the recipe -------------------------------------------------------------------------------
def build(project: Project, out: Path | None = None, codes: list[str] | None = None) -> BuildResult:
    """Build the site into ``out`` (default ``<project>/dist``) for the source locale and
    the target locales ``codes`` (default: all). Raises ContentError, writing nothing,
    if the source or the output directory is unusable, or if another build is writing
    the same output directory (``DIR.lock`` beside it is held while a build runs)."""
    target = output_dir(project, out, whole=False)  # where the lock goes
    target.parent.mkdir(parents=True, exist_ok=True)
    lock = target.with_name(target.name + LOCK_SUFFIX)
    with exclusive_lock(lock, project.rel(lock)):
        clean_leftovers(target)
        return _build(project, output_dir(project, out), codes)


def _build(project: Project, target: Path, codes: list[str] | None) -> BuildResult:
    """``build`` into ``target`` once it is locked."""
    # 1. Gather what every article shares before anything is rendered.
    articles = sorted(project.articles, key=lambda a: a.id)
    source = project.config.source_locale
    wanted = project.target_locales(codes)
    policies = [p for p in project.config.locales if p.code in wanted]
    schema = project.schema(BUNDLE_SCHEMA)
    validator(schema)  # unreadable schema: stop now, not after rendering
    pairs = [(policy, article) for article in articles for policy in policies]
    cache = Cache(project.root)

    # 2 + 3. Articles are independent: each is built on its own, on every core, from its
    # template check and the gate's verdicts to its pages, rendered, read back and
    # written straight into the new output directory (a page whose inputs are
    # unchanged is taken from the previous build: ``PageStore``). Results are combined
    # in article order, so the output is the same whatever the number of workers.
    renderer = Renderer({p.code: p.emergency_number for p in policies if p.emergency_number})
    reasons: dict[str, list[str]] = {p.code: [] for p in policies}
    staging = new_staging(target)
    links: _Links | None = None
    try:
        job = _BuildRun(
            project,
            articles,
            policies,
            gate.new_run(project, pairs, prune=codes is None),
            cache,
            source,
            schema,
            renderer,
            PageStore(cache, read_schema(schema), target, MANIFEST),
            staging,
        )
        verdicts: dict[tuple[str, str], Verdict | Pending] = {}

        def arrived(index: int, result: _ArticleOutput) -> None:
            if result.verdicts is not None and not result.template and not result.fatal:
                # Their translations stayed behind (only their sha256 crossed); only their
                # findings are read now, the rest if the dashboard needs it.
                for verdict in result.verdicts.pending(policies, articles[index]):
                    verdicts[verdict.policy.code, articles[index].id] = verdict

        results = parallel.map_ordered(
            _build_article, job, range(len(articles)), label="build", arrived=arrived
        )
        problems = [f for result in results for f in result.template]
        if problems:  # translators have to have seen what is published
            raise ContentError(problems)
        if any(r.written for r in results):  # the output changes: link while laying out
            links = _Links(job.pages.previous, staging, [r for x in results for r in x.links])
        verdict_keys: dict[tuple[str, str], str] = {}
        exported: list[tuple[Article, list[str]]] = []
        files: dict[str, FileInfo] = {}
        withheld: list[tuple[tuple[str, str], list[str]]] = []
        for article, result in zip(articles, results, strict=True):
            if result.fatal:
                raise ContentError(result.fatal)
            assert result.verdicts is not None
            for policy, key in zip(policies, result.verdicts.keys, strict=True):
                verdict_keys[policy.code, article.id] = key
            for code, reason in result.reasons:
                reasons[code].append(reason)
            withheld += [((code, article.id), problems) for code, problems in result.withheld]
            exported.append((article, result.exported))
            files.update(result.files)
        ordered = [verdicts[key] for key in sorted(verdicts)]  # by locale, then article
        findings = [f for v in ordered for f in v.findings]
        findings += [_withheld_finding(project, verdicts[key], found) for key, found in withheld]
        for code in [source, *(p.code for p in policies)]:
            findings += load_ui(code, source).findings

        # 4. Lay out the remaining files, then the manifest that lists them all.
        fragments = Fragments(cache) if cache.enabled else None
        extra: dict[str, bytes] = {
            DASHBOARD: render_dashboard(ordered, fragments=fragments, keys=verdict_keys).encode(),
            INDEX: _index(renderer, exported, fragments, project.article_digest),
        }
        if fragments is not None:
            # Every entry of these kinds this build did not use goes; the verdicts only
            # if every locale was asked for.
            used: dict[str, Iterable[str | None]] = {
                page_records.KIND: [job.pages.entry(project.article_digest(a)) for a in articles],
                DASHBOARD_FRAGMENTS: fragments.used[DASHBOARD_FRAGMENTS],
                INDEX_FRAGMENT: fragments.used[INDEX_FRAGMENT],
            }
            if codes is None:
                entries = [result.verdicts.entry for result in results if result.verdicts]
                used |= {verdict_records.KIND: entries, verdict_records.TRANSLATIONS: entries}
            prune(cache, used)
        if PSEUDO_LOCALE in reasons:
            reasons[PSEUDO_LOCALE].insert(0, PSEUDO_REASON)
        outcomes = (
            LocaleOutcome(source, "source", True),
            *(
                LocaleOutcome(p.code, p.status, not reasons[p.code], tuple(reasons[p.code]))
                for p in policies
            ),
        )
        files.update((rel, FileInfo.of(data)) for rel, data in extra.items())
        extra[MANIFEST] = manifest(source, articles, outcomes, files)
        files[MANIFEST] = FileInfo.of(extra[MANIFEST])

        # 5. Write the rest beside the old output and swap it in; or, if not one file
        # would change, keep the old output (what a build with nothing changed finds).
        kept = links is None and _unchanged_output(target, files, extra)
        if kept:
            shutil.rmtree(staging, ignore_errors=True)
        else:
            if links is None:
                links = _Links(job.pages.previous, staging, [r for x in results for r in x.links])
            links.wait()
            _write_files(staging, extra)
            finish(staging, target)
    except BaseException:
        if links is not None:
            links.wait(quiet=True)  # no thread may link into what is removed now
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return BuildResult(target, outcomes, files, tuple(findings), kept)


def _index(
    renderer: Renderer,
    exported: Sequence[tuple[Article, Sequence[str]]],
    fragments: Fragments | None,
    article_digest: Callable[[Article], str],
) -> bytes:
    """``index.html``, as it was when the same articles were exported in the same
    languages (a build after one translation changed rarely changes it)."""
    if fragments is None:
        return renderer.render_index(exported)
    listed = ((article_digest(a), codes) for a, codes in exported)
    return fragments.index(listed, lambda: renderer.render_index(exported))


@dataclass(frozen=True)
class _BuildRun:
    """What the workers of ``build`` share (inherited by fork, never pickled)."""

    project: Project
    articles: list[Article]
    policies: list[LocalePolicy]
    gate: gate.GateRun
    """The gate's view of every locale x article, article by article (``policies``
    order): the verdicts of article ``i`` are pairs ``i * len(policies)`` on."""
    cache: Cache
    source: str
    schema: Path
    renderer: Renderer
    pages: PageStore
    staging: Path
    folders: set[str] = field(default_factory=set)
    """Folders made in ``staging`` so far (by this worker)."""


@dataclass
class _ArticleOutput:
    """What building one article's pages produced, for ``build`` to combine in order."""

    template: list[Finding] = field(default_factory=list)
    """Why the article's template cannot be used (out of date): the build must stop."""
    verdicts: ArticleVerdicts | Detached | None = None
    """The gate's verdict for each locale (in ``policies`` order); from another
    process as records, without their translations."""
    exported: list[str] = field(default_factory=list)
    reasons: list[tuple[str, str]] = field(default_factory=list)
    """(locale, reason) for every locale withheld, in the order they were found."""
    withheld: list[tuple[str, list[str]]] = field(default_factory=list)
    """(locale, problems) for every page that failed verification."""
    files: dict[str, FileInfo] = field(default_factory=dict)
    links: list[str] = field(default_factory=list)
    """Files of unchanged pages, to be linked from the previous build into the new one
    (``_Links``) unless the output does not change at all."""
    written: bool = False
    """Some page was rendered now (written into the staging directory)."""
    fatal: list[Finding] = field(default_factory=list)
    """The source page failed verification: the build must stop."""


def _build_article(job: _BuildRun, index: int) -> _ArticleOutput:
    """Check, gate, render, verify and write the pages of one article (one step of
    ``build``)."""
    article = job.articles[index]
    out = _ArticleOutput(template=catalogs.template_problems(job.project, job.cache, article))
    if out.template:
        return out
    count = len(job.policies)
    found = gate.evaluate_article(job.gate, range(index * count, (index + 1) * count))
    out.verdicts = found.crossing(translations=False)  # they stay behind
    candidates: dict[str, Approved] = {job.source: Approved.of({})}
    pseudo: dict[str, Approved] = {}
    for verdict in found.verdicts:
        code = verdict.policy.code
        if verdict.publishable and code == PSEUDO_LOCALE:
            pseudo[code] = _approved(job, found, verdict)
        elif verdict.publishable:
            candidates[code] = _approved(job, found, verdict)
        else:
            out.reasons += [(code, f"{article.id}: {r}") for r in verdict.reasons]
    job.pages.open(job.project.article_digest(article))
    try:
        pages, withheld = render_verified(job.renderer, article, candidates, job.schema, job.pages)
        for code, problems in withheld.items():
            out.reasons += [(code, f"{article.id}: verification: {p}") for p in problems]
            out.withheld.append((code, problems))
        out.exported = [p.code for p in pages]
        if pseudo:
            # Rendered and verified like any locale, but apart: no published page links
            # to it, the index does not list it, and the manifest never calls it published.
            pseudo_pages, withheld = render_verified(
                job.renderer,
                article,
                {job.source: candidates[job.source], **pseudo},
                job.schema,
                job.pages,
            )
            pages += [p for p in pseudo_pages if p.code != job.source]
            for code, problems in withheld.items():
                out.reasons += [(code, f"{article.id}: verification: {p}") for p in problems]
                out.withheld.append((code, problems))
    except ContentError as exc:  # returned, not raised: it has to cross a process boundary
        out.fatal = exc.findings
        return out
    for page in pages:
        out.files.update(_place(job.pages, page, job.staging, job.folders, out))
    job.pages.flush()
    return out


@dataclass(frozen=True, eq=False, repr=False)
class Approved:
    """A locale's approved translations for the pages of an article: their sha256, which
    names them in page keys, and how to fetch them for a page that has to be made."""

    digest: str
    fetch: Callable[[], Mapping[str, str]]

    @classmethod
    def of(cls, translations: Mapping[str, str]) -> Approved:
        return cls(translations_digest(translations), lambda: translations)


def _approved(job: _BuildRun, found: ArticleVerdicts, verdict: Verdict) -> Approved:
    """The translations of a publishable ``verdict``: kept with it or in the cache by
    their sha256, or, if the cache lost them, the gate's on the PO file again."""

    def fetch() -> Mapping[str, str]:
        texts = job.gate.store.translations(found.entry, verdict)
        if texts is None:
            again = gate.evaluate(job.project, verdict.policy, verdict.article)
            if again.translations_digest != verdict.translations_digest:
                path = job.project.rel(job.project.po_path(verdict.policy.code, verdict.article.id))
                raise ContentError(
                    [
                        error(
                            "unreadable",
                            "changed while the build read it: build again",
                            Location(path),
                        )
                    ]
                )
            texts = again.translations
        assert texts is not None
        return texts

    return Approved(verdict.translations_digest, fetch)


def render_verified(
    renderer: Renderer,
    article: Article,
    candidates: Mapping[str, Approved],
    schema: Path,
    pages: PageStore | None = None,
) -> tuple[list[CheckedPage], dict[str, list[str]]]:
    """Render ``article`` for each candidate locale (code -> approved translations; the
    source first) and verify each page; return the pages that passed and the problems
    of those withheld. Pages link only to each other, so a withheld page means the
    others are rendered again without it."""
    source = article.source_locale
    withheld: dict[str, list[str]] = {}
    while True:
        codes = [c for c in candidates if c not in withheld]
        made = [
            render_and_verify(renderer, article, c, candidates[c], codes, schema, pages)
            for c in codes
        ]
        failed = {page.code: list(page.problems) for page in made if page.problems}
        if not failed:
            return made, withheld
        if source in failed:
            raise ContentError(
                [
                    error(
                        "verify-source",
                        f"the {source} page failed verification: {p}",
                        Location(article.path),
                        article=article.id,
                    )
                    for p in failed[source]
                ]
            )
        withheld.update(failed)


@dataclass(frozen=True)
class CheckedPage(PagePaths):
    """One page of one locale, rendered and verified: its two files and what
    verification found. ``rendered`` holds the page if it was rendered by this build;
    otherwise the previous build has both files byte for byte (see ``PageStore``)."""

    code: str
    article: str
    html: FileInfo
    json: FileInfo
    problems: tuple[str, ...]
    rendered: RenderedPage | None = field(default=None, repr=False, compare=False)
    key: str = field(default="", repr=False, compare=False)
    """Its key in the ``PageStore``, if it has one."""


@dataclass(frozen=True, eq=False, repr=False)
class _Paths(PagePaths):
    code: str
    article: str


def render_and_verify(
    renderer: Renderer,
    article: Article,
    code: str,
    approved: Approved,
    alternates: Sequence[str],
    schema: Path,
    pages: PageStore | None = None,
) -> CheckedPage:
    """Render and verify one page, or take it from the previous build (``pages``) if
    it was made from exactly these inputs."""
    number = renderer.emergency_numbers.get(code)
    key = ""
    if pages is not None:
        key = pages.key(code, approved.digest, alternates, number or "")
        paths = _Paths(code, article.id)
        known = pages.get(key, paths.html_path, paths.json_path)
        if known is not None:
            return CheckedPage(code, article.id, known.html, known.json, known.problems, key=key)
    translations = approved.fetch()
    page = renderer.render(article, code, translations, alternates)
    problems = tuple(verify_page(page, article, translations, schema, number))
    checked = CheckedPage(
        code, article.id, FileInfo.of(page.html), FileInfo.of(page.json), problems, page, key
    )
    if pages is not None:
        pages.put(key, PageRecord(checked.html, checked.json, problems))
    return checked


def verify_page(
    page: RenderedPage,
    article: Article,
    translations: Mapping[str, str],
    schema: Path,
    emergency_number: str | None = None,
) -> list[str]:
    """Everything wrong with one rendered page (HTML and JSON as they will be written);
    ``emergency_number``: the number the locale's policy says its emergency cards show."""
    expected = expected_warnings(article, translations, source=page.code == article.source_locale)
    lang = to_bcp47(page.code)
    problems = verify_html(page.html.decode(), lang, expected, page.html_path, emergency_number)
    try:
        data = json.loads(page.json)
    except ValueError as exc:
        return [*problems, f"{page.json_path}: not JSON: {exc}"]
    return problems + verify_bundle(
        data, lang, article.id, expected, page.json_path, schema, emergency_number
    )


def _withheld_finding(project: Project, verdict: Verdict | Pending, problems: list[str]) -> Finding:
    path = project.rel(project.po_path(verdict.policy.code, verdict.article.id))
    return error(
        "verify-failed",
        f"withheld: the rendered page failed verification: {'; '.join(problems)}",
        Location(path),
        locale=verdict.policy.bcp47,
        article=verdict.article.id,
    )


# -- gathering --------------------------------------------------------------------------------
def output_dir(project: Project, out: Path | None, *, whole: bool = True) -> Path:
    """The output directory; ContentError if building there could destroy anything: a
    file, the project or one of its source parts, a directory that is not an earlier
    careloc build, or a path that goes through a symbolic link inside the project
    (a pull request can commit ``dist`` as a link to any folder). ``whole=False``
    leaves out reading an existing directory's manifest (done again under the lock)."""
    given = out if out is not None else project.root / DEFAULT_OUT
    where = Location(str(out) if out is not None else DEFAULT_OUT)

    def refuse(message: str, code: str = "bad-output") -> ContentError:
        return ContentError([error(code, message, where)])

    # Taken as written (``..`` removed by name, no link followed): every step inside
    # the project must be a real directory, and the output itself never a link.
    target = Path(os.path.abspath(given))
    inside = target.is_relative_to(project.root)
    steps = [project.root / p for p in target.relative_to(project.root).parts] if inside else []
    for path in steps if inside else [target]:
        try:
            mode = os.lstat(path).st_mode
        except FileNotFoundError:
            break
        except OSError as exc:
            raise refuse(f"cannot look at {path}: {exc.strerror}") from None
        if stat.S_ISLNK(mode):
            raise refuse(
                f"{project.rel(path)} is a symbolic link; careloc never writes through a "
                "link it did not make (remove the link, or give --out a real directory)",
                "symlink",
            )
        if path != target and not stat.S_ISDIR(mode):
            raise refuse(f"{project.rel(path)} is not a directory")
    if not inside:
        target = target.resolve()  # links above it are the caller's own choice

    if project.root.is_relative_to(target):
        raise refuse("the output directory would replace the project itself")
    for part in PROTECTED:
        if target.is_relative_to(project.root / part):
            raise refuse(f"the output directory may not be inside {part}/")
    if target.exists() and not target.is_dir():
        raise refuse("exists and is not a directory")
    if whole and target.is_dir() and any(target.iterdir()) and not is_build(target):
        if not os.path.lexists(target / MANIFEST):
            raise refuse(
                f"exists and is not a careloc build (no {MANIFEST}); refusing to replace it"
            )
        raise refuse(
            f"exists and is not a careloc build (its {MANIFEST} is not one careloc wrote); "
            "refusing to replace it (an output of a careloc from before manifests said "
            '"generator": "careloc" has to be deleted once)'
        )
    return target


GENERATOR = "careloc"
"""The ``generator`` of every manifest careloc writes: what tells its output directory
from any other folder holding a ``manifest.json`` (a web app's, say)."""
MANIFEST_LIMIT = 64 << 20


def is_build(folder: Path) -> bool:
    """Whether ``folder`` holds a manifest careloc wrote: a regular file (not a link)
    with the manifest's fields and types, whose ``generator`` is careloc. Only such a folder is
    ever replaced or put back."""
    try:
        if not stat.S_ISREG(os.lstat(folder / MANIFEST).st_mode):
            return False
        data = json.loads(read_bounded(folder / MANIFEST, MANIFEST_LIMIT, MANIFEST))
    except (OSError, ValueError, ContentError):
        return False
    shape = {
        "generator": str,
        "source_locale": str,
        "articles": list,
        "locales": dict,
        "files": dict,
    }
    return (
        isinstance(data, dict)
        and shape.keys() <= data.keys()  # fields may be added, none taken away
        and all(isinstance(data[k], t) for k, t in shape.items())
        and data["generator"] == GENERATOR
        and all(
            isinstance(v, dict) and {"sha256", "bytes"} <= v.keys() for v in data["files"].values()
        )
    )


# -- writing ----------------------------------------------------------------------------------
def manifest(
    source: str,
    articles: Sequence[Article],
    outcomes: Sequence[LocaleOutcome],
    files: Mapping[str, FileInfo],
) -> bytes:
    """``manifest.json``: the locales with their outcome, and every file's sha256 and size."""
    return dump_json(
        {
            "generator": GENERATOR,
            "source_locale": to_bcp47(source),
            "articles": [a.id for a in articles],
            "locales": {o.bcp47: o.as_dict() for o in outcomes},
            "files": {
                path: {"sha256": info.sha256, "bytes": info.size}
                for path, info in sorted(files.items())
            },
        }
    )


def _check_rel(rel: str) -> None:
    parts = rel.split("/")
    if rel.startswith("/") or "\\" in rel or any(p in ("", ".", "..") for p in parts):
        # Ids and locale names are validated long before; this is the last guard.
        raise ContentError(
            [error("bad-output", f"refusing to write {rel!r}: not a plain relative path")]
        )


def new_staging(target: Path) -> Path:
    """A fresh, empty directory beside ``target`` to build the new output in."""
    target.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(dir=target.parent, prefix=_staging_prefix(target)))


def _staging_prefix(target: Path) -> str:
    return f"{TEMP_PREFIX}{target.name}-"


def clean_leftovers(target: Path) -> None:
    """Remove what a killed build of ``target`` left beside it (its staging directory,
    the previous output it was about to delete). Only called with the lock held, so no
    build of ``target`` is running. Should a build have been killed between the two
    renames of the fallback swap, the previous output is put back first."""
    # Exactly this target's names (mkdtemp adds 8 characters): not those of "dist-x".
    mine = re.compile(re.escape(_staging_prefix(target)) + r"[a-z0-9_]{8}(\.old)?")
    leftovers = sorted(p for p in target.parent.iterdir() if mine.fullmatch(p.name))
    if not target.exists() and not target.is_symlink():
        for backup in leftovers:
            if backup.name.endswith(".old") and is_real_dir(backup) and is_build(backup):
                os.replace(backup, target)
                leftovers.remove(backup)
                break
    for path in leftovers:
        if is_real_dir(path):  # a link of that name is not ours: left alone
            shutil.rmtree(path, ignore_errors=True)


def _write_files(staging: Path, files: Mapping[str, bytes]) -> None:
    """Write ``files`` (relative POSIX path -> bytes) into ``staging``; nothing at all
    if any path is not a plain relative path (``bad-output``)."""
    for rel in files:
        _check_rel(rel)
    for rel, data in sorted(files.items()):
        path = staging / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        write_new(str(path), data)


def finish(staging: Path, target: Path) -> None:
    """Make the finished ``staging`` directory the output ``target``."""
    staging.chmod(0o755)  # mkdtemp makes it private; a web server must read it
    _swap(staging, target)


def _swap(staging: Path, target: Path) -> None:
    """Replace ``target`` by ``staging``: in one atomic exchange where the system can
    (no moment without ``target``, even if the process is killed), else with two
    renames, restoring ``target`` if the second fails."""
    if target.is_dir() and exchange(staging, target):
        remove_tree(staging, parallel.jobs())  # it now holds the previous output
        return
    backup = staging.with_name(staging.name + ".old")
    had_target = target.exists()
    if had_target:
        os.replace(target, backup)
    try:
        os.replace(staging, target)
    except BaseException:
        if had_target:
            os.replace(backup, target)
        raise
    if had_target:
        remove_tree(backup, parallel.jobs())


def _place(
    pages: PageStore, page: CheckedPage, staging: Path, folders: set[str], out: _ArticleOutput
) -> dict[str, FileInfo]:
    """Write the page's files into ``staging``, or if they were not rendered now, note
    them in ``out.links`` (the previous build has them); return what the manifest lists."""
    placed = {}
    for rel, info, data in (
        (page.html_path, page.html, page.rendered.html if page.rendered else None),
        (page.json_path, page.json, page.rendered.json if page.rendered else None),
    ):
        _check_rel(rel)
        if data is not None:
            path = f"{staging}/{rel}"
            folder = os.path.dirname(rel)
            if folder not in folders:
                os.makedirs(os.path.dirname(path), exist_ok=True)
                folders.add(folder)
            pages.written(page.key, rel, write_new(path, data))
            out.written = True
        else:
            pages.linked(page.key, rel, f"{pages.previous}/{rel}")  # a link keeps its stamp
            out.links.append(rel)
        placed[rel] = info
    return placed


class _Links:
    """The files ``links`` of the previous build being linked into ``staging`` (the
    pages whose inputs did not change), on a few threads that each wait in the kernel,
    while the main thread lays out the rest of the output."""

    def __init__(self, previous: Path, staging: Path, links: Sequence[str]) -> None:
        for folder in sorted({os.path.dirname(rel) for rel in links}):
            os.makedirs(f"{staging}/{folder}", exist_ok=True)

        def link(part: Sequence[str]) -> None:
            for rel in part:
                os.link(f"{previous}/{rel}", f"{staging}/{rel}", follow_symlinks=False)

        workers = max(1, min(4, parallel.jobs()))
        size = len(links) // workers + 1
        self._pool = ThreadPoolExecutor(workers)
        self._parts = [
            self._pool.submit(link, links[i : i + size]) for i in range(0, len(links), size)
        ]

    def wait(self, *, quiet: bool = False) -> None:
        """Wait until every file is linked; raise the first error unless ``quiet``."""
        self._pool.shutdown(wait=True, cancel_futures=quiet)
        if not quiet:
            for part in self._parts:
                part.result()


def _unchanged_output(
    target: Path, files: Mapping[str, FileInfo], extra: Mapping[str, bytes]
) -> bool:
    """Whether the previous build in ``target`` is exactly the output this build would
    write: no page rendered again (the others were checked against it by ``PageStore``),
    the same dashboard, index and manifest, and no other file. It is then kept as it is."""
    for rel, data in extra.items():
        try:
            with open(f"{target}/{rel}", "rb") as fh:
                if fh.read(len(data) + 1) != data:
                    return False
        except OSError:
            return False
    found: set[str] = set()
    folders: set[str] = set()

    def walk(folder: str, prefix: str) -> bool:
        with os.scandir(folder) as entries:
            for entry in entries:
                rel = prefix + entry.name
                if entry.is_dir(follow_symlinks=False):
                    folders.add(rel)
                    if not walk(entry.path, rel + "/"):
                        return False
                elif entry.is_file(follow_symlinks=False):
                    found.add(rel)
                else:  # a link or a special file: no build of careloc's holds one
                    return False
        return True

    try:
        if not walk(str(target), "") or found != files.keys():
            return False
    except OSError:
        return False
    needed = {rel.rsplit("/", n)[0] for rel in found for n in range(1, rel.count("/") + 1)}
    return folders == needed
