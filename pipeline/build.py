"""``careloc build``: gate, render, verify and write the per-locale site in one atomic step.

The recipe reads top to bottom: gather everything (articles, templates, the gate's
verdicts), render every page that may be published, read each page back and verify
its warnings, then write the whole output directory beside the old one and swap it
in. Nothing is written until everything has passed; a failure or an interrupt leaves
the previous build as it was.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pipeline import catalogs
from pipeline.dashboard import PAGE as DASHBOARD
from pipeline.dashboard import render_dashboard
from pipeline.errors import ContentError
from pipeline.export import BUNDLE_SCHEMA, RenderedPage, Renderer, dump_json
from pipeline.gate import Verdict, evaluate_all
from pipeline.model import Article, Finding, Location, error
from pipeline.progress import track
from pipeline.project import PSEUDO_LOCALE, Project, to_bcp47
from pipeline.schema import validator
from pipeline.ui import load_ui
from pipeline.verify import expected_warnings, verify_bundle, verify_html

DEFAULT_OUT = "dist"
MANIFEST = "manifest.json"
INDEX = "index.html"
TEMP_PREFIX = ".dist-"
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
    files: Mapping[str, bytes] = field(repr=False)
    findings: tuple[Finding, ...] = ()

    @property
    def failed(self) -> bool:
        return any(outcome.failing for outcome in self.locales)

    def summary(self) -> list[str]:
        """One line per locale, then where the files went."""
        lines = []
        for o in self.locales:
            if o.published:
                lines.append(f"{o.bcp47}: published ({o.status})")
            elif o.code == PSEUDO_LOCALE:
                lines.append(f"{o.bcp47}: {'; '.join(o.reasons)}")
            else:
                lines.append(f"{o.bcp47}: withheld ({o.status}): {'; '.join(o.reasons)}")
        lines.append(f"wrote {len(self.files)} files to {self.out}")
        return lines


# -- the recipe -------------------------------------------------------------------------------
def build(project: Project, out: Path | None = None, codes: list[str] | None = None) -> BuildResult:
    """Build the site into ``out`` (default ``<project>/dist``) for the source locale and
    the target locales ``codes`` (default: all). Raises ContentError, writing nothing,
    if the source or the output directory is unusable."""
    # 1. Gather and validate everything before anything is rendered.
    target = output_dir(project, out)
    articles = sorted(project.articles, key=lambda a: a.id)
    source = project.config.source_locale
    check_templates(project)
    verdicts = {(v.policy.code, v.article.id): v for v in evaluate_all(project, codes)}
    policies = [p for p in project.config.locales if p.code in project.target_locales(codes)]
    schema = project.schema(BUNDLE_SCHEMA)
    validator(schema)  # unreadable schema: stop now, not after rendering
    findings = [f for v in verdicts.values() for f in v.findings]

    # 2 + 3. Render what the gate allows, read it back, withhold what fails verification.
    renderer = Renderer()
    pages: list[RenderedPage] = []
    exported: list[tuple[Article, list[str]]] = []
    reasons: dict[str, list[str]] = {p.code: [] for p in policies}
    for article in track(articles, "build", describe=lambda a: a.id):
        candidates: dict[str, Mapping[str, str]] = {source: {}}
        pseudo: dict[str, Mapping[str, str]] = {}
        for policy in policies:
            verdict = verdicts[policy.code, article.id]
            if verdict.publishable and policy.code == PSEUDO_LOCALE:
                pseudo[policy.code] = verdict.translations
            elif verdict.publishable:
                candidates[policy.code] = verdict.translations
            else:
                reasons[policy.code] += [f"{article.id}: {r}" for r in verdict.reasons]
        article_pages, withheld = render_verified(renderer, article, candidates, schema)
        for code, problems in withheld.items():
            reasons[code] += [f"{article.id}: verification: {p}" for p in problems]
            findings.append(_withheld_finding(project, verdicts[code, article.id], problems))
        pages += article_pages
        exported.append((article, [p.code for p in article_pages]))
        if pseudo:
            # Rendered and verified like any locale, but apart: no published page links
            # to it, the index does not list it, and the manifest never calls it published.
            pseudo_pages, withheld = render_verified(
                renderer, article, {source: {}, **pseudo}, schema
            )
            pages += [p for p in pseudo_pages if p.code != source]
            for code, problems in withheld.items():
                reasons[code] += [f"{article.id}: verification: {p}" for p in problems]
                findings.append(_withheld_finding(project, verdicts[code, article.id], problems))
    for code in [source, *(p.code for p in policies)]:
        findings += load_ui(code, source).findings

    # 4. Lay out every file, then the manifest that lists them.
    files: dict[str, bytes] = {}
    for page in pages:
        files[page.html_path] = page.html
        files[page.json_path] = page.json
    files[INDEX] = renderer.render_index(exported)
    files[DASHBOARD] = render_dashboard(list(verdicts.values())).encode()
    if PSEUDO_LOCALE in reasons:
        reasons[PSEUDO_LOCALE].insert(0, PSEUDO_REASON)
    outcomes = (
        LocaleOutcome(source, "source", True),
        *(
            LocaleOutcome(p.code, p.status, not reasons[p.code], tuple(reasons[p.code]))
            for p in policies
        ),
    )
    files[MANIFEST] = manifest(source, articles, outcomes, files)

    # 5. Write it all beside the old output and swap it in.
    write_tree(target, files)
    return BuildResult(target, outcomes, files, tuple(findings))


def render_verified(
    renderer: Renderer,
    article: Article,
    candidates: Mapping[str, Mapping[str, str]],
    schema: Path,
) -> tuple[list[RenderedPage], dict[str, list[str]]]:
    """Render ``article`` for each candidate locale (code -> approved translations; the
    source first) and verify each page; return the pages that passed and the problems
    of those withheld. Pages link only to each other, so a withheld page means the
    others are rendered again without it."""
    source = article.source_locale
    withheld: dict[str, list[str]] = {}
    while True:
        codes = [c for c in candidates if c not in withheld]
        pages = [renderer.render(article, c, candidates[c], codes) for c in codes]
        failed = {
            page.code: problems
            for page in pages
            if (problems := verify_page(page, article, candidates[page.code], schema))
        }
        if not failed:
            return pages, withheld
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


def verify_page(
    page: RenderedPage, article: Article, translations: Mapping[str, str], schema: Path
) -> list[str]:
    """Everything wrong with one rendered page (HTML and JSON as they will be written)."""
    expected = expected_warnings(article, translations, source=page.code == article.source_locale)
    lang = to_bcp47(page.code)
    problems = verify_html(page.html.decode(), lang, expected, page.html_path)
    try:
        data = json.loads(page.json)
    except ValueError as exc:
        return [*problems, f"{page.json_path}: not JSON: {exc}"]
    return problems + verify_bundle(data, lang, article.id, expected, page.json_path, schema)


def _withheld_finding(project: Project, verdict: Verdict, problems: list[str]) -> Finding:
    path = project.rel(project.po_path(verdict.policy.code, verdict.article.id))
    return error(
        "verify-failed",
        f"withheld: the rendered page failed verification: {'; '.join(problems)}",
        Location(path),
        locale=verdict.policy.bcp47,
        article=verdict.article.id,
    )


# -- gathering --------------------------------------------------------------------------------
def check_templates(project: Project) -> None:
    """Templates must be current: translators have to have seen what is published."""
    stale = catalogs.extract(project, dry_run=True)
    if stale:
        raise ContentError(
            [
                error(
                    "stale-template",
                    "template is out of date with the source; run `careloc extract` "
                    "(and `careloc update`) first",
                    Location(change.path),
                )
                for change in stale
            ]
        )


def output_dir(project: Project, out: Path | None) -> Path:
    """The resolved output directory; ContentError if building there could destroy
    anything: a file, the project or one of its source parts, or a directory that is
    not an earlier build."""
    target = (out if out is not None else project.root / DEFAULT_OUT).resolve()
    where = Location(str(out) if out is not None else DEFAULT_OUT)

    def refuse(message: str) -> ContentError:
        return ContentError([error("bad-output", message, where)])

    if project.root.is_relative_to(target):
        raise refuse("the output directory would replace the project itself")
    for part in PROTECTED:
        if target.is_relative_to(project.root / part):
            raise refuse(f"the output directory may not be inside {part}/")
    if target.exists() and not target.is_dir():
        raise refuse("exists and is not a directory")
    if target.is_dir() and any(target.iterdir()) and not (target / MANIFEST).is_file():
        raise refuse(f"exists and is not a careloc build (no {MANIFEST}); refusing to replace it")
    return target


# -- writing ----------------------------------------------------------------------------------
def manifest(
    source: str,
    articles: Sequence[Article],
    outcomes: Sequence[LocaleOutcome],
    files: Mapping[str, bytes],
) -> bytes:
    """``manifest.json``: the locales with their outcome, and every file's sha256 and size."""
    return dump_json(
        {
            "source_locale": to_bcp47(source),
            "articles": [a.id for a in articles],
            "locales": {o.bcp47: o.as_dict() for o in outcomes},
            "files": {
                path: {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
                for path, data in sorted(files.items())
            },
        }
    )


def write_tree(target: Path, files: Mapping[str, bytes]) -> None:
    """Write ``files`` (relative POSIX path -> bytes) into a fresh directory beside
    ``target``, then swap it in for ``target``; on any failure, remove it and leave
    ``target`` untouched."""
    for rel in files:
        parts = rel.split("/")
        if rel.startswith("/") or "\\" in rel or any(p in ("", ".", "..") for p in parts):
            # Ids and locale names are validated long before; this is the last guard.
            raise ContentError(
                [error("bad-output", f"refusing to write {rel!r}: not a plain relative path")]
            )
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=TEMP_PREFIX))
    try:
        for rel, data in sorted(files.items()):
            path = staging / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        staging.chmod(0o755)  # mkdtemp makes it private; a web server must read it
        _swap(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _swap(staging: Path, target: Path) -> None:
    """Replace ``target`` by ``staging`` with two renames, restoring ``target`` if the
    second fails."""
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
        shutil.rmtree(backup, ignore_errors=True)
