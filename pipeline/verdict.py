"""The gate's decision for one locale x article (``Verdict``), and the PO statistics it
carries: what ``check``, ``status``, ``build``, ``review`` and the dashboard all read."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field

from babel.messages.catalog import Catalog

from pipeline.cache import digest
from pipeline.checks import translation_of
from pipeline.model import Article, Finding
from pipeline.pofile import PoEntries
from pipeline.project import LocalePolicy
from pipeline.review import ReviewState

__all__ = ["NO_STATS", "Stats", "Verdict", "translations_digest"]


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
    translations: Mapping[str, str] | None = field(compare=False)
    """msgctxt -> translation safe to publish; anything absent falls back to English.
    None for a verdict taken from the cache, which keeps only their sha256
    (``translations_digest``): fetch them by it (``pipeline.incremental.verdicts``)."""
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
    translations_digest: str = ""
    """sha256 of ``translations`` (``translations_digest``): what names them in the keys
    of pages and in the cache. Filled in from ``translations`` when not given."""

    def __post_init__(self) -> None:
        if not self.translations_digest:
            if self.translations is None:
                raise ValueError("a verdict without its translations needs their digest")
            object.__setattr__(self, "translations_digest", translations_digest(self.translations))

    @property
    def locale(self) -> str:
        """The locale as a BCP 47 tag."""
        return self.policy.bcp47

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.is_error)


def translations_digest(texts: Mapping[str, str]) -> str:
    """sha256 of a msgctxt -> text mapping, by its items in key order."""
    parts = [x for item in sorted(texts.items()) for x in item]
    joined = "\0".join(parts)
    if joined.count("\0") != max(len(parts) - 1, 0):  # a NUL inside a text: frame them
        return digest(*parts)
    return hashlib.sha256(joined.encode()).hexdigest()
