"""The checks run on every PO entry and header: one small documented function per check.

Each check reads one thing (a translated entry beside its English source, or a
PO header) and yields ``Finding`` values; none raises, none prints. The gate
(``pipeline.gate``) runs them and decides what may be published; the command
line decides the exit code. The full list of codes, with what each means and
how to fix it, is in ``docs/checks.md``.

Severities are graded like translate-toolkit's checks:

* *critical* checks (markup, placeholders, numbers, added URLs) are errors on
  every unit: a translation that fails them is never published;
* *gate* checks (unchanged, wrong-script, bidi-control, zero-width, dropped
  URLs, entry state: a blank translation is untranslated) are errors on
  urgent-care warning units and warnings elsewhere, where the unit falls back
  to English instead;
* *cosmetic* checks (whitespace) are warnings, except where ``msgfmt --check``
  itself would fail.

``decide`` puts entry state and checks together: it is the one decision whether a
unit's translation is usable, and the gate's verdict is made of its answers.
"""

from __future__ import annotations

import functools
import gettext
import itertools
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from babel.core import Locale, get_global
from babel.messages.plurals import get_plural

from pipeline import langid, meaning, pofile
from pipeline.model import (
    Article,
    Finding,
    FindingSeverity,
    Location,
    Unit,
    UnitKind,
    WarningBlock,
)
from pipeline.pofile import MAX_PLURALS, PoEntries, PoEntry
from pipeline.project import LocalePolicy, parse_locale

if TYPE_CHECKING:
    from pipeline.termbase import Termbase

__all__ = [
    "ERROR",
    "HEADER_CHECKS",
    "MAX_MESSAGE",
    "PLAIN_TEXT_CHECKS",
    "SAME_AS_SOURCE",
    "TRANSLATION_CHECKS",
    "WARNING",
    "Entry",
    "PoContext",
    "awaiting_update",
    "blank",
    "bounded",
    "check_header",
    "check_translation",
    "completion",
    "completion_percent",
    "decide",
    "english_of",
    "entry_state",
    "has_signs",
    "item_count",
    "item_key",
    "listing",
    "locale_script",
    "numbers_in",
    "read_header",
    "skeleton",
    "translation_of",
    "unchanged",
    "unknown_entry",
    "unpaired",
    "urls_in",
    "waived",
]

ERROR = FindingSeverity.ERROR
WARNING = FindingSeverity.WARNING

SAME_AS_SOURCE = "careloc: same-as-source"
"""Translator comment (``# careloc: same-as-source``) confirming that a short term
is spelled the same in the target language (French *fatigue*)."""
SAME_AS_SOURCE_MAX_WORDS = 3

BIDI_CONTROLS = frozenset(
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
)
ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff")

_PLACEHOLDER = re.compile(
    r"%%"  # an escaped percent sign, not a placeholder (dropped below)
    r"|%(?:\([A-Za-z_]\w*\))?[-+#0]?\d*(?:\.\d+)?[sdifxXeEgGcr]"
    r"|\{(?:[A-Za-z_][\w.]*|\d+)?(?:![rsa])?(?::[^{}]*)?\}"
)
# A number: digit runs joined by one grouping or decimal separator. Any Unicode
# decimal digit counts (Arabic-Indic ٠-٩, full-width ０-９). A space may only
# group thousands (exactly three digits follow), so "2 3" stays two numbers.
_NUMBER = re.compile(r"\d+(?:(?:[.,'\u066b\u066c\u2019]|[ \u00a0\u2009\u202f](?=\d{3}(?!\d)))\d+)*")
_DIGIT = re.compile(r"\d")
"""What every match of ``_NUMBER`` starts with."""
_TAG = re.compile(r"</?\s*([A-Za-z][\w:-]*)")
_SCRIPT_URL = re.compile(
    r"\b(?:j\s*a\s*v\s*a\s*s\s*c\s*r\s*i\s*p\s*t|v\s*b\s*s\s*c\s*r\s*i\s*p\s*t|data)\s*:",
    re.IGNORECASE,
)
# An event-handler attribute: ``onerror=`` or ``onclick = "``, not French "onze = once".
_EVENT_ATTR = re.compile(r"\bon[a-z]+(?:=|\s*=\s*[\"'`])", re.IGNORECASE)
_ENTITY = re.compile(r"&(?:[A-Za-z][A-Za-z0-9]*|#\d+|#[xX][0-9A-Fa-f]+);")
_URL = re.compile(r"(?:\b(?:https?|ftp)://|\bwww\.|\bmailto:)[^\s<>\"'«»]+", re.IGNORECASE)
_URL_TAIL = ".,;:!?)]}»\"'。，、；：！？"


@dataclass(frozen=True)
class PoContext:
    """The PO file being checked and whom its findings concern."""

    path: str
    locale: str
    """BCP 47 tag of the locale (``pt-BR``)."""
    article: str
    code: str = ""
    """gettext name of the locale (``pt_BR``), as the directory has it."""
    same_language: bool = False
    """True for English variants (``en_GB``): text may stay identical to the source."""
    termbase: Termbase | None = field(default=None, compare=False)
    """The locale's clinical termbase (``pipeline.termbase``), if it has one."""
    languages: tuple[str, ...] = ()
    """ISO 639-1 codes of the project's languages, the candidates of ``wrong-language``."""

    @functools.cached_property
    def chosen_checks(self) -> dict[tuple[bool, bool], tuple[Check, ...]]:
        """The checks ``checks_for`` has chosen for this file, by kind of entry."""
        return {}

    def finding(
        self,
        code: str,
        severity: FindingSeverity,
        message: str,
        line: int | None = None,
        *,
        unit: str | None = None,
    ) -> Finding:
        """A finding about this file; ``unit``: the msgctxt of the unit it is about."""
        return Finding(
            code,
            severity,
            bounded(message),
            Location(self.path, line),
            self.locale,
            self.article,
            unit,
        )


MAX_MESSAGE = 400
"""Characters of a finding message at most: a hostile translation must not make a
finding line megabytes long."""
MAX_LISTED = 10
"""Items listed in a finding message at most ("... and N more")."""
_MAX_ITEM = 40


def bounded(message: str) -> str:
    """``message``, cut to ``MAX_MESSAGE`` characters."""
    return message if len(message) <= MAX_MESSAGE else message[: MAX_MESSAGE - 1] + "…"


def shown(text: str) -> str:
    """``repr(text)``, cut to a few dozen characters: how a finding quotes a translation."""
    if len(text) > _MAX_ITEM:
        return repr(text[:_MAX_ITEM]) + "…"
    return repr(text)


def listing(items: Iterable[str]) -> str:
    """The first ``MAX_LISTED`` items, each quoted by ``shown``, then "... and N more"."""
    quoted: list[str] = []
    more = 0
    for item in items:
        if len(quoted) < MAX_LISTED:
            quoted.append(shown(item))
        else:
            more += 1
    return ", ".join(quoted) + (f", ... and {more} more" if more else "")


@dataclass(slots=True)
class Entry:
    """A translated PO entry beside the source unit it translates: what every check reads."""

    unit: Unit
    translation: str
    context: PoContext
    line: int | None = None
    comments: tuple[str, ...] = ()
    """The translator comments (``# ...``) of the entry."""
    english: English | None = None
    """The English of every unit of the article (``english_of``); None: the unit's own only."""
    usable: bool = True
    """False once a critical or gate check has found something: the translation is not
    published (on a warning unit the locale is withheld; elsewhere the English is shown)."""

    @property
    def source(self) -> str:
        return self.unit.text

    def critical(self, code: str, message: str) -> Finding:
        """An error on any unit: the translation is never published."""
        self.usable = False
        return self.context.finding(
            code, ERROR, self._where(message), self.line, unit=self.unit.key
        )

    def gate(self, code: str, message: str) -> Finding:
        """An error on an urgent-care warning unit; a warning elsewhere (English fallback)."""
        self.usable = False
        severity = ERROR if self.unit.is_warning else WARNING
        return self.context.finding(
            code, severity, self._where(message), self.line, unit=self.unit.key
        )

    def cosmetic(self, code: str, message: str) -> Finding:
        return self.context.finding(
            code, WARNING, self._where(message), self.line, unit=self.unit.key
        )

    def _where(self, message: str) -> str:
        what = "urgent-care warning unit" if self.unit.is_warning else "unit"
        return f"{what} '{self.unit.key}': {message}"


Check = Callable[[Entry], Iterator[Finding]]


# -- helpers ----------------------------------------------------------------------------
def _placeholders(text: str) -> Counter[str]:
    if "%" not in text and "{" not in text:  # most prose: nothing to look for
        return Counter()
    return Counter(m for m in _PLACEHOLDER.findall(text) if m != "%%")


@dataclass(frozen=True)
class Number:
    """A number as written ("1,5") and the values it may stand for ({"1.5"})."""

    text: str
    values: frozenset[str]


_GROUPING_ONLY = frozenset(" \u00a0\u2009\u202f'\u2019\u066c")
_DECIMAL_ONLY = frozenset("\u066b")
_APOSTROPHES = frozenset("'\u2019")


def _value(integer: str, fraction: str = "") -> str:
    integer = integer.lstrip("0") or "0"
    fraction = fraction.rstrip("0")
    return f"{integer}.{fraction}" if fraction else integer


class _Decimals(dict[int, str]):
    """``str.translate`` table: every Unicode decimal digit to its ASCII digit (worked
    out the first time each character is met)."""

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        self[code] = value = str(unicodedata.decimal(ch)) if ch.isdecimal() else ch
        return value


_DECIMALS = _Decimals()
_MAX_SEPARATORS = 12
_MAX_DIGITS = 64


def _read_number(token: str, limit: int | None = None) -> list[Number]:
    """The number(s) one matched token stands for.

    "1,000" / "1.000" / "1 000" / "1,00,000" group digits ("1,000" may also be the decimal
    1.000, so both are allowed); "1,5" and "1.5" are decimals, never fifteen;
    "1,234.5" and "1.234,5" group then divide; anything else ("12.11.2012")
    is several numbers (the first ``limit`` of them, if given)."""
    digits = token if token.isascii() else token.translate(_DECIMALS)
    if digits.count(",") + digits.count(".") > _MAX_SEPARATORS or len(digits) > _MAX_DIGITS:
        # No one groups digits that far: a run of numbers ("1,1,1,..."), read lazily.
        runs = itertools.islice(re.finditer(r"\d+", digits), limit)
        return [Number(m.group(), frozenset({_value(m.group())})) for m in runs]
    parts = re.split(r"(\D)", digits)
    groups, seps = parts[0::2], parts[1::2]
    if not seps:
        return [Number(token, frozenset({_value(digits)}))]
    # Thousands (1,000,000), or Indian lakhs and crores (10,00,000): groups of two
    # may only come between the first group and the last group of three.
    grouped = len(groups[0]) <= 3 and all(len(g) in (2, 3) for g in groups[1:-1])
    # An apostrophe only ever groups digits, whatever the length of the first group
    # (Babel writes Swiss German milliards as "1000000'000").
    grouped = grouped or (set(seps) <= _APOSTROPHES and all(len(g) == 3 for g in groups[1:]))
    # Grouping only: "1,000", "1.000.000", "1 000".
    if len(set(seps)) == 1 and grouped and len(groups[-1]) == 3 and seps[0] not in _DECIMAL_ONLY:
        values = {_value("".join(groups))}
        if len(seps) == 1 and seps[0] in ".,":
            values.add(f"{_value(groups[0])}.{groups[1]}")
        return [Number(token, frozenset(values))]
    # Grouping, then one decimal sign: "1,234.5", "1.234,5", "1 234,5", "1,5", "١٫٥".
    last, before = seps[-1], set(seps[:-1])
    if (
        last not in _GROUPING_ONLY
        and last not in before
        and len(before) <= 1
        and (not before or grouped)
    ):
        return [Number(token, frozenset({_value("".join(groups[:-1]), groups[-1])}))]
    return [Number(g, frozenset({_value(g)})) for g in groups]


def numbers_in(text: str, limit: int | None = None) -> list[Number]:
    """The numbers written in ``text``, in any digit script (Arabic-Indic ١٢,
    full-width １２), whatever their digit grouping; the first ``limit`` only, if given
    (reading stops there: the cost is bounded by the text, not by what it holds)."""
    found: list[Number] = []
    for match in _NUMBER.finditer(text):
        found += _read_number(match.group(), None if limit is None else limit - len(found))
        if limit is not None and len(found) >= limit:
            return found[:limit]
    return found


def unpaired(a: list[Number], b: list[Number]) -> tuple[list[Number], list[Number]]:
    """Pair the numbers of ``a`` and ``b`` that may mean the same value, as many as
    possible (bipartite matching); return the numbers of each left unpaired."""
    owner: dict[int, int] = {}  # index in b -> index in a

    def pair(i: int, seen: set[int]) -> bool:
        for j, number in enumerate(b):
            if j in seen or not a[i].values & number.values:
                continue
            seen.add(j)
            if j not in owner or pair(owner[j], seen):
                owner[j] = i
                return True
        return False

    paired = {i for i in range(len(a)) if pair(i, set())}
    return (
        [n for i, n in enumerate(a) if i not in paired],
        [n for j, n in enumerate(b) if j not in owner],
    )


_MARKUP_SIGNS = frozenset("<:=&")
"""Every markup pattern needs one of these (tag, URL scheme, attribute, entity)."""


def _markup(text: str) -> Counter[str]:
    tokens: Counter[str] = Counter()
    if _MARKUP_SIGNS.isdisjoint(text):
        return tokens
    # Each pattern needs its own sign: a text with a colon only is read for URL schemes.
    if "<" in text:
        for match in _TAG.finditer(text):
            tokens["<" + ("/" if "/" in match.group(0) else "") + match.group(1).lower()] += 1
    if ":" in text:
        tokens.update(re.sub(r"\s+", "", m).lower() for m in _SCRIPT_URL.findall(text))
    if "=" in text:
        tokens.update(re.sub(r"\s+", "", m).lower() for m in _EVENT_ATTR.findall(text))
    if "&" in text:
        tokens.update(_ENTITY.findall(text))
    return tokens


def _may_have_url(text: str) -> bool:
    """False only if ``_URL`` cannot match: every URL it knows has a colon, or "www."
    (whose letters only ever match ASCII w/W, even ignoring case). Much cheaper than
    scanning with ``_URL`` itself."""
    return ":" in text or "www." in text.lower()


def urls_in(text: str) -> Counter[str]:
    return Counter(m.rstrip(_URL_TAIL) for m in _URL.findall(text))


def _listing(items: Counter[str]) -> str:
    return listing(sorted(items.elements()))


def _leading(text: str) -> str:
    return text[: len(text) - len(text.lstrip())]


def _trailing(text: str) -> str:
    return text[len(text.rstrip()) :]


def _folded(text: str) -> str:
    return " ".join(text.split()).casefold()


# What the checks read of an English text, remembered: twenty locales compare with the
# same one. (Shared results: callers only read them.)
_folded_source = functools.lru_cache(maxsize=65536)(_folded)
_source_numbers = functools.lru_cache(maxsize=65536)(numbers_in)
_source_markup = functools.lru_cache(maxsize=65536)(_markup)
_source_urls = functools.lru_cache(maxsize=65536)(urls_in)


def _char_names(text: str, chars: frozenset[str]) -> str:
    found = sorted({ch for ch in text if ch in chars})
    return ", ".join(f"U+{ord(ch):04X} {unicodedata.name(ch, '?')}" for ch in found)


# -- what a reader sees ---------------------------------------------------------------------
_FILLERS = "\u115f\u1160\u3164\uffa0"
"""The Hangul fillers: letters to Unicode (category Lo) that show nothing."""
_HIDDEN_MARKUP = re.compile(r"<!--.*?(?:-->|\Z)|<[^<>]*>", re.DOTALL)
"""An HTML comment or tag: shows nothing (and the ``markup`` check refuses the tags)."""
_ASCII_SIGNS_BUT_LT = "".join(chr(c) for c in range(128) if not chr(c).isalnum() and chr(c) != "<")
"""ASCII spaces, controls and signs, but the ``<`` that may open markup."""
_ASCII_ALNUM = re.compile(r"[A-Za-z0-9]")
_ASCII_LETTER = re.compile(r"[A-Za-z]")


def blank(text: str) -> bool:
    """True if ``text`` shows a reader no word: it has no letter and no digit once HTML
    comments and tags are removed. Spaces of every kind (the no-break space too),
    punctuation ("." "…" "-"), symbols, control and format characters (the soft
    hyphen, zero-width characters), lone combining marks, the braille blank and the
    Hangul fillers are no letters."""
    head = text.lstrip(_ASCII_SIGNS_BUT_LT)[:1]  # "[!! " before a pseudo-translation
    if head.isalnum() and head not in _FILLERS:
        return False  # most text: it starts with a letter or digit
    if "<" in text:
        text = _HIDDEN_MARKUP.sub("", text)
    if text.isascii():
        return _ASCII_ALNUM.search(text) is None
    return not any(ch.isalnum() and ch not in _FILLERS for ch in text)


_SCRIPT_NAMES = {
    "Latn": ("LATIN ",),
    "Hani": ("CJK UNIFIED IDEOGRAPH", "CJK COMPATIBILITY IDEOGRAPH"),
    "Hans": ("CJK UNIFIED IDEOGRAPH", "CJK COMPATIBILITY IDEOGRAPH"),
    "Hant": ("CJK UNIFIED IDEOGRAPH", "CJK COMPATIBILITY IDEOGRAPH"),
    "Jpan": ("CJK UNIFIED IDEOGRAPH", "CJK COMPATIBILITY IDEOGRAPH", "HIRAGANA", "KATAKANA"),
    "Kore": ("CJK UNIFIED IDEOGRAPH", "CJK COMPATIBILITY IDEOGRAPH", "HANGUL"),
    "Beng": ("BENGALI",),
    "Orya": ("ORIYA",),
    "Cans": ("CANADIAN SYLLABICS",),
    "Arab": ("ARABIC", "EXTENDED ARABIC"),
}
"""How the Unicode names of a script's letters and digits begin, where that is not the
script's English name in capitals (Babel's ``Locale("en").scripts``: "Cyrillic" ->
CYRILLIC LETTER ..., "Greek" -> GREEK SMALL LETTER ...). The standard library has no
Script property; the names say the same for letters and digits."""


@functools.lru_cache(maxsize=256)
def locale_script(code: str) -> str | None:
    """The ISO 15924 code of the script ``code`` is written in (``Latn`` for es,
    ``Arab`` for ar, ``Hans`` for zh_Hans): the locale's own script subtag, else CLDR's
    likely subtags (through Babel); None if unknown."""
    try:
        locale = parse_locale(code)
    except ValueError:
        return None
    if locale.script:
        return str(locale.script)
    likely = get_global("likely_subtags")
    for tag in (f"{locale.language}_{locale.territory}", locale.language):
        parts = str(likely.get(tag) or "").split("_")
        if len(parts) > 1 and len(parts[1]) == 4:
            return parts[1]
    return None


@functools.lru_cache(maxsize=64)
def _script_prefixes(script: str) -> tuple[str, ...] | None:
    if script in _SCRIPT_NAMES:
        return _SCRIPT_NAMES[script]
    name = Locale("en").scripts.get(script)
    return (name.upper() + " ",) if name else None


def in_script(text: str, script: str) -> bool | None:
    """True if ``text`` has a letter or digit of ``script`` (fullwidth forms count);
    None if the script is not known."""
    prefixes = _script_prefixes(script)
    if prefixes is None:
        return None
    if script == "Latn" and _ASCII_LETTER.search(text) is not None:
        return True
    for ch in text:
        if ch.isalnum() and ch not in _FILLERS:
            name = unicodedata.name(ch, "").removeprefix("FULLWIDTH ").removeprefix("HALFWIDTH ")
            if name.startswith(prefixes):
                return True
    return False


# Letters of other scripts that look like Latin ones, as a reader sees them (the Cyrillic
# and Greek part of Unicode's confusables, UTS #39); with NFKC (fullwidth, mathematical
# and other compatibility forms) and case folding, enough to unmask English dressed up.
_LOOK_ALIKES = {
    **dict(zip("АВЕЅІЈКМНОРСТУХҮҺԀԚԜӀ", "ABESIJKMHOPCTYXYHDQWl", strict=True)),
    **dict(zip("аеѕіјкорсухүһԁԛԝӏьɡı", "aesijkopcyxyhdqwlbgi", strict=True)),
    **dict(zip("ΑΒΕΖΗΙΚΜΝΟΡΤΥΧϹϳ", "ABEZHIKMNOPTYXCj", strict=True)),
    **dict(zip("αικνορτυχϲ", "aikvoptuxc", strict=True)),
}
_SKELETON_TABLE = str.maketrans({**_LOOK_ALIKES, **dict.fromkeys(_FILLERS)})
_NOT_ALNUM = re.compile(r"[\W_]+")
_NOT_ALNUM_NOR_DIGIT_SIGN = re.compile(r"(?!(?<=\d)[^\w\s](?=\d))[\W_]")
"""A character that is no letter or digit, but a sign between two digits ("1,5")."""


def skeleton(text: str) -> str:
    """What ``text`` looks like, for comparing with the English: compatibility forms
    unfolded (NFKC: fullwidth and mathematical letters), spaces, punctuation (not the
    signs between digits, as in "1,5"), lone combining marks and invisible characters
    removed,
    Cyrillic and Greek look-alikes read as the Latin letters they look like, case
    folded. "Loss of vision", "loss of vision." and "Lоss оf visiоn" (Cyrillic о)
    have one skeleton. Accented letters stay what they are ("visión" is not "vision"),
    as in UTS #39, whose confusables this follows for the scripts that matter here
    (no library for it is a dependency of careloc)."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).translate(_SKELETON_TABLE)
    strip = _NOT_ALNUM_NOR_DIGIT_SIGN if _DIGIT.search(text) else _NOT_ALNUM
    return strip.sub("", text).casefold()


class _CharSkeletons(dict[str, str]):
    """The skeleton of each character, worked out the first time it is met."""

    def __missing__(self, ch: str) -> str:
        self[ch] = found = skeleton(ch)
        return found


_CHAR_SKELETONS = _CharSkeletons()


_ASCII_NOT_IN_SKELETON = "".join(chr(c) for c in range(128) if not chr(c).isalnum())
"""ASCII characters that no skeleton keeps at the start of a text: spaces, controls and
signs (a sign is kept only between two digits)."""

_WINDOW = 12
"""Characters whose skeleton starts the skeleton of the whole text, enough to rule most
texts out: NFKC, case folding and the look-alikes work character by character, but for
a combining mark just past the window that joins the window's last letter (so only the
first two of at least three characters are compared)."""


@dataclass(frozen=True)
class English:
    """The English of every unit of one article, by skeleton: what ``unchanged``
    compares a translation with."""

    skeletons: dict[str, str]
    """skeleton -> key of the (first) unit whose English has it; only English with letters."""
    starts: frozenset[str]
    """The first two characters of each skeleton."""
    script: str | None
    """The script of the source locale (``Latn``)."""
    ascii: bool = True
    """Every skeleton starts with two ASCII letters or digits (English)."""

    def unit_of(self, translation: str) -> str | None:
        """The key of the unit whose English ``translation`` is (by skeleton), or None."""
        # Spaces and ASCII signs before the first letter are not in the skeleton ("[!! ",
        # "- ", "(", quotes): skip them, so the first letters can rule the text out.
        translation = translation.lstrip(_ASCII_NOT_IN_SKELETON)
        head = translation[:2]
        if self.ascii and len(head) == 2 and head.isalpha():
            # Most text starts with two letters, whose skeletons start the text's (one
            # that a combining mark joins becomes no ASCII letter, which no start has).
            if head.isascii():
                first = head.lower()
            else:
                first = (_CHAR_SKELETONS[head[0]] + _CHAR_SKELETONS[head[1]])[:2]
            if len(first) == 2 and first not in self.starts:
                return None
        start = skeleton(translation[:_WINDOW])
        if len(start) >= 3 and start[:2] not in self.starts:
            return None  # ruled out by its first characters
        return self.skeletons.get(skeleton(translation))


def english_of(article: Article) -> English:
    """The ``English`` of ``article`` (remembered: its twenty locales compare with it)."""
    units = tuple((u.key, u.text) for u in article.units())
    return _english(units, article.source_locale)


@functools.lru_cache(maxsize=256)
def _english(units: tuple[tuple[str, str], ...], source_locale: str) -> English:
    skeletons: dict[str, str] = {}
    for key, text in units:
        if any(ch.isalpha() for ch in text):
            skeletons.setdefault(skeleton(text), key)
    skeletons.pop("", None)
    starts = frozenset(s[:2] for s in skeletons)
    ascii = all(s.isascii() and len(s) == 2 for s in starts)
    return English(skeletons, starts, locale_script(source_locale), ascii)


def _english_of_unit(unit: Unit) -> English:
    return _english(((unit.key, unit.text),), "en")


# -- checks on a translated entry ---------------------------------------------------------
def unchanged(entry: Entry) -> Iterator[Finding]:
    """The translation is the English: of this unit, or of any other unit of the article.

    Copying the English is how an untranslated warning slips through: a reader
    who does not read English would miss it. The texts are compared as they
    look: case, spaces, punctuation (the English minus its final period),
    invisible characters, fullwidth forms and Cyrillic or Greek letters that look Latin
    ("Lоss оf visiоn" with a Cyrillic о) make no difference. English variants
    (en_GB, en_AU) may keep the text. A short term (up to three words) that
    really is spelled the same in a language written in the Latin script, as
    the English is (French "fatigue"), may be confirmed with the translator
    comment ``# careloc: same-as-source`` on its entry; never a warning lead."""
    if entry.context.same_language:
        return
    english = entry.english or _english_of_unit(entry.unit)
    key = english.unit_of(entry.translation)
    if key is None or same_as_source(entry, english):
        return
    if key == entry.unit.key:
        yield entry.gate("unchanged", "translation is identical to the English source")
    else:
        yield entry.gate("unchanged", f"translation is the English of unit '{key}'")


def same_as_source(entry: Entry, english: English | None = None) -> bool:
    """Whether the translator's ``# careloc: same-as-source`` confirmation holds for
    ``entry``: the comment is there, the unit is not a warning lead, its English has
    at most three words, and the locale is written in the script of the English."""
    if not any(SAME_AS_SOURCE in comment for comment in entry.comments):
        return False
    if entry.unit.kind is UnitKind.WARNING_LEAD:
        return False
    if len(entry.source.split()) > SAME_AS_SOURCE_MAX_WORDS:
        return False
    english = english or entry.english or _english_of_unit(entry.unit)
    script = locale_script(entry.context.code)
    return script is not None and script == english.script


def waived(entry: Entry) -> bool:
    """True if ``same_as_source`` is what keeps ``unchanged`` quiet for ``entry`` (the
    waivers in force, which ``careloc status`` lists)."""
    if entry.context.same_language or not entry.comments:
        return False
    english = entry.english or _english_of_unit(entry.unit)
    return english.unit_of(entry.translation) is not None and same_as_source(entry, english)


def script(entry: Entry) -> Iterator[Finding]:
    """An urgent-care warning must be written in the script of its language.

    A warning unit needs at least one letter or digit of a script the locale is
    written in (Arabic for ar, Chinese characters for zh_Hans, Latin for es, fr,
    de, pt_BR: CLDR's likely script of the locale) if its English has a word.
    English left in an Arabic warning, or a "translation" of digits and signs
    only, tells the reader nothing."""
    if not entry.unit.is_warning or entry.context.same_language:
        return
    wanted = locale_script(entry.context.code)
    if wanted is None or blank(entry.translation):  # blank: entry_state's `untranslated`
        return
    if not any(ch.isalpha() for ch in entry.source):
        return  # no word in the English ("{0}", "112"): nothing to write in a script
    if in_script(entry.translation, wanted) is False:
        yield entry.gate(
            "wrong-script",
            f"no letter or digit of the {_script_name(wanted)} script ({wanted}), "
            f"in which {entry.context.code} is written: {shown(entry.translation)}",
        )


def _script_name(script: str) -> str:
    return str(Locale("en").scripts.get(script, script))


def placeholders(entry: Entry) -> Iterator[Finding]:
    """Placeholders such as ``{name}``, ``%s`` and ``%(name)s`` must be kept exactly.

    They are replaced by the program when the page is made; a changed, dropped
    or added placeholder shows raw code to the reader or breaks the page."""
    both = entry.source + entry.translation
    if "%" not in both and "{" not in both:
        return  # most prose: nothing to look for
    source, translation = _placeholders(entry.source), _placeholders(entry.translation)
    if source == translation:
        return
    parts = []
    if source - translation:
        parts.append(f"missing {_listing(source - translation)}")
    if translation - source:
        parts.append(f"not in the source {_listing(translation - source)}")
    yield entry.critical("placeholders", "placeholders differ: " + "; ".join(parts))


MAX_EXTRA_NUMBERS = 100
"""Numbers a translation may have beyond those of its English before the ``numbers``
check stops reading it (and reports so): its cost stays linear in the text."""


def numbers(entry: Entry) -> Iterator[Finding]:
    """Every number of the English must appear in the translation, and no other.

    In health text a changed number (a dose, a duration, a vitamin name like
    B12) is dangerous. Digit grouping (1,000 / 1.000 / 1 000), the decimal
    sign (1.5 / 1,5) and digit script (Arabic-Indic ١٢) may differ; the
    numbers themselves may not: 1.5 is not 15."""
    if not (_DIGIT.search(entry.source) or _DIGIT.search(entry.translation)):
        return  # no number on either side
    source = _source_numbers(entry.source)
    limit = len(source) + MAX_EXTRA_NUMBERS
    translation = numbers_in(entry.translation, limit + 1)
    if len(translation) > limit:
        yield entry.critical(
            "numbers",
            f"numbers differ: the translation has more than {limit} numbers, the English "
            f"{len(source)}",
        )
        return
    missing, extra = unpaired(source, translation)
    if not missing and not extra:
        return
    parts = []
    if missing:
        parts.append("missing " + listing(n.text for n in missing))
    if extra:
        parts.append("not in the source " + listing(n.text for n in extra))
    yield entry.critical("numbers", "numbers differ: " + "; ".join(parts))


def whitespace(entry: Entry) -> Iterator[Finding]:
    """Leading and trailing spaces and line breaks must match the English.

    A translation that starts or ends with a line break where the English does
    not fails ``msgfmt --check`` (an error); other differences in surrounding
    whitespace or in the number of line breaks are cosmetic (a warning)."""
    source, translation = entry.source, entry.translation
    if not (
        "\n" in source
        or "\n" in translation
        or source[:1].isspace()
        or source[-1:].isspace()
        or translation[:1].isspace()
        or translation[-1:].isspace()
    ):
        return  # most text: no line break, no surrounding space on either side
    for end, test in (("begin", str.startswith), ("end", str.endswith)):
        if test(source, "\n") != test(translation, "\n"):
            yield entry.critical(
                "whitespace",
                f"the English and the translation do not both {end} with a line break",
            )
            return
    if _leading(source) != _leading(translation):
        yield entry.cosmetic("whitespace", "leading whitespace differs from the English")
    if _trailing(source) != _trailing(translation):
        yield entry.cosmetic("whitespace", "trailing whitespace differs from the English")
    if source.count("\n") != translation.count("\n"):
        yield entry.cosmetic(
            "whitespace",
            f"{translation.count(chr(10))} line break(s) where the English has "
            f"{source.count(chr(10))}",
        )


def markup(entry: Entry) -> Iterator[Finding]:
    """Translations are untrusted input: no HTML the English does not have.

    Any ``<tag``/``</tag``, ``javascript:``/``data:`` URL, ``on...=`` event
    attribute or HTML entity (``&lt;``) that is not in the English is an error;
    the export never emits translated text as HTML, but such text is either an
    attack or a mistake, and readers would see the raw code."""
    if _MARKUP_SIGNS.isdisjoint(entry.translation):  # most prose: nothing to look for
        return
    found = _markup(entry.translation)
    if not found:
        return
    extra = found - _source_markup(entry.source)
    if extra:
        yield entry.critical("markup", f"markup not in the English: {_listing(extra)}")


def urls(entry: Entry) -> Iterator[Finding]:
    """Links must be kept, and a translation may not add its own.

    An added URL is an error on every unit (a translation could send readers
    anywhere); a dropped one loses information the English gives."""
    if not (_may_have_url(entry.source) or _may_have_url(entry.translation)):
        return  # no link on either side
    source, translation = _source_urls(entry.source), urls_in(entry.translation)
    if source == translation:
        return
    if translation - source:
        yield entry.critical("urls", f"URL not in the English: {_listing(translation - source)}")
    if source - translation:
        yield entry.gate("urls", f"URL of the English missing: {_listing(source - translation)}")


def bidi_control(entry: Entry) -> Iterator[Finding]:
    """No invisible bidirectional control characters (U+202A-U+202E, U+2066-U+2069,
    U+200E, U+200F, U+061C).

    They reorder what the reader sees without showing themselves, so a warning
    could display differently from what reviewers approved (the "Trojan
    Source" trick). Error in urgent-care warnings, warning elsewhere."""
    if not BIDI_CONTROLS.isdisjoint(entry.translation):
        yield entry.gate(
            "bidi-control",
            "invisible bidirectional control character(s): "
            + _char_names(entry.translation, BIDI_CONTROLS),
        )


def zero_width(entry: Entry) -> Iterator[Finding]:
    """No zero-width characters (U+200B-U+200D, U+2060, U+FEFF).

    They hide inside words, break search and screen readers, and make two
    texts that look the same compare different. Error in urgent-care
    warnings, warning elsewhere."""
    if not ZERO_WIDTH.isdisjoint(entry.translation):
        yield entry.gate(
            "zero-width",
            "invisible zero-width character(s): " + _char_names(entry.translation, ZERO_WIDTH),
        )


# -- what a translation says (``pipeline.langid``, ``pipeline.meaning``) ----------------
def wrong_language(entry: Entry) -> Iterator[Finding]:
    """``wrong-language``: the translation must be in the locale's language.

    Portuguese pasted into the Spanish file, or the English left with a word
    changed, reads as a translation to every other check. An offline detector
    compares the locale's language with the project's other languages (and
    English); it judges only sentences long enough (at least 30 letters and 4
    words, or 10 Chinese or Japanese characters) and flags only when another
    language is clearly more likely (90% or more against 5% or less). Short
    terms and names are never judged. An error in urgent-care warnings; a
    warning elsewhere, where the English is shown instead."""
    context = entry.context
    if not context.languages:
        return
    if not langid.judgeable(entry.translation):
        return
    own_code = langid.code_of(context.code)
    if own_code is None:
        return
    if " ".join(entry.translation.split()) == " ".join(entry.source.split()):
        return  # the English itself: ``unchanged`` says so
    other = langid.other_language(entry.translation, own_code, context.languages)
    if other is not None:
        yield entry.gate(
            "wrong-language",
            f"the translation reads as {langid.language_name(other)}, "
            f"not {langid.language_name(own_code)}",
        )


def glossary_term(entry: Entry) -> Iterator[Finding]:
    """``glossary-term``: where the English uses a clinical term of the locale's
    termbase (``locales/<locale>/glossary.tbx``), the translation must use one of
    its preferred or admitted translations.

    One word for one symptom, everywhere: "dizziness" stays *mareo* in every
    Spanish warning, not *mareo* here and *aturdimiento* there. Case and endings
    may differ. A deliberate rewording can be confirmed with the translator
    comment ``# careloc: reworded`` on the entry."""
    termbase = entry.context.termbase
    if termbase is None or meaning.confirmed(entry.comments):
        return
    for concept in termbase.concepts_in(entry.source):
        allowed = concept.allowed
        if not allowed or any(meaning.contains(entry.translation, t) for t in allowed):
            continue
        listing = ", ".join(repr(t) for t in allowed)
        yield entry.gate(
            "glossary-term",
            f"the English says {concept.source[0]!r}; the termbase asks for {listing}",
        )


def glossary_forbidden(entry: Entry) -> Iterator[Finding]:
    """``glossary-forbidden``: where the English uses a clinical term of the locale's
    termbase, the translation must not use a translation the termbase marks as
    deprecated or superseded.

    These are the colloquial or wrong words for a symptom (Spanish *vértigo* for
    "dizziness" names another symptom). Case and endings may differ."""
    termbase = entry.context.termbase
    if termbase is None:
        return
    for concept in termbase.concepts_in(entry.source):
        for term in concept.forbidden:
            if meaning.contains(entry.translation, term):
                yield entry.gate(
                    "glossary-forbidden",
                    f"{term!r} is marked deprecated for {concept.source[0]!r} in the "
                    "termbase; use "
                    + (", ".join(repr(t) for t in concept.allowed) or "another term"),
                )


TRANSLATION_CHECKS: tuple[Check, ...] = (
    markup,
    placeholders,
    numbers,
    urls,
    bidi_control,
    zero_width,
    unchanged,
    script,
    whitespace,
    wrong_language,
    glossary_term,
    glossary_forbidden,
)
"""Every check run on a translated, current, non-fuzzy entry, in reporting order."""


PLAIN_TEXT_CHECKS: tuple[Check, ...] = (
    unchanged,
    script,
    whitespace,
    wrong_language,
    glossary_term,
    glossary_forbidden,
)
"""The checks of ``TRANSLATION_CHECKS`` that can find anything in plain prose (text
without ``has_signs``): the others look for characters it does not have."""

_WITHOUT_SIGNS = re.compile(
    r"[^%{<:=&\d\u061c\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]*"
)
"""Text without any character that a check of ``TRANSLATION_CHECKS`` other than
``PLAIN_TEXT_CHECKS`` looks for: placeholders (``%``, ``{``), numbers, markup
(``<:=&``), URLs (a colon, or "www." below), bidirectional controls and zero-width
characters. (One negated class: several times faster than searching for the signs.)"""


def has_signs(text: str) -> bool:
    """Whether ``text`` has anything but plain prose to some check (see ``_WITHOUT_SIGNS``)."""
    if _WITHOUT_SIGNS.fullmatch(text) is None:
        return True
    return ("w" in text or "W" in text) and "www." in text.lower()


_source_has_signs = functools.lru_cache(maxsize=65536)(has_signs)
"""``has_signs`` of an English text, remembered: twenty locales check the same English."""


_ONLY_WHERE: dict[Check, Callable[[PoContext, bool], bool]] = {
    unchanged: lambda context, warning: not context.same_language,
    script: lambda context, warning: warning and not context.same_language,
    wrong_language: lambda context, warning: (
        bool(context.languages) and langid.code_of(context.code) is not None
    ),
    glossary_term: lambda context, warning: context.termbase is not None,
    glossary_forbidden: lambda context, warning: context.termbase is not None,
}
"""Checks that can find nothing in some files or units, known before any text is
read: each check's own first test, asked once per file (its locale, its termbase)
and kind of unit, not once per entry. A check not listed runs everywhere."""


def checks_for(context: PoContext, plain: bool, warning: bool) -> tuple[Check, ...]:
    """The checks of ``TRANSLATION_CHECKS`` (``PLAIN_TEXT_CHECKS`` if ``plain``) that can
    find anything in an entry of this file, a warning unit or not (``_ONLY_WHERE``)."""
    chosen = context.chosen_checks
    key = (plain, warning)
    found = chosen.get(key)
    if found is None:
        checks = PLAIN_TEXT_CHECKS if plain else TRANSLATION_CHECKS
        found = chosen[key] = tuple(
            check
            for check in checks
            if (only := _ONLY_WHERE.get(check)) is None or only(context, warning)
        )
    return found


def check_translation(entry: Entry) -> list[Finding]:
    """Run every check of ``TRANSLATION_CHECKS`` on one entry: only those of
    ``PLAIN_TEXT_CHECKS`` where neither text has anything the others look for, and
    only those that can find anything in its file (``checks_for``): the same
    findings, sooner."""
    plain = not has_signs(entry.translation) and not _source_has_signs(entry.source)
    found: list[Finding] = []
    for check in checks_for(entry.context, plain, entry.unit.warning_id is not None):
        found.extend(check(entry))
    return found


# -- checks on the PO header --------------------------------------------------------------
@dataclass(frozen=True)
class Header:
    """The header fields of a PO file as written, with the line of each."""

    fields: dict[str, str]
    lines: dict[str, int]
    context: PoContext
    start: int | None = None
    """The line of the header's ``msgstr``: where a missing field belongs."""

    def get(self, name: str) -> str | None:
        return self.fields.get(name.lower())

    def line(self, name: str) -> int | None:
        return self.lines.get(name.lower())


def _same_locale(a: str, b: str) -> bool:
    return a.replace("-", "_").lower() == b.replace("-", "_").lower()


def header_language(header: Header) -> Iterator[Finding]:
    """The ``Language`` header must name the locale of the directory the file is in.

    A French file copied into ``locales/es/`` would otherwise be published as
    Spanish. ``pt_BR`` and ``pt-BR`` are the same."""
    ctx = header.context
    value = header.get("Language")
    if not value:
        yield ctx.finding(
            "header-language",
            ERROR,
            f"no 'Language' header; it should be 'Language: {ctx.code}'",
            header.start,
        )
    elif not _same_locale(value, ctx.code):
        yield ctx.finding(
            "header-language",
            ERROR,
            f"'Language: {value}' but the file is in the directory of locale {ctx.code!r}",
            header.line("Language"),
        )


_EVERYDAY = range(1001)
"""The numbers a plural formula is compared on: 0..1000."""
_LARGE = (10**6, 2 * 10**6, 10**9)
"""Beyond them, where CLDR 42 gave Spanish, French, Italian and Portuguese a form
of their own for millions ("1 millón de"); gettext's formulas for those languages,
as GNU msginit and Weblate write them, have none."""


@functools.lru_cache(maxsize=256)
def _partition(expr: str) -> tuple[int, ...] | None:
    """The plural form ``expr`` picks for n = 0..1000 and then for a few millions,
    as ``gettext`` evaluates it; None if it is not a valid gettext plural expression.
    (Remembered: a project has few formulas but thousands of PO files.)"""
    try:
        pick = gettext.c2py(expr)
        return tuple(pick(n) for n in (*_EVERYDAY, *_LARGE))
    except (ValueError, SyntaxError, RecursionError, ZeroDivisionError, OverflowError):
        return None


@functools.lru_cache(maxsize=256)
def _fraction_forms(expr: str) -> frozenset[int]:
    """The forms ``expr`` picks for fractions (0.5, 1.5, ...), which a count in gettext
    never is: Transifex gives those a form of their own (CLDR's "other" for decimals)."""
    try:
        pick: Callable[[float], int] = gettext.c2py(expr)  # type: ignore[assignment]
        # c2py refuses fractions through the ``_as_int`` of this function's own
        # namespace (made anew for each formula): let them through, for this one.
        pick.__globals__["_as_int"] = float
        return frozenset(pick(n + 0.5) for n in (0, 1, 2, 4, 5, 11, 21, 101))
    except (ValueError, SyntaxError, RecursionError, ZeroDivisionError, OverflowError, TypeError):
        return frozenset()


@functools.lru_cache(maxsize=256)
def _same_partition(a: tuple[int, ...], b: tuple[int, ...]) -> bool:
    """True if both formulas group the numbers the same way, whatever the form indexes."""
    mapping: dict[int, int] = {}
    reverse: dict[int, int] = {}
    for x, y in zip(a, b, strict=True):
        if mapping.setdefault(x, y) != y or reverse.setdefault(y, x) != x:
            return False
    return True


def header_plural_forms(header: Header) -> Iterator[Finding]:
    """``Plural-Forms`` must be a valid formula that agrees with the CLDR plural
    rules of the locale on everyday numbers.

    A formula that cannot be read, picks a form beyond ``nplurals``, or declares
    forms it never picks makes ``msgfmt`` and every PO editor ask for the wrong
    plural forms (an error), as does one that splits 0..1000 into another number
    of forms than CLDR. A formula written differently but grouping 0..1000 the
    same way is fine: GNU and Babel number Arabic's forms differently, and the
    Spanish, French, Italian and Portuguese formulas of GNU gettext and Weblate
    (two forms) are as correct for everyday numbers as CLDR's newer three, whose
    extra form is for millions. The same number of forms split differently is a
    warning, as is a last form only fractions would pick (Transifex writes four
    forms for Russian, Polish and Ukrainian; gettext counts are whole numbers, so
    the fourth is never used). More than six forms is an error: no language has
    more."""
    ctx = header.context
    problem = _plural_forms_problem(ctx.code, header.get("Plural-Forms"))
    if problem is not None:
        severity, message, missing = problem
        where = header.start if missing else header.line("Plural-Forms")
        yield ctx.finding("header-plural-forms", severity, message, where)


@functools.lru_cache(maxsize=1024)
def _plural_forms_problem(code: str, value: str | None) -> tuple[FindingSeverity, str, bool] | None:
    """What is wrong with ``Plural-Forms: value`` in a catalog of ``code``: severity,
    message and whether the header is missing; None if nothing. (Remembered: a
    project has few formulas but thousands of PO files.)"""
    try:
        # parse_locale knows the pseudo-locale qps_ploc (English rules); Babel does not.
        expected = get_plural(parse_locale(code))
    except (ValueError, LookupError):
        return None
    want = f"nplurals={expected.num_plurals}; plural={expected.plural_expr};"
    if not value:
        return WARNING, f"no 'Plural-Forms' header; CLDR says '{want}'", True
    match = re.fullmatch(r"\s*nplurals\s*=\s*(\d+)\s*;\s*plural\s*=\s*(.+?)\s*;?\s*", value)
    if not match:
        return ERROR, f"cannot read 'Plural-Forms: {value}'", False
    declared, formula = int(match.group(1)), match.group(2)
    if declared > MAX_PLURALS:
        return ERROR, f"nplurals={declared}: no language has more than {MAX_PLURALS} forms", False
    ours, theirs = _partition(formula), _partition(expected.plural_expr)
    if ours is None or min(ours) < 0 or max(ours) >= declared:
        return (
            ERROR,
            f"'plural={formula}' is not a valid formula for "
            f"{declared} plural form(s); CLDR says '{want}'",
            False,
        )
    if (
        len(set(ours)) == declared - 1
        and max(ours) < declared - 1
        and declared - 1 in _fraction_forms(formula)
        and theirs is not None
        and _same_partition(ours[: len(_EVERYDAY)], theirs[: len(_EVERYDAY)])
    ):
        # Transifex's ru, pl, uk...: a last form for fractions (CLDR's "other"), which a
        # gettext count never reaches; the counts are grouped as CLDR groups them.
        return (
            WARNING,
            f"nplurals={declared}: the last form is for fractions, which gettext never "
            f"picks (counts are whole numbers); CLDR says '{want}'",
            False,
        )
    if len(set(ours)) != declared:
        return (
            ERROR,
            f"nplurals={declared} but 'plural={formula}' only ever picks "
            f"{len(set(ours))} form(s); CLDR says '{want}'",
            False,
        )
    if theirs is None or _same_partition(ours[: len(_EVERYDAY)], theirs[: len(_EVERYDAY)]):
        return None
    everyday_ours = len(set(ours[: len(_EVERYDAY)]))
    everyday_theirs = len(set(theirs[: len(_EVERYDAY)]))
    if everyday_ours != everyday_theirs:
        return (
            ERROR,
            f"nplurals={declared}: the formula has {everyday_ours} form(s) for the "
            f"numbers 0..1000 but {code!r} has {everyday_theirs} in CLDR: '{want}'",
            False,
        )
    return WARNING, f"plural formula groups numbers differently from CLDR's '{want}'", False


def header_charset(header: Header) -> Iterator[Finding]:
    """The file must declare ``Content-Type: text/plain; charset=UTF-8``.

    careloc reads and writes UTF-8 only; any other declared charset (or the
    template's placeholder ``CHARSET``) means the file is not what it says."""
    ctx = header.context
    value = header.get("Content-Type")
    if not value:
        yield ctx.finding(
            "header-charset",
            ERROR,
            "no 'Content-Type' header; it should be 'text/plain; charset=UTF-8'",
            header.start,
        )
        return
    match = re.search(r"charset\s*=\s*([\w.:-]+)", value, re.IGNORECASE)
    charset = match.group(1) if match else None
    if charset is None or charset.lower().replace("-", "").replace("_", "") != "utf8":
        yield ctx.finding(
            "header-charset",
            ERROR,
            f"'Content-Type: {value}' must declare charset=UTF-8",
            header.line("Content-Type"),
        )


HEADER_CHECKS: tuple[Callable[[Header], Iterator[Finding]], ...] = (
    header_language,
    header_plural_forms,
    header_charset,
)


def read_header(text: str, context: PoContext) -> Header:
    """The header fields of a PO text with their lines (``pofile.read_header``)."""
    fields, lines, start = pofile.read_header(text)
    return Header(fields, lines, context, start)


def check_header(header: Header) -> list[Finding]:
    """Run every check of ``HEADER_CHECKS``."""
    return [finding for check in HEADER_CHECKS for finding in check(header)]


# -- the state of an entry ----------------------------------------------------------------
def entry_state(
    unit: Unit, message: PoEntry | None, obsolete: PoEntry | None, context: PoContext
) -> Finding | None:
    """Whether the PO has a usable translation of ``unit`` at all; None if it has.

    In order: ``missing-unit`` (no entry with the unit's msgctxt: run
    ``careloc update``), ``obsolete`` (the entry is commented out with ``#~``),
    ``untranslated`` (empty msgstr, or one that is ``blank``: only spaces,
    punctuation, symbols, invisible characters or markup), ``fuzzy`` (marked for review: gettext
    never uses fuzzy translations), ``stale`` (the entry's msgid is not the
    current English: the source changed and the PO was not updated). Each is an
    error on an urgent-care warning unit; elsewhere a warning, and the English
    is shown instead."""
    severity = ERROR if unit.is_warning else WARNING
    what = "urgent-care warning unit" if unit.is_warning else "unit"
    if message is None:
        if obsolete is not None:
            return context.finding(
                "obsolete",
                severity,
                f"{what} '{unit.key}' is obsolete (#~) in this PO; restore it and "
                "translate it, or run `careloc update`",
                obsolete.lineno,
                unit=unit.key,
            )
        return context.finding(
            "missing-unit",
            severity,
            f"{what} '{unit.key}' has no entry in this PO; run `careloc update`",
            unit=unit.key,
        )
    translation = translation_of(message)
    if not translation:
        return context.finding(
            "untranslated",
            severity,
            f"{what} '{unit.key}' is not translated",
            message.lineno,
            unit=unit.key,
        )
    if blank(translation):
        return context.finding(
            "untranslated",
            severity,
            f"{what} '{unit.key}' is not translated: {shown(translation)} has no "
            "letter or digit a reader could see",
            message.lineno,
            unit=unit.key,
        )
    if message.fuzzy:
        return context.finding(
            "fuzzy",
            severity,
            f"{what} '{unit.key}' is fuzzy: check the translation against the English, "
            "then remove the fuzzy flag",
            message.lineno,
            unit=unit.key,
        )
    if message.id != unit.text:
        return context.finding(
            "stale",
            severity,
            f"{what} '{unit.key}' translates an older English text; run `careloc update` "
            "and review the translation",
            message.lineno,
            unit=unit.key,
        )
    return None


@dataclass(slots=True)
class Decision:
    """Whether one unit's translation may be published, and why not."""

    translation: str | None
    """The text to publish; None if it is not usable (English fallback, or on an
    urgent-care warning, the locale withheld)."""
    findings: list[Finding] = field(default_factory=list)
    line: int | None = None
    """The line of the entry's msgid (None without an entry)."""
    waived: bool = False
    """The ``same-as-source`` confirmation keeps ``unchanged`` quiet for it."""


def decide(
    unit: Unit,
    message: PoEntry | None,
    obsolete: PoEntry | None,
    context: PoContext,
    english: English | None = None,
) -> Decision:
    """The one decision whether a unit's translation is usable: ``entry_state`` (present,
    translated and not blank, not fuzzy, current), then every check of
    ``TRANSLATION_CHECKS``. Usable means no critical or gate finding (cosmetic ones are
    reported, nothing more): a gate check's warning on a unit that is no urgent-care
    warning means the English is shown instead. ``check``, ``status``, ``build``,
    ``review`` and the dashboard all read the gate's verdict, made of these decisions."""
    translation = translation_of(message) if message is not None else ""
    if (
        message is None
        or not translation
        or "fuzzy" in message.flags
        or message.id != unit.text
        or blank(translation)
    ):  # what entry_state reports, asked in the order most entries pass it fastest
        state = entry_state(unit, message, obsolete, context)
        assert state is not None
        return Decision(None, [state], message.lineno if message is not None else None)
    comments = message.user_comments
    entry = Entry(
        unit, translation, context, message.lineno, tuple(comments) if comments else (), english
    )
    found = check_translation(entry)
    if not entry.usable:
        return Decision(None, found, message.lineno)
    return Decision(translation, found, message.lineno, bool(comments) and waived(entry))


def translation_of(message: PoEntry) -> str:
    """The msgstr of ``message`` (the first form, should a plural entry appear)."""
    string = message.string
    if type(string) is str:
        return string
    if isinstance(string, (list, tuple)):
        return str(string[0]) if string else ""
    return str(string)


def unknown_entry(message: PoEntry, context: PoContext) -> Finding:
    """``unknown-unit``: an active entry whose msgctxt is no unit of the source article.

    It is never used; usually the source changed and ``careloc update`` will make
    it obsolete. (Obsolete ``#~`` entries of removed units are normal and kept
    for reference: they are counted, not reported.)"""
    return context.finding(
        "unknown-unit",
        WARNING,
        f"entry msgctxt {message.context!r} is not a unit of article "
        f"{context.article!r}; run `careloc update`",
        message.lineno,
        unit=message.context,
    )


# -- article-level checks: a care card's red flags, the completion minimum ---------------
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
