"""The translation dashboard: one self-contained HTML page showing, per locale and article,
how far translation has got, whether the warnings pass, their review state, and whether
the locale may be published.

``render_dashboard(verdicts)`` is a pure function of the gate's verdicts (no clock, no
files), so ``careloc status --format html`` and the ``status.html`` of a build are the
same page and builds stay reproducible. The page has inline CSS, no scripts, and says
everything in words and numbers as well as in colour.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from markupsafe import Markup

from pipeline.cache import Cache
from pipeline.export import template_environment
from pipeline.gate import Stats, Verdict
from pipeline.project import PSEUDO_LOCALE, LocalePolicy, parse_locale
from pipeline.review import ReviewCounts, review_counts

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


@dataclass(frozen=True)
class Row:
    """One locale x article."""

    article: str
    progress: Progress
    obsolete: int
    warnings_ok: bool
    warning_units: int
    review: ReviewCounts
    review_required: bool
    publishable: bool
    reasons: tuple[str, ...]
    errors: int
    warnings: int


@dataclass(frozen=True)
class LocaleView:
    """One locale: its rows and their totals."""

    code: str
    bcp47: str
    name: str
    status: str
    pseudo: bool
    review_required: bool
    rows: tuple[Row, ...]
    progress: Progress

    @property
    def publishable(self) -> int:
        return sum(1 for r in self.rows if r.publishable)

    @property
    def review(self) -> ReviewCounts:
        return ReviewCounts(
            sum(r.review.reviewed for r in self.rows),
            sum(r.review.stale for r in self.rows),
            sum(r.review.unreviewed for r in self.rows),
        )

    @property
    def warnings_ok(self) -> bool:
        return all(r.warnings_ok for r in self.rows)


def locale_name(policy: LocalePolicy) -> str:
    """The locale's English name from CLDR (``Portuguese (Brazil)``)."""
    if policy.code == PSEUDO_LOCALE:
        return "Pseudo-locale (layout test)"
    return str(parse_locale(policy.code).english_name)


def row(verdict: Verdict, warning_keys: Sequence[str] | None = None) -> Row:
    """One row; ``warning_keys`` (the article's warning units, computed once per
    article by ``locale_views``) saves walking the article again for every locale."""
    errors = sum(1 for f in verdict.findings if f.is_error)
    if warning_keys is None:
        warning_keys = [u.key for u in verdict.article.warning_units()]
    return Row(
        article=verdict.article.id,
        progress=Progress.of([verdict.stats]),
        obsolete=verdict.stats.obsolete,
        warnings_ok=verdict.warnings_ok,
        warning_units=len(warning_keys),
        review=review_counts(verdict.article, verdict.reviews, warning_keys),
        review_required=verdict.policy.require_review,
        publishable=verdict.publishable,
        reasons=verdict.reasons,
        errors=errors,
        warnings=len(verdict.findings) - errors,
    )


def locale_views(verdicts: Sequence[Verdict]) -> list[LocaleView]:
    """The verdicts grouped by locale, in the order they come (``evaluate_all`` sorts)."""
    warning_keys: dict[str, list[str]] = {}
    return [_view(group, warning_keys) for group in _by_locale(verdicts).values()]


def _by_locale(verdicts: Sequence[Verdict]) -> dict[str, list[Verdict]]:
    grouped: dict[str, list[Verdict]] = {}
    for verdict in verdicts:
        grouped.setdefault(verdict.policy.code, []).append(verdict)
    return grouped


def _view(group: Sequence[Verdict], warning_keys: dict[str, list[str]]) -> LocaleView:
    """One locale's view; ``warning_keys`` remembers each article's warning units."""
    for verdict in group:
        if verdict.article.id not in warning_keys:
            units = verdict.article.warning_units()
            warning_keys[verdict.article.id] = [u.key for u in units]
    policy = group[0].policy
    return LocaleView(
        code=policy.code,
        bcp47=policy.bcp47,
        name=locale_name(policy),
        status=policy.status,
        pseudo=policy.code == PSEUDO_LOCALE,
        review_required=policy.require_review,
        rows=tuple(row(v, warning_keys[v.article.id]) for v in group),
        progress=Progress.of([v.stats for v in group]),
    )


LOCALE_TEMPLATE = "dashboard-locale.html.j2"
FRAGMENT_CACHE = "dashboard"


def render_dashboard(
    verdicts: Sequence[Verdict],
    *,
    title: str = "Translation status",
    cache: Cache | None = None,
    keys: Mapping[tuple[str, str], str] | None = None,
) -> str:
    """The dashboard page for ``verdicts`` as HTML text (valid HTML5, self-contained).

    Each locale's rows are rendered on their own; with ``cache``, a locale whose rows
    say exactly what they said last time is not rendered again (a build after one
    PO file changed renders one locale's rows of twenty). ``keys``: for each (locale
    code, article id), a digest of everything its verdict was made from; with them,
    a locale whose verdicts all have the keys of last time is not even looked at."""
    articles = sorted({v.article.id for v in verdicts})
    environment = template_environment()
    body = environment.get_template(LOCALE_TEMPLATE)
    warning_keys: dict[str, list[str]] = {}
    bodies = []
    ready: list[str] = []
    withheld: list[str] = []
    used = []
    for code, group in _by_locale(verdicts).items():
        policy = group[0].policy
        key: str | None = None
        known = None
        if cache is not None and keys is not None:
            made_of = (f"{v.article.id}\0{keys[code, v.article.id]}" for v in group)
            key = cache.key(FRAGMENT_CACHE, "verdicts", repr(policy), *made_of)
            known = _fragment(cache.get_json(FRAGMENT_CACHE, key))
        if known is None:
            view = _view(group, warning_keys)
            if cache is not None and key is None:
                key = cache.key(FRAGMENT_CACHE, repr(view))
                known = _fragment(cache.get_json(FRAGMENT_CACHE, key))
            if known is None:
                known = (body.render(locale=view), view.publishable == len(view.rows))
                if cache is not None and key is not None:
                    cache.put_json(FRAGMENT_CACHE, key, {"body": known[0], "ready": known[1]})
        if key is not None:
            used.append(key)
        html, is_ready = known
        bodies.append(Markup(html))  # rendered (autoescaped) by the template above
        if policy.code == PSEUDO_LOCALE:
            continue
        if is_ready:
            ready.append(policy.bcp47)
        else:
            withheld.append(f"{policy.bcp47} ({policy.status})")
    if cache is not None:
        cache.prune(FRAGMENT_CACHE, used)
    return environment.get_template(TEMPLATE).render(
        title=title,
        locales=bodies,
        articles=articles,
        ready=ready,
        withheld=withheld,
        bodies=bodies,
    )


def _fragment(entry: object) -> tuple[str, bool] | None:
    """A remembered locale fragment (its rows and whether all are publishable)."""
    if isinstance(entry, dict) and isinstance(entry.get("body"), str):
        ready = entry.get("ready")
        if isinstance(ready, bool):
            return entry["body"], ready
    return None
