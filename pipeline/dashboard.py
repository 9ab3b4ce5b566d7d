"""The translation dashboard: one self-contained HTML page leading with one row per
locale (a progress bar, counts, how many articles it may publish), then each locale's
totals (warnings, clinician review, findings) and the articles it withholds, with why.

Its size depends on the number of locales, not of articles: articles that pass are
counted, not listed, and at most ``MAX_LISTED`` withheld articles are listed per locale
(at 1,000 articles x 20 locales the page is under 500 KB even when every page is
withheld). ``render_dashboard(verdicts)`` is a pure function of the gate's verdicts (no
clock, no files), so ``careloc status --format html`` and the ``status.html`` of a build
are the same page and builds stay reproducible. The page has inline CSS, no scripts,
and says everything in words and numbers as well as in colour.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from markupsafe import Markup

from pipeline.export import template_environment
from pipeline.gate import Stats, Verdict
from pipeline.incremental.fragments import Fragment, Fragments
from pipeline.incremental.verdicts import Pending, complete
from pipeline.project import PSEUDO_LOCALE, LocalePolicy, parse_locale
from pipeline.review import ReviewCounts, ReviewState

__all__ = ["MAX_LISTED", "MAX_REASONS", "PAGE", "Progress", "locale_views", "render_dashboard"]

V = TypeVar("V", Verdict, Verdict | Pending)
TEMPLATE = "dashboard.html.j2"
PAGE = "status.html"
"""Where ``careloc build`` puts the dashboard in the output directory."""


@dataclass(frozen=True)
class Segment:
    """One part of a stacked progress bar."""

    kind: str  # "translated" | "fuzzy" | "untranslated"
    count: int
    percent: float

    @property
    def width(self) -> str:
        """CSS width, to one decimal place (stable text for reproducible pages)."""
        return f"{self.percent:.1f}%"

    @property
    def label(self) -> str:
        return f"{self.count} {self.kind} ({self.percent:.0f}%)"


@dataclass(frozen=True)
class Progress:
    """Entry counts of one PO file (or several) as a stacked bar."""

    total: int
    segments: tuple[Segment, ...]

    @classmethod
    def of(cls, stats: Sequence[Stats]) -> Progress:
        total = sum(s.total for s in stats)
        counts = (
            ("translated", sum(s.translated for s in stats)),
            ("fuzzy", sum(s.fuzzy for s in stats)),
            ("untranslated", sum(s.untranslated for s in stats)),
        )
        return cls(
            total,
            tuple(Segment(k, n, 100 * n / total if total else 0.0) for k, n in counts),
        )

    @property
    def translated_percent(self) -> float:
        return self.segments[0].percent

    @property
    def summary(self) -> str:
        """``30 of 36 translated, 1 fuzzy, 5 untranslated``: the bar in words."""
        if not self.total:
            return "no catalog"
        translated, fuzzy, untranslated = (s.count for s in self.segments)
        return (
            f"{translated} of {self.total} translated, {fuzzy} fuzzy, {untranslated} untranslated"
        )


MAX_LISTED = 25
"""Withheld articles listed by name per locale; the rest are counted (``careloc status
--locale L --format json`` lists them all). Keeps the page small at any corpus size."""
MAX_REASONS = 4
"""Reasons shown per withheld article; the rest are counted."""


@dataclass(frozen=True)
class Withheld:
    """One article a locale may not publish, and why."""

    article: str
    warnings_ok: bool
    progress: Progress
    reasons: tuple[str, ...]
    more_reasons: int


@dataclass(frozen=True)
class LocaleView:
    """One locale: totals over its articles and the articles it withholds."""

    code: str
    bcp47: str
    name: str
    status: str
    pseudo: bool
    review_required: bool
    articles: int
    publishable: int
    warnings_failing: int
    """Articles whose urgent-care warnings fail the gate."""
    warning_units: int
    progress: Progress
    obsolete: int
    review: ReviewCounts
    errors: int
    warnings: int
    withheld: tuple[Withheld, ...]
    """The first ``MAX_LISTED`` withheld articles, those with failing warnings first."""
    more_withheld: int
    """Withheld articles not listed."""

    @property
    def ready(self) -> bool:
        """Every article of the locale may be published."""
        return self.publishable == self.articles


def locale_name(policy: LocalePolicy) -> str:
    """The locale's English name from CLDR (``Portuguese (Brazil)``)."""
    if policy.code == PSEUDO_LOCALE:
        return "Pseudo-locale (layout test)"
    return str(parse_locale(policy.code).english_name)


def locale_views(verdicts: Sequence[Verdict]) -> list[LocaleView]:
    """The verdicts grouped by locale, in the order they come (``evaluate_all`` sorts)."""
    warning_keys: dict[str, list[str]] = {}
    return [_view(group, warning_keys) for group in _by_locale(verdicts).values()]


def _by_locale(verdicts: Sequence[V]) -> dict[str, list[V]]:
    grouped: dict[str, list[V]] = {}
    for verdict in verdicts:
        grouped.setdefault(verdict.policy.code, []).append(verdict)
    return grouped


def _withheld(verdict: Verdict) -> Withheld:
    return Withheld(
        article=verdict.article.id,
        warnings_ok=verdict.warnings_ok,
        progress=Progress.of([verdict.stats]),
        reasons=verdict.reasons[:MAX_REASONS],
        more_reasons=max(0, len(verdict.reasons) - MAX_REASONS),
    )


def _view(group: Sequence[Verdict], warning_keys: dict[str, list[str]]) -> LocaleView:
    """One locale's view; ``warning_keys`` remembers each article's warning units."""
    states: list[ReviewState] = []
    errors = 0
    for verdict in group:
        keys = warning_keys.get(verdict.article.id)
        if keys is None:
            keys = warning_keys[verdict.article.id] = [
                u.key for u in verdict.article.warning_units()
            ]
        states.extend(verdict.reviews.get(k, ReviewState.UNREVIEWED) for k in keys)
        errors += sum(1 for f in verdict.findings if f.is_error)
    # Failing warnings first: they are what keeps a page off the site for safety.
    blocked = sorted(
        (v for v in group if not v.publishable), key=lambda v: (v.warnings_ok, v.article.id)
    )
    policy = group[0].policy
    return LocaleView(
        code=policy.code,
        bcp47=policy.bcp47,
        name=locale_name(policy),
        status=policy.status,
        pseudo=policy.code == PSEUDO_LOCALE,
        review_required=policy.require_review,
        articles=len(group),
        publishable=len(group) - len(blocked),
        warnings_failing=sum(1 for v in group if not v.warnings_ok),
        warning_units=len(states),
        progress=Progress.of([v.stats for v in group]),
        obsolete=sum(v.stats.obsolete for v in group),
        review=ReviewCounts.of(states),
        errors=errors,
        warnings=sum(len(v.findings) for v in group) - errors,
        withheld=tuple(_withheld(v) for v in blocked[:MAX_LISTED]),
        more_withheld=max(0, len(blocked) - MAX_LISTED),
    )


ROW_TEMPLATE = "dashboard-row.html.j2"
LOCALE_TEMPLATE = "dashboard-locale.html.j2"


def render_dashboard(
    verdicts: Sequence[Verdict | Pending],
    *,
    title: str = "Translation status",
    fragments: Fragments | None = None,
    keys: Mapping[tuple[str, str], str] | None = None,
) -> str:
    """The dashboard page for ``verdicts`` as HTML text (valid HTML5, self-contained):
    one overview row per locale, then each locale's totals and withheld articles.

    Each locale's parts are rendered on their own; with ``fragments`` and ``keys`` (for
    each (locale code, article id), a digest of everything its verdict was made from,
    as a build has them), a locale whose verdicts all have the keys of last time is
    taken as it was, without even being looked at (a build after one PO file changed
    makes one locale's parts of twenty). A ``Pending`` verdict is read whole only if
    its locale's parts are made again."""
    articles = len({v.article.id for v in verdicts})
    environment = template_environment()
    row_template = environment.get_template(ROW_TEMPLATE)
    locale_template = environment.get_template(LOCALE_TEMPLATE)
    warning_keys: dict[str, list[str]] = {}
    rows: list[Markup] = []
    sections: list[Markup] = []
    ready: list[str] = []
    withheld: list[str] = []
    for code, group in _by_locale(verdicts).items():
        policy = group[0].policy

        def render(group: Sequence[Verdict | Pending] = group) -> Fragment:
            view = _view([complete(v) for v in group], warning_keys)
            return Fragment(
                row_template.render(locale=view), locale_template.render(locale=view), view.ready
            )

        if fragments is not None and keys is not None:
            verdict_keys = ((v.article.id, keys[code, v.article.id]) for v in group)
            known = fragments.locale(repr(policy), verdict_keys, render)
        else:
            known = render()
        row, section, is_ready = known.row, known.section, known.ready
        rows.append(Markup(row))  # rendered (autoescaped) by the templates above
        sections.append(Markup(section))
        if policy.code == PSEUDO_LOCALE:
            continue
        if is_ready:
            ready.append(policy.bcp47)
        else:
            withheld.append(f"{policy.bcp47} ({policy.status})")
    return environment.get_template(TEMPLATE).render(
        title=title,
        articles=articles,
        ready=ready,
        withheld=withheld,
        rows=rows,
        sections=sections,
    )
