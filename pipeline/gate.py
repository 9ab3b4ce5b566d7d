"""The publish gate: for one locale and article, what may be published, and why not.

``evaluate`` compares a locale's PO file with the *current* source article (not
only the template), runs every check of ``pipeline.checks`` and decides
(SPEC §5): a locale is publishable for an article only if every urgent-care
warning unit passed and the rest meets the locale's completion minimum.
"""

from __future__ import annotations

import functools
import os
import stat
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from pipeline import langid, meaning, parallel, termbase
from pipeline.cache import digest
from pipeline.checks import (
    ERROR,
    WARNING,
    PoContext,
    check_header,
    completion,
    completion_percent,
    decide,
    english_of,
    item_count,
    read_header,
    translation_of,
    unknown_entry,
)
from pipeline.errors import ContentError
from pipeline.files import read_bounded
from pipeline.incremental.prune import prune as prune_cache
from pipeline.incremental.verdicts import KIND as VERDICTS
from pipeline.incremental.verdicts import (
    TRANSLATIONS,
    ArticleVerdicts,
    Detached,
    VerdictStore,
    file_part,
)
from pipeline.model import Article, Finding, Unit
from pipeline.pofile import MAX_PO_BYTES, PoEntries, PoEntry, read_entries
from pipeline.project import PSEUDO_LOCALE, LocalePolicy, Project, parse_locale
from pipeline.review import SCHEMA as REVIEWS_SCHEMA
from pipeline.review import ReviewState, assess, reviews_path
from pipeline.verdict import NO_STATS, Stats, Verdict

__all__ = [
    "CheckResult",
    "GateRun",
    "Stats",
    "Verdict",
    "by_article",
    "check_project",
    "evaluate",
    "evaluate_all",
    "evaluate_article",
    "evaluate_pairs",
    "new_run",
    "project_languages",
]


@dataclass
class _Tally:
    """Findings as they are made, with what each is about: the reasons, and the errors
    about a care card (none: ``warnings_ok``, the SPEC's name for it)."""

    findings: list[Finding] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    care_card_errors: int = 0
    same_as_source: list[str] = field(default_factory=list)

    def add(
        self,
        finding: Finding,
        subject: str,
        *,
        about_care_card: bool = False,
        detail: str | None = None,
    ) -> None:
        self.findings.append(finding)
        if finding.is_error:
            reason = f"{subject}: {detail or finding.code}"
            if reason not in self.reasons:
                self.reasons.append(reason)
            if about_care_card:
                self.care_card_errors += 1

    def add_unusable(self, exc: ContentError, context: PoContext, subject: str) -> None:
        """The findings of a file that could not be used (the PO file, the termbase): they
        concern this locale and article, and withhold it like a broken care card."""
        for finding in exc.findings:
            located = replace(finding, locale=context.locale, article=context.article)
            self.add(located, subject, about_care_card=True)


def is_english_variant(project: Project, code: str) -> bool:
    """True if ``code`` is the source language in another region (en_GB for en)."""
    source = project.config.source_locale
    return parse_locale(code).language == parse_locale(source).language


def evaluate(
    project: Project, policy: LocalePolicy, article: Article, data: bytes | None = None
) -> Verdict:
    """Check the PO of ``policy``'s locale for ``article`` and decide whether it may
    be published (``data``: the file's bytes, if they were read already). Never
    raises for bad PO content: that becomes findings."""
    path = project.po_path(policy.code, article.id)
    context = PoContext(
        project.rel(path),
        policy.bcp47,
        article.id,
        policy.code,
        same_language=is_english_variant(project, policy.code),
        languages=project_languages(project),
    )
    tally = _Tally()
    context = _with_termbase(project, policy, context, tally)
    loaded = _load(project, path, context, tally, data)
    if loaded is None:
        return _verdict(policy, article, tally, NO_STATS, {})
    catalog, text = loaded

    for finding in check_header(read_header(text, context)):
        tally.add(finding, "PO header")

    translations, lines = _check_units(article, catalog, context, tally)
    for warning in article.warnings():
        count = item_count(warning, translations, lines, context)
        if count is not None:
            tally.add(count, f"warning {warning.lead.key}", about_care_card=True)
    # -- what the warnings say (``pipeline.meaning``) -------------------------------------
    # The pseudo-locale pads every unit with filler words: its lead cannot name its items.
    pseudo = policy.code == PSEUDO_LOCALE
    for warning in article.warnings():
        lead = _current(catalog, warning.lead) if warning.red_flags and not pseudo else None
        if lead is None:
            continue
        # The lead as written, even if another check failed it: what it names counts too.
        texts = {**translations, warning.lead.key: translation_of(lead)}
        for finding in meaning.lead_missing_red_flag(
            warning,
            texts,
            {warning.lead.key: lead.lineno},
            tuple(lead.user_comments),
            context.path,
            context.locale,
            article.id,
        ):
            tally.add(finding, f"warning {warning.lead.key}", about_care_card=True)
    completion_finding = completion(article, translations, policy, context, catalog)
    if completion_finding is not None:
        done = completion_percent(article, translations, catalog)
        tally.add(
            completion_finding,
            "completion",
            detail=f"{done}% of the other text translated, {policy.min_completion:g}% required",
        )

    # -- clinician review sign-off (SPEC §5), see ``pipeline.review`` ------------------------
    # Always assessed, so stale sign-offs show everywhere; with ``policy.require_review``
    # every warning unit needs a valid sign-off for exactly this source and translation.
    # Not counted against ``warnings_ok``: that says whether the translations pass.
    review = assess(project, policy, article, translations, context, lines)
    for finding in review.findings:
        tally.add(finding, "review")

    renderings = {
        u.key: (translations[u.key], lines.get(u.key))
        for u in article.warning_units()
        if u.key in translations
    }
    return _verdict(
        policy, article, tally, Stats.of(catalog), translations, review.states, renderings
    )


def project_languages(project: Project) -> tuple[str, ...]:
    """ISO 639-1 codes of the source and every configured locale lingua knows: the
    candidates of ``wrong-language``."""
    config = project.config
    return langid.candidates((config.source_locale, *(p.code for p in config.locales)))


def _with_termbase(
    project: Project, policy: LocalePolicy, context: PoContext, tally: _Tally
) -> PoContext:
    """``context`` with the locale's termbase, if it has one. A broken termbase is a
    ``termbase`` error: the locale is withheld, as its clinical terms cannot be checked."""
    path = termbase.path_of(project.locales_dir, policy.code)
    try:
        is_link = stat.S_ISLNK(os.lstat(path).st_mode)
    except FileNotFoundError:  # the usual case: the locale has no termbase
        return context
    except OSError:
        is_link = False  # ``termbase.load`` reports it
    try:
        if is_link:
            project.inside(path)
        found = termbase.load(
            project.locales_dir, policy.code, project.rel(path), project.config.source_locale
        )
    except ContentError as exc:
        tally.add_unusable(exc, context, "termbase")
        return context
    return context if found is None else replace(context, termbase=found)


def _current(catalog: PoEntries, unit: Unit) -> PoEntry | None:
    """The translated, non-fuzzy entry of ``unit`` for its current English, if any."""
    for message in catalog.messages:
        if message.context == unit.key and message.id == unit.text:
            if message.fuzzy or not translation_of(message):
                return None
            return message
    return None


def evaluate_all(project: Project, codes: list[str] | None = None) -> list[Verdict]:
    """The verdict for every configured locale (or ``codes``) x article, sorted by
    locale then article (their translations may have stayed in a worker: what reads
    them evaluates one verdict itself, as ``careloc review`` does)."""
    wanted = set(project.target_locales(codes))
    policies = sorted((p for p in project.config.locales if p.code in wanted), key=_by_code)
    articles = sorted(project.articles, key=lambda a: a.id)
    pairs = [(policy, article) for policy in policies for article in articles]
    renderings = _Renderings(project)  # gathered while the workers make the next verdicts
    verdicts = evaluate_pairs(project, pairs, prune=codes is None, texts=False, each=renderings.add)
    return renderings.with_inconsistencies(verdicts)


class _Renderings:
    """The usable warning translations of each locale, gathered verdict by verdict (in
    the order of their articles) as they come in, for ``meaning.inconsistent``."""

    def __init__(self, project: Project) -> None:
        self.locales = project.rel(project.locales_dir)
        self.by_locale: dict[str, list[meaning.Rendering]] = {}
        self.english: dict[str, dict[str, str]] = {}
        """Article id -> msgctxt -> English."""

    def add(self, verdict: Verdict) -> None:
        if not verdict.renderings:
            return
        locale, article = verdict.locale, verdict.article
        path = f"{self.locales}/{verdict.policy.code}/LC_MESSAGES/{article.id}.po"
        texts = self.english.get(article.id)
        if texts is None:
            texts = self.english[article.id] = {u.key: u.text for u in article.units()}
        Rendering, name = meaning.Rendering, article.id
        self.by_locale.setdefault(locale, []).extend(
            Rendering(texts[key], key, text, path, line, locale, name)
            for key, (text, line) in verdict.renderings.items()
            if key in texts
        )

    def with_inconsistencies(self, verdicts: list[Verdict]) -> list[Verdict]:
        """``verdicts`` with the ``inconsistent`` warnings of each locale added to the
        verdicts whose files they point at."""
        added: dict[tuple[str | None, str | None], list[Finding]] = {}
        for renderings in self.by_locale.values():
            for finding in meaning.inconsistent(renderings):
                added.setdefault((finding.locale, finding.article), []).append(finding)
        if not added:
            return verdicts
        return [
            replace(v, findings=v.findings + tuple(added[(v.locale, v.article.id)]))
            if (v.locale, v.article.id) in added
            else v
            for v in verdicts
        ]


def _by_code(policy: LocalePolicy) -> str:
    return policy.code


@dataclass(frozen=True)
class CheckResult:
    """Everything ``careloc check`` found: source problems, or a verdict per locale x article."""

    source_findings: tuple[Finding, ...]
    verdicts: tuple[Verdict, ...]

    @property
    def findings(self) -> tuple[Finding, ...]:
        return self.source_findings + tuple(f for v in self.verdicts for f in v.findings)

    @functools.cached_property
    def blocking(self) -> tuple[Finding, ...]:
        """The errors that fail a run: about the source or a ``published`` locale;
        a draft locale's errors are reported but do not fail."""
        return tuple(f for f in self.findings if self.is_blocking(f))

    @functools.cached_property
    def _published(self) -> frozenset[str]:
        return frozenset(v.locale for v in self.verdicts if v.policy.published)

    def is_blocking(self, finding: Finding) -> bool:
        if not finding.is_error:
            return False
        return finding.locale is None or finding.locale in self._published

    @property
    def ok(self) -> bool:
        return not self.blocking


def check_project(project: Project, codes: list[str] | None = None) -> CheckResult:
    """Validate the source and the locale policy, then run the gate on every locale
    (or ``codes``) x article. Invalid source is reported, not raised; an unknown
    locale in ``codes`` raises ``UsageError``."""
    try:
        project.load()
    except ContentError as exc:
        return CheckResult(tuple(exc.findings), ())
    return CheckResult((), tuple(evaluate_all(project, codes)))


# -- helpers ----------------------------------------------------------------------------
def _load(
    project: Project, path: Path, context: PoContext, tally: _Tally, data: bytes | None = None
) -> tuple[PoEntries, str] | None:
    """The parsed PO and its text; None (with findings) if it is missing or unreadable.
    ``data``: its bytes, if they were read already."""
    if data is None and not path.exists():
        tally.add(
            context.finding(
                "missing-po",
                ERROR,
                f"no PO file for locale {context.code!r} and article {context.article!r}; "
                "run `careloc update`",
            ),
            "PO file",
            about_care_card=True,
        )
        return None
    try:
        project.inside(path)
        if data is None:
            data = read_bounded(path, MAX_PO_BYTES, context.path)
        catalog = read_entries(data, context.path)
    except OSError as exc:
        tally.add(
            context.finding("unreadable", ERROR, exc.strerror or str(exc)),
            "PO file",
            about_care_card=True,
        )
        return None
    except ContentError as exc:
        tally.add_unusable(exc, context, "PO file")
        return None
    # read_po has checked that the bytes are UTF-8.
    return catalog, data.decode("utf-8")


def _check_units(
    article: Article, catalog: PoEntries, context: PoContext, tally: _Tally
) -> tuple[dict[str, str], dict[str, int | None]]:
    """Decide every unit (``pipeline.checks.decide``); return the usable translations and
    each entry's line."""
    translations: dict[str, str] = {}
    lines: dict[str, int | None] = {}
    entries = _by_context(catalog)
    obsolete = {m.context: m for m in catalog.obsolete}
    english = english_of(article)
    for unit in article.units():
        subject = f"{'warning' if unit.is_warning else 'unit'} {unit.key}"
        message = _pick(entries.pop(unit.key, []), unit, context, tally, subject)
        decision = decide(unit, message, obsolete.get(unit.key), context, english)
        for finding in decision.findings:
            tally.add(finding, subject, about_care_card=unit.is_warning)
        if message is not None:
            lines[unit.key] = decision.line
        if decision.translation is not None:
            translations[unit.key] = decision.translation
        if decision.waived:
            tally.same_as_source.append(unit.key)
    for messages in entries.values():
        for message in messages:
            tally.add(unknown_entry(message, context), f"entry {message.context}")
    return translations, lines


def _by_context(catalog: PoEntries) -> dict[str | None, list[PoEntry]]:
    found: dict[str | None, list[PoEntry]] = {}
    for message in catalog.messages:
        if message.id:
            found.setdefault(message.context, []).append(message)
    return found


def _pick(
    messages: list[PoEntry], unit: Unit, context: PoContext, tally: _Tally, subject: str
) -> PoEntry | None:
    """The entry for ``unit`` among those with its msgctxt (the one for the current
    English if there are several; the others are reported and ignored)."""
    if not messages:
        return None
    if len(messages) == 1:  # the usual case: one entry per msgctxt
        return messages[0]
    chosen = next((m for m in messages if m.id == unit.text), messages[0])
    for other in messages:
        if other is not chosen:
            tally.add(
                context.finding(
                    "duplicate-unit",
                    ERROR if unit.is_warning else WARNING,
                    f"second entry for unit '{unit.key}' (another msgid); it is ignored: remove it",
                    other.lineno,
                    unit=unit.key,
                ),
                subject,
                about_care_card=unit.is_warning,
            )
    return chosen


def _file_order(finding: Finding) -> tuple[bool, int]:
    """Findings in file order; those about the whole file (no line) last."""
    line = finding.location.line if finding.location else None
    return (line is None, line or 0)


def _verdict(
    policy: LocalePolicy,
    article: Article,
    tally: _Tally,
    stats: Stats,
    translations: dict[str, str],
    reviews: Mapping[str, ReviewState] | None = None,
    renderings: Mapping[str, tuple[str, int | None]] | None = None,
) -> Verdict:
    findings = tuple(sorted(tally.findings, key=_file_order))
    publishable = not any(f.is_error for f in findings)
    return Verdict(
        policy=policy,
        article=article,
        findings=findings,
        stats=stats,
        translations=dict(translations),
        warnings_ok=tally.care_card_errors == 0,
        publishable=publishable,
        reasons=tuple(tally.reasons),
        reviews=dict(reviews or {}),
        renderings=dict(renderings or {}),
        same_as_source=tuple(tally.same_as_source),
    )


# -- every locale x article: on every core, skipping what is unchanged ---------------------
@dataclass(frozen=True, eq=False, repr=False)
class GateRun:
    """What the workers of ``evaluate_pairs`` share (inherited by fork, not pickled)."""

    project: Project
    pairs: list[tuple[LocalePolicy, Article]]
    store: VerdictStore
    """The verdicts already made (``pipeline.incremental.verdicts``)."""
    texts: bool = True
    """Whether the verdicts' translations travel back from a worker (only the pages and
    the sign-offs read them; a verdict without them names them by sha256)."""


def _inputs(project: Project, pairs: list[tuple[LocalePolicy, Article]]) -> dict[str, str]:
    """What a verdict depends on besides its PO file: the article as loaded; the
    source locale, the locale's policy, its ``reviews.yaml`` and that file's schema,
    its termbase and the language detector (its version, languages and thresholds).
    Whoever makes ``evaluate`` read anything else must add it here."""
    inputs: dict[str, str] = {}
    schema = file_part(str(project.schema(REVIEWS_SCHEMA)))
    detector = langid.identity(project_languages(project)).encode()
    for policy, article in pairs:
        if article.id not in inputs:
            inputs[article.id] = project.article_digest(article)
        if policy.code not in inputs:
            inputs[policy.code] = digest(
                "locale",
                project.config.source_locale,
                repr(policy),
                file_part(str(reviews_path(project, policy.code))),
                schema,
                file_part(str(termbase.path_of(project.locales_dir, policy.code))),
                detector,
            )
    return inputs


def evaluate_article(run: GateRun, indexes: Sequence[int]) -> ArticleVerdicts:
    """The verdicts of ``run.pairs[i] for i in indexes``, which are all of one article:
    those of unchanged inputs as they were, the others evaluated."""
    article = run.pairs[indexes[0]][1]
    policies = [run.pairs[i][0] for i in indexes]
    found = run.store.of_article(article, policies, functools.partial(evaluate, run.project))
    return found if run.texts else found.crossing(translations=False)


def by_article(pairs: Sequence[tuple[LocalePolicy, Article]]) -> list[list[int]]:
    """The indexes of ``pairs``, grouped by article (in order of first appearance)."""
    groups: dict[str, list[int]] = {}
    for index, (_, article) in enumerate(pairs):
        groups.setdefault(article.id, []).append(index)
    return list(groups.values())


def new_run(
    project: Project,
    pairs: list[tuple[LocalePolicy, Article]],
    *,
    prune: bool = False,
    texts: bool = True,
) -> GateRun:
    """What ``evaluate_article`` needs to evaluate ``pairs``."""
    store = VerdictStore.of_project(
        project.root, str(project.locales_dir), lambda: _inputs(project, pairs), prune=prune
    )
    return GateRun(project, pairs, store, texts)


def evaluate_pairs(
    project: Project,
    pairs: list[tuple[LocalePolicy, Article]],
    *,
    prune: bool = False,
    texts: bool = True,
    each: Callable[[Verdict], object] | None = None,
) -> list[Verdict]:
    """``[evaluate(project, policy, article) for policy, article in pairs]``, the same
    verdicts, but on every core and skipping pairs whose inputs are unchanged since
    they were last evaluated (``pipeline.incremental``). With ``prune`` (all pairs of
    the project were asked for), cached verdicts nobody asked for are deleted.
    ``texts=False``: a verdict made in another process comes without its translations
    (``Verdict.translations`` None, named by ``translations_digest``): what reports
    read does not need them, and twenty thousand of them would cross a pipe.
    ``each(verdict)`` is called on each as it comes in, article by article."""
    run = new_run(project, pairs, prune=prune, texts=texts)
    groups = by_article(pairs)
    # From another process, each result arrives as ``Detached`` records.
    found: dict[int, Verdict] = {}

    def arrived(index: int, group: ArticleVerdicts | Detached) -> None:
        indexes = groups[index]
        policies = [pairs[i][0] for i in indexes]
        verdicts = group.attach(policies, pairs[indexes[0]][1])
        found.update(zip(indexes, verdicts, strict=True))
        if each is not None:
            for verdict in verdicts:
                each(verdict)

    results: list[ArticleVerdicts | Detached]
    results = parallel.map_ordered(evaluate_article, run, groups, label="check", arrived=arrived)
    if prune:
        entries = [group.entry for group in results]
        prune_cache(run.store.cache, {VERDICTS: entries, TRANSLATIONS: entries})
    return [found[index] for index in range(len(pairs))]
