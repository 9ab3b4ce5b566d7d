"""Every finding code careloc can print, declared once: its tier, what it means, how to fix it.

A ``Finding`` refuses a code that is not declared here, and the table of codes in
``docs/checks.md`` is generated from this list (``python -m pipeline.codes``), so
the documentation cannot miss a code the command line prints. CI scripts and
dashboards filter on these names: they are part of the interface.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

__all__ = [
    "BEGIN",
    "CODES",
    "END",
    "Code",
    "Stage",
    "Tier",
    "declared",
    "render_table",
    "with_table",
]


class Tier(StrEnum):
    """How a finding of this code weighs, graded like translate-toolkit's checks."""

    ERROR = "error"
    """Always an error: the file, the unit or the command cannot be used."""
    GATE = "gate"
    """An error on an urgent-care warning unit (the locale is withheld); a warning
    elsewhere, where the unit falls back to English."""
    WARNING = "warning"
    """Reported, never blocks on its own."""
    ERROR_OR_WARNING = "error / warning"
    """An error or a warning depending on what exactly is wrong (see the meaning)."""
    ERROR_OR_GATE = "error / gate"
    """Part of what it finds is an error on every unit, part a gate finding."""


class Stage(StrEnum):
    """Where in the pipeline a code is found: the sections of the generated table."""

    CATALOG = "PO files and headers"
    ENTRY = "Translations (per entry)"
    MEANING = "What a warning says"
    ARTICLE = "Per article and locale"
    REVIEW = "Clinician review"
    SOURCE = "Source articles and configuration"
    BUILD = "Build and templates"
    COMMAND = "Command line"


@dataclass(frozen=True, slots=True)
class Code:
    """One finding code: its name, tier, the stage that finds it, what it means and
    how to fix it (both as a translator or editor would read them)."""

    name: str
    tier: Tier
    stage: Stage
    meaning: str
    fix: str


_C = Code
_CATALOG, _ENTRY, _MEANING = Stage.CATALOG, Stage.ENTRY, Stage.MEANING
_ARTICLE, _REVIEW, _SOURCE = Stage.ARTICLE, Stage.REVIEW, Stage.SOURCE
_BUILD, _COMMAND = Stage.BUILD, Stage.COMMAND
_E, _G, _W = Tier.ERROR, Tier.GATE, Tier.WARNING
_EW, _EG = Tier.ERROR_OR_WARNING, Tier.ERROR_OR_GATE

# fmt: off
_DECLARED: tuple[Code, ...] = (
    # -- PO files and their headers ------------------------------------------------------------
    _C("missing-po", _E, _CATALOG, "There is no PO file for this locale and article.",
       "Run `careloc update`."),
    _C("po-syntax", _E, _CATALOG,
       "The PO file cannot be parsed (unclosed string, unknown keyword, duplicate entry), or "
       "has what GNU `msgfmt --check` refuses: two `msgstr` lines in one entry, `msgstr[N]` "
       "without `msgid_plural`, plain `msgstr` after `msgid_plural`, a translated plural form "
       "beyond `nplurals`. The line is where parsing stopped. Everything gettext writes is "
       "read: `#|` and `#~|` previous msgids (`msgmerge --previous`), obsolete entries with "
       "their flags, empty plural forms beyond `nplurals`.",
       "Fix the line, or re-save the file in a PO editor."),
    _C("encoding", _E, _CATALOG,
       "The file is not valid UTF-8, or starts with a byte-order mark.",
       "Save it as UTF-8 without BOM."),
    _C("too-large", _E, _CATALOG,
       "The file is larger than careloc accepts (8 MiB, or more than 10,000 entries); "
       "the line is where the limit is crossed.",
       "It is not a careloc catalog; restore it."),
    _C("unreadable", _E, _CATALOG, "The file cannot be read.", "Check permissions."),
    _C("not-a-file", _E, _CATALOG,
       "The path is a FIFO, a device or another non-regular file.",
       "Replace it with the file."),
    _C("outside-project", _E, _CATALOG,
       "The path resolves (through a symlink) outside the project.",
       "Replace the link with the file."),
    _C("header-language", _E, _CATALOG,
       "The `Language` header is missing or names another locale than the directory "
       "(`pt_BR` and `pt-BR` are the same).",
       "Set `Language: <directory name>`."),
    _C("header-plural-forms", _EW, _CATALOG,
       "The formula cannot be read, picks a form beyond `nplurals`, declares forms it never "
       "picks, or splits the numbers 0..1000 into another number of forms than CLDR (error); "
       "the same number of forms split differently is a warning. A formula written "
       "differently that groups 0..1000 the same way is fine: GNU's Arabic numbering, and the "
       "two-form Spanish, French, Italian and Portuguese formulas of GNU gettext and Weblate "
       "beside CLDR 42's three (the third is for millions). Transifex's four-form Russian, "
       "Polish and Ukrainian formulas, whose last form only fractions would pick (gettext "
       "counts are whole numbers), are a warning. `nplurals` above 6 (no language has more) is "
       "an error at the header line, and the file is not read further: `check` withholds the "
       "locale, `update` writes nothing.",
       "Use the `Plural-Forms` line that `careloc init` writes."),
    _C("header-charset", _E, _CATALOG,
       "`Content-Type` is missing or declares a charset other than UTF-8 (`charset=CHARSET` "
       "from a template, `ISO-8859-1`).",
       "`Content-Type: text/plain; charset=UTF-8`."),
    # -- the state of each entry, and the checks on its translation --------------------------
    _C("missing-unit", _G, _ENTRY, "The PO has no entry with the unit's `msgctxt`.",
       "Run `careloc update`, then translate it."),
    _C("obsolete", _G, _ENTRY,
       "The unit's only entry is commented out as obsolete (`#~`).",
       "Run `careloc update` (it revives the entry), check and translate it."),
    _C("untranslated", _G, _ENTRY,
       "The `msgstr` is empty, or blank: no letter or digit a reader could see (only spaces "
       "of any kind, punctuation, symbols, invisible characters or markup; see [Blank "
       "translations](#blank-translations)). `status` counts a blank msgstr as translated, "
       "as msgfmt does.",
       "Translate it."),
    _C("fuzzy", _G, _ENTRY,
       "The entry is marked `#, fuzzy`: gettext never uses fuzzy translations.",
       "Compare with the English (the `#| msgid` line shows the old English), fix, remove "
       "the flag."),
    _C("stale", _G, _ENTRY,
       "The entry's `msgid` is not the current English: the source changed and the PO was "
       "not updated.",
       "Run `careloc update` and review the translation."),
    _C("duplicate-unit", _G, _ENTRY,
       "Two entries share the unit's `msgctxt`; the one for the current English is used, the "
       "other ignored.",
       "Delete the other entry."),
    _C("unknown-unit", _W, _ENTRY,
       "An entry's `msgctxt` is no unit of the article; it is never used.",
       "Run `careloc update` (it becomes obsolete)."),
    _C("unchanged", _G, _ENTRY,
       "The translation is the English, of this unit or of any other unit of the article, "
       "compared as it looks (Unicode confusable skeletons, UTS #39): case, spaces, "
       "punctuation (the English minus its final period), invisible characters, "
       "compatibility forms (fullwidth letters) and Cyrillic or Greek letters that look "
       "Latin make no difference; accented letters stay different (`visión` is not "
       "`vision`). English variants (`en_GB`) are exempt. A short term (up to 3 words) that "
       "really is spelled the same in a language written in the Latin script, as the English"
       " is (French *fatigue*), can be confirmed with the translator comment `# careloc: "
       "same-as-source` on its entry; never a warning lead, never in a locale of another "
       "script (`ar`, `zh_Hans`). `careloc status` lists the confirmations in force.",
       "Translate it, or confirm it as above."),
    _C("placeholders", _E, _ENTRY,
       "`{name}`, `%s` or `%(name)s` placeholders differ from the English (missing, changed "
       "or added). `%%` and a lone `%` are not placeholders.",
       "Keep every placeholder exactly."),
    _C("numbers", _E, _ENTRY,
       "The numbers differ from the English. Digit grouping (`1,000` / `1.000` / `1 000` / "
       "`1,00,000`), the decimal sign (`1.5` / `1,5` / `١٫٥`) and digit script (Arabic-Indic"
       " `١٢`, full-width `１２`) may differ; the value may not (`1.5` is not `15`). Dates may"
       " use other separators (`12/11/2012` / `12.11.2012`). A translation with more than "
       "100 numbers beyond those of the English is not read further.",
       "Keep every number; do not add any."),
    _C("wrong-script", _G, _ENTRY,
       "An urgent-care warning unit has no letter or digit of a script its locale is written"
       " in (Arabic for `ar`, Chinese characters for `zh_Hans`, Latin for `es`): English "
       "left in an Arabic warning, or digits and signs only. The script is the locale's "
       "script subtag, else CLDR's likely script for its language.",
       "Translate it into the locale's language."),
    _C("whitespace", _EW, _ENTRY,
       "The translation starts or ends with a line break and the English does not, or the "
       "reverse (error: `msgfmt --check` fails); other leading/trailing spaces or line-break "
       "counts differ (warning).",
       "Match the English."),
    _C("markup", _E, _ENTRY,
       "The translation contains HTML the English does not have: a `<tag` or `</tag`, a "
       "`javascript:`/`vbscript:`/`data:` URL, an `on...=` event attribute, an entity such as "
       "`&lt;`. Translations are untrusted input.",
       "Remove it; the page adds all formatting."),
    _C("urls", _EG, _ENTRY,
       "A URL that is not in the English (error on every unit), or a URL of the English is "
       "missing (gate).",
       "Keep the English links; add none."),
    _C("bidi-control", _G, _ENTRY,
       "Invisible bidirectional controls (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, "
       "U+061C): they reorder what the reader sees without being seen.",
       "Remove them; the page sets the text direction."),
    _C("zero-width", _G, _ENTRY, "Zero-width characters (U+200B–U+200D, U+2060, U+FEFF).",
       "Remove them."),
    # -- what a warning says -------------------------------------------------------------------
    _C("lead-missing-red-flag", _E, _MEANING,
       "The English lead of a warning names a red flag (its English text appears in the "
       "lead) and the translated lead does not contain that item's translation. Matching"
       " ignores case and accents, allows other endings (`mareo` / `mareos`, `Schwindel`"
       " / `Schwindelgefühl`), Arabic clitics (`و ف ب ك ل ال`), and up to two inserted "
       "words; Chinese and Japanese match as substrings. Points at the lead's entry. Not"
       " run for the pseudo-locale `qps_ploc`.",
       "Name every red flag in the lead with the item's words, or confirm a deliberate "
       "rewording with the translator comment `# careloc: reworded` on the lead's entry."),
    _C("wrong-language", _G, _MEANING,
       "The translation reads as another of the project's languages (or English), by offline "
       "language identification (lingua, models inside the package, nothing downloaded). "
       "Only text of at least 30 letters and 4 words (10 Chinese or Japanese characters) is "
       "judged, and only when another language has 90% confidence or more and the locale's "
       "own 5% or less. Pseudo-translations (`[!! … !!]`) are not judged.",
       "Translate it into the locale's language."),
    _C("glossary-term", _G, _MEANING,
       "The English uses a source term of the locale's termbase "
       "(`locales/<locale>/glossary.tbx`) and the translation uses none of its preferred"
       " or admitted terms (same tolerant matching as `lead-missing-red-flag`).",
       "Use the termbase's term, or confirm a deliberate rewording with `# careloc: "
       "reworded`."),
    _C("glossary-forbidden", _G, _MEANING,
       "The English uses a source term of the termbase and the translation uses a term "
       "marked deprecated or superseded for it.",
       "Use the preferred term."),
    _C("termbase", _E, _MEANING,
       "The locale's `glossary.tbx` cannot be used: not well-formed XML, a DOCTYPE or "
       "entity declaration, not TBX (`<tbx>` or `<martif>`), an unknown "
       "`administrativeStatus`, a term group without a term. The locale is withheld: its"
       " clinical terms cannot be checked.",
       "Fix the file at the line given, or export it again from the terminology tool."),
    _C("inconsistent", _W, _MEANING,
       "One English warning unit (the same English text, in any article) is translated "
       "differently in different articles of a locale. One finding per variant, at its "
       "first place; the message lists every variant with its files and lines. Case and "
       "spacing do not count.",
       "Pick one translation and use it everywhere."),
    # -- per article and locale ----------------------------------------------------------------
    _C("item-count", _E, _ARTICLE,
       "A warning's red-flag list has fewer usable translated items than the English, or two"
       " items translated the same. Items are compared by their letters and digits only, in "
       "NFKC and case folded (spaces, punctuation, symbols and invisible characters do not "
       "count): `fatiga` and `fatiga.` are the same item. Points at the warning lead's "
       "entry.",
       "Fix the items reported beside it."),
    _C("completion", _E, _ARTICLE,
       "Too few non-warning units are translated (usable, or awaiting an update after an "
       "English edit) for the locale's `min_completion` in `locales/locales.yaml`.",
       "Translate more, or (for a draft) lower the minimum."),
    _C("emergency-number", _E, _ARTICLE,
       "A locale's `region` in `locales/locales.yaml` is not an ISO 3166-1 alpha-2 region, "
       "careloc has no curated medical emergency number for it, its number (curated or "
       "`emergency_number`) is not an emergency number of the region according to "
       "`phonenumbers`, or `emergency_number` is set without a `region`. Reported at the "
       "line in `locales.yaml` by `validate`, `check` and `build`, which stop.",
       "Fix the region, or set `emergency_number` (quoted: `'112'`) to the region's medical "
       "emergency number; remove `region` to show no number."),
    # -- clinician review ----------------------------------------------------------------------
    _C("review-missing", _EW, _REVIEW,
       "An urgent-care warning unit has no clinician sign-off (an error where the locale's "
       "policy has `require_review: true`).",
       "Have a clinician run `careloc review`."),
    _C("review-stale", _EW, _REVIEW,
       "The sign-off was for another English or translation than the current ones (an error "
       "where `require_review: true`).",
       "Have the change reviewed again with `careloc review`."),
    _C("review-refused", _E, _REVIEW,
       "`careloc review` refused to sign a unit that is fuzzy, untranslated, out of date or "
       "failing a check; nothing was written.",
       "Fix the translation first."),
    _C("review-unconfirmed", _E, _REVIEW,
       "`careloc review` shows each unit and asks the reviewer to confirm; without a terminal "
       "to ask on, it signs only with `--yes`. Nothing is written (exit 2).",
       "Run it on a terminal, or add `--yes` where a clinician has read the units it lists."),
    _C("bad-reviewer", _E, _REVIEW, "The reviewer's name is empty or not on one line.",
       "Give a name on one line."),
    # -- source articles and configuration ----------------------------------------------------
    _C("no-source", _E, _SOURCE, "The project has no `source/` directory.",
       "Run careloc in the project, or give `--root`."),
    _C("bad-filename", _E, _SOURCE,
       "A source file is not named `<article-id>.yaml` with an id like "
       "`numbness-of-the-legs`.",
       "Rename the file."),
    _C("id-mismatch", _E, _SOURCE, "The article's `id` is not its file name.",
       "Make them the same."),
    _C("duplicate-id", _E, _SOURCE,
       "Two sections, blocks or units share an id where ids must be unique.",
       "Rename one."),
    _C("reserved-id", _E, _SOURCE, "An id is reserved by careloc.", "Choose another id."),
    _C("schema", _E, _SOURCE, "The file violates its JSON Schema (every violation is listed).",
       "Fix the value as the message says."),
    _C("unknown-key", _E, _SOURCE, "A key the schema does not allow at that place.",
       "Remove it, or fix its spelling."),
    _C("not-text", _E, _SOURCE,
       "A value where text is expected is a number or a boolean (YAML reads an unquoted `no` "
       "as false).",
       "Quote the text."),
    _C("schema-missing", _E, _SOURCE, "A schema file of `schemas/` cannot be read.",
       "Restore it from the repository."),
    _C("schema-invalid", _E, _SOURCE, "A schema file is not a valid JSON Schema (2020-12).",
       "Restore it from the repository."),
    _C("yaml-syntax", _E, _SOURCE, "The YAML cannot be parsed.",
       "Fix the line (quote text that contains `: `)."),
    _C("yaml-char", _E, _SOURCE,
       "A character YAML does not allow, or a byte-order mark.",
       "Remove it; save as UTF-8 without BOM."),
    _C("yaml-alias", _E, _SOURCE, "YAML anchors and aliases (`&a`, `*a`) are refused.",
       "Write the text out."),
    _C("yaml-tag", _E, _SOURCE, "A custom YAML tag (`!!python/...`).", "Remove it."),
    _C("yaml-duplicate-key", _E, _SOURCE, "The same key twice in one mapping.",
       "Keep one."),
    _C("yaml-key", _E, _SOURCE, "A mapping key that is not plain text.", "Use a plain key."),
    _C("yaml-too-deep", _E, _SOURCE, "Nesting deeper than careloc accepts (32 levels).",
       "Flatten the document."),
    _C("yaml-empty", _E, _SOURCE, "The file is empty.", "Restore its content."),
    _C("yaml-node", _E, _SOURCE, "A YAML node careloc does not support.", "Remove it."),
    _C("unknown-locale", _E, _SOURCE,
       "A locale code Babel does not know (in `locales/locales.yaml` or on the command line).",
       "Use a gettext locale name such as `pt_BR`."),
    _C("duplicate-locale", _E, _SOURCE, "A locale is listed twice in `locales/locales.yaml`.",
       "Keep one."),
    _C("source-locale", _E, _SOURCE, "The source locale is listed as a target.",
       "Remove it from the targets."),
    _C("pseudo-locale", _E, _SOURCE,
       "The pseudo-locale is made by `careloc pseudo`, not by `init` or a translator.",
       "Run `careloc pseudo`."),
    _C("ui-placeholders", _W, _SOURCE,
       "An interface string's translation (`pipeline/ui/<locale>.po`) does not keep its "
       "placeholders; the English is used.",
       "Keep the placeholders."),
    # -- build and templates -------------------------------------------------------------------
    _C("no-template", _E, _BUILD, "The article has no template yet.",
       "Run `careloc sync` (or `careloc extract`)."),
    _C("stale-template", _E, _BUILD,
       "The template (`locales/templates/<id>.pot`) is not what `careloc extract` would write "
       "from the source today: the English changed and the templates were not made again, so "
       "translators cannot see the change. Compared by content, never by date. `check`, "
       "`update`, `pseudo`, `init` and `build` stop on it; `status` and `review` show it as a "
       "warning.",
       "Run `careloc sync` (`extract`, then `update`)."),
    _C("exists", _E, _BUILD, "`careloc init` would overwrite a PO file that exists.",
       "Use `careloc update`."),
    _C("verify-failed", _E, _BUILD,
       "A rendered page or bundle failed the post-render verification (a warning or red flag "
       "missing from it); the locale is withheld. `check` should have reported why.",
       "Report it: it is a careloc bug."),
    _C("verify-source", _E, _BUILD, "The English page itself failed verification.",
       "Report it: it is a careloc bug."),
    _C("bad-output", _E, _BUILD,
       "The output directory is unsafe (a file, inside the project's sources, a link, or a "
       "folder careloc did not write).",
       "Choose another `--out`."),
    _C("symlink", _E, _BUILD,
       "A symbolic link where `build` writes, replaces or deletes: the output directory, a "
       "folder above it inside the project, or its lock file (`dist.lock`). careloc never "
       "follows a link it did not make.",
       "Remove the link, or give `--out` a real directory."),
    _C("busy", _E, _BUILD, "Another careloc build holds the output directory's lock.",
       "Wait for it to finish."),
    _C("os-error", _E, _BUILD, "The operating system refused a read or write.",
       "Check the path named, its permissions and free space."),
    # -- command line --------------------------------------------------------------------------
    _C("no-project", _E, _COMMAND, "The directory is not a careloc project.",
       "Run careloc inside the project, or give `--root`."),
    _C("unknown-article", _E, _COMMAND, "No article with that id in `source/`.",
       "Use an id from `source/`."),
)
# fmt: on

CODES: dict[str, Code] = {code.name: code for code in _DECLARED}
"""Every finding code by name."""
if len(CODES) != len(_DECLARED):  # pragma: no cover - caught by the first test run
    raise RuntimeError("a finding code is declared twice in pipeline/codes.py")


def declared(name: str) -> bool:
    """Whether ``name`` is a declared finding code."""
    return name in CODES


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render_table() -> str:
    """The Markdown tables of every code, one per stage, as docs/checks.md shows them."""
    out: list[str] = []
    for stage in Stage:
        codes = [c for c in _DECLARED if c.stage is stage]
        if not codes:
            continue
        out += [f"### {stage.value}", "", "| code | tier | what it means | how to fix it |"]
        out.append("|---|---|---|---|")
        for c in codes:
            out.append(f"| `{c.name}` | {c.tier.value} | {_cell(c.meaning)} | {_cell(c.fix)} |")
        out.append("")
    return "\n".join(out)


BEGIN = (
    "<!-- codes: generated from pipeline/codes.py by `python -m pipeline.codes`; do not edit -->"
)
END = "<!-- end of codes -->"


def with_table(document: str) -> str:
    """``document`` (docs/checks.md) with the generated tables between the markers."""
    head, sep, rest = document.partition(BEGIN)
    _, sep2, tail = rest.partition(END)
    if not sep or not sep2:
        raise ValueError(f"docs/checks.md must hold the markers {BEGIN!r} and {END!r}")
    return f"{head}{BEGIN}\n\n{render_table()}\n{END}{tail}"


def main() -> int:
    """Regenerate the tables of docs/checks.md in place (run from the repository)."""
    path = Path("docs/checks.md")
    text = path.read_text(encoding="utf-8")
    new = with_table(text)
    if new != text:
        path.write_text(new, encoding="utf-8")
        print(f"updated {path}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
