"""Tests for pipeline.ui: interface strings, their translations and English fallback."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.errors import ContentError
from pipeline.pofile import read_po
from pipeline.ui import ENGLISH, UI_DIR, UiText, load_ui, placeholders

DATA = Path(__file__).resolve().parent / "data"


def test_english_matches_the_template() -> None:
    pot = read_po((UI_DIR / "careloc-ui.pot").read_bytes(), "pipeline/ui/careloc-ui.pot")
    assert {m.context: m.id for m in pot if m.id} == dict(ENGLISH)


@pytest.mark.parametrize("path", sorted(UI_DIR.glob("*.po")), ids=lambda p: p.name)
def test_shipped_translations_load_cleanly(path: Path) -> None:
    strings = load_ui(path.stem)
    assert strings.findings == ()
    for key, english in ENGLISH.items():
        assert placeholders(strings[key].text) == placeholders(english)


def test_source_locale_is_english_without_fallback() -> None:
    strings = load_ui("en")
    assert strings["published"] == UiText("Published {date}")


def test_missing_file_falls_back_to_english(tmp_path: Path) -> None:
    strings = load_ui("de", ui_dir=tmp_path)
    assert strings["red-flags"] == UiText("Warning signs", fallback=True)
    assert all(strings[key].fallback for key in ENGLISH)


def test_entries_fall_back_one_by_one() -> None:
    strings = load_ui("es", ui_dir=DATA / "ui")
    assert strings["published"] == UiText("Publicado el {date}")
    assert strings["category"] == UiText("Category: {category}", fallback=True)  # {categoría}
    assert strings["severity/emergency"].fallback  # fuzzy
    assert strings["severity/urgent"].fallback  # untranslated
    assert strings["fallback"].fallback  # absent from the file
    assert strings["languages"] == UiText("Otros idiomas {date.__class__}")
    assert strings["index-title"].fallback  # added a placeholder
    codes = sorted(
        (f.code, f.location.line if f.location else None, f.unit) for f in strings.findings
    )
    assert codes == [("ui-placeholders", 16, "category"), ("ui-placeholders", 37, "index-title")]


def test_broken_file_is_an_error_with_its_line() -> None:
    with pytest.raises(ContentError) as exc:
        load_ui("es", ui_dir=DATA / "ui-broken")
    assert exc.value.findings[0].format().startswith("pipeline/ui/es.po:7: error: [po-syntax]")


def test_pieces_split_placeholders_without_evaluating_anything() -> None:
    assert list(UiText("Publicado el {date}.").pieces()) == [
        ("Publicado el ", False),
        ("date", True),
        (".", False),
    ]
    assert list(UiText("{date.__class__}").pieces()) == [("{date.__class__}", False)]
    assert placeholders("{date.__class__} {x}") == ["x"]
