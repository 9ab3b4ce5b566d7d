"""Tests for the emergency number on emergency care cards (``region``, ``emergency_number``)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import phonenumbers
import pytest

from pipeline.emergency import MEDICAL_EMERGENCY, emergency_number
from pipeline.export import Renderer
from pipeline.project import Project
from pipeline.verify import expected_warnings, verify_html

Run = Callable[..., tuple[int, str, str]]
REPO = Path(__file__).resolve().parent.parent
ARTICLE = "numbness-of-the-legs"
EMERGENCY = "seek-immediate-help"


class CardLinks(HTMLParser):
    """The ``tel:`` links (href, text) inside each care card of a page, by warning id."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.links: dict[str, list[tuple[str, str]]] = {}
        self._card: list[str | None] = []
        self._href: str | None = None
        self._text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "section":
            self._card.append(found.get("data-warning"))
            if found.get("data-warning"):
                self.links[found["data-warning"] or ""] = []
        href = found.get("href") or ""
        if tag == "a" and href.startswith("tel:"):
            self._href, self._text = href, []

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "section" and self._card:
            self._card.pop()
        if tag == "a" and self._href is not None:
            card = next((c for c in reversed(self._card) if c), None)
            text = " ".join("".join(self._text).split())
            self.links.setdefault(card or "(outside any card)", []).append((self._href, text))
            self._href = None


def set_locale_fields(root: Path, code: str, fields: str) -> int:
    """Add ``fields`` (YAML lines) to locale ``code`` in locales.yaml; return the line
    number of the first one."""
    path = root / "locales" / "locales.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    start = lines.index(f"  - code: {code}")
    end = start + 1
    while end < len(lines) and lines[end].startswith("    "):
        end += 1
    # Drop what the shipped file sets for the fields we set.
    names = {f.split(":")[0].strip() for f in fields.splitlines()}
    kept = [ln for ln in lines[start + 1 : end] if ln.split(":")[0].strip() not in names]
    new = [f"    {f}" for f in fields.splitlines()]
    lines[start + 1 : end] = kept + new
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return start + 1 + len(kept) + 1


# -- the curated table -------------------------------------------------------------------------
@pytest.mark.parametrize(("region", "number"), sorted(MEDICAL_EMERGENCY.items()))
def test_every_curated_number_is_an_emergency_number_of_its_region(
    region: str, number: str
) -> None:
    assert phonenumbers.is_emergency_number(number, region)
    assert emergency_number(region, None).number == number


def test_curated_numbers_the_issue_names() -> None:
    wanted = {"ES": "112", "DE": "112", "FR": "15", "GB": "999", "US": "911"}
    wanted |= {"MX": "911", "CN": "120", "BR": "192", "SA": "997"}
    assert {r: MEDICAL_EMERGENCY[r] for r in wanted} == wanted


def test_no_region_no_number() -> None:
    assert emergency_number(None, None).number is None
    assert emergency_number(None, None).problem is None


# -- pages and bundles, through the CLI ------------------------------------------------------
@pytest.mark.slow
def test_emergency_cards_link_the_number_of_the_region(project_copy: Path, run: Run) -> None:
    code, _, err = run(project_copy, "build")
    assert code == 0, err
    dist = project_copy / "dist"
    expected = {"es": "112", "de": "112", "zh-Hans": "120", "fr": "15", "ar": None, "en": None}
    for lang, number in expected.items():
        html = (dist / lang / f"{ARTICLE}.html").read_text(encoding="utf-8")
        links = CardLinks(html).links
        bundle = json.loads((dist / lang / f"{ARTICLE}.json").read_text(encoding="utf-8"))
        assert bundle["emergency_number"] == number, lang
        others = [link for card, found in links.items() if card != EMERGENCY for link in found]
        assert others == [], lang  # only the emergency card has the number
        if number is None:  # no region: no number and no guess
            assert links[EMERGENCY] == [], lang
            continue
        ((href, text),) = links[EMERGENCY]
        assert href == f"tel:{number}", lang
        assert number in text and text != number, lang  # a sentence: "Call 112"
    es = (dist / "es" / f"{ARTICLE}.html").read_text(encoding="utf-8")
    assert '<a href="tel:112">Llame al 112</a>' in es


def test_a_configured_number_overrides_the_curated_one(project_copy: Path, run: Run) -> None:
    set_locale_fields(project_copy, "fr", "emergency_number: '112'")
    code, _, err = run(project_copy, "build")
    assert code == 0, err
    html = (project_copy / "dist" / "fr" / f"{ARTICLE}.html").read_text(encoding="utf-8")
    assert CardLinks(html).links[EMERGENCY] == [("tel:112", "Appelez le 112")]


@pytest.mark.parametrize("command", ["validate", "check", "build"])
def test_a_configured_non_emergency_number_fails_at_its_line(
    project_copy: Path, run: Run, command: str
) -> None:
    line = set_locale_fields(project_copy, "es", "emergency_number: '5550100'")
    code, out, err = run(project_copy, command)
    assert code == 1
    assert re.search(
        rf"^locales/locales.yaml:{line}(:\d+)?: error: \[emergency-number\] '5550100' is not "
        "an emergency number in region 'ES'",
        out + err,
        re.M,
    ), out + err
    assert "Traceback" not in out + err
    assert not (project_copy / "dist").exists()  # nothing written


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ("region: GB\nemergency_number: '112'", None, None),  # valid: 112 works in GB too
        ("emergency_number: '112'", "emergency_number", "needs a region"),
        ("region: ZZ", "region", "not an ISO 3166-1 alpha-2 region"),
        ("region: IS", "region", "no curated medical emergency number for region 'IS'"),
        ("region: ES\nemergency_number: '999'", "emergency_number", "'999' is not an emergency"),
    ],
)
def test_region_and_number_are_checked_together(
    project_copy: Path, run: Run, fields: str, field: str | None, message: str | None
) -> None:
    first = set_locale_fields(project_copy, "ar", fields)
    code, out, err = run(project_copy, "validate")
    if message is None:
        assert code == 0, out + err
        return
    line = first + next(i for i, f in enumerate(fields.splitlines()) if f.startswith(field or ""))
    assert code == 1
    assert re.search(
        rf"^locales/locales.yaml:{line}(:\d+)?: error: \[emergency-number\] .*"
        + re.escape(message),
        out + err,
        re.M,
    ), out + err


def test_an_unquoted_number_is_refused_not_misread(project_copy: Path, run: Run) -> None:
    """YAML reads ``000`` (Australia) as the integer 0: numbers must be quoted."""
    line = set_locale_fields(project_copy, "ar", "region: AU\nemergency_number: 000") + 1
    code, out, err = run(project_copy, "validate")
    assert code == 1
    assert re.search(rf"^locales/locales.yaml:{line}(:\d+)?: error:", out + err, re.M), out + err
    assert "Traceback" not in out + err


# -- verification -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def spanish() -> tuple[str, list[object]]:
    article = Project(REPO).load().article(ARTICLE)
    translations = {u.key: f"es: {u.text}" for u in article.units()}
    page = Renderer({"es": "112"}).render(article, "es", translations, ["en", "es"])
    return page.html.decode(), expected_warnings(article, translations, source=False)


@pytest.mark.parametrize(
    ("damage", "number", "message"),
    [
        (lambda h: h, "112", None),
        (lambda h: h.replace('href="tel:112"', 'href="tel:911"'), "112", "must link tel:112"),
        (
            lambda h: re.sub(r'<p class="care-card__call">.*?</p>', "", h, flags=re.S),
            "112",
            "(found no tel: link)",
        ),
        (lambda h: h, None, "links tel:112, but the locale has no region"),
    ],
    ids=["intact", "wrong number", "link removed", "number without region"],
)
def test_verification_confirms_the_link_is_on_the_card(
    spanish: tuple[str, list[object]],
    damage: Callable[[str], str],
    number: str | None,
    message: str | None,
) -> None:
    html, expected = spanish
    found = verify_html(damage(html), "es", expected, "es.html", number)  # type: ignore[arg-type]
    if message is None:
        assert found == []
    else:
        assert any(message in p for p in found), found


def test_a_link_moved_off_the_card_is_caught(spanish: tuple[str, list[object]]) -> None:
    html, expected = spanish
    call = re.search(r'<p class="care-card__call">.*?</p>', html, re.S)
    assert call is not None
    moved = html.replace(call.group(0), "").replace("</main>", call.group(0) + "</main>")
    found = verify_html(moved, "es", expected, "es.html", "112")  # type: ignore[arg-type]
    assert any("must link tel:112" in p for p in found), found
