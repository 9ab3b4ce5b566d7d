"""Tests for the pseudo-locale qps-ploc: the text transform, the catalogs it writes, and a
build that includes it without ever publishing it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.checks import Entry, PoContext, check_translation, numbers_in, urls_in
from pipeline.model import Location, Unit, UnitKind
from pipeline.pofile import read_po
from pipeline.project import PSEUDO_LOCALE, Project
from pipeline.pseudo import CLOSE, OPEN, accent, pseudo_text

Run = Callable[..., tuple[int, str, str]]
ARTICLE = "numbness-of-the-legs"
# As the gate reads it: the pseudo-locale is English (an English variant) to Babel.
CONTEXT = PoContext(
    "locales/qps_ploc/LC_MESSAGES/x.po", "qps-ploc", "x", PSEUDO_LOCALE, same_language=True
)


def entry(source: str, *, warning: bool = True) -> Entry:
    unit = Unit(
        "s/w",
        UnitKind.WARNING_LEAD if warning else UnitKind.PARAGRAPH,
        source,
        Location("source/x.yaml", 1),
        warning_id="w" if warning else None,
    )
    return Entry(unit, pseudo_text(source), CONTEXT)


def add_pseudo_locale(root: Path) -> None:
    config = root / "locales" / "locales.yaml"
    text = config.read_text(encoding="utf-8") + "  - code: qps_ploc\n    status: draft\n"
    config.write_text(text, encoding="utf-8")


# -- the text ---------------------------------------------------------------------------------
def test_text_is_accented_bracketed_and_longer() -> None:
    source = "You should talk to a doctor if your numbness lasts more than a few minutes."
    out = pseudo_text(source)
    assert out.startswith(OPEN) and out.endswith(CLOSE)
    assert "Ýöû šĥöûļð ţáļķ ţö á ðöçţöŕ" in out
    assert not any("a" <= ch <= "z" for ch in out)  # every Latin letter is accented
    inside = out[len(OPEN) : -len(CLOSE)]
    assert 1.30 <= len(inside) / len(source) <= 1.40  # about 35% longer


def test_placeholders_urls_markup_and_numbers_are_kept_exactly() -> None:
    source = (
        "Call {phone} or %(service)s, %s times a day for 1,000 mg; "
        "see https://www.nhs.uk/conditions/ &amp; <b>now</b>."
    )
    out = pseudo_text(source)
    for kept in ("{phone}", "%(service)s", "%s", "1,000", "https://www.nhs.uk/conditions/"):
        assert kept in out
    assert "&amp;" in out and "<b>" in out and "</b>" in out
    assert "ñöŵ" in out  # text inside markup is still pseudo-translated
    assert check_translation(entry(source)) == []


def test_surrounding_whitespace_stays_outside_the_brackets() -> None:
    assert pseudo_text("\nDizziness \n").startswith("\n" + OPEN)
    assert pseudo_text("\nDizziness \n").endswith(CLOSE + " \n")
    assert pseudo_text("   ") == "   "
    assert pseudo_text("") == ""


def test_accent_leaves_non_latin_text_alone() -> None:
    assert accent("мир 世界 ١٢٣") == "мир 世界 ١٢٣"


_TOKENS = st.sampled_from(
    ["{name}", "{0}", "%s", "%d", "%(count)d", "%%", "100", "2.5", "https://nhs.uk/111", "&amp;"]
)
_WORDS = st.text(
    alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyzABCXYZ .,;:!?()-'"), max_size=20
)


@pytest.mark.slow
@given(st.lists(st.one_of(_TOKENS, _WORDS), min_size=1, max_size=12))
def test_pseudo_text_always_passes_the_gate_checks(parts: list[str]) -> None:
    source = " ".join(parts).strip() or "x"
    out = pseudo_text(source)
    assert numbers_in(out) == numbers_in(source)
    assert urls_in(out) == urls_in(source)
    errors = [f for f in check_translation(entry(source)) if f.is_error]
    assert errors == [], (source, out, errors)


def test_every_unit_of_the_shipped_article_passes_every_check(project_copy: Path) -> None:
    article = Project(project_copy).load().article(ARTICLE)
    for unit in article.units():
        found = check_translation(Entry(unit, pseudo_text(unit.text), CONTEXT))
        assert found == [], (unit.key, found)


# -- the catalogs -----------------------------------------------------------------------------
def test_pseudo_writes_a_catalog_per_article_once(project_copy: Path, run: Run) -> None:
    code, out, err = run(project_copy, "pseudo")
    path = project_copy / "locales" / "qps_ploc" / "LC_MESSAGES" / f"{ARTICLE}.po"
    assert code == 0, err
    assert out == f"created locales/qps_ploc/LC_MESSAGES/{ARTICLE}.po\n"
    catalog = read_po(path.read_bytes(), "qps.po")
    assert catalog.raw_language == "qps_ploc"
    assert catalog.file_plural_forms == "nplurals=2; plural=(n != 1);"
    template = read_po(
        (project_copy / "locales" / "templates" / f"{ARTICLE}.pot").read_bytes(), "t.pot"
    )
    assert [m.context for m in catalog if m.id] == [m.context for m in template if m.id]
    assert all(m.string == pseudo_text(str(m.id)) and not m.fuzzy for m in catalog if m.id)
    # No churn: the second run writes nothing, the file is not even touched.
    before = path.stat().st_mtime_ns
    code, out, _ = run(project_copy, "pseudo", "--locale", "qps-ploc")
    assert code == 0 and out == "pseudo-locale catalogs are up to date\n"
    assert path.stat().st_mtime_ns == before


def test_pseudo_follows_the_template(project_copy: Path, run: Run) -> None:
    run(project_copy, "pseudo")
    source = project_copy / "source" / f"{ARTICLE}.yaml"
    text = source.read_text(encoding="utf-8")
    source.write_text(text.replace("Herniated disks", "Slipped disks"), encoding="utf-8")
    assert run(project_copy, "extract")[0] == 0
    code, out, _ = run(project_copy, "pseudo")
    assert code == 0 and out.startswith("updated ")
    po = project_copy / "locales" / "qps_ploc" / "LC_MESSAGES" / f"{ARTICLE}.po"
    [changed] = [m for m in read_po(po.read_bytes(), "qps.po") if "Slipped" in str(m.id)]
    assert "Šļîþþéð ðîšķš" in str(changed.string)


def test_pseudo_catalog_passes_msgfmt_check(project_copy: Path, run: Run) -> None:
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.skip("GNU msgfmt is not installed")
    run(project_copy, "pseudo")
    path = project_copy / "locales" / "qps_ploc" / "LC_MESSAGES" / f"{ARTICLE}.po"
    result = subprocess.run(
        [msgfmt, "--check", "-o", os.devnull, str(path)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_only_the_pseudo_locale_is_accepted(project_copy: Path, run: Run) -> None:
    code, _, err = run(project_copy, "pseudo", "--locale", "es")
    assert code == 2 and "[unknown-locale]" in err
    assert not (project_copy / "locales" / "qps_ploc").exists()


def test_pseudo_locale_cannot_be_configured_as_published(project_copy: Path, run: Run) -> None:
    config = project_copy / "locales" / "locales.yaml"
    text = config.read_text(encoding="utf-8") + "  - code: qps_ploc\n    status: published\n"
    config.write_text(text, encoding="utf-8")
    line = text.splitlines().index("    status: published", len(text.splitlines()) - 2) + 1
    code, _, err = run(project_copy, "validate")
    assert code == 1 and f"locales/locales.yaml:{line}:13: error: [pseudo-locale]" in err


# -- building it ------------------------------------------------------------------------------
@pytest.mark.slow
def test_pseudo_locale_builds_like_a_draft_but_is_never_published(
    project_copy: Path, run: Run
) -> None:
    add_pseudo_locale(project_copy)
    assert run(project_copy, "pseudo")[0] == 0
    code, out, err = run(project_copy, "check", "--locale", "qps-ploc")
    assert code == 0 and "error" not in out, out + err
    code, out, err = run(project_copy, "build")
    assert code == 0, err
    assert "qps-ploc: pseudo-locale: built under qps-ploc/" in out
    dist = project_copy / "dist"
    page = (dist / "qps-ploc" / f"{ARTICLE}.html").read_text(encoding="utf-8")
    assert '<html lang="qps-ploc" dir="ltr"' in page
    assert "[!! Ñûɱƀñéšš öƒ ţĥé Ļéĝš" in page
    bundle = json.loads((dist / "qps-ploc" / f"{ARTICLE}.json").read_bytes())
    assert bundle["fallback"] == []  # every unit came from the catalog
    manifest = json.loads((dist / "manifest.json").read_bytes())
    assert manifest["locales"]["qps-ploc"]["published"] is False
    assert manifest["locales"]["qps-ploc"]["reasons"][0].startswith("pseudo-locale")
    # Nothing that is published points at it.
    for path in [dist / "index.html", *dist.glob("[!q]*/*.html")]:
        assert "qps-ploc" not in path.read_text(encoding="utf-8"), path


def test_init_and_update_leave_the_pseudo_locale_to_careloc_pseudo(
    project_copy: Path, run: Run
) -> None:
    add_pseudo_locale(project_copy)
    code, _, err = run(project_copy, "init", "qps_ploc")
    assert code == 2 and "[pseudo-locale]" in err
    assert not (project_copy / "locales" / "qps_ploc").exists()
    assert run(project_copy, "pseudo")[0] == 0
    path = project_copy / "locales" / "qps_ploc" / "LC_MESSAGES" / f"{ARTICLE}.po"
    # A hand-made file with the wrong header is regenerated, not refused.
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('"Language: qps_ploc\\n"', '"Language: en\\n"'), "utf-8")
    code, out, _ = run(project_copy, "pseudo")
    assert code == 0 and out.startswith("updated ")
    assert '"Language: qps_ploc\\n"' in path.read_text(encoding="utf-8")
    before = path.read_bytes()
    code, _, _ = run(project_copy, "update")
    assert code == 0 and path.read_bytes() == before
    assert run(project_copy, "update", "--check")[0] == 0
