"""Generate a synthetic careloc project (N articles x M locales) from the real article.

Usage: ``python benchmarks/generate.py OUT --articles N --locales M [--seed S]``

Every article is the seed ``source/numbness-of-the-legs.yaml`` with its shape kept
(same sections, lists and urgent-care warnings) and its ids and wording varied
deterministically: another body part, a few rephrasings, list items reordered,
some section and warning ids renamed. Every locale gets a complete
pseudo-translation written in the locale's own script (Arabic and Hebrew are
right-to-left), keeping numbers and punctuation so that the gate passes; a few
deliberate gate failures are planted (see ``Failure``) so that ``check`` and
``build`` have something to report. Templates and PO files are made with the
careloc library itself, so the corpus is current: ``careloc update --check``
finds nothing to do. The same arguments always give the same bytes.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import re
import shutil
import sys
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

from pipeline import __version__
from pipeline.catalogs import new_catalog
from pipeline.extract import build_template
from pipeline.model import Article, UnitKind
from pipeline.pofile import PoCatalog, render_po
from pipeline.source import load_article

REPO = Path(__file__).resolve().parent.parent
SEED_ID = "numbness-of-the-legs"
SEED = REPO / "source" / f"{SEED_ID}.yaml"
# 2012-11-12, the seed's publication date: PO and POT dates never depend on the clock.
EPOCH = 1352678400
MANIFEST = "corpus.json"


@dataclass(frozen=True)
class TargetLocale:
    code: str
    script: str
    status: str


# Twenty real Babel locales, in the order they are taken: ``--locales 3`` gives two
# published locales (one right-to-left) and a draft, so even the smallest corpus
# has every kind of locale.
LOCALES: tuple[TargetLocale, ...] = (
    TargetLocale("es", "latin", "published"),
    TargetLocale("ar", "arabic", "published"),
    TargetLocale("pt_BR", "latin", "draft"),
    TargetLocale("fr", "latin", "published"),
    TargetLocale("de", "latin", "published"),
    TargetLocale("zh_Hans", "han", "published"),
    TargetLocale("ru", "cyrillic", "published"),
    TargetLocale("ja", "kana", "published"),
    TargetLocale("he", "hebrew", "published"),
    TargetLocale("hi", "devanagari", "published"),
    TargetLocale("it", "latin", "published"),
    TargetLocale("ko", "hangul", "published"),
    TargetLocale("nl", "latin", "published"),
    TargetLocale("pl", "latin", "published"),
    TargetLocale("tr", "latin", "published"),
    TargetLocale("uk", "cyrillic", "published"),
    TargetLocale("el", "greek", "draft"),
    TargetLocale("sv", "latin", "published"),
    TargetLocale("vi", "latin", "draft"),
    TargetLocale("id", "latin", "published"),
)


# -- pseudo-translation ---------------------------------------------------------------
def _alphabet(letters: str) -> dict[str, str]:
    """Map a-z onto 26 letters of another script (upper case maps like lower case)."""
    table = dict(zip("abcdefghijklmnopqrstuvwxyz", letters, strict=True))
    table.update({k.upper(): v.upper() for k, v in table.items()})
    return table


_LATIN = {
    **dict(zip("aeiouyAEIOUYcnszCNSZ", "áëïõüÿÀÉÎÔÜŸçñšžÇÑŠŽ", strict=True)),
}
_LETTERS = {
    "latin": _LATIN,
    "cyrillic": _alphabet("абцдефгхийклмнопярстувшжыз"),
    "greek": _alphabet("αβψδεφγηιξκλμνοπθρστυωςχυζ"),
    "arabic": _alphabet("ابتثجحخدذرزسشصضطظعغفقكلمنه"),
    "hebrew": _alphabet("אבגדהוזחטיכלמנסעפצקרשתךםןף"),
    "devanagari": _alphabet("अआइईउऊएऐओऔकखगघचछजझटठडढतथदध"),
}
# Scripts written without spaces get one or two characters per English word.
_SYLLABIC = {"han": (0x4E00, 0x9FA5), "kana": (0x30A2, 0x30F3), "hangul": (0xAC00, 0xD7A3)}
_WORD = re.compile(r"[A-Za-z]+")
_SPACED_PUNCT = {
    "han": {",": "，", ".": "。", ":": "："},
    "kana": {",": "、", ".": "。", ":": "："},
}


_PLACEHOLDER = re.compile(r"(%(?:\([A-Za-z_]\w*\))?[-+#0]?\d*(?:\.\d+)?[sdifxXeEgGcr]|\{[^{}]*\})")


def pseudo_translate(text: str, script: str) -> str:
    """A stand-in translation of ``text``: every letter in the target script, numbers,
    placeholders and punctuation kept, never identical to the English. Bracketed
    ``[!! ... !!]`` like ``careloc pseudo``'s: it is no language, and the
    ``wrong-language`` check does not judge it."""
    parts = _PLACEHOLDER.split(text)  # odd indexes are placeholders
    out = "".join(p if i % 2 else _transliterate(p, script) for i, p in enumerate(parts))
    return f"[!! {out} !!]"


def _transliterate(text: str, script: str) -> str:
    if script in _SYLLABIC:
        low, high = _SYLLABIC[script]

        def word(match: re.Match[str]) -> str:
            h = zlib.crc32(match.group(0).lower().encode())
            n = 1 + h % 2
            return "".join(chr(low + (h >> (8 * i)) % (high - low)) for i in range(n))

        out = _WORD.sub(word, text)
        out = re.sub(r"(?<=[^\x00-\x7f]) (?=[^\x00-\x7f])", "", out)
        for ascii_mark, wide in _SPACED_PUNCT.get(script, {}).items():
            out = re.sub(re.escape(ascii_mark) + r"(?!\d) ?", wide, out)
        return out
    table = _LETTERS[script]
    return "".join(table.get(ch, ch) for ch in text)


# -- source variation -----------------------------------------------------------------
BODY_PARTS = (
    ("legs", "leg"),
    ("arms", "arm"),
    ("hands", "hand"),
    ("feet", "foot"),
    ("fingers", "finger"),
    ("knees", "knee"),
    ("shoulders", "shoulder"),
    ("wrists", "wrist"),
    ("ankles", "ankle"),
    ("thighs", "thigh"),
)
REPHRASINGS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("may indicate", ("may indicate", "can point to", "may be a sign of")),
    ("serious", ("serious", "severe", "grave")),
    ("prolonged", ("prolonged", "long", "extended")),
    ("include", ("include", "are", "comprise")),
    ("associated with", ("associated with", "linked to", "seen with")),
    ("Extremely cold temperatures", ("Extremely cold temperatures", "Exposure to severe cold")),
)
SECTION_IDS = {
    "causes": ("causes", "why-it-happens", "common-causes"),
    "symptoms": ("symptoms", "signs", "what-you-may-notice"),
    "treatment": ("treatment", "what-to-do", "care"),
}
WARNING_IDS = {
    "seek-immediate-help": ("seek-immediate-help", "call-for-help", "emergency-signs"),
    "see-a-doctor": ("see-a-doctor", "talk-to-a-doctor", "get-checked"),
}


def _body_part(text: str, plural: str, singular: str) -> str:
    def swap(match: re.Match[str]) -> str:
        word = match.group(0)
        new = plural if word.lower() == "legs" else singular
        return new.capitalize() if word[0].isupper() else new

    return re.sub(r"\b[Ll]egs?\b", swap, text)


def vary_article(
    seed: dict[str, Any], index: int, rng: random.Random, width: int
) -> dict[str, Any]:
    """Article number ``index``: the seed's structure, its ids and words varied."""
    plural, singular = BODY_PARTS[index % len(BODY_PARTS)]
    phrasing = {old: rng.choice(new) for old, new in REPHRASINGS}

    def text(value: str) -> str:
        value = _body_part(value, plural, singular)
        for old, new in phrasing.items():
            value = value.replace(old, new)
        return value

    def rename(table: Mapping[str, tuple[str, ...]], value: str) -> str:
        return rng.choice(table[value]) if value in table else value

    data: dict[str, Any] = json.loads(json.dumps(seed))  # deep copy of plain data
    data["id"] = f"numbness-of-the-{plural}-{index:0{width}d}"
    year = 2010 + index % 12
    data["published"] = f"{year}-{1 + index % 12:02d}-{1 + index % 28:02d}"
    data["title"] = text(data["title"])
    for section in data["sections"]:
        section["id"] = rename(SECTION_IDS, section["id"])
        if "heading" in section:
            section["heading"] = text(section["heading"])
        for block in section["blocks"]:
            ((kind, body),) = block.items()
            if kind == "paragraph":
                body["text"] = text(body["text"])
            elif kind == "list":
                rng.shuffle(body["items"])
                for item in body["items"]:
                    item["text"] = text(item["text"])
            else:
                body["id"] = rename(WARNING_IDS, body["id"])
                body["lead"] = text(body["lead"])
                for flag in body.get("red_flags", []):
                    flag["text"] = text(flag["text"])
    return data


def article_yaml(data: dict[str, Any], seed_name: str, index: int) -> str:
    header = (
        f"# Synthetic benchmark article {index}, generated by benchmarks/generate.py from\n"
        f"# {seed_name}: the same structure, ids and wording varied.\n"
    )
    body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=88)
    return header + body


# -- deliberate gate failures ---------------------------------------------------------
@dataclass(frozen=True)
class Failure:
    """A gate failure planted on purpose: ``kind`` is ``fuzzy`` (the entry is marked
    fuzzy) or ``untranslated`` (its msgstr is emptied)."""

    locale: str
    article: str
    unit: str
    kind: str
    published: bool


def plan_failures(articles: Sequence[Article], locales: Sequence[TargetLocale]) -> list[Failure]:
    """A fuzzy emergency lead and an untranslated red flag in published locales (CI
    must fail), and a fuzzy warning lead in a draft locale (reported, CI unaffected)."""
    published = [t for t in locales if t.status == "published"]
    drafts = [t for t in locales if t.status == "draft"]

    def pick(n: int) -> Article:
        return articles[n % len(articles)]

    def emergency(article: Article, part: UnitKind) -> str:
        warning = next(w for w in article.warnings() if w.severity.value == "emergency")
        return warning.lead.key if part is UnitKind.WARNING_LEAD else warning.red_flags[-1].key

    failures = []
    if published:
        a = pick(0)
        failures.append(
            Failure(published[0].code, a.id, emergency(a, UnitKind.WARNING_LEAD), "fuzzy", True)
        )
        a = pick(1)
        failures.append(
            Failure(
                published[1 % len(published)].code,
                a.id,
                emergency(a, UnitKind.RED_FLAG),
                "untranslated",
                True,
            )
        )
    if drafts:
        a = pick(2)
        failures.append(Failure(drafts[0].code, a.id, a.warnings()[-1].lead.key, "fuzzy", False))
    return failures


# -- the project ------------------------------------------------------------------------
def locales_yaml(locales: Sequence[TargetLocale]) -> str:
    lines = [
        "# Synthetic benchmark locales (benchmarks/generate.py).",
        "source_locale: en",
        "defaults:",
        "  min_completion: 100",
        "  require_review: false",
        "locales:",
    ]
    for target in locales:
        lines += [f"  - code: {target.code}", f"    status: {target.status}"]
        if target.status == "draft":
            lines.append("    min_completion: 80")
    return "\n".join(lines) + "\n"


def translated(
    template: PoCatalog, article: Article, target: TargetLocale, failures: Sequence[Failure]
) -> bytes:
    catalog = new_catalog(target.code, article, template)
    broken = {
        f.unit: f.kind for f in failures if (f.locale, f.article) == (target.code, article.id)
    }
    for message in catalog:
        if not message.id:
            continue
        message.string = pseudo_translate(str(message.id), target.script)
        kind = broken.get(message.context or "")
        if kind == "fuzzy":
            message.flags.add("fuzzy")
        elif kind == "untranslated":
            message.string = ""
    return render_po(catalog)


def write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def generate(
    out: Path,
    articles: int,
    locales: int,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Write the corpus into ``out`` (which must not exist or be empty) and return its
    description (also written to ``out/corpus.json``)."""
    if not 1 <= locales <= len(LOCALES):
        raise ValueError(f"--locales must be between 1 and {len(LOCALES)}")
    if articles < 1:
        raise ValueError("--articles must be at least 1")
    if out.exists() and any(out.iterdir()):
        raise ValueError(f"{out} exists and is not empty")
    previous = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(EPOCH)  # PO revision dates (catalogs.now)
    try:
        return _generate(out, articles, LOCALES[:locales], seed, progress)
    finally:
        if previous is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = previous


def _generate(
    out: Path,
    articles: int,
    targets: Sequence[TargetLocale],
    seed: int,
    progress: Callable[[str], None] | None,
) -> dict[str, Any]:
    seed_data = yaml.safe_load(SEED.read_text(encoding="utf-8"))
    seed_data["published"] = str(seed_data["published"])
    shutil.copytree(REPO / "schemas", out / "schemas")
    write(out / "locales" / "locales.yaml", locales_yaml(targets).encode())

    rng = random.Random(seed)
    width = max(4, len(str(articles)))
    loaded: list[Article] = []
    for index in range(1, articles + 1):
        data = vary_article(seed_data, index, rng, width)
        rel = f"source/{data['id']}.yaml"
        write(out / rel, article_yaml(data, f"source/{SEED.name}", index).encode())
        loaded.append(load_article(out / rel, rel, out / "schemas" / "article.schema.json"))
        if progress and index % 100 == 0:
            progress(f"{index} articles")

    failures = plan_failures(loaded, targets)
    for n, article in enumerate(loaded, 1):
        template = build_template(article, __version__)
        template.creation_date = datetime.datetime.fromtimestamp(EPOCH, datetime.UTC)
        write(out / "locales" / "templates" / f"{article.id}.pot", render_po(template))
        for target in targets:
            po = translated(template, article, target, failures)
            write(out / "locales" / target.code / "LC_MESSAGES" / f"{article.id}.po", po)
        if progress and n % 100 == 0:
            progress(f"{n} articles translated into {len(targets)} locales")

    description = {
        "articles": articles,
        "locales": [asdict(t) for t in targets],
        "seed": seed,
        "po_files": articles * len(targets),
        "units_per_article": sum(1 for _ in loaded[0].units()),
        "warnings_per_article": len(loaded[0].warnings()),
        "failures": [asdict(f) for f in failures],
    }
    write(out / MANIFEST, (json.dumps(description, indent=2) + "\n").encode())
    return description


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("out", type=Path, help="directory to create")
    parser.add_argument("--articles", type=int, default=1000, metavar="N")
    parser.add_argument("--locales", type=int, default=20, metavar="M")
    parser.add_argument("--seed", type=int, default=0, metavar="S")
    args = parser.parse_args(argv)
    try:
        info = generate(
            args.out,
            args.articles,
            args.locales,
            args.seed,
            progress=lambda s: print(s, file=sys.stderr),
        )
    except ValueError as exc:
        print(f"generate.py: error: {exc}", file=sys.stderr)
        return 2
    print(
        f"{info['articles']} articles x {len(info['locales'])} locales = {info['po_files']} "
        f"PO files in {args.out}; {len(info['failures'])} deliberate gate failures"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
