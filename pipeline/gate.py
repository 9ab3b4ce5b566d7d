"""The publish gate: for one locale and article, what may be published, and why not.

``evaluate`` compares a locale's PO file with the *current* source article (not
only the template), runs every check of ``pipeline.checks`` and decides
(SPEC §5): a locale is publishable for an article only if every urgent-care
warning unit passed and the rest meets the locale's completion minimum.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from babel.messages.catalog import Catalog

from pipeline import langid, meaning, parallel, termbase
from pipeline.cache import Cache, digest
from pipeline.checks import (
    ERROR,
    WARNING,
    PoContext,
    check_header,
    decide,
    english_of,
    listing,
    read_header,
    translation_of,
    unknown_entry,
)
from pipeline.errors import ContentError
from pipeline.files import read_bounded
from pipeline.model import Article, Finding, FindingSeverity, Location, Unit, WarningBlock
from pipeline.pofile import MAX_PO_BYTES, PoEntries, PoEntry, read_entries
from pipeline.project import PSEUDO_LOCALE, LocalePolicy, Project, parse_locale
from pipeline.review import SCHEMA as REVIEWS_SCHEMA
from pipeline.review import ReviewState, assess, reviews_path

__all__ = [
    "VERDICT_CACHE",
    "Batch",
    "CheckResult",
    "Fields",
    "Stats",
    "Verdict",
    "check_project",
    "evaluate",
    "evaluate_all",
    "evaluate_group",
    "item_count",
    "new_batch",
    "project_languages",
    "translations_digest",
]


@dataclass(frozen=True)
class Stats:
    """Entry counts of one PO file, as ``msgfmt --statistics`` counts them.

    The header is not counted; an empty msgstr is untranslated even when marked
    fuzzy; obsolete (``#~``) entries are counted apart, as msgfmt ignores them."""

    total: int
    translated: int
    fuzzy: int
    untranslated: int
    obsolete: int

    @classmethod
    def of(cls, catalog: PoEntries | Catalog) -> Stats:
        if isinstance(catalog, Catalog):
            catalog = PoEntries.of(catalog)
        translated = fuzzy = untranslated = 0
        for message in catalog.messages:
            if not message.id:
                continue
            if not translation_of(message):
                untranslated += 1
            elif message.fuzzy:
                fuzzy += 1
            else:
                translated += 1
        return cls(
            translated + fuzzy + untranslated,
            translated,
            fuzzy,
            untranslated,
            len(catalog.obsolete),
        )


NO_STATS = Stats(0, 0, 0, 0, 0)


@dataclass(frozen=True)
class Verdict:
    """The gate's decision for one locale x article."""

    policy: LocalePolicy
    article: Article
    findings: tuple[Finding, ...]
    """Every finding for this PO (errors and warnings), with locale and article set."""
    stats: Stats
    translations: Mapping[str, str]
    """msgctxt -> translation safe to publish; anything absent falls back to English."""
    warnings_ok: bool
    publishable: bool
    reasons: tuple[str, ...]
    """Short human reasons when not publishable: "warning symptoms/x: fuzzy"."""
    reviews: Mapping[str, ReviewState] = field(default_factory=dict)
    """msgctxt -> clinician review state of every urgent-care warning unit
    (empty when the PO file could not be read)."""
    renderings: Mapping[str, tuple[str, int | None]] = field(default_factory=dict)
    """msgctxt -> (translation, line) of every usable urgent-care warning unit: what
    ``inconsistent`` compares across articles (kept with cached verdicts)."""
    same_as_source: tuple[str, ...] = ()
    """msgctxt of every unit published identical to the English on the translator's
    ``# careloc: same-as-source`` confirmation (the waivers in force)."""

    @property
    def locale(self) -> str:
        """The locale as a BCP 47 tag."""
        return self.policy.bcp47

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.is_error)


@dataclass
class _Tally:
    """Findings as they are made, with what each is about (for reasons and warnings_ok)."""

    findings: list[Finding] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    warning_errors: int = 0
    same_as_source: list[str] = field(default_factory=list)

    def add(
        self,
        finding: Finding,
        subject: str,
        *,
        about_warning: bool = False,
        detail: str | None = None,
    ) -> None:
        self.findings.append(finding)
        if finding.is_error:
            reason = f"{subject}: {detail or finding.code}"
            if reason not in self.reasons:
                self.reasons.append(reason)
            if about_warning:
                self.warning_errors += 1

    def add_unusable(self, exc: ContentError, context: PoContext, subject: str) -> None:
        """The findings of a file that could not be used (the PO file, the termbase): they
        concern this locale and article, and withhold it like a broken warning."""
        for finding in exc.findings:
            located = replace(finding, locale=context.locale, article=context.article)
            self.add(located, subject, about_warning=True)


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
            tally.add(count, f"warning {warning.lead.key}", about_warning=True)
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
            tally.add(finding, f"warning {warning.lead.key}", about_warning=True)
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
        if path.is_symlink():
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
    locale then article."""
    wanted = set(project.target_locales(codes))
    policies = sorted((p for p in project.config.locales if p.code in wanted), key=_by_code)
    articles = sorted(project.articles, key=lambda a: a.id)
    pairs = [(policy, article) for policy in policies for article in articles]
    return with_inconsistencies(project, evaluate_pairs(project, pairs, prune=codes is None))


def with_inconsistencies(project: Project, verdicts: list[Verdict]) -> list[Verdict]:
    """``verdicts`` with the ``inconsistent`` warnings of each locale added to the
    verdicts whose files they point at (``pipeline.meaning.inconsistent``)."""
    by_locale: dict[str, list[meaning.Rendering]] = {}
    locales = project.rel(project.locales_dir)
    for verdict in verdicts:
        if not verdict.renderings:
            continue
        locale, article = verdict.locale, verdict.article
        path = f"{locales}/{verdict.policy.code}/LC_MESSAGES/{article.id}.po"
        found = by_locale.setdefault(locale, [])
        for key, (text, line) in verdict.renderings.items():
            unit = article.unit(key)
            if unit is not None:
                found.append(
                    meaning.Rendering(unit.text, key, text, path, line, locale, article.id)
                )
    added: dict[tuple[str | None, str | None], list[Finding]] = {}
    for renderings in by_locale.values():
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


# -- the conditions ---------------------------------------------------------------------
def item_count(
    warning: WarningBlock,
    translations: Mapping[str, str],
    lines: Mapping[str, int | None],
    context: PoContext,
) -> Finding | None:
    """``item-count``: a warning's red-flag list must keep every item, each distinct.

    A missing or unusable item, or two items translated the same (a pasted
    duplicate), leaves the reader a shorter list of danger signs than the
    English has. Items are compared without case, spaces, punctuation, symbols
    or invisible characters, and in one Unicode form (NFKC): "fatiga" and
    "fatiga." are the same item."""
    expected = len(warning.red_flags)
    usable = [translations[u.key] for u in warning.red_flags if u.key in translations]
    distinct = {item_key(t) for t in usable}
    if len(distinct) == expected:
        return None
    if len(usable) < expected:
        missing = [u.key.rsplit("/", 1)[-1] for u in warning.red_flags if u.key not in translations]
        detail = f"{len(usable)} usable translation(s); not usable: {listing(missing)}"
    else:
        seen: dict[str, str] = {}
        repeated = [
            f"{u.key.rsplit('/', 1)[-1]} as {first.rsplit('/', 1)[-1]}"
            for u in warning.red_flags
            if (first := seen.setdefault(item_key(translations[u.key]), u.key)) != u.key
        ]
        detail = f"only {len(distinct)} different translations (items repeat: {listing(repeated)})"
    return context.finding(
        "item-count",
        ERROR,
        f"urgent-care warning '{warning.lead.key}' has {expected} red-flag item(s) in the "
        f"English but {detail}",
        lines.get(warning.lead.key),
        unit=warning.lead.key,
    )


_NOT_WORD = re.compile(r"[\W_]+")


def item_key(text: str) -> str:
    """What makes a red-flag item different from another: its letters and digits, in
    NFKC and case folded (spaces, punctuation, symbols and invisible characters do not
    count)."""
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", text).casefold())


def completion_percent(
    article: Article, translations: Mapping[str, str], catalog: PoEntries | None = None
) -> int:
    """Percent (rounded down) of the non-warning units that count as translated: with a
    usable translation, or (given the ``catalog``) awaiting an update after an English
    edit (see ``completion``)."""
    units = [u for u in article.units() if not u.is_warning]
    if not units:
        return 100
    done = sum(1 for u in units if u.key in translations)
    if catalog is not None and done < len(units):
        done += len(awaiting_update(units, translations, catalog))
    return 100 * done // len(units)


def completion(
    article: Article,
    translations: Mapping[str, str],
    policy: LocalePolicy,
    context: PoContext,
    catalog: PoEntries | None = None,
) -> Finding | None:
    """``completion``: enough of the non-warning text must be translated.

    Counts, against ``min_completion`` of ``locales/locales.yaml``, the units that are
    translated, not fuzzy, current and free of errors, and also those whose English was
    edited after they were translated (fuzzy or stale, with a translation waiting for
    the translator's update): those are shown in English, marked as such, until the
    translator catches up, so an edit to the English never takes a complete locale
    off the site. Units never translated, or whose translation fails a check, do not
    count; they fall back to English too. (Urgent-care warnings always need every unit,
    current.)"""
    units = [u for u in article.units() if not u.is_warning]
    done = sum(1 for u in units if u.key in translations)
    if done * 100 >= policy.min_completion * len(units):
        return None
    waiting = awaiting_update(units, translations, catalog) if catalog is not None else set()
    if (done + len(waiting)) * 100 >= policy.min_completion * len(units):
        return None
    note = f", {len(waiting)} more awaiting an update" if waiting else ""
    return context.finding(
        "completion",
        ERROR,
        f"{done} of {len(units)} non-warning units are translated and usable{note} "
        f"({completion_percent(article, translations, catalog)}%); "
        f"locales/locales.yaml asks for {policy.min_completion:g}% for {policy.code}",
    )


def awaiting_update(
    units: Sequence[Unit], translations: Mapping[str, str], catalog: PoEntries
) -> set[str]:
    """Keys of the ``units`` without a usable translation whose PO entry has one made
    for an earlier English: marked fuzzy, or translating another msgid (stale)."""
    wanted = {u.key: u.text for u in units if u.key not in translations}
    waiting: set[str] = set()
    for message in catalog.messages:
        english = wanted.get(message.context or "")
        if english is None or not (message.fuzzy or message.id != english):
            continue
        if any(ch.isalnum() for ch in translation_of(message)):
            waiting.add(message.context or "")
    return waiting


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
            about_warning=True,
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
            about_warning=True,
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
            tally.add(finding, subject, about_warning=unit.is_warning)
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
                about_warning=unit.is_warning,
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
        warnings_ok=tally.warning_errors == 0,
        publishable=publishable,
        reasons=tuple(tally.reasons),
        reviews=dict(reviews or {}),
        renderings=dict(renderings or {}),
        same_as_source=tuple(tally.same_as_source),
    )


# -- every locale x article: cached by content hash, on every core ------------------------
VERDICT_CACHE = "verdicts"
_SKIP = ("policy", "article")
_FIELD_ORDER = [f.name for f in dataclasses.fields(Verdict) if f.name not in _SKIP]


class _Translations(Mapping[str, str]):
    """A verdict's translations, with the sha256 that names them in cache keys.

    Made from the JSON text they are kept as (parsed when first read), or, for a
    verdict taken from the cache, which records only that sha256, from a function that
    works them out again (the gate run once more on the same PO bytes) when first read:
    a build after one PO file changed needs the translations of the pages it renders
    again, not of the twenty thousand it keeps. Verdicts cross from worker processes
    by the ten thousand, and the process that gathers them rarely reads their
    translations: they cross as the text, or only the sha256."""

    __slots__ = ("_data", "_parsed", "_source", "digest")

    def __init__(
        self,
        data: bytes | None,
        digest: str | None = None,
        source: Callable[[], bytes] | None = None,
    ) -> None:
        self._data = data
        self._parsed: dict[str, str] | None = None
        self._source = source
        self.digest = digest if digest is not None else _text_digest(data or b"{}")

    def bind(self, source: Callable[[], bytes]) -> None:
        """How to work the translations out again, for one that crossed without them."""
        if self._data is None:
            self._source = source

    def _map(self) -> dict[str, str]:
        if self._parsed is None:
            if self._data is None:
                if self._source is None:
                    raise LookupError("these translations were not kept with the verdict")
                self._data = self._source()
            self._parsed = json.loads(self._data)
        return self._parsed

    def __getitem__(self, key: str) -> str:
        return self._map()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._map())

    def __len__(self) -> int:
        return len(self._map())

    def __repr__(self) -> str:
        return repr(self._map())

    def __reduce__(self) -> tuple[type[_Translations], tuple[bytes | None, str]]:
        return (_Translations, (self._data, self.digest))


def _text_digest(text: bytes) -> str:
    return digest("json", text)


def translations_digest(texts: Mapping[str, str]) -> str:
    """sha256 of a msgctxt -> text mapping. A verdict's translations are hashed as the
    JSON text they came in (the same translations always give the same text), without
    parsing it; any other mapping by its items in key order."""
    if isinstance(texts, _Translations):
        return texts.digest
    parts = [x for item in sorted(texts.items()) for x in item]
    joined = "\0".join(parts)
    if joined.count("\0") != max(len(parts) - 1, 0):  # a NUL inside a text: frame them
        return digest(*parts)
    return hashlib.sha256(joined.encode()).hexdigest()


@dataclass(frozen=True)
class Batch:
    """What the workers of ``evaluate_pairs`` share (inherited by fork, not pickled)."""

    project: Project
    cache: Cache
    pairs: list[tuple[LocalePolicy, Article]]
    inputs: dict[str, str]
    """Digest of the inputs of each article (by id) and locale (by code) but the PO."""
    locales: str
    """The project's ``locales/`` directory (PO files are found by the ten thousand)."""
    prune: bool = False
    """Every locale of the project was asked for: a record nobody asked for is dropped."""


def _read_po_part(path: str) -> tuple[bytes, bytes | None]:
    """What a PO file contributes to a verdict's key, and its bytes if it could be read."""
    try:  # bounded: a FIFO or /dev/zero planted here must not hang or exhaust memory
        data = read_bounded(path, MAX_PO_BYTES, path)
    except ContentError as exc:  # what was wrong is part of the key (a too-large line)
        return b"unusable\0" + "\n".join(f.format() for f in exc.findings).encode(), None
    return b"present\0" + data, data


def _file_part(path: Path | str) -> bytes:
    return _read_po_part(str(path))[0]


def _inputs(project: Project, pairs: list[tuple[LocalePolicy, Article]]) -> dict[str, str]:
    """What a verdict depends on besides its PO file: the article as loaded; the
    source locale, the locale's policy, its ``reviews.yaml`` and that file's schema,
    its termbase and the language detector (its version, languages and thresholds).
    Whoever makes ``evaluate`` read anything else must add it here."""
    inputs: dict[str, str] = {}
    schema = _file_part(project.schema(REVIEWS_SCHEMA))
    detector = langid.identity(project_languages(project)).encode()
    for policy, article in pairs:
        if article.id not in inputs:
            inputs[article.id] = project.article_digest(article)
        if policy.code not in inputs:
            inputs[policy.code] = digest(
                "locale",
                project.config.source_locale,
                repr(policy),
                _file_part(reviews_path(project, policy.code)),
                schema,
                _file_part(termbase.path_of(project.locales_dir, policy.code)),
                detector,
            )
    return inputs


Fields = dict[str, object]
"""The fields of a verdict but its policy and article."""


@dataclass(frozen=True)
class Group:
    """The verdicts of one article, as ``evaluate_group`` found them."""

    entry: str | None
    """The cache entry that holds them (None without the cache)."""
    fields: list[Fields]
    """The fields of each verdict but its policy and article."""
    keys: list[str]
    """For each verdict, the sha256 of everything it was made from ("" without the
    cache): the same key, the same verdict."""


def evaluate_group(batch: Batch, indexes: Sequence[int]) -> Group:
    """The verdicts of ``batch.pairs[i] for i in indexes``, which are all of one article.

    The records of one article's verdicts share one cache entry (named by the article's
    digest); each is found in it by the sha256 of its locale's inputs and its PO file,
    and one whose inputs changed is evaluated again. So a build after one PO file
    changed evaluates one verdict, and a cold build writes one entry per article, not
    one per PO file."""
    project, cache = batch.project, batch.cache
    article = batch.pairs[indexes[0]][1]
    entry = cache.key(VERDICT_CACHE, batch.inputs[article.id]) if cache.enabled else None
    records = _unpack(cache.get(VERDICT_CACHE, entry)) if entry is not None else {}
    used: dict[str, bytes] = {}
    found: list[Fields] = []
    keys: list[str] = []
    for index in indexes:
        policy, _ = batch.pairs[index]
        data = None
        key = ""
        if entry is not None:
            po, data = _read_po_part(f"{batch.locales}/{policy.code}/LC_MESSAGES/{article.id}.po")
            key = digest(batch.inputs[policy.code], po)
            keys.append(f"{entry}/{key}")
            record = records.get(key)
            fields = _cached_fields(record)
            if record is not None and fields is not None:
                used[key] = record
                translations = fields["translations"]
                assert isinstance(translations, _Translations)
                translations.bind(_rereader(project, policy, article, data))
                found.append(fields)
                continue
        else:
            keys.append("")
        verdict = evaluate(project, policy, article, data)
        fields = {f: getattr(verdict, f) for f in _FIELD_ORDER if f != "translations"}
        text = json.dumps(verdict.translations, ensure_ascii=False).encode()
        fields["translations"] = _Translations(text)
        if entry is not None:
            # The other fields as tagged JSON on the first line, then the sha256 of the
            # translations' JSON text: a page keyed by it that must be made again gets
            # them from the gate, run once more.
            head = _head(verdict)
            used[key] = head + b"\n" + fields["translations"].digest.encode()  # type: ignore[attr-defined]
        found.append(fields)
    if entry is not None:
        kept = used if batch.prune else {**records, **used}
        if kept != records:
            cache.put(VERDICT_CACHE, entry, _pack(kept))
    return Group(entry, found, keys)


def _pack(records: Mapping[str, bytes]) -> bytes:
    """Records as one cache entry: each as ``<key> <length>\\n<bytes>``, sorted by key."""
    return b"".join(
        b"%s %d\n%s" % (key.encode("ascii"), len(records[key]), records[key])
        for key in sorted(records)
    )


def _unpack(entry: bytes | None) -> dict[str, bytes]:
    """The records of a cache entry made by ``_pack``; none if it is missing or damaged."""
    records: dict[str, bytes] = {}
    pos = 0
    try:
        while entry is not None and pos < len(entry):
            end = entry.index(b"\n", pos)
            key, size = entry[pos:end].split(b" ")
            start, pos = end + 1, end + 1 + int(size)
            if pos > len(entry) or not key.isalnum():
                return {}
            records[key.decode("ascii")] = entry[start:pos]
    except ValueError:
        return {}
    return records


def _cached_fields(entry: bytes | None) -> Fields | None:
    """The fields of a verdict cache record; None if there is none or it is damaged."""
    if entry is None:
        return None
    head, _, text = entry.partition(b"\n")
    if len(text) != 64 or not text.isalnum():
        return None
    fields = _read_head(head)
    if fields is not None:
        fields["translations"] = _Translations(None, text.decode("ascii"))
    return fields


def _head(verdict: Verdict) -> bytes:
    """A verdict's fields but its policy, article and translations, as one line of
    compact JSON (lists, not tagged objects: read back by the twenty thousand)."""
    findings = [
        [
            f.code,
            f.severity.value,
            f.message,
            *((f.location.path, f.location.line, f.location.column) if f.location else ()),
            f.locale,
            f.article,
            f.unit,
        ]
        for f in verdict.findings
    ]
    stats = dataclasses.astuple(verdict.stats)
    reviews = {key: state.value for key, state in verdict.reviews.items()}
    renderings = {key: list(value) for key, value in verdict.renderings.items()}
    data = [
        findings,
        stats,
        verdict.reasons,
        reviews,
        verdict.publishable,
        verdict.warnings_ok,
        renderings,
        verdict.same_as_source,
    ]
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


_SEVERITIES = FindingSeverity._value2member_map_
_STATES = ReviewState._value2member_map_


def _read_head(head: bytes) -> Fields | None:
    """The fields ``_head`` wrote; None if ``head`` is not such a line."""
    try:
        findings, stats, reasons, reviews, publishable, warnings_ok, renderings, waived = (
            json.loads(head)
        )
        found = []
        for item in findings:
            code, severity, message, *where, locale, article, unit = item
            location = Location(*where) if where else None
            if location is not None and not isinstance(location.path, str):
                return None
            found.append(
                Finding(code, _SEVERITIES[severity], message, location, locale, article, unit)  # type: ignore[arg-type]
            )
        fields: Fields = {
            "findings": tuple(found),
            "stats": Stats(*stats),
            "warnings_ok": warnings_ok,
            "publishable": publishable,
            "reasons": tuple(reasons),
            "reviews": {key: _STATES[value] for key, value in reviews.items()},
            "renderings": {key: (text, line) for key, (text, line) in renderings.items()},
            "same_as_source": tuple(waived),
        }
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
    if not (
        type(publishable) is bool
        and type(warnings_ok) is bool
        and all(type(n) is int for n in stats)
        and all(type(r) is str for r in reasons)
        and all(type(k) is str for k in waived)
    ):
        return None
    return fields


def _rereader(
    project: Project, policy: LocalePolicy, article: Article, data: bytes | None = None
) -> Callable[[], bytes]:
    """How to work out again the translations of a verdict taken from the cache: the
    gate on the PO bytes its key was made from (``data``), or on the file as it is."""

    def translations() -> bytes:
        verdict = evaluate(project, policy, article, data)
        return json.dumps(verdict.translations, ensure_ascii=False).encode()

    return translations


def by_article(pairs: Sequence[tuple[LocalePolicy, Article]]) -> list[list[int]]:
    """The indexes of ``pairs``, grouped by article (in order of first appearance)."""
    groups: dict[str, list[int]] = {}
    for index, (_, article) in enumerate(pairs):
        groups.setdefault(article.id, []).append(index)
    return list(groups.values())


def new_batch(
    project: Project, pairs: list[tuple[LocalePolicy, Article]], *, prune: bool = False
) -> Batch:
    """What ``evaluate_group`` needs to evaluate ``pairs``."""
    cache = Cache(project.root)
    inputs = _inputs(project, pairs) if cache.enabled else {}
    return Batch(project, cache, pairs, inputs, str(project.locales_dir), prune)


def evaluate_pairs(
    project: Project, pairs: list[tuple[LocalePolicy, Article]], *, prune: bool = False
) -> list[Verdict]:
    """``[evaluate(project, policy, article) for policy, article in pairs]``, the same
    verdicts, but on every core and skipping pairs whose inputs are unchanged since
    they were last evaluated (``pipeline.cache``). With ``prune`` (all pairs of the
    project were asked for), cached verdicts nobody asked for are deleted."""
    batch = new_batch(project, pairs, prune=prune)
    groups = by_article(pairs)
    results = parallel.map_ordered(evaluate_group, batch, groups, label="check")
    fields: dict[int, Fields] = {}
    for indexes, group in zip(groups, results, strict=True):
        fields.update(zip(indexes, group.fields, strict=True))
    if prune:
        entries = (group.entry for group in results if group.entry is not None)
        batch.cache.prune(VERDICT_CACHE, entries)
    verdicts = [
        Verdict(policy=policy, article=article, **fields[index])  # type: ignore[arg-type]
        for index, (policy, article) in enumerate(pairs)
    ]
    for verdict in verdicts:
        if isinstance(verdict.translations, _Translations):
            verdict.translations.bind(_rereader(project, verdict.policy, verdict.article))
    return verdicts
