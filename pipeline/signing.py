"""``careloc review``: a clinician signs off a locale's urgent-care warnings.

The sign-off records and the review condition of the gate are ``pipeline.review``;
signing needs the gate's verdict on each unit first, so it lives here, after the
gate (``gate`` imports ``review``; this module imports both).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from pipeline.checks import PoContext, item_count
from pipeline.errors import ContentError, UsageError
from pipeline.files import atomic_write
from pipeline.gate import evaluate
from pipeline.model import Article, Finding, FindingSeverity, Location, Unit, error
from pipeline.project import Project, source_date_epoch
from pipeline.review import (
    REVIEWER_RE,
    Key,
    ReviewState,
    SignOff,
    fingerprint,
    load_reviews,
    render_reviews,
    reviews_data,
    reviews_path,
    why_stale,
)

__all__ = ["Confirm", "Proposal", "SignResult", "review_date", "select_units", "sign"]


# -- signing off ------------------------------------------------------------------------------
@dataclass(frozen=True)
class SignResult:
    """What ``careloc review`` did."""

    path: str
    signed: tuple[str, ...]
    """``article/msgctxt`` of every unit signed off."""
    dropped: tuple[str, ...]
    """``article/msgctxt`` of sign-offs removed because the unit no longer exists."""
    changed: bool
    """False if the file already said exactly this (it was not rewritten)."""
    declined: bool = False
    """The reviewer did not confirm: nothing was signed or written."""


@dataclass(frozen=True)
class Proposal:
    """One unit ``careloc review`` is about to sign off, as the reviewer must see it."""

    article: str
    unit: Unit
    translation: str
    previous: SignOff | None
    """The unit's current sign-off, if it has one."""

    @property
    def since(self) -> str:
        """What changed since the last sign-off, in words."""
        if self.previous is None:
            return "not signed off before"
        who = f"signed off by {self.previous.reviewer} on {self.previous.date}"
        if self.previous.state(self.unit.text, self.translation) is ReviewState.REVIEWED:
            return f"{who}; unchanged since"
        changed = why_stale(self.previous, self.unit, {self.unit.key: self.translation})
        return f"{who}; since then {changed}"


Confirm = Callable[[Sequence[Proposal]], bool]


def review_date() -> str:
    """Today's date (UTC), or the date of ``SOURCE_DATE_EPOCH`` if set: only the date,
    so that signing twice on one day changes nothing."""
    epoch = source_date_epoch()
    if epoch is not None:
        return datetime.datetime.fromtimestamp(epoch, datetime.UTC).date().isoformat()
    return datetime.datetime.now(datetime.UTC).date().isoformat()


def select_units(
    articles: Sequence[Article], selectors: Sequence[str] | None
) -> list[tuple[Article, Unit]]:
    """The warning units ``selectors`` name in ``articles`` (all warning units if none).

    A selector is a unit's msgctxt (``symptoms/seek-immediate-help/dizziness``) or a
    warning id (``seek-immediate-help``: its lead and every red flag). UsageError if
    a selector names nothing, or a unit that is not part of an urgent-care warning."""
    if not selectors:
        return [(a, u) for a in articles for u in a.warning_units()]
    chosen: dict[Key, tuple[Article, Unit]] = {}
    problems = []
    for selector in selectors:
        matched = [
            (a, u) for a in articles for u in a.warning_units() if selector in (u.key, u.warning_id)
        ]
        if not matched:
            plain = any(a.unit(selector) is not None for a in articles)
            problems.append(
                error(
                    "unknown-unit",
                    f"{selector!r} is not part of an urgent-care warning; only warnings are "
                    "signed off"
                    if plain
                    else f"no urgent-care warning or warning unit {selector!r}"
                    + (f" in {', '.join(a.id for a in articles)}" if articles else ""),
                )
            )
        for article, unit in matched:
            chosen.setdefault((article.id, unit.key), (article, unit))
    if problems:
        raise UsageError(problems)
    order = {(a.id, u.key): i for i, (a, u) in enumerate(select_units(articles, None))}
    return sorted(chosen.values(), key=lambda au: order[au[0].id, au[1].key])


def sign(
    project: Project,
    code: str,
    reviewer: str,
    *,
    article_ids: Sequence[str] | None = None,
    selectors: Sequence[str] | None = None,
    date: str | None = None,
    confirm: Confirm | None = None,
) -> SignResult:
    """Record ``reviewer``'s sign-off of the warning units of locale ``code`` (all of
    them, or those of ``article_ids`` / ``selectors``) in ``locales/<code>/reviews.yaml``.

    Every requested unit must have a translation the gate would publish (translated,
    not fuzzy, for the current English, passing every check, its warning's red-flag
    list complete); otherwise ContentError names each refused unit with its PO line,
    and nothing is written. ``confirm`` is shown every unit about to be signed
    (English, translation, what changed since its last sign-off) and must return True
    for anything to be written. Re-signing a unit replaces its sign-off. The file is
    written atomically, and only if its content changes."""
    (code,) = project.target_locales([code])
    if not REVIEWER_RE.fullmatch(reviewer):
        raise UsageError(
            [error("bad-reviewer", f"reviewer {reviewer!r} must be a name on one line")]
        )
    reviewer = reviewer.strip()
    policy = project.config.policy(code)
    assert policy is not None
    if article_ids:
        articles = [project.article(a) for a in dict.fromkeys(article_ids)]
    else:
        articles = sorted(project.articles, key=lambda a: a.id)
    requested = select_units(articles, selectors)
    reviews = load_reviews(project, code)
    date = date or review_date()

    entries = dict(reviews.entries)
    refused: list[Finding] = []
    signed: list[str] = []
    proposals: list[Proposal] = []
    for article in articles:
        units = [u for a, u in requested if a is article]
        if not units:
            continue
        verdict = evaluate(project, policy, article)
        translations = verdict.translations
        assert translations is not None  # ``evaluate`` always gives them
        context = PoContext(
            project.rel(project.po_path(code, article.id)), policy.bcp47, article.id, code
        )
        incomplete: dict[str | None, Finding] = {
            w.id: _located(f, verdict.findings)
            for w in article.warnings()
            if (f := item_count(w, translations, {}, context)) is not None
        }
        for unit in units:
            problems = _refusals(unit, verdict.findings, translations, incomplete)
            for problem in problems:
                refusal = _refusal(unit, problem, context)
                if refusal not in refused:
                    refused.append(refusal)
            if problems:
                continue
            translation = translations[unit.key]
            proposals.append(
                Proposal(article.id, unit, translation, reviews.get(article.id, unit.key))
            )
            entries[article.id, unit.key] = SignOff(
                reviewer,
                date,
                fingerprint(unit.text),
                fingerprint(translations[unit.key]),
            )
            signed.append(f"{article.id}/{unit.key}")
    if refused:
        raise ContentError(refused)
    path = reviews_path(project, code)
    if confirm is not None and not confirm(proposals):
        return SignResult(project.rel(path), (), (), False, declined=True)

    current = {(a.id, u.key) for a in project.articles for u in a.warning_units()}
    dropped = sorted(f"{a}/{k}" for a, k in entries if (a, k) not in current)
    entries = {key: signoff for key, signoff in entries.items() if key in current}
    changed = reviews_data(entries) != reviews_data(reviews.entries) or (
        bool(entries) and not path.exists()
    )
    if changed:
        project.inside(path.parent)
        atomic_write(path, render_reviews(entries, policy.bcp47))
    return SignResult(project.rel(path), tuple(signed), tuple(dropped), changed)


def _refusals(
    unit: Unit,
    findings: Iterable[Finding],
    translations: Mapping[str, str],
    incomplete: Mapping[str | None, Finding],
) -> list[Finding]:
    """Why ``unit`` cannot be signed off: the gate's errors about it (``Finding.unit``),
    its warning's incomplete red-flag list (by warning id), or, failing those, a
    missing translation."""
    if unit.key in translations:
        return [incomplete[unit.warning_id]] if unit.warning_id in incomplete else []
    named = [
        f
        for f in findings
        if f.is_error and f.unit == unit.key and not f.code.startswith("review-")
    ]
    if named:
        return named
    unusable = [
        f for f in findings if f.is_error and f.unit is None and not f.code.startswith("review-")
    ]
    return unusable[:1] or [
        error(
            "untranslated",
            f"urgent-care warning unit '{unit.key}' has no usable translation",
            unit=unit.key,
        )
    ]


def _located(finding: Finding, findings: Iterable[Finding]) -> Finding:
    """The gate's own ``item-count`` finding for the warning ``finding`` is about (it has
    the PO line), or ``finding`` if the gate has none."""
    return next((f for f in findings if f.code == finding.code and f.unit == finding.unit), finding)


def _refusal(unit: Unit, problem: Finding, context: PoContext) -> Finding:
    """``review-refused`` at the problem's place, about the problem's unit (the lead, for
    a warning's incomplete red-flag list: it is reported once, for the warning, not once
    per item) or else ``unit``."""
    subject = f"'{unit.key}'"
    if problem.code == "item-count":
        subject = f"warning '{unit.warning_id}'"
    return Finding(
        "review-refused",
        FindingSeverity.ERROR,
        f"cannot sign off {subject}: [{problem.code}] {problem.message}",
        problem.location or Location(context.path),
        context.locale,
        context.article,
        problem.unit or unit.key,
    )
