"""Checks on what a translation says: named red flags, clinical terms, consistency.

The form checks of ``pipeline.checks`` prove that a warning is present and well
formed; these look at its words. All of them share one tolerant matcher,
``contains``: a term is found in a text whatever its case and accents, with an
inflected ending (Spanish *mareo* / *mareos*, German *Schwindel* /
*Schwindelgefühl*, Russian case endings), behind Arabic clitics (و ف ب ك ل ال),
and as a plain substring in Chinese, Japanese and Korean. It errs towards
finding the term: a check built on it may miss a wrong word, it must not raise a
false alarm over grammar.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from pipeline.model import Finding, FindingSeverity, Location, WarningBlock

__all__ = [
    "REWORDED",
    "Rendering",
    "confirmed",
    "contains",
    "inconsistent",
    "lead_missing_red_flag",
]

REWORDED = "careloc: reworded"
"""Translator comment (``# careloc: reworded``) confirming a deliberate rewording: the
translated lead names a red flag, or a clinical concept, in other words than the
red-flag item or the termbase. Named like ``# careloc: same-as-source``."""

_WORD = re.compile(r"\w+")
_SPACELESS = re.compile(
    "[\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af\u1100-\u11ff]"
)
"""Kana, Han and Hangul: written without spaces between words, matched as substrings."""
_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f]")
_ARABIC_FOLD = str.maketrans({"\u0640": None, "\u0649": "\u064a", "\u0629": "\u0647"})
"""Tatweel dropped; alef maqsura as ya, ta marbuta as ha (spelled either way)."""
_CONJUNCTIONS = ("و", "ف")
_PREPOSITIONS = ("ب", "ك", "ل")
_MIN_STEM = 4
"""Shortest shared beginning that counts as one word inflected differently."""
_STEM_SHARE = 0.7
"""... and the share of the shorter word it must cover (*entumecimiento* /
*entumecidas* share *entumeci*)."""
_MAX_GAP = 3
"""Words a text may insert between two words of a term (*pérdida permanente de la
sensibilidad* for *pérdida de sensibilidad*)."""


def fold(text: str) -> str:
    """``text`` without case, accents, Arabic vowel marks and tatweel."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return bare.translate(_ARABIC_FOLD).casefold()


@functools.lru_cache(maxsize=65536)
def _words(text: str) -> tuple[tuple[str, ...], ...]:
    """Each word of ``text``, folded, as the forms it may stand for (Arabic: without
    its clitics)."""
    return tuple(_forms(word) for word in _WORD.findall(fold(text)))


def _forms(word: str) -> tuple[str, ...]:
    """``word`` and, for an Arabic word, the word without a leading conjunction
    (و ف), preposition (ب ك ل) and article (ال), as long as two letters remain."""
    if not _ARABIC.match(word):
        return (word,)
    found = {word}
    for a in ("", *_CONJUNCTIONS):
        if not word.startswith(a):
            continue
        rest = word[len(a) :]
        for b in ("", *_PREPOSITIONS):
            if not rest.startswith(b):
                continue
            base = rest[len(b) :]
            candidates = [base]
            if base.startswith("ال"):
                candidates.append(base[2:])
            if b == "ل" and base.startswith("ل"):  # لل: ل + ال, the alef dropped
                candidates.append(base[1:])
            found.update(c for c in candidates if len(c) >= 2)
    return tuple(sorted(found, key=len, reverse=True))


def _same_word(a: str, b: str) -> bool:
    """The same word, or one inflected or compounded differently (a shared stem)."""
    if a == b:
        return True
    shorter = min(len(a), len(b))
    if shorter < _MIN_STEM or a[:_MIN_STEM] != b[:_MIN_STEM]:
        return False
    shared = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        shared += 1
    return shared >= _MIN_STEM and shared >= _STEM_SHARE * shorter


def _same_forms(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    return any(_same_word(x, y) for x in a for y in b)


@dataclass(frozen=True)
class _Term:
    spaceless: str | None
    """The term folded without spaces, for Chinese, Japanese and Korean; else None."""
    words: tuple[tuple[str, ...], ...]
    """The words that must be found, in order (articles and short particles of
    other languages may be missing: words of one or two letters are left out)."""


@functools.lru_cache(maxsize=16384)
def _term(term: str) -> _Term:
    if _SPACELESS.search(term):
        return _Term(_spaceless(term), ())
    words = _words(term)
    content = tuple(forms for forms in words if max(len(f) for f in forms) > 2)
    return _Term(None, content or words)


@functools.lru_cache(maxsize=65536)
def _spaceless(text: str) -> str:
    """``text`` folded, its letters and digits only: no spaces, no punctuation."""
    return "".join(_WORD.findall(fold(text)))


@functools.lru_cache(maxsize=65536)
def contains(text: str, term: str) -> bool:
    """Whether ``text`` says ``term``, tolerantly (see the module's docstring): every
    word of the term, in order, each inflected or not, at most three other words
    between two of them."""
    if term in text:  # the usual case: written the same
        return True
    prepared = _term(term)
    if prepared.spaceless is not None:
        return prepared.spaceless in _spaceless(text)
    wanted = prepared.words
    if not wanted:
        return False
    words = _words(text)

    def found_from(i: int, start: int) -> bool:
        if i == len(wanted):
            return True
        stop = len(words) if i == 0 else min(len(words), start + _MAX_GAP + 1)
        return any(
            _same_forms(wanted[i], words[j]) and found_from(i + 1, j + 1)
            for j in range(start, stop)
        )

    return found_from(0, 0)


def confirmed(entry_comments: Sequence[str]) -> bool:
    """Whether a translator comment ``# careloc: reworded`` is on the entry."""
    return any(REWORDED in comment for comment in entry_comments)


# -- an urgent-care warning ---------------------------------------------------------------
def lead_missing_red_flag(
    warning: WarningBlock,
    translations: Mapping[str, str],
    lines: Mapping[str, int | None],
    comments: Sequence[str],
    path: str,
    locale: str,
    article: str,
) -> Iterator[Finding]:
    """``lead-missing-red-flag``: a red flag the English lead names must be in the
    translated lead.

    When the English lead lists the danger signs ("... with shortness of breath,
    dizziness ..."), a reader of the translation must find each of them there
    too: a sign dropped from the sentence is a sign the reader will not act on.
    The lead must contain the translation of each red-flag item the English lead
    names, in any case and with any ending (*mareo* / *mareos*). A lead that
    deliberately says a sign in other words can be confirmed with the translator
    comment ``# careloc: reworded`` on the lead's entry. An item that is missing
    or unusable is reported by ``item-count`` instead."""
    lead = warning.lead
    translated = translations.get(lead.key)
    if translated is None or confirmed(comments):
        return
    for flag in warning.red_flags:
        flag_text = translations.get(flag.key)
        if flag_text is None or not contains(lead.text, flag.text):
            continue
        if not contains(translated, flag_text):
            yield Finding(
                "lead-missing-red-flag",
                FindingSeverity.ERROR,
                f"urgent-care warning unit '{lead.key}': the English lead names the red "
                f"flag {flag.text!r} but the translated lead does not contain its "
                f"translation {flag_text!r} (item '{flag.key}'); add it, or confirm a "
                "deliberate rewording with the translator comment "
                f"'# {REWORDED}'",
                Location(path, lines.get(lead.key)),
                locale,
                article,
                lead.key,
            )


# -- the termbase -------------------------------------------------------------------------
# -- across the articles of a locale -------------------------------------------------------
class Rendering(NamedTuple):
    """One usable translation of an urgent-care warning unit, and where it is (a tuple:
    a locale of a thousand articles has ten thousand)."""

    english: str
    key: str
    translation: str
    path: str
    line: int | None
    locale: str
    article: str


_SHOWN = 3
"""Places listed per variant in an ``inconsistent`` message."""


def inconsistent(renderings: Sequence[Rendering]) -> list[Finding]:
    """``inconsistent``: one English urgent-care warning unit, translated differently in
    different articles of one locale (a warning).

    Across hundreds of articles, a symptom should keep one name in a language:
    a reader who learnt "mareo" from one warning should find "mareo" in the next.
    One finding per variant, at its first place, listing every variant with its
    files and lines. Case and spacing do not count as a difference.
    ``renderings`` must all be of one locale."""
    groups: dict[str, dict[str, list[Rendering]]] = {}
    for r in renderings:
        variant = " ".join(r.translation.split()).casefold()
        groups.setdefault(r.english, {}).setdefault(variant, []).append(r)
    found: list[Finding] = []
    for english in sorted(groups):
        variants = groups[english]
        if len(variants) < 2 or len({r.article for v in variants.values() for r in v}) < 2:
            continue
        ordered = sorted(variants.values(), key=lambda v: (-len(v), v[0].translation))
        listing = "; ".join(_variant(v) for v in ordered)
        for places in ordered:
            first = places[0]
            found.append(
                Finding(
                    "inconsistent",
                    FindingSeverity.WARNING,
                    f"urgent-care warning unit '{first.key}': the English {english!r} is "
                    f"translated {len(variants)} ways in this locale: {listing}",
                    Location(first.path, first.line),
                    first.locale,
                    first.article,
                    first.key,
                )
            )
    return found


def _variant(places: list[Rendering]) -> str:
    shown = ", ".join(
        f"{r.path}:{r.line}" if r.line is not None else r.path for r in places[:_SHOWN]
    )
    more = f" and {len(places) - _SHOWN} more" if len(places) > _SHOWN else ""
    return f"{places[0].translation!r} in {len(places)} article(s) ({shown}{more})"
