"""Tests for pipeline.verify: rendered pages are read back and every warning checked."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from pipeline.export import RenderedPage, Renderer
from pipeline.model import Article
from pipeline.project import Project
from pipeline.verify import Expected, expected_warnings, verify_bundle, verify_html

REPO = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data" / "verify"
SCHEMA = REPO / "schemas" / "bundle.schema.json"
LEAD = "symptoms/seek-immediate-help"
FLAG = "symptoms/seek-immediate-help/loss-of-speech"


@pytest.fixture(scope="module")
def article() -> Article:
    return Project(REPO).load().article("numbness-of-the-legs")


@pytest.fixture(scope="module")
def translations(article: Article) -> dict[str, str]:
    """Approved Arabic translations, as the gate would hand them over (tagged English)."""
    return {u.key: f"ar: {u.text}" for u in article.units()}


@pytest.fixture(scope="module")
def page(article: Article, translations: dict[str, str]) -> RenderedPage:
    return Renderer().render(article, "ar", translations, ["en", "ar"])


@pytest.fixture(scope="module")
def expected(article: Article, translations: dict[str, str]) -> list[Expected]:
    return expected_warnings(article, translations, source=False)


def problems(html: str, expected: list[Expected], lang: str = "ar") -> list[str]:
    return verify_html(html, lang, expected, "ar/numbness-of-the-legs.html")


# -- HTML -----------------------------------------------------------------------------------
def test_rendered_page_passes(page: RenderedPage, expected: list[Expected]) -> None:
    assert problems(page.html.decode(), expected) == []


def test_any_markup_with_the_data_attributes_passes(article: Article) -> None:
    """Verification does not depend on the templates: a hand-written page passes."""
    html = (DATA / "minimal.html").read_text(encoding="utf-8")
    expected = expected_warnings(article, {}, source=True)
    assert verify_html(html, "en", expected, "minimal.html") == []


def test_broken_fixture_is_caught(article: Article) -> None:
    html = (DATA / "broken.html").read_text(encoding="utf-8")
    found = verify_html(html, "en", expected_warnings(article, {}, source=True), "broken.html")
    assert found == [
        "broken.html: warning 'seek-immediate-help' has 5 red flag(s), expected 6",
        "broken.html: warning 'seek-immediate-help' red flag 4 is not the approved text",
        "broken.html: warning 'seek-immediate-help' red flag 5 is not the approved text",
        "broken.html: warning 'see-a-doctor' has severity 'non-urgent', not 'urgent'",
    ]


EMERGENCY = re.compile(r'<section class="care-card care-card--emergency".*?</section>\n', re.S)


def _move_emergency_card_down(html: str) -> str:
    card = EMERGENCY.search(html)
    assert card is not None
    html = html.replace(card.group(0), "")
    return html.replace("</section>\n", "</section>\n" + card.group(0), 1)


TAMPERING: list[tuple[str, Any, str]] = [
    ("red flag dropped", lambda h: h.replace("<li>ar: loss of speech</li>\n", ""), "red flag(s)"),
    (
        "red flag emptied",
        lambda h: h.replace("<li>ar: loss of speech</li>", "<li></li>"),
        "red flag 4 is not the approved text",
    ),
    (
        "severity lowered",
        lambda h: h.replace('data-severity="emergency"', 'data-severity="urgent"'),
        "has severity 'urgent', not 'emergency'",
    ),
    (
        "card removed",
        lambda h: re.sub(
            r'<section class="care-card care-card--urgent".*?</section>', "", h, count=1, flags=re.S
        ),
        "warning 'see-a-doctor' is missing",
    ),
    (
        "card duplicated",
        lambda h: h.replace("<main>", "<main>" + EMERGENCY.search(h).group(0)),  # type: ignore[union-attr]
        "appears more than once",
    ),
    (
        "card hidden",
        lambda h: h.replace('data-warning="see-a-doctor"', 'data-warning="see-a-doctor" hidden'),
        "warning 'see-a-doctor' is hidden",
    ),
    (
        "card inside an aria-hidden element",
        lambda h: h.replace("<article>", '<article aria-hidden="true">'),
        "is hidden",
    ),
    (
        "lead changed",
        lambda h: h.replace("ar: You should talk", "ar: You could talk"),
        "warning 'see-a-doctor': the lead is not the approved text",
    ),
    (
        "severity label removed",
        lambda h: re.sub(r'<span class="care-card__severity">[^<]*</span>', "", h, count=1),
        "needs one heading that starts with its severity label",
    ),
    ("emergency card below the article", _move_emergency_card_down, "is not at the top"),
    (
        "unknown warning",
        lambda h: h.replace('data-warning="see-a-doctor"', 'data-warning="see-a-nurse"'),
        "unknown warning 'see-a-nurse'",
    ),
    (
        "script added",
        lambda h: h.replace("<main>", "<main><script>alert(1)</script>"),
        "a <script> that is not JSON-LD",
    ),
    (
        "event handler added",
        lambda h: h.replace("<main>", '<main onmouseover="alert(1)">'),
        "carries active content",
    ),
    (
        "wrong language",
        lambda h: h.replace('lang="ar" dir="rtl"', 'lang="en" dir="rtl"'),
        "<html lang>",
    ),
    (
        "broken JSON-LD",
        lambda h: h.replace('"@type":"MedicalWebPage",', '"@type":MedicalWebPage,'),
        "JSON-LD block is not valid JSON",
    ),
]


@pytest.mark.parametrize(
    ("damage", "message"), [(d, m) for _, d, m in TAMPERING], ids=[n for n, _, _ in TAMPERING]
)
def test_tampered_pages_are_caught(
    page: RenderedPage, expected: list[Expected], damage: Any, message: str
) -> None:
    original = page.html.decode()
    html = damage(original)
    assert html != original, "the tampering did not apply"
    found = problems(html, expected)
    assert any(message in p for p in found), found


def test_english_shown_where_a_translation_was_approved(
    article: Article, translations: dict[str, str], expected: list[Expected]
) -> None:
    """A renderer that drops the approved translation of a red flag is caught."""
    without = {k: v for k, v in translations.items() if k != FLAG}
    html = Renderer().render(article, "ar", without, ["en", "ar"]).html.decode()
    assert problems(html, expected) == [
        "ar/numbness-of-the-legs.html: warning 'seek-immediate-help' red flag 4 is not the "
        "approved text"
    ]


def test_missing_approved_translation_is_a_problem_even_if_the_page_matches(
    article: Article, translations: dict[str, str]
) -> None:
    without = {k: v for k, v in translations.items() if k != LEAD}
    expected = expected_warnings(article, without, source=False)
    html = Renderer().render(article, "ar", without, ["en", "ar"]).html.decode()
    assert problems(html, expected) == [
        "ar/numbness-of-the-legs.html: warning 'seek-immediate-help' has no approved "
        "translation of its lead"
    ]


def test_unparseable_garbage_is_reported_not_raised(expected: list[Expected]) -> None:
    found = problems("<html lang='ar'><div data-warning='x'></p></html>", expected)
    assert "ar/numbness-of-the-legs.html: unknown warning 'x'" in found
    assert any("is missing" in p for p in found)


@pytest.mark.parametrize(
    ("wrapper", "close"),
    [("<template>", "</template>"), ("<textarea>", "</textarea>"), ("<!--", "-->")],
)
def test_a_card_the_browser_does_not_show_as_markup_is_missing(
    page: RenderedPage, expected: list[Expected], wrapper: str, close: str
) -> None:
    """The page is read as a browser builds it: a card inside a <template> is never
    shown, one inside a <textarea> is shown as raw text; neither is a warning."""
    html = page.html.decode()
    card = re.search(r'<section class="care-card care-card--urgent".*?</section>', html, flags=re.S)
    assert card is not None
    html = html.replace(card.group(0), wrapper + card.group(0) + close)
    assert "ar/numbness-of-the-legs.html: warning 'see-a-doctor' is missing" in problems(
        html, expected
    )


def test_unclosed_tags_are_read_as_a_browser_reads_them(
    page: RenderedPage, expected: list[Expected]
) -> None:
    """HTML lets </li> and </p> be left out: the red flags are still found, one by one."""
    html = page.html.decode().replace("</li>", "")
    assert problems(html, expected) == []


# -- JSON -----------------------------------------------------------------------------------
def check_json(data: Any, expected: list[Expected], lang: str = "ar") -> list[str]:
    return verify_bundle(data, lang, "numbness-of-the-legs", expected, "ar.json", SCHEMA)


def test_rendered_bundle_passes(page: RenderedPage, expected: list[Expected]) -> None:
    assert check_json(json.loads(page.json), expected) == []


def _flat(d: dict[str, Any]) -> dict[str, Any]:
    return d["warnings"][0]  # type: ignore[no-any-return]


def _placed(d: dict[str, Any]) -> dict[str, Any]:
    return next(b for s in d["sections"] for b in s["blocks"] if b["type"] == "warning")


BUNDLE_TAMPERING: list[tuple[str, Any, str]] = [
    ("schema violation", lambda d: d.pop("fallback"), "'fallback' is a required property"),
    ("item dropped from the flat list", lambda d: _flat(d)["items"].pop(), "ar.json warnings:"),
    ("red flag dropped in place", lambda d: _placed(d)["red_flags"].pop(), "ar.json sections:"),
    ("lead changed", lambda d: _flat(d).update(lead="ar: call later"), "lead is not the approved"),
    ("severity lowered", lambda d: _placed(d).update(severity="urgent"), "has severity 'urgent'"),
    ("warning removed", lambda d: d["warnings"].pop(0), "warnings lists warnings"),
    ("wrong locale", lambda d: d.update(locale="ar-EG"), "locale is 'ar-EG', not 'ar'"),
    ("wrong article", lambda d: d.update(article="other"), "article is 'other'"),
]


@pytest.mark.parametrize(
    ("damage", "message"),
    [(d, m) for _, d, m in BUNDLE_TAMPERING],
    ids=[n for n, _, _ in BUNDLE_TAMPERING],
)
def test_tampered_bundles_are_caught(
    page: RenderedPage, expected: list[Expected], damage: Any, message: str
) -> None:
    data = copy.deepcopy(json.loads(page.json))
    damage(data)
    found = check_json(data, expected)
    assert any(message in p for p in found), found


def test_expected_warnings_follow_the_article(article: Article) -> None:
    source = expected_warnings(article, {}, source=True)
    assert [(e.id, e.severity, len(e.items)) for e in source] == [
        ("seek-immediate-help", "emergency", 6),
        ("see-a-doctor", "urgent", 0),
        ("untreated-complications", "non-urgent", 0),
    ]
    target = expected_warnings(article, {LEAD: "  Busque  ayuda\n"}, source=False)
    assert target[0].lead == "Busque ayuda" and target[0].items == (None,) * 6
