"""Clinician sign-off of urgent-care warnings: the ``reviews.yaml`` file, its fingerprints,
and the review condition of the publish gate.

A sign-off records who reviewed one warning unit of one locale, when, and the sha256
of exactly the English text and the translation they read. It lives in
``locales/<locale>/reviews.yaml`` beside the PO files, so it is reviewed and diffed
like them. It holds only while both fingerprints match: when the English or the
translation changes, the sign-off lapses by itself (it becomes *stale*) and the
gate withholds the locale again where ``require_review: true``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml

from pipeline.checks import ERROR, WARNING, PoContext
from pipeline.errors import ContentError
from pipeline.model import Article, Finding, Location, Unit
from pipeline.project import LocalePolicy, Project
from pipeline.schema import validate
from pipeline.yamlfile import YamlDocument, parse_yaml, read_yaml

__all__ = [
    "REVIEWER_RE",
    "REVIEWS_FILE",
    "SCHEMA",
    "Key",
    "ReviewCounts",
    "ReviewState",
    "SignOff",
    "assess",
    "fingerprint",
    "load_reviews",
    "parse_reviews",
    "render_reviews",
    "review_counts",
    "review_state",
    "reviews_data",
    "reviews_path",
    "why_stale",
]

REVIEWS_FILE = "reviews.yaml"
SCHEMA = "reviews"
REVIEWER_RE = re.compile(r"\A(?=.*\S)[^\x00-\x1f\x7f]{1,200}\Z")
"""A reviewer's name: one line of printable text (the schema says the same)."""

Key = tuple[str, str]
"""(article id, unit msgctxt)."""


class ReviewState(StrEnum):
    """Where the sign-off of one warning unit stands."""

    REVIEWED = "reviewed"
    """Signed off, and both fingerprints match the current English and translation."""
    STALE = "stale"
    """Signed off, but the English or the translation has changed since (or the
    translation is no longer usable: fuzzy, untranslated or failing a check)."""
    UNREVIEWED = "unreviewed"
    """Never signed off."""


def fingerprint(text: str) -> str:
    """sha256 (hex) of exactly ``text`` as UTF-8: any change, even of a space, shows."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class SignOff:
    """One clinician sign-off, as stored in ``reviews.yaml``."""

    reviewer: str
    date: str
    source_sha256: str
    translation_sha256: str
    location: Location | None = field(default=None, compare=False)

    def state(self, source: str, translation: str | None) -> ReviewState:
        """REVIEWED if this sign-off is for exactly ``source`` and ``translation``
        (None when the unit has no usable translation), else STALE."""
        if (
            translation is not None
            and self.source_sha256 == fingerprint(source)
            and self.translation_sha256 == fingerprint(translation)
        ):
            return ReviewState.REVIEWED
        return ReviewState.STALE

    def as_dict(self) -> dict[str, str]:
        return {
            "reviewer": self.reviewer,
            "date": self.date,
            "source_sha256": self.source_sha256,
            "translation_sha256": self.translation_sha256,
        }


def review_state(signoff: SignOff | None, source: str, translation: str | None) -> ReviewState:
    """The state of one warning unit given its sign-off (if any)."""
    return ReviewState.UNREVIEWED if signoff is None else signoff.state(source, translation)


@dataclass(frozen=True)
class Reviews:
    """The sign-offs of one locale, by (article id, unit msgctxt)."""

    code: str
    path: str
    """Project-relative path of the ``reviews.yaml`` file."""
    entries: Mapping[Key, SignOff]

    def get(self, article_id: str, key: str) -> SignOff | None:
        return self.entries.get((article_id, key))


# -- reading and writing ------------------------------------------------------------------
def reviews_path(project: Project, code: str) -> Path:
    return project.locale_dir(code) / REVIEWS_FILE


def load_reviews(project: Project, code: str) -> Reviews:
    """The sign-offs of locale ``code``; none if the file does not exist. ContentError
    (every problem, each with its line) if the file is not valid."""
    path = reviews_path(project, code)
    rel = project.rel(path)
    if not path.exists():
        return Reviews(code, rel, {})
    project.inside(path)
    return _reviews(read_yaml(path, rel), code, project.schema(SCHEMA))


def parse_reviews(raw: bytes, path: str, code: str, schema: Path) -> Reviews:
    """Parse and validate the bytes of a ``reviews.yaml`` file."""
    return _reviews(parse_yaml(raw, path), code, schema)


def _reviews(doc: YamlDocument, code: str, schema: Path) -> Reviews:
    path = doc.path
    findings = validate(doc, schema)
    if findings:
        raise ContentError(findings)
    entries: dict[Key, SignOff] = {}
    for article_id, units in doc.data["reviews"].items():
        for key, entry in units.items():
            entries[article_id, key] = SignOff(
                reviewer=entry["reviewer"],
                date=entry["date"],
                source_sha256=entry["source_sha256"],
                translation_sha256=entry["translation_sha256"],
                location=doc.location(("reviews", article_id, key), key=True),
            )
    return Reviews(code, path, entries)


def reviews_data(entries: Mapping[Key, SignOff]) -> dict[str, Any]:
    """The plain data of a ``reviews.yaml`` file (what the schema describes)."""
    data: dict[str, dict[str, dict[str, str]]] = {}
    for (article_id, key), signoff in sorted(entries.items()):
        data.setdefault(article_id, {})[key] = signoff.as_dict()
    return {"reviews": data}


def render_reviews(entries: Mapping[Key, SignOff], code: str) -> bytes:
    """The text of a ``reviews.yaml`` file: a comment, then sorted, block-style YAML."""
    header = (
        f"# Clinician sign-offs of the urgent-care warnings of locale {code}.\n"
        "# Written by `careloc review`; a sign-off holds only while the sha256 of the\n"
        "# English and of the translation still match what was reviewed.\n"
    )
    body = yaml.safe_dump(
        reviews_data(entries),
        sort_keys=True,
        allow_unicode=True,
        default_flow_style=False,
        width=1000,
    )
    return (header + body).encode("utf-8")


# -- the gate's review condition ------------------------------------------------------------
@dataclass(frozen=True)
class Assessment:
    """The review state of every warning unit of one locale x article, and the findings."""

    states: Mapping[str, ReviewState]
    """msgctxt -> state, for every urgent-care warning unit, in document order."""
    findings: tuple[Finding, ...]


def assess(
    project: Project,
    policy: LocalePolicy,
    article: Article,
    translations: Mapping[str, str],
    context: PoContext,
    lines: Mapping[str, int | None] | None = None,
) -> Assessment:
    """The review condition of the gate (SPEC §5) for one locale x article.

    ``translations`` are the gate's usable translations (translated, not fuzzy,
    current, passing every check); ``lines`` the PO line of each unit.

    * ``review-stale``: a sign-off exists but the English or the translation changed
      since (or the translation is no longer usable). Error where the locale has
      ``require_review: true``, otherwise a warning.
    * ``review-missing``: a usable warning translation was never signed off. Error
      where ``require_review: true``, otherwise not reported.
    * A ``reviews.yaml`` that cannot be read is an error where reviews are required
      (a warning otherwise), reported with its line."""
    required = policy.require_review
    try:
        reviews = load_reviews(project, policy.code)
    except ContentError as exc:
        severity = ERROR if required else WARNING
        findings = tuple(
            replace(f, severity=severity, locale=context.locale, article=article.id)
            for f in exc.findings
        )
        reviews = Reviews(policy.code, "", {})
        return Assessment(_states(article, translations, reviews), findings)
    states = _states(article, translations, reviews)
    return Assessment(
        states,
        tuple(_findings(article, states, reviews, translations, context, lines or {}, required)),
    )


def _states(
    article: Article, translations: Mapping[str, str], reviews: Reviews
) -> dict[str, ReviewState]:
    return {
        unit.key: review_state(
            reviews.get(article.id, unit.key), unit.text, translations.get(unit.key)
        )
        for unit in article.warning_units()
    }


def _findings(
    article: Article,
    states: Mapping[str, ReviewState],
    reviews: Reviews,
    translations: Mapping[str, str],
    context: PoContext,
    lines: Mapping[str, int | None],
    required: bool,
) -> Iterator[Finding]:
    severity = ERROR if required else WARNING
    for unit in article.warning_units():
        state = states[unit.key]
        signoff = reviews.get(article.id, unit.key)
        if state is ReviewState.STALE and signoff is not None:
            yield Finding(
                "review-stale",
                severity,
                f"the sign-off of urgent-care warning unit '{unit.key}' by {signoff.reviewer} "
                f"on {signoff.date} no longer holds: {why_stale(signoff, unit, translations)}; "
                f"have it reviewed again (`careloc review {context.code} --unit {unit.key} "
                "--reviewer NAME`)",
                signoff.location or Location(reviews.path),
                context.locale,
                article.id,
                unit.key,
            )
        elif state is ReviewState.UNREVIEWED and required and unit.key in translations:
            yield context.finding(
                "review-missing",
                ERROR,
                f"urgent-care warning unit '{unit.key}' has no clinician sign-off, and "
                f"locales/locales.yaml requires one for {context.code}: "
                f"`careloc review {context.code} --unit {unit.key} --reviewer NAME`",
                lines.get(unit.key),
                unit=unit.key,
            )


def why_stale(signoff: SignOff, unit: Unit, translations: Mapping[str, str]) -> str:
    reasons = []
    if signoff.source_sha256 != fingerprint(unit.text):
        reasons.append("the English changed")
    translation = translations.get(unit.key)
    if translation is None:
        reasons.append("the translation is not usable (fuzzy, untranslated or failing a check)")
    elif signoff.translation_sha256 != fingerprint(translation):
        reasons.append("the translation changed")
    return " and ".join(reasons) or "the fingerprints do not match"


@dataclass(frozen=True)
class ReviewCounts:
    """How many warning units of one locale x article are in each state."""

    reviewed: int = 0
    stale: int = 0
    unreviewed: int = 0

    @classmethod
    def of(cls, states: Iterable[ReviewState]) -> ReviewCounts:
        found = list(states)
        return cls(
            found.count(ReviewState.REVIEWED),
            found.count(ReviewState.STALE),
            found.count(ReviewState.UNREVIEWED),
        )

    @property
    def total(self) -> int:
        return self.reviewed + self.stale + self.unreviewed

    @property
    def summary(self) -> str:
        """``reviewed``, ``stale``, ``unreviewed`` or ``partial``: one word for a table."""
        if self.stale:
            return ReviewState.STALE.value
        if self.reviewed == self.total:
            return ReviewState.REVIEWED.value
        if self.reviewed == 0:
            return ReviewState.UNREVIEWED.value
        return "partial"

    def as_dict(self) -> dict[str, int]:
        return {"reviewed": self.reviewed, "stale": self.stale, "unreviewed": self.unreviewed}


def review_counts(
    article: Article, states: Mapping[str, ReviewState], keys: Sequence[str] | None = None
) -> ReviewCounts:
    """Counts over every warning unit of ``article`` (``keys``: their msgctxts, if the
    caller has them already); a unit without a state (its PO could not be read) counts
    as unreviewed."""
    if keys is None:
        keys = [u.key for u in article.warning_units()]
    return ReviewCounts.of(states.get(k, ReviewState.UNREVIEWED) for k in keys)
