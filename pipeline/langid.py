"""Offline language identification of translations (``wrong-language``).

The detector is lingua's (``lingua-language-detector``), whose models ship in its
wheel: nothing is downloaded. It is built once per process, when first needed,
for the project's languages only (every configured locale's and the source's),
and it judges only text long enough to judge: detectors fail on short terms
(*mareo* looks Swahili, *fatiga* Tagalog to a detector that knows every language).
"""

from __future__ import annotations

import functools
import importlib.metadata
import re

from lingua import IsoCode639_1, Language, LanguageDetector, LanguageDetectorBuilder

__all__ = [
    "candidates",
    "code_of",
    "identity",
    "judgeable",
    "language_name",
    "language_of",
    "other_language",
]

MIN_LETTERS = 30
"""Text with fewer letters is not judged (the shortest warning lead in practice has
many more; a red-flag item has fewer)."""
MIN_WORDS = 4
"""... nor text of fewer words, in scripts that separate words with spaces."""
MIN_SPACELESS = 10
"""Chinese, Japanese: at least this many letters (they have no spaces to count)."""
MIN_OTHER = 0.9
"""Flag only when another language has at least this confidence (lingua's confidences
of all candidates add up to 1) ..."""
MAX_OWN = 0.05
"""... and the locale's own language at most this much: clearly more likely."""
PSEUDO_OPEN, PSEUDO_CLOSE = "[!!", "!!]"
"""Pseudo-translations (``careloc pseudo``, the benchmark corpus) are bracketed so:
not a language, never judged."""

_VERSION = importlib.metadata.version("lingua-language-detector")
_LETTER = re.compile(r"[^\W\d_]")
_SPACELESS_LETTER = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
"""Kana and Han: scripts without spaces between words (Hangul has spaces)."""


@functools.lru_cache(maxsize=1024)
def language_of(code: str) -> Language | None:
    """lingua's language for a gettext locale code (``pt_BR`` -> Portuguese); None if
    lingua does not know it (``qps_ploc``, the pseudo-locale)."""
    iso = code.replace("-", "_").split("_")[0].upper()
    member = getattr(IsoCode639_1, iso, None)
    if member is None:
        return None
    try:
        return Language.from_iso_code_639_1(member)
    except ValueError:  # pragma: no cover - lingua knows every code it names
        return None


@functools.lru_cache(maxsize=64)
def candidates(codes: tuple[str, ...]) -> tuple[str, ...]:
    """The ISO 639-1 codes lingua knows among the locale ``codes``, sorted, unique."""
    found = {lang.iso_code_639_1.name.lower() for c in codes if (lang := language_of(c))}
    return tuple(sorted(found))


def identity(languages: tuple[str, ...]) -> str:
    """What a verdict of the detector depends on, for cache keys."""
    return (
        f"lingua {_VERSION} low-accuracy {','.join(languages)} "
        f"{MIN_LETTERS} {MIN_WORDS} {MIN_SPACELESS} {MIN_OTHER} {MAX_OWN}"
    )


@functools.cache
def detector(languages: tuple[str, ...]) -> LanguageDetector:
    """The detector for ``languages`` (ISO 639-1), built once per process. Its models
    load on the first text it judges. Low-accuracy mode (trigram models only): it
    judges only sentences, where it is as exact as the full models on the labelled
    sample of ``benchmarks/langid_precision.py``, and loads in a tenth of the time."""
    wanted = [lang for code in languages if (lang := language_of(code)) is not None]
    return LanguageDetectorBuilder.from_languages(*wanted).with_low_accuracy_mode().build()


def judgeable(text: str) -> bool:
    """Whether ``text`` is long enough to judge (see ``MIN_LETTERS``), and no pseudo text."""
    stripped = text.strip()
    if stripped.startswith(PSEUDO_OPEN) and stripped.endswith(PSEUDO_CLOSE):
        return False
    if len(stripped) < MIN_SPACELESS:
        return False
    letters = len(_LETTER.findall(text))
    spaceless = len(_SPACELESS_LETTER.findall(text))
    if spaceless * 2 >= letters:
        return spaceless >= MIN_SPACELESS
    return letters >= MIN_LETTERS and len(text.split()) >= MIN_WORDS


@functools.lru_cache(maxsize=65536)
def other_language(text: str, own: str, languages: tuple[str, ...]) -> str | None:
    """The language (ISO 639-1) clearly more likely than ``own`` for ``text``; None if
    ``own`` is plausible, or the text cannot be judged."""
    if own not in languages or len(languages) < 2 or not judgeable(text):
        return None
    values = detector(languages).compute_language_confidence_values(text)
    best = values[0]
    best_code = best.language.iso_code_639_1.name.lower()
    if best_code == own or best.value < MIN_OTHER:
        return None
    own_value = next(
        (v.value for v in values if v.language.iso_code_639_1.name.lower() == own), 0.0
    )
    return best_code if own_value <= MAX_OWN else None


@functools.lru_cache(maxsize=1024)
def code_of(code: str) -> str | None:
    """The ISO 639-1 code of a gettext locale code, if lingua knows the language."""
    language = language_of(code)
    return language.iso_code_639_1.name.lower() if language is not None else None


def language_name(code: str) -> str:
    """The English name of a language (ISO 639-1 or gettext code), as lingua knows it."""
    language = language_of(code)
    return language.name.title() if language is not None else code
