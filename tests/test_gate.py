"""The publish gate on copies of the real project: clean locales pass, every mutation fails."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message

from pipeline import catalogs
from pipeline.checks import SAME_AS_SOURCE
from pipeline.errors import UsageError
from pipeline.gate import Verdict, evaluate, evaluate_all
from pipeline.model import Finding
from pipeline.pofile import read_po, render_po
from pipeline.project import Project

ARTICLE = "numbness-of-the-legs"
LEAD = "symptoms/seek-immediate-help"
DIZZINESS = f"{LEAD}/dizziness"
FATIGUE = f"{LEAD}/fatigue"
VISION = f"{LEAD}/loss-of-vision"
URGENT = "treatment/see-a-doctor"
NON_URGENT = "complications/untreated-complications"
PARAGRAPH = "treatment/depends-on-cause"
B12 = "causes-nerve-damage/vitamin-b12"
CLEAN_LOCALES = ["es", "de", "ar", "zh_Hans"]
"""Shipped locales expected to pass the gate as they are."""


def po_path(root: Path, code: str) -> Path:
    return root / "locales" / code / "LC_MESSAGES" / f"{ARTICLE}.po"


def verdict(root: Path, code: str = "es") -> Verdict:
    project = Project(root).load()
    policy = project.config.policy(code)
    assert policy is not None
    return evaluate(project, policy, project.article(ARTICLE))


def edit_po(root: Path, code: str, change: Callable[[Catalog], None]) -> None:
    path = po_path(root, code)
    catalog = read_po(path.read_bytes(), str(path))
    change(catalog)
    path.write_bytes(render_po(catalog))


def entry(catalog: Catalog, key: str) -> Message:
    return next(m for m in catalog if m.context == key)


def msgid_line(root: Path, code: str, key: str, *, obsolete: bool = False) -> int:
    """The line of the entry's msgid, found in the text (the entry's msgctxt + 1)."""
    lines = po_path(root, code).read_text(encoding="utf-8").splitlines()
    prefix = "#~ " if obsolete else ""
    return lines.index(f'{prefix}msgctxt "{key}"') + 2


def found(v: Verdict) -> set[tuple[str, str, int | None]]:
    return {(f.code, f.severity.value, f.location.line if f.location else None) for f in v.findings}


def errors(v: Verdict) -> list[Finding]:
    return [f for f in v.findings if f.is_error]


def edit_text(root: Path, relative: str, old: str, new: str) -> None:
    path = root / relative
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# -- the clean shipped locales ------------------------------------------------------------
@pytest.mark.parametrize("code", CLEAN_LOCALES)
def test_clean_shipped_locale_passes(project_copy: Path, code: str) -> None:
    v = verdict(project_copy, code)
    assert errors(v) == []
    assert v.warnings_ok and v.publishable and v.reasons == ()
    article = Project(project_copy).load().article(ARTICLE)
    assert set(v.translations) == {u.key for u in article.units()}
    assert v.stats.total == v.stats.translated == len(list(article.units()))
    assert all(f.locale == code.replace("_", "-") and f.article == ARTICLE for f in v.findings)


# -- one mutation at a time ---------------------------------------------------------------
def drop_red_flag_translation(catalog: Catalog) -> None:
    entry(catalog, DIZZINESS).string = ""


def fuzzy_emergency_lead(catalog: Catalog) -> None:
    entry(catalog, LEAD).flags.add("fuzzy")


def empty_urgent_warning(catalog: Catalog) -> None:
    entry(catalog, URGENT).string = ""


def english_in_warning(catalog: Catalog) -> None:
    message = entry(catalog, VISION)
    message.string = message.id


def rtl_override_in_warning(catalog: Catalog) -> None:
    message = entry(catalog, NON_URGENT)
    message.string = "\u202e" + message.string


def script_in_paragraph(catalog: Catalog) -> None:
    entry(catalog, PARAGRAPH).string += "<script>alert(1)</script>"


def change_number(catalog: Catalog) -> None:
    message = entry(catalog, B12)
    changed = re.sub(r"\d+", "13", message.string, count=1)
    assert changed != message.string, "the translation should carry the number 12"
    message.string = changed


def obsolete_red_flag(catalog: Catalog) -> None:
    message = entry(catalog, FATIGUE)
    catalog.delete(message.id, context=message.context)
    catalog.obsolete[catalog._key_for(message.id, message.context)] = message


MUTATIONS = {
    # name: (mutation, code, key whose msgid line the finding points at, obsolete line?)
    "drop a red-flag translation": (drop_red_flag_translation, "untranslated", DIZZINESS, False),
    "fuzzy emergency lead": (fuzzy_emergency_lead, "fuzzy", LEAD, False),
    "empty urgent warning": (empty_urgent_warning, "untranslated", URGENT, False),
    "English copied into a warning": (english_in_warning, "unchanged", VISION, False),
    "right-to-left override": (rtl_override_in_warning, "bidi-control", NON_URGENT, False),
    "<script> in a paragraph": (script_in_paragraph, "markup", PARAGRAPH, False),
    "changed number": (change_number, "numbers", B12, False),
    "obsolete red flag": (obsolete_red_flag, "obsolete", FATIGUE, True),
}


@pytest.mark.parametrize("code", CLEAN_LOCALES)
@pytest.mark.parametrize("name", list(MUTATIONS))
def test_each_mutation_fails_the_gate(project_copy: Path, code: str, name: str) -> None:
    mutate, finding_code, key, obsolete = MUTATIONS[name]
    edit_po(project_copy, code, mutate)
    v = verdict(project_copy, code)
    line = msgid_line(project_copy, code, key, obsolete=obsolete)
    assert (finding_code, "error", line) in found(v), sorted(found(v), key=str)
    assert not v.publishable
    assert key not in v.translations
    is_warning = key.startswith((LEAD, URGENT, NON_URGENT))
    assert v.warnings_ok is not is_warning
    if key.startswith(f"{LEAD}/"):
        lead = msgid_line(project_copy, code, LEAD)
        assert ("item-count", "error", lead) in found(v)
    assert any(r.endswith(f": {finding_code}") for r in v.reasons), v.reasons


def test_missing_red_flag_entry_names_the_unit(project_copy: Path) -> None:
    def remove(catalog: Catalog) -> None:
        message = entry(catalog, DIZZINESS)
        catalog.delete(message.id, context=message.context)

    edit_po(project_copy, "es", remove)
    v = verdict(project_copy)
    missing = [f for f in v.findings if f.code == "missing-unit"]
    assert len(missing) == 1 and missing[0].is_error
    assert missing[0].location is not None and missing[0].location.line is None
    assert DIZZINESS in missing[0].message
    assert ("item-count", "error", msgid_line(project_copy, "es", LEAD)) in found(v)
    assert not v.warnings_ok and not v.publishable


def test_duplicated_red_flag_translation_fails_item_count(project_copy: Path) -> None:
    # Without the termbase, which would also refuse "mareo" for "fatigue".
    (project_copy / "locales" / "es" / "glossary.tbx").unlink()

    def duplicate(catalog: Catalog) -> None:
        entry(catalog, FATIGUE).string = entry(catalog, DIZZINESS).string

    edit_po(project_copy, "es", duplicate)
    v = verdict(project_copy)
    assert [f.code for f in errors(v)] == ["item-count"]
    assert "repeat" in errors(v)[0].message


def test_zero_width_in_warning(project_copy: Path) -> None:
    def hide(catalog: Catalog) -> None:
        message = entry(catalog, URGENT)
        message.string = message.string.replace(" ", " \u200b", 1)

    edit_po(project_copy, "es", hide)
    v = verdict(project_copy)
    assert ("zero-width", "error", msgid_line(project_copy, "es", URGENT)) in found(v)
    assert not v.publishable


def test_stale_warning_after_a_source_change(project_copy: Path) -> None:
    """The PO is compared with the current source, not only with the template."""
    edit_text(
        project_copy,
        f"source/{ARTICLE}.yaml",
        "text: loss of vision",
        "text: sudden loss of vision",
    )
    v = verdict(project_copy)
    assert ("stale", "error", msgid_line(project_copy, "es", VISION)) in found(v)
    assert not v.publishable and not v.warnings_ok


def test_stale_paragraph_falls_back_to_english(project_copy: Path) -> None:
    edit_text(
        project_copy, f"source/{ARTICLE}.yaml", "text: Herniated disks", "text: Slipped discs"
    )
    key = "causes-nerve-damage/herniated-disks"
    v = verdict(project_copy)
    assert ("stale", "warning", msgid_line(project_copy, "es", key)) in found(v)
    assert key not in v.translations
    assert v.warnings_ok
    # Its translation awaits an update after the English edit: it still counts toward
    # the default 100%, so the locale stays published with that unit in English.
    assert errors(v) == [] and v.publishable


# -- completion, policy and English variants ------------------------------------------------
def set_policy(root: Path, code: str, extra: str) -> None:
    edit_text(root, "locales/locales.yaml", f"  - code: {code}\n", f"  - code: {code}\n{extra}")


@pytest.mark.parametrize(("minimum", "publishable"), [(80, True), (90, False)])
def test_completion_minimum(project_copy: Path, minimum: int, publishable: bool) -> None:
    set_policy(project_copy, "es", f"    min_completion: {minimum}\n")

    def blank(catalog: Catalog) -> None:
        for key in ("overview/definition", "causes/mechanism", "symptoms/other-symptoms"):
            entry(catalog, key).string = ""

    edit_po(project_copy, "es", blank)
    v = verdict(project_copy)
    assert v.publishable is publishable
    assert v.warnings_ok
    assert sum(1 for f in v.findings if f.code == "untranslated") == 3
    assert all(f.severity.value == "warning" for f in v.findings if f.code == "untranslated")
    completion = [f for f in v.findings if f.code == "completion"]
    assert len(completion) == (0 if publishable else 1)
    if completion:
        assert "24 of 27" in completion[0].message and "90%" in completion[0].message


def test_english_variant_may_keep_the_english(project_copy: Path) -> None:
    config = project_copy / "locales" / "locales.yaml"
    config.write_text(
        config.read_text(encoding="utf-8") + "  - code: en_GB\n    status: published\n",
        encoding="utf-8",
    )
    project = Project(project_copy).load()
    catalogs.init(project, "en_GB")

    def copy_english(catalog: Catalog) -> None:
        for message in catalog:
            if message.id:
                message.string = message.id

    edit_po(project_copy, "en_GB", copy_english)
    v = verdict(project_copy, "en_GB")
    assert v.findings == () and v.publishable
    # The same copy in Spanish is no translation.
    edit_po(project_copy, "es", copy_english)
    spanish = verdict(project_copy, "es")
    unchanged = [f for f in spanish.findings if f.code == "unchanged"]
    warning_units = Project(project_copy).load().article(ARTICLE).warning_units()
    assert sum(f.is_error for f in unchanged) == len(warning_units) == 9
    assert not spanish.publishable


# -- what the PO file itself may get wrong ----------------------------------------------------
def test_po_syntax_error_is_a_finding_not_a_crash(project_copy: Path) -> None:
    path = po_path(project_copy, "es")
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    number = next(i for i, line in enumerate(lines) if line.startswith('msgstr "mareo'))
    lines[number] = lines[number].rstrip().rstrip('"') + "\n"
    path.write_text("".join(lines), encoding="utf-8")
    v = verdict(project_copy)
    assert [(f.code, f.location.line if f.location else None) for f in v.findings] == [
        ("po-syntax", number + 1)
    ]
    assert v.findings[0].locale == "es" and v.findings[0].article == ARTICLE
    assert not v.publishable and not v.warnings_ok and v.translations == {}


def test_invalid_utf8_is_a_finding(project_copy: Path) -> None:
    path = po_path(project_copy, "de")
    path.write_bytes(path.read_bytes().replace(b"Schwindel", b"Schwindel\xff", 1))
    v = verdict(project_copy, "de")
    assert [f.code for f in v.findings] == ["encoding"]
    assert not v.publishable


def test_missing_po_file(project_copy: Path) -> None:
    po_path(project_copy, "es").unlink()
    v = verdict(project_copy)
    assert [f.code for f in v.findings] == ["missing-po"]
    assert v.stats.total == 0 and not v.publishable and not v.warnings_ok


def test_po_of_another_language_in_the_directory(project_copy: Path) -> None:
    po_path(project_copy, "es").write_bytes(po_path(project_copy, "de").read_bytes())
    v = verdict(project_copy)
    assert ("header-language", "error", 11) in found(v)
    assert not v.publishable


def test_duplicate_and_unknown_entries(project_copy: Path) -> None:
    def add(catalog: Catalog) -> None:
        catalog.add("dizziness (old text)", "mareo viejo", context=DIZZINESS)
        catalog.add("Removed paragraph", "Párrafo borrado", context="gone/paragraph")
        catalog.obsolete["x"] = Message("Old", "Viejo", context="gone/old")

    edit_po(project_copy, "es", add)
    v = verdict(project_copy)
    codes = sorted((f.code, f.severity.value) for f in v.findings)
    assert codes == [("duplicate-unit", "error"), ("unknown-unit", "warning")]
    assert v.translations[DIZZINESS] == "mareo"  # the entry for the current English
    assert v.stats.obsolete == 1 and v.stats.total == 38


# -- every locale x article ---------------------------------------------------------------------
def test_evaluate_all_is_sorted_and_filters(project_copy: Path) -> None:
    project = Project(project_copy).load()
    verdicts = evaluate_all(project)
    codes = [v.policy.code for v in verdicts]
    assert codes == sorted(codes) and set(codes) == {p.code for p in project.config.locales}
    assert [v.policy.code for v in evaluate_all(project, ["pt-BR", "es"])] == ["es", "pt_BR"]
    with pytest.raises(UsageError):
        evaluate_all(project, ["xx"])


def test_draft_locale_is_evaluated_like_any_other(project_copy: Path) -> None:
    v = verdict(project_copy, "pt_BR")
    assert v.policy.status == "draft"
    assert all(f.locale == "pt-BR" for f in v.findings)
    if not v.publishable:
        assert v.reasons


# -- what counts as a usable translation, through the command line ---------------------------
Run = Callable[..., tuple[int, str, str]]


def check_json(root: Path, run: Run, code: str) -> tuple[int, list[dict[str, object]]]:
    exit_code, out, err = run(root, "check", "--locale", code, "--format", "json")
    assert "Traceback" not in out + err
    return exit_code, json.loads(out)["findings"]


def about(findings: list[dict[str, object]], code: str, key: str) -> list[dict[str, object]]:
    return [f for f in findings if f["code"] == code and f"'{key}'" in str(f["message"])]


def set_string(root: Path, code: str, key: str, text: str, comment: str | None = None) -> None:
    def change(catalog: Catalog) -> None:
        message = entry(catalog, key)
        message.string = text
        if comment is not None:
            message.user_comments = [comment]

    edit_po(root, code, change)


INVISIBLE = {
    "hangul filler": "\u3164",
    "soft hyphen": "\u00ad",
    "braille blank": "\u2800",
    "control character": "\x07",
    "combining marks only": "\u0301\u0327",
    "comment": "<!-- -->",
    "hyphen": "-",
    "several": "\u00a0\u2009.\u00ad…\u200b",
}


@pytest.mark.parametrize("name", list(INVISIBLE))
def test_a_warning_lead_showing_nothing_is_untranslated(
    project_copy: Path, run: Run, name: str
) -> None:
    set_string(project_copy, "es", URGENT, INVISIBLE[name])
    code, findings = check_json(project_copy, run, "es")
    assert code == 1
    (finding,) = about(findings, "untranslated", URGENT)
    assert finding["severity"] == "error"
    assert finding["line"] == msgid_line(project_copy, "es", URGENT)
    build, _, _ = run(project_copy, "build")
    assert build == 1
    assert not (project_copy / "dist" / "es" / f"{ARTICLE}.html").exists()


def test_a_blank_paragraph_falls_back_to_english(project_copy: Path, run: Run) -> None:
    set_string(project_copy, "es", PARAGRAPH, "\u00a0.\u00a0")
    v = verdict(project_copy)
    assert ("untranslated", "warning", msgid_line(project_copy, "es", PARAGRAPH)) in found(v)
    assert PARAGRAPH not in v.translations
    assert v.stats.translated == v.stats.total  # msgfmt counts a non-empty msgstr
    assert [f.code for f in errors(v)] == ["completion"]


def test_a_gate_finding_on_a_paragraph_shows_the_english(project_copy: Path) -> None:
    """A bidi control in a paragraph is a warning there, and the paragraph falls back."""

    def override(catalog: Catalog) -> None:
        entry(catalog, PARAGRAPH).string = "\u202e" + str(entry(catalog, PARAGRAPH).string)

    edit_po(project_copy, "es", override)
    v = verdict(project_copy)
    assert ("bidi-control", "warning", msgid_line(project_copy, "es", PARAGRAPH)) in found(v)
    assert PARAGRAPH not in v.translations


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("English with Cyrillic look-alikes", "lоss оf visiоn"),  # Cyrillic о
        ("English in fullwidth letters", "ｌｏｓｓ ｏｆ ｖｉｓｉｏｎ"),
        ("English of another unit", "dizziness"),
        ("English of a paragraph", "Herniated disks"),
        ("English with a period", "Loss of vision."),
    ],
)
def test_english_in_disguise_is_unchanged(
    project_copy: Path, run: Run, name: str, text: str
) -> None:
    set_string(project_copy, "es", VISION, text)
    code, findings = check_json(project_copy, run, "es")
    assert code == 1
    assert about(findings, "unchanged", VISION), findings


def test_english_lead_minus_its_final_period_is_unchanged(project_copy: Path, run: Run) -> None:
    english = Project(project_copy).load().article(ARTICLE).unit(URGENT).text
    assert english.endswith(".")
    set_string(project_copy, "es", URGENT, english[:-1])
    code, findings = check_json(project_copy, run, "es")
    assert code == 1 and about(findings, "unchanged", URGENT)


def test_red_flags_differing_by_a_period_repeat(project_copy: Path, run: Run) -> None:
    # Without the termbase, which would reject "fatiga." for dizziness on its own.
    (project_copy / "locales" / "es" / "glossary.tbx").unlink()
    set_string(project_copy, "es", DIZZINESS, "fatiga.")
    code, findings = check_json(project_copy, run, "es")
    assert code == 1
    (count,) = [f for f in findings if f["code"] == "item-count"]
    assert "repeat" in str(count["message"]) and "dizziness" in str(count["message"])
    assert count["line"] == msgid_line(project_copy, "es", LEAD)


def test_same_as_source_waiver_is_for_the_latin_script_only(project_copy: Path, run: Run) -> None:
    """In ar, red flags left in English are withheld, whatever the translator's comment."""
    article = Project(project_copy).load().article(ARTICLE)
    (warning,) = [w for w in article.warnings() if w.red_flags]

    def english(catalog: Catalog) -> None:
        for unit in warning.red_flags:
            message = entry(catalog, unit.key)
            message.string = unit.text
            message.user_comments = [SAME_AS_SOURCE]

    edit_po(project_copy, "ar", english)
    code, findings = check_json(project_copy, run, "ar")
    assert code == 1
    for unit in warning.red_flags:
        assert about(findings, "unchanged", unit.key), unit.key
        assert about(findings, "wrong-script", unit.key), unit.key
    assert run(project_copy, "build")[0] == 1
    assert not (project_copy / "dist" / "ar" / f"{ARTICLE}.html").exists()


def test_same_as_source_waiver_never_covers_a_warning_lead(project_copy: Path, run: Run) -> None:
    english = Project(project_copy).load().article(ARTICLE).unit(URGENT).text
    set_string(project_copy, "fr", URGENT, english, SAME_AS_SOURCE)
    code, findings = check_json(project_copy, run, "fr")
    assert code == 1 and about(findings, "unchanged", URGENT)


def test_status_lists_the_waivers_in_force(project_copy: Path, run: Run) -> None:
    code, out, _ = run(project_copy, "status", "--locale", "fr", "--format", "json")
    assert code == 0
    (article,) = json.loads(out)["locales"][0]["articles"]
    assert article["same_as_source"] == ["category", FATIGUE]
    code, out, _ = run(project_copy, "status", "--locale", "es", "--format", "json")
    assert json.loads(out)["locales"][0]["articles"][0]["same_as_source"] == []
    code, out, _ = run(project_copy, "status")
    assert f"(fr, {ARTICLE}): category, {FATIGUE}" in out


def test_a_latin_word_in_an_arabic_warning_is_the_wrong_script(
    project_copy: Path, run: Run
) -> None:
    set_string(project_copy, "ar", DIZZINESS, "dusha")
    code, findings = check_json(project_copy, run, "ar")
    assert code == 1
    (finding,) = about(findings, "wrong-script", DIZZINESS)
    assert finding["severity"] == "error" and "Arab" in str(finding["message"])


@pytest.mark.slow
def test_a_flood_of_numbers_costs_little_and_says_little(project_copy: Path, run: Run) -> None:
    """A 2 MB msgstr of "1,1,1,...": the check stops reading, the finding stays short."""
    set_string(project_copy, "es", PARAGRAPH, "1," * 1_000_000 + "1")
    _, out, _ = run(project_copy, "check", "--locale", "es")
    lines = [line for line in out.splitlines() if "[numbers]" in line]
    assert len(lines) == 1 and len(lines[0]) < 600, len(lines[0])
    assert max(len(line) for line in out.splitlines()) < 600
