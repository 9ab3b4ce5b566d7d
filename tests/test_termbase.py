"""The TBX termbase: reading it safely, glossary-term and glossary-forbidden with real
terms, and through the CLI on copies of the real project."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog

from pipeline import termbase
from pipeline.checks import Entry, PoContext, check_translation
from pipeline.errors import ContentError
from pipeline.meaning import REWORDED
from pipeline.model import Location, Severity, Unit, UnitKind
from tests.test_gate import DIZZINESS, LEAD, edit_po, entry, msgid_line

Run = Callable[..., tuple[int, str, str]]
REPO = Path(__file__).resolve().parent.parent
SHIPPED = ["es", "fr", "de", "ar", "zh_Hans", "pt_BR"]

TBX_2019 = """<?xml version="1.0" encoding="UTF-8"?>
<tbx type="TBX-Basic" style="dca" xml:lang="en" xmlns="urn:iso:std:iso:30042:ed-2">
  <text><body>
    <conceptEntry id="dizziness">
      <langSec xml:lang="en"><termSec><term>dizziness</term></termSec></langSec>
      <langSec xml:lang="es-ES">
        <termSec><term>mareo</term>
          <termNote type="administrativeStatus">preferredTerm-admn-sts</termNote></termSec>
        <termSec><term>vértigo</term>
          <termNote type="administrativeStatus">supersededTerm-admn-sts</termNote></termSec>
      </langSec>
      <langSec xml:lang="fr"><termSec><term>vertiges</term></termSec></langSec>
    </conceptEntry>
  </body></text>
</tbx>
"""


def shipped(code: str) -> termbase.Termbase:
    path = REPO / "locales" / code / "glossary.tbx"
    return termbase.parse(path.read_bytes(), f"locales/{code}/glossary.tbx", code)


def entry_for(
    code: str,
    source: str,
    translation: str,
    *,
    warning: bool = True,
    comments: tuple[str, ...] = (),
) -> Entry:
    unit = Unit(
        key=DIZZINESS if warning else "symptoms/intro",
        kind=UnitKind.RED_FLAG if warning else UnitKind.PARAGRAPH,
        text=source,
        location=Location("source/numbness-of-the-legs.yaml", 10),
        warning_id="seek-immediate-help" if warning else None,
        severity=Severity.EMERGENCY if warning else None,
    )
    context = PoContext(
        f"locales/{code}/LC_MESSAGES/numbness-of-the-legs.po",
        code.replace("_", "-"),
        "numbness-of-the-legs",
        code,
        termbase=shipped(code),
    )
    return Entry(unit, translation, context, 42, comments)


def codes(e: Entry) -> list[tuple[str, str]]:
    return [(f.code, f.severity.value) for f in check_translation(e)]


# -- reading ------------------------------------------------------------------------------
@pytest.mark.parametrize("code", SHIPPED)
def test_shipped_termbases_cover_the_red_flags_with_a_deprecated_term(code: str) -> None:
    base = shipped(code)
    sources = {c.source[0] for c in base.concepts}
    assert {"shortness of breath", "dizziness", "loss of vision", "numbness"} <= sources
    assert all(c.allowed for c in base.concepts)
    assert any(c.forbidden for c in base.concepts)


def test_the_2019_edition_reads_too() -> None:
    base = termbase.parse(TBX_2019.encode(), "glossary.tbx", "es")
    (concept,) = base.concepts
    assert concept.source == ("dizziness",)
    assert concept.allowed == ("mareo",)
    assert concept.forbidden == ("vértigo",)  # superseded counts as forbidden
    assert concept.line == 4
    # Terms of another language in the same file are not this locale's.
    assert termbase.parse(TBX_2019.encode(), "glossary.tbx", "fr").concepts[0].allowed == (
        "vertiges",
    )


def test_the_translate_toolkit_doctype_is_accepted_and_not_fetched() -> None:
    data = TBX_2019.replace(
        "<tbx ",
        '<!DOCTYPE tbx PUBLIC "ISO 12200:1999A//DTD MARTIF core (DXFcdV04)//EN" '
        '"http://127.0.0.1:9/TBXcdv04.dtd">\n<tbx ',
    )
    assert termbase.parse(data.encode(), "glossary.tbx", "es").concepts


@pytest.mark.parametrize(
    ("data", "line", "words"),
    [
        (TBX_2019.replace("</termSec>\n      </langSec>", "</termSec>", 1), 12, "well-formed"),
        (
            '<?xml version="1.0"?>\n<!DOCTYPE tbx [\n<!ENTITY a "aaaaaaaaaa">\n'
            '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">\n]>\n<tbx>&b;</tbx>\n',
            2,  # the DOCTYPE's line: refused before any entity is read
            "internal subset",
        ),
        (
            TBX_2019.replace("supersededTerm-admn-sts", "forbiddenTerm-admn-sts"),
            10,
            "administrativeStatus",
        ),
        ('<?xml version="1.0"?>\n<html><body/></html>\n', 2, "not <tbx>"),
        (TBX_2019.replace("<term>mareo</term>", ""), 7, "without a <term>"),
        ('<?xml version="1.0"?>\n<tbx>&xxe;</tbx>\n', 2, "well-formed"),
    ],
)
def test_a_broken_termbase_is_an_error_with_its_line(data: str, line: int, words: str) -> None:
    with pytest.raises(ContentError) as info:
        termbase.parse(data.encode(), "locales/es/glossary.tbx", "es")
    (finding,) = info.value.findings
    assert finding.code == "termbase"
    assert finding.location == Location("locales/es/glossary.tbx", line)
    assert words in finding.message


# -- the checks, with the shipped termbases --------------------------------------------------
@pytest.mark.parametrize(
    ("code", "source", "translation"),
    [
        ("es", "dizziness", "mareo"),
        ("es", "dizziness", "Mareos"),  # case, plural
        ("es", "shortness of breath", "disnea"),  # admitted
        ("fr", "dizziness", "étourdissements"),  # admitted
        ("fr", "loss of vision", "Perte de la vision"),
        ("de", "dizziness", "Schwindelgefühl"),  # compound
        ("de", "loss of vision", "Verlust des Sehvermögens"),
        ("ar", "dizziness", "والدوار"),  # clitics
        ("ar", "fatigue", "بالإرهاق"),
        ("zh_Hans", "dizziness", "头晕"),
        ("zh_Hans", "Numbness of the legs", "腿部麻木"),
        ("pt_BR", "fatigue", "cansaço"),
    ],
)
def test_glossary_passes(code: str, source: str, translation: str) -> None:
    assert codes(entry_for(code, source, translation)) == []


@pytest.mark.parametrize(
    ("code", "source", "translation", "found"),
    [
        ("es", "dizziness", "aturdimiento", "glossary-term"),
        ("es", "dizziness", "vértigo", "glossary-forbidden"),
        ("fr", "numbness", "fourmillements", "glossary-forbidden"),
        ("de", "dizziness", "Benommenheit", "glossary-term"),
        ("de", "dizziness", "Drehschwindel", "glossary-forbidden"),
        ("ar", "dizziness", "والدوخة", "glossary-forbidden"),  # clitics do not hide it
        ("ar", "loss of vision", "العمى", "glossary-term"),
        ("zh_Hans", "dizziness", "眩晕", "glossary-forbidden"),
        ("zh_Hans", "fatigue", "困倦", "glossary-term"),
        ("pt_BR", "dizziness", "vertigem", "glossary-forbidden"),
    ],
)
def test_glossary_fails(code: str, source: str, translation: str, found: str) -> None:
    assert (found, "error") in codes(entry_for(code, source, translation))
    # Outside a warning: a warning finding (the English is shown instead).
    assert (found, "warning") in codes(entry_for(code, source, translation, warning=False))


def test_a_confirmed_rewording_passes_glossary_term_not_glossary_forbidden() -> None:
    assert codes(entry_for("es", "dizziness", "aturdimiento", comments=(REWORDED,))) == []
    found = codes(entry_for("es", "dizziness", "vértigo", comments=(REWORDED,)))
    assert found == [("glossary-forbidden", "error")]


# -- through the CLI ------------------------------------------------------------------------
def test_a_deprecated_term_in_a_red_flag_withholds_the_locale(project_copy: Path, run: Run) -> None:
    def deprecate(catalog: Catalog) -> None:
        entry(catalog, DIZZINESS).string = "vértigo"

    edit_po(project_copy, "es", deprecate)
    code, out, _ = run(project_copy, "check", "--format", "json", "--locale", "es")
    assert code == 1
    findings = json.loads(out)["findings"]
    forbidden = [f for f in findings if f["code"] == "glossary-forbidden"]
    assert [(f["line"], f["severity"]) for f in forbidden] == [
        (msgid_line(project_copy, "es", DIZZINESS), "error")
    ]


def test_a_broken_termbase_fails_check_with_its_line(project_copy: Path, run: Run) -> None:
    path = project_copy / "locales" / "de" / "glossary.tbx"
    path.write_text(path.read_text(encoding="utf-8").replace("</tig>", "", 1), encoding="utf-8")
    code, out, err = run(project_copy, "check", "--locale", "de")
    assert code == 1 and "Traceback" not in err
    assert "locales/de/glossary.tbx:" in out and "[termbase]" in out


def test_the_termbase_is_part_of_the_verdict_cache_key(project_copy: Path, run: Run) -> None:
    code, out, _ = run(project_copy, "check", "--locale", "es")
    assert code == 0 and "glossary" not in out
    # Now "mareo" itself is deprecated: the cached verdict must not be reused.
    path = project_copy / "locales" / "es" / "glossary.tbx"
    text = path.read_text(encoding="utf-8")
    old = '<term>mareo</term>\n            <termNote type="administrativeStatus">preferredTerm'
    assert old in text
    path.write_text(text.replace(old, old.replace("preferredTerm", "deprecatedTerm")), "utf-8")
    code, out, _ = run(project_copy, "check", "--locale", "es")
    assert code == 1 and "[glossary-forbidden]" in out
    assert f":{msgid_line(project_copy, 'es', LEAD)}: error: [glossary-forbidden]" in out


@pytest.mark.parametrize("kind", ["fifo", "outside", "too-large"])
def test_a_hostile_termbase_is_refused(
    project_copy: Path, run: Run, tmp_path: Path, kind: str
) -> None:
    path = project_copy / "locales" / "es" / "glossary.tbx"
    path.unlink()
    if kind == "fifo":
        os.mkfifo(path)
        expected = "[not-a-file]"
    elif kind == "outside":
        secret = tmp_path / "secret.tbx"
        secret.write_bytes((REPO / "locales" / "es" / "glossary.tbx").read_bytes())
        path.symlink_to(secret)
        expected = "[outside-project]"
    else:
        path.write_bytes(b"<martif>" + b" " * (termbase.MAX_TBX_BYTES + 1) + b"</martif>")
        expected = "[too-large]"
    code, out, err = run(project_copy, "check", "--locale", "es")
    assert code == 1 and "Traceback" not in err
    assert "locales/es/glossary.tbx" in out and expected in out
