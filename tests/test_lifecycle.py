"""The translation lifecycle over weeks of English edits: an old translation never
comes back as current (issue scenarios scripted through the real CLI)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from pipeline.catalogs import merge
from pipeline.pofile import PoCatalog, entries, plain_message, previous_context, read_po, render_po

from .conftest import DATA

SOURCE = Path("source/numbness-of-the-legs.yaml")
ES = Path("locales/es/LC_MESSAGES/numbness-of-the-legs.po")
CONTEXT = "treatment/see-a-doctor"
MINUTES = "You should talk to a doctor if your numbness lasts more than a few minutes."
HOURS = "You should talk to a doctor if your numbness lasts more than a few hours."
BLOCK = (
    "      - warning:\n"
    "          id: see-a-doctor\n"
    "          severity: urgent\n"
    f"          lead: {MINUTES}\n"
)


def edit(root: Path, old: str, new: str) -> None:
    path = root / SOURCE
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def sync(root: Path, run) -> None:
    for command in ("extract", "update"):
        code, out, err = run(root, command)
        assert code == 0, out + err


def es_entry(root: Path):
    catalog = read_po((root / ES).read_bytes(), str(ES))
    active = [m for m in catalog if m.id and m.context == CONTEXT]
    obsolete = [m for m in catalog.obsolete.values() if m.context == CONTEXT]
    return active, obsolete


@pytest.mark.slow
def test_a_stale_warning_never_comes_back_as_current(project_copy: Path, run, tmp_path) -> None:
    # 1. The English of the urgent lead changes: the Spanish becomes fuzzy.
    edit(project_copy, MINUTES, HOURS)
    sync(project_copy, run)
    (entry,), _ = es_entry(project_copy)
    assert entry.fuzzy and entry.previous_id == [MINUTES]
    assert "minutos" in entry.string

    # 2. The warning block is removed: the entry goes obsolete, keeping its flag and
    #    the English it translates, written as msgmerge writes them.
    edit(project_copy, BLOCK.replace(MINUTES, HOURS), "")
    sync(project_copy, run)
    active, (gone,) = es_entry(project_copy)
    assert not active
    assert gone.fuzzy and gone.previous_id == [MINUTES]
    text = (project_copy / ES).read_text()
    at = text.index(f'#~ msgctxt "{CONTEXT}"')
    assert "#, fuzzy\n#~| msgid " in text[text.rindex("\n\n", 0, at) : at]

    # 3. The block comes back: the old Spanish is fuzzy, check fails, build withholds es.
    paragraph = "          text: Treatment of leg numbness depends on the underlying causes.\n"
    edit(project_copy, paragraph, paragraph + BLOCK.replace(MINUTES, HOURS))
    sync(project_copy, run)
    (entry,), obsolete = es_entry(project_copy)
    assert not obsolete
    assert entry.fuzzy and entry.previous_id == [MINUTES]
    assert "minutos" in entry.string

    code, out, err = run(project_copy, "check", "--locale", "es", "--format", "json")
    assert code == 1, out + err
    findings = json.loads(out)["findings"]
    assert any(f["severity"] == "error" and f["locale"] == "es" for f in findings)

    out_dir = tmp_path / "site"
    code, _, _ = run(project_copy, "build", "--out", str(out_dir))
    assert code == 1
    manifest = json.loads((out_dir / "manifest.json").read_text())
    assert manifest["locales"]["es"]["published"] is False
    assert not (out_dir / "es" / "numbness-of-the-legs.html").exists()


@pytest.mark.parametrize("locale", ["ru", "pl"])
def test_a_transifex_four_form_plural_header_is_at_most_a_warning(
    project_copy: Path, run, locale: str
) -> None:
    """Transifex writes a fourth form for fractions into ru, pl and uk catalogs; gettext
    never picks it. It must not withhold the locale."""
    config = project_copy / "locales" / "locales.yaml"
    if f"code: {locale}\n" not in config.read_text():
        config.write_text(config.read_text() + f"  - code: {locale}\n    status: draft\n")
    assert run(project_copy, "init", locale)[0] == 0
    corpus = (DATA / "po" / f"corpus-transifex-{locale}.po").read_text()
    header = next(line for line in corpus.splitlines() if line.startswith('"Plural-Forms:'))
    path = project_copy / "locales" / locale / "LC_MESSAGES" / "numbness-of-the-legs.po"
    text = path.read_text()
    start = text.index('"Plural-Forms:')
    path.write_text(text[:start] + header + text[text.index("\n", start) :])
    _, out, _ = run(project_copy, "check", "--locale", locale, "--format", "json")
    findings = [f for f in json.loads(out)["findings"] if f["code"] == "header-plural-forms"]
    assert findings and all(f["severity"] == "warning" for f in findings), findings
    assert "fractions" in findings[0]["message"]
    assert run(project_copy, "update", "--locale", locale, "--check")[0] == 0


def test_a_warning_removed_and_restored_with_other_english_comes_back_fuzzy(
    project_copy: Path, run
) -> None:
    """Removed while current, restored after its English changed: the translation is of
    the old English, so it is fuzzy, with that English as ``#| msgid``."""
    edit(project_copy, BLOCK, "")
    sync(project_copy, run)
    active, (gone,) = es_entry(project_copy)
    assert not active and not gone.fuzzy and gone.id == MINUTES
    paragraph = "          text: Treatment of leg numbness depends on the underlying causes.\n"
    edit(project_copy, paragraph, paragraph + BLOCK.replace(MINUTES, HOURS))
    sync(project_copy, run)
    (entry,), obsolete = es_entry(project_copy)
    assert not obsolete
    assert entry.id == HOURS and entry.fuzzy and entry.previous_id == [MINUTES]
    assert run(project_copy, "check", "--locale", "es")[0] == 1


@pytest.mark.skipif(not shutil.which("msgmerge"), reason="GNU msgmerge not installed")
def test_merge_keeps_what_msgmerge_previous_keeps(tmp_path: Path) -> None:
    """The referee: the same PO and template through ``msgmerge --previous`` and through
    careloc's merge keep the same translations, flags and previous msgids, in the same
    (active or obsolete) entries."""
    po_path = DATA / "po" / "corpus-msgmerge-es.po"
    po = read_po(po_path.read_bytes(), po_path.name)
    template = PoCatalog(charset="utf-8")
    template.locale = None
    for context, msgid in [
        ("title", "Numbness of the Legs"),  # unchanged
        # revived from obsolete, as it left (fuzzy, its previous English kept)
        (
            "complications/untreated-complications",
            "Prolonged, untreated numbness can lead to serious complications.",
        ),
        ("symptoms/long", "ab " * 23 + "z."),  # revived, was current
    ]:  # and "treatment/see-a-doctor" goes obsolete, fuzzy
        template[msgid] = plain_message(msgid, context=context)
    pot = tmp_path / "t.pot"
    pot.write_bytes(render_po(template))
    refereed = tmp_path / "msgmerge.po"
    files = [str(po_path), str(pot)]
    subprocess.run(
        ["msgmerge", "--quiet", "--previous", "--no-fuzzy-matching", "-o", str(refereed), *files],
        check=True,
    )

    def summary(catalog) -> set:
        found = set()
        for obsolete, messages in ((False, entries(catalog)), (True, catalog.obsolete.values())):
            for m in messages:
                if m.id:
                    found.add(
                        (
                            obsolete,
                            m.context,
                            m.string if isinstance(m.string, str) else tuple(m.string),
                            m.fuzzy,
                            tuple(m.previous_id),
                            previous_context(m),
                        )
                    )
        return found

    ours = read_po(render_po(merge(po, template)), "ours.po")
    theirs = read_po(refereed.read_bytes(), "msgmerge.po")
    assert summary(ours) == summary(theirs)
