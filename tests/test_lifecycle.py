"""The translation lifecycle over weeks of English edits: an old translation never
comes back as current (issue scenarios scripted through the real CLI)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.pofile import read_po

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
