"""Every entry and header check, with real-language translations that pass and that fail."""

from __future__ import annotations

import dataclasses
import re
from decimal import Decimal
from pathlib import Path

import pytest
from babel.numbers import format_decimal
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import checks
from pipeline.checks import Entry, PoContext, check_header, check_translation, read_header
from pipeline.model import Finding, Location, Severity, Unit, UnitKind

DATA = Path(__file__).parent / "data" / "po"
LOCALES = ["es", "fr", "de", "de_CH", "ar", "ar_EG", "zh_Hans", "pt_BR", "hi", "fa", "en_IN"]
CONTEXT = PoContext("locales/es/LC_MESSAGES/a.po", "es", "numbness-of-the-legs", "es")


def entry(
    source: str,
    translation: str,
    *,
    warning: bool = False,
    locale: str = "es",
    comments: tuple[str, ...] = (),
) -> Entry:
    unit = Unit(
        key="symptoms/seek-immediate-help/fatigue" if warning else "symptoms/intro",
        kind=UnitKind.RED_FLAG if warning else UnitKind.PARAGRAPH,
        text=source,
        location=Location("source/numbness-of-the-legs.yaml", 10),
        warning_id="seek-immediate-help" if warning else None,
        severity=Severity.EMERGENCY if warning else None,
    )
    context = PoContext(
        f"locales/{locale}/LC_MESSAGES/numbness-of-the-legs.po",
        locale.replace("_", "-"),
        "numbness-of-the-legs",
        locale,
        same_language=locale.startswith("en"),
    )
    return Entry(unit, translation, context, 42, comments)


def codes(findings: list[Finding]) -> list[tuple[str, str]]:
    return [(f.code, f.severity.value) for f in findings]


def passes(source: str, translation: str, **kw: object) -> None:
    found = check_translation(entry(source, translation, **kw))  # type: ignore[arg-type]
    assert found == [], [f.format() for f in found]


def fails(source: str, translation: str, code: str, severity: str, **kw: object) -> Finding:
    found = check_translation(entry(source, translation, **kw))  # type: ignore[arg-type]
    assert (code, severity) in codes(found), [f.format() for f in found]
    finding = next(f for f in found if f.code == code)
    assert finding.location == Location(
        f"locales/{kw.get('locale', 'es')}/LC_MESSAGES/numbness-of-the-legs.po", 42
    )
    assert finding.article == "numbness-of-the-legs"
    return finding


# -- the explicit list --------------------------------------------------------------------
def test_every_check_is_listed_once_and_documented() -> None:
    assert len(set(checks.TRANSLATION_CHECKS)) == len(checks.TRANSLATION_CHECKS) >= 9
    assert set(checks.PLAIN_TEXT_CHECKS) < set(checks.TRANSLATION_CHECKS)
    for check in (
        *checks.TRANSLATION_CHECKS,
        *checks.HEADER_CHECKS,
        checks.entry_state,
        checks.decide,
        checks.blank,
    ):
        assert check.__doc__ and len(check.__doc__.split()) > 10, check.__name__


def test_every_code_is_documented_in_docs_checks_md() -> None:
    docs = (Path(__file__).parent.parent / "docs" / "checks.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([a-z0-9-]+)` \|", docs, re.MULTILINE))
    sources = "".join(
        (Path(__file__).parent.parent / "pipeline" / name).read_text(encoding="utf-8")
        for name in ("checks.py", "gate.py")
    )
    emitted = set(re.findall(r'\.(?:finding|critical|gate|cosmetic)\(\s*"([a-z-]+)"', sources))
    emitted |= {"po-syntax", "encoding", "too-large"}  # raised by pipeline.pofile
    assert emitted <= documented, emitted - documented
    assert len(emitted) >= 20


# -- unchanged ----------------------------------------------------------------------------
def test_unchanged() -> None:
    passes("Herniated disks", "Hernias discales")
    found = check_translation(entry("Herniated disks", "Herniated disks"))
    assert codes(found) == [("unchanged", "warning")]
    fails("loss of vision", "loss of vision", "unchanged", "error", warning=True)
    fails("loss of vision", "Loss of  vision", "unchanged", "error", warning=True)
    # English variants keep the English; text without letters has nothing to translate.
    passes("loss of vision", "loss of vision", warning=True, locale="en_GB")
    passes("112", "112")  # the European emergency number
    passes("Tangled arteries and veins", "Arterias y venas enredadas")


def test_unchanged_confirmed_short_term() -> None:
    """French 'fatigue' is French: a translator comment confirms it, for short terms only."""
    confirmed = (checks.SAME_AS_SOURCE,)
    passes("fatigue", "fatigue", warning=True, locale="fr", comments=confirmed)
    fails("fatigue", "fatigue", "unchanged", "error", warning=True, locale="fr")
    sentence = "You should talk to a doctor if your numbness lasts more than a few minutes."
    fails(sentence, sentence, "unchanged", "error", warning=True, locale="fr", comments=confirmed)


# -- placeholders ---------------------------------------------------------------------------
def test_placeholders() -> None:
    passes("Call {phone} now", "Llame ahora al {phone}")
    passes("%(count)d people", "%(count)d personas")
    passes("%s and %s", "%s y %s")
    passes("50% of people", "El 50 % de las personas")  # a percent sign is not a placeholder
    passes("100%% sure", "100%% seguro")
    found = fails("Call {phone} now", "Llame ahora al {telefono}", "placeholders", "error")
    assert "'{phone}'" in found.message and "'{telefono}'" in found.message
    fails("%(count)d people", "%d personas", "placeholders", "error")
    fails("Call now", "Llame ahora %s", "placeholders", "error")


# -- numbers --------------------------------------------------------------------------------
def test_numbers() -> None:
    passes("Vitamin B12 deficiency", "Deficiencia de vitamina B12")
    passes("Vitamin B12 deficiency", "نقص فيتامين ب١٢")  # Arabic-Indic digits
    passes("Vitamin B12 deficiency", "维生素B１２缺乏")  # full-width digits
    passes("about 1,000 people", "unas 1.000 personas")
    passes("about 1,000 people", "environ 1 000 personnes")
    passes("about 1,000 people", "etwa 1\u202f000 Menschen")
    passes("2 or 3 times", "2 o 3 veces")
    found = fails("Vitamin B12 deficiency", "Deficiencia de vitamina B13", "numbers", "error")
    assert "missing '12'" in found.message and "'13'" in found.message
    fails("more than 5 minutes", "más de unos minutos", "numbers", "error")
    fails("2 or 3 times", "23 veces", "numbers", "error")
    fails("dizziness", "mareo (1)", "numbers", "error", warning=True)


# -- whitespace -----------------------------------------------------------------------------
def test_whitespace() -> None:
    passes("Thyroid diseases", "Enfermedades de la tiroides")
    passes("Line one\nline two", "Línea uno\nlínea dos")
    fails("Thyroid diseases", "Enfermedades de la tiroides\n", "whitespace", "error")
    fails("Thyroid diseases", " Enfermedades de la tiroides", "whitespace", "warning")
    fails("Thyroid diseases", "Enfermedades de la tiroides ", "whitespace", "warning")
    fails("Line one\nline two", "Línea uno línea dos", "whitespace", "warning")


# -- markup ---------------------------------------------------------------------------------
def test_markup() -> None:
    passes("Treatment depends on the cause.", "El tratamiento depende de la causa.")
    passes("Use <b>only</b> this", "Use <b>solo</b> esto")
    passes("if it lasts < 5 minutes", "si dura < 5 minutos")
    passes("Bonjour", "onze = once")  # a word before '=' is not an event handler
    found = fails(
        "Treatment depends on the cause.",
        "El tratamiento depende de la causa.<script>alert(1)</script>",
        "markup",
        "error",
    )
    assert "'<script'" in found.message
    fails("Multiple sclerosis", '<img src=x onerror="alert(1)">', "markup", "error")
    fails("Multiple sclerosis", "Esclerosis onmouseover=alert(1)", "markup", "error")
    fails("Multiple sclerosis", "Esclerosis onclick = 'alert(1)'", "markup", "error")
    fails("Multiple sclerosis", "Esclerosis <a href='javascript:alert(1)'>", "markup", "error")
    fails("Multiple sclerosis", "Esclerosis &lt;b&gt; múltiple", "markup", "error")
    fails("Use <b>only</b> this", "Use <i>solo</i> esto", "markup", "error")


# -- URLs -------------------------------------------------------------------------------------
def test_urls() -> None:
    passes("See https://www.nhs.uk/conditions/.", "Vea https://www.nhs.uk/conditions/.")
    passes("Treatment", "Tratamiento")
    fails("Treatment", "Tratamiento: https://example.com/cure", "urls", "error")
    fails("See https://www.nhs.uk/.", "Vea el sitio del NHS.", "urls", "warning")
    fails("See https://www.nhs.uk/.", "Vea el sitio del NHS.", "urls", "error", warning=True)


# -- invisible characters ---------------------------------------------------------------------
def test_bidi_control() -> None:
    passes("dizziness", "دوخة", warning=True, locale="ar")
    found = fails("dizziness", "\u202eدوخة", "bidi-control", "error", warning=True, locale="ar")
    assert "U+202E RIGHT-TO-LEFT OVERRIDE" in found.message
    fails("Thyroid diseases", "أمراض الغدة\u200f الدرقية", "bidi-control", "warning", locale="ar")
    fails("dizziness", "mareo\u2066", "bidi-control", "error", warning=True)
    fails("dizziness", "\u061cدوخة", "bidi-control", "error", warning=True, locale="ar")


def test_zero_width() -> None:
    passes("fatigue", "疲劳", warning=True, locale="zh_Hans")
    fails("fatigue", "疲\u200b劳", "zero-width", "error", warning=True, locale="zh_Hans")
    fails("Thyroid diseases", "Schilddrüsen\u00ader\ufeffkrankungen", "zero-width", "warning")


# -- headers ----------------------------------------------------------------------------------
def header_findings(name: str, code: str) -> list[tuple[str, str, int | None]]:
    text = (DATA / name).read_text(encoding="utf-8")
    context = PoContext(f"locales/{code}/LC_MESSAGES/x.po", code.replace("_", "-"), "x", code)
    return [
        (f.code, f.severity.value, f.location.line if f.location else None)
        for f in check_header(read_header(text, context))
    ]


def test_good_headers_pass() -> None:
    assert header_findings("check-header-good-es.po", "es") == []
    # GNU's Arabic formula numbers the forms differently from Babel's, same grouping;
    # the header is wrapped over two lines.
    assert header_findings("check-header-ar-gnu.po", "ar") == []


def test_language_header_against_directory() -> None:
    assert header_findings("check-header-good-es.po", "fr") == [
        ("header-language", "error", 11),
        ("header-plural-forms", "warning", 12),
    ]
    assert header_findings("check-header-good-es.po", "es_MX") == [("header-language", "error", 11)]
    assert ("header-language", "error", 7) in header_findings("check-header-bad.po", "de")


def test_bcp47_language_header_is_the_same_locale() -> None:
    assert header_findings("check-header-pt-bcp47.po", "pt_BR") == []


def test_plural_forms_and_charset() -> None:
    found = header_findings("check-header-bad.po", "de")
    assert ("header-plural-forms", "error", 8) in found  # nplurals=3 for German
    assert ("header-charset", "error", 9) in found  # charset=CHARSET
    assert header_findings("check-header-latin1.po", "es") == [("header-charset", "error", 13)]
    assert header_findings("check-header-bad-formula.po", "es") == [
        ("header-plural-forms", "error", 12)
    ]


def plural_findings(code: str, plural_forms: str) -> list[tuple[str, str]]:
    text = (
        'msgid ""\nmsgstr ""\n'
        f'"Language: {code}\\n"\n'
        '"Content-Type: text/plain; charset=UTF-8\\n"\n'
        f'"Plural-Forms: {plural_forms}\\n"\n'
    )
    context = PoContext(f"locales/{code}/LC_MESSAGES/x.po", code.replace("_", "-"), "x", code)
    return [(f.code, f.severity.value) for f in check_header(read_header(text, context))]


@pytest.mark.parametrize(
    ("code", "plural_forms"),
    [
        # GNU msginit and Weblate: two forms.
        ("es", "nplurals=2; plural=(n != 1);"),
        ("fr", "nplurals=2; plural=(n > 1);"),
        ("pt_BR", "nplurals=2; plural=(n > 1);"),
        ("it", "nplurals=2; plural=(n != 1);"),
        # CLDR 42 and later: a third form for millions ("1 millón de").
        ("es", "nplurals=3; plural=(n == 1 ? 0 : n != 0 && n % 1000000 == 0 ? 1 : 2);"),
        ("fr", "nplurals=3; plural=(n == 0 || n == 1) ? 0 : n != 0 && n % 1000000 == 0 ? 1 : 2;"),
        ("de", "nplurals=2; plural=n != 1;"),
        ("zh_Hans", "nplurals=1; plural=0;"),
    ],
)
def test_plural_forms_of_gettext_and_of_cldr_both_pass(code: str, plural_forms: str) -> None:
    assert plural_findings(code, plural_forms) == []


def test_plural_forms_that_ask_for_the_wrong_forms_fail() -> None:
    # A form that is declared but never picked: the translator is asked for it in vain.
    assert plural_findings("de", "nplurals=3; plural=(n != 1);") == [
        ("header-plural-forms", "error")
    ]
    # Two forms where Arabic has six.
    assert plural_findings("ar", "nplurals=2; plural=(n != 1);") == [
        ("header-plural-forms", "error")
    ]
    # Chinese has one form, not two.
    assert plural_findings("zh_Hans", "nplurals=2; plural=(n != 1);") == [
        ("header-plural-forms", "error")
    ]
    # An index beyond nplurals; a formula gettext cannot read.
    assert plural_findings("es", "nplurals=2; plural=(n == 1 ? 0 : 2);") == [
        ("header-plural-forms", "error")
    ]
    assert plural_findings("es", "nplurals=2; plural=(n ==;") == [("header-plural-forms", "error")]
    # Two forms for Spanish, but 0 grouped with 1 (the French rule): a warning.
    assert plural_findings("es", "nplurals=2; plural=(n > 1);") == [
        ("header-plural-forms", "warning")
    ]


def test_missing_headers() -> None:
    assert sorted(header_findings("check-header-missing.po", "es")) == [
        ("header-language", "error", 3),
        ("header-plural-forms", "warning", 3),
    ]


def test_read_header_follows_wrapped_fields() -> None:
    text = (DATA / "check-header-ar-gnu.po").read_text(encoding="utf-8")
    header = read_header(text, CONTEXT)
    assert header.get("Plural-Forms") is not None
    assert header.get("Plural-Forms").endswith("n%100>=11 ? 4 : 5);")
    assert header.line("Plural-Forms") == 12
    assert header.get("Content-Type") == "text/plain; charset=UTF-8"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("no numbers", []),
        ("007", [{"7"}]),
        ("1,5 mg", [{"1.5"}]),
        ("1.50 mg", [{"1.5"}]),
        ("١٫٥ ملغ", [{"1.5"}]),
        ("1 000 personnes", [{"1000"}]),
        ("1,000 people", [{"1000", "1.000"}]),
        ("1.000.000", [{"1000000"}]),
        ("1,234.5", [{"1234.5"}]),
        ("1.234,5", [{"1234.5"}]),
        ("12.11.2012", [{"12"}, {"11"}, {"2012"}]),
        ("١٢ و 12", [{"12"}, {"12"}]),
    ],
)
def test_numbers_in(text: str, expected: list[set[str]]) -> None:
    assert [set(n.values) for n in checks.numbers_in(text)] == expected


def test_decimal_and_grouping_differences_are_not_different_numbers() -> None:
    passes("take 1.5 mg", "tome 1,5 mg")
    passes("1,234.5 ml", "1.234,5 ml")
    passes("on 12/11/2012", "am 12.11.2012")
    fails("take 1.5 mg", "tome 15 mg", "numbers", "error")
    fails("take 0.5 mg", "tome 5 mg", "numbers", "error")
    fails("1,000 people", "1 personne", "numbers", "error")


@pytest.mark.slow
@given(
    st.integers(min_value=0, max_value=10**12),
    st.sampled_from(LOCALES),
    st.sampled_from(["latn", "default"]),
)
def test_numbers_formatted_for_any_locale_are_the_same_number(
    number: int, locale: str, system: str
) -> None:
    formatted = format_decimal(number, locale=locale, numbering_system=system)
    assert checks.unpaired(checks.numbers_in(str(number)), checks.numbers_in(formatted)) == (
        [],
        [],
    )


@pytest.mark.slow
@given(st.decimals(min_value=0, max_value=10**6, places=2), st.sampled_from(LOCALES))
def test_decimals_formatted_for_any_locale_are_the_same_number(
    number: Decimal, locale: str
) -> None:
    formatted = format_decimal(number, locale=locale, decimal_quantization=False)
    english = format_decimal(number, locale="en", decimal_quantization=False)
    assert checks.unpaired(checks.numbers_in(english), checks.numbers_in(formatted)) == ([], [])


# -- the shortcuts that skip a check on plain prose ---------------------------------------
URLISH = st.text(
    st.one_of(
        st.characters(exclude_categories=["Cs"]),
        st.sampled_from(list("wWmMaAiIİıltTo:/.%{}0123456789١")),
    ),
    max_size=40,
)


@pytest.mark.slow
@given(URLISH)
def test_prose_shortcuts_never_skip_what_the_full_pattern_finds(text: str) -> None:
    """Each check first asks a cheap question; a "no" must mean the full pattern finds
    nothing (else a URL, number or placeholder would slip through unchecked)."""
    assert checks._may_have_url(text) or not checks._URL.search(text)
    assert checks._DIGIT.search(text) or not checks._NUMBER.search(text)
    assert "%" in text or "{" in text or not checks._PLACEHOLDER.search(text)


@pytest.mark.parametrize("url", ["WwW.example.org", "maİlto:x@example.org", "FTP://x.example"])
def test_urls_in_any_letter_case_are_still_checked(url: str) -> None:
    fails("Treatment", f"Tratamiento {url}", "urls", "error")


# -- the plain-text shortcut ---------------------------------------------------------------
SIGNS = st.sampled_from(
    ["%s", "{n}", "<b>", ":", "=", "&amp;", "1", "١٢", "www.", "WwW.", "\u202e", "\u200b",
     "\u2066", "\ufeff", "\n", " ", "\u00a0", "\t", "javascript:", "onclick=", "x",
     "http://a.example", "a:b"]
)  # fmt: skip
TEXT = st.lists(st.one_of(st.text(max_size=12), SIGNS), max_size=6).map("".join)


@pytest.mark.slow
@given(TEXT, TEXT, st.booleans())
def test_the_plain_text_shortcut_finds_what_every_check_finds(
    source: str, translation: str, warning: bool
) -> None:
    """``check_translation`` runs only ``PLAIN_TEXT_CHECKS`` on text without ``has_signs``:
    the findings must be exactly those of every check."""
    one = entry(source, translation, warning=warning)
    every = [finding for check in checks.TRANSLATION_CHECKS for finding in check(one)]
    assert check_translation(one) == every


def test_the_plain_text_shortcut_is_taken_by_plain_prose_only() -> None:
    assert not checks.has_signs("Taubheit der Beine")
    for sign in ("50%", "{x}", "<i>", "a: b", "B12", "١", "WWW.example", "\u200f", "\u2060"):
        assert checks.has_signs(f"Taubheit {sign}"), sign
    assert set(checks.PLAIN_TEXT_CHECKS) < set(checks.TRANSLATION_CHECKS)


CASES = st.sampled_from(
    ["ß", "SS", "ss", "Σ", "ς", "σ", "İ", "i̇", " ", "\t", "\u00a0", "ﬀ", "FF", "a", "A",
     "[!! ", "(", "-", "'", "1", ",", "\u0301"]  # signs a text may start with, digits
)  # fmt: skip


@pytest.mark.slow
@settings(max_examples=1000)
@given(st.lists(CASES, min_size=1, max_size=6).map("".join), st.data())
def test_unchanged_is_the_english_by_skeleton(source: str, data: st.DataObject) -> None:
    """``unchanged`` fires exactly when the translation has the skeleton of the English
    (its first-characters shortcut never hides a copy)."""
    translation = data.draw(
        st.sampled_from([source, source.upper(), source.casefold(), f" {source}.", source[:-1]])
        | st.lists(CASES, min_size=1, max_size=6).map("".join)
    )
    found = list(checks.unchanged(entry(source, translation)))
    copied = checks.skeleton(translation) == checks.skeleton(source) != ""
    assert bool(found) == (copied and any(ch.isalpha() for ch in source))


# -- blank and visible text -----------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "", " ", "\t\n", "\u00a0", "\u2003\u3000", ".", "…", "-", "*", "→", "\u00ad", "\u200b",
        "\u3164", "\u115f\u1160", "\uffa0", "\u2800", "\x07", "\x7f", "\u0301\u0308", "<!-- -->",
        "<!-- x", "<b></b>", "<br/> . <i></i>", "\u00a0\u2009.\u00ad…\u200b",
    ],
)  # fmt: skip
def test_blank(text: str) -> None:
    assert checks.blank(text)


@pytest.mark.parametrize(
    "text", ["a", "mareo", "دوخة", "疲劳", "112", "١٢", "½", "ab\u3164", "<!-- -->x", "é", "ǅ"]
)
def test_not_blank(text: str) -> None:
    assert not checks.blank(text)


@given(st.text(max_size=20))
def test_blank_is_no_visible_letter_or_digit(text: str) -> None:
    visible = checks._HIDDEN_MARKUP.sub("", text) if "<" in text else text
    expected = not any(ch.isalnum() and ch not in checks._FILLERS for ch in visible)
    assert checks.blank(text) is expected


def test_locale_script_from_cldr() -> None:
    assert [checks.locale_script(c) for c in ("es", "ar", "zh_Hans", "pt_BR", "de", "fr")] == [
        "Latn", "Arab", "Hans", "Latn", "Latn", "Latn"
    ]  # fmt: skip
    assert checks.locale_script("sr_Latn") == "Latn" and checks.locale_script("ru") == "Cyrl"
    assert checks.locale_script("not a locale") is None


def test_wrong_script() -> None:
    passes("dizziness", "دوخة", warning=True, locale="ar")
    passes("dizziness", "眩晕", warning=True, locale="zh_Hans")
    passes("dizziness", "головокружение", warning=True, locale="ru")
    for code, word in [
        ("hi", "चक्कर"),
        ("ja", "めまい"),
        ("ko", "현기증"),
        ("or", "ଓଡ଼ିଆ"),
        ("he", "סחרחורת"),
    ]:
        passes("dizziness", word, warning=True, locale=code)
    passes("dizziness", "mareo", warning=True)
    fails("dizziness", "dusha", "wrong-script", "error", warning=True, locale="ar")
    fails("dizziness", "دوخة", "wrong-script", "error", warning=True, locale="es")
    fails("dizziness", "xuanyun", "wrong-script", "error", warning=True, locale="zh_Hans")
    fails("dizziness", "12", "wrong-script", "error", warning=True)
    # Only warnings; and where the English has no word there is nothing to write.
    passes("Herniated disks", "hernia", locale="ar")
    passes("112", "112", warning=True, locale="ar")


def test_skeleton() -> None:
    english = checks.skeleton("Loss of vision")
    look_alikes = [
        "loss of vision.",
        "LOSS  OF\u00a0VISION",
        "Lоss оf visiоn",  # Cyrillic о
        "ｌｏｓｓ ｏｆ ｖｉｓｉｏｎ",
        "lo\u200bss of vi\u00adsion",
        "Lοss οf visiοn",  # Greek ο
        "\u0301loss of vision",  # a lone combining mark
    ]
    for look_alike in look_alikes:
        assert checks.skeleton(look_alike) == english, look_alike
    assert checks.skeleton("pérdida de la visión") != english
    assert checks.skeleton("lóss of visión") != english  # accents stay, as in UTS #39
    assert checks.skeleton("1,5 mg") != checks.skeleton("15 mg")


def test_unchanged_against_every_unit_of_the_article() -> None:
    article_english = checks._english(
        (("a", "dizziness"), ("b", "loss of vision"), ("c", "112")), "en"
    )
    one = entry("loss of vision", "dizziness", warning=True)
    one.english = article_english
    (finding,) = checks.unchanged(one)
    assert "English of unit 'a'" in finding.message
    one = entry("loss of vision", "mareo", warning=True)
    one.english = article_english
    assert list(checks.unchanged(one)) == []


def test_same_as_source_waiver() -> None:
    confirmed = (checks.SAME_AS_SOURCE,)
    passes("fatigue", "fatigue.", warning=True, locale="fr", comments=confirmed)
    found = check_translation(
        entry("fatigue", "fatigue", warning=True, locale="ar", comments=confirmed)
    )
    assert ("unchanged", "error") in codes(found) and ("wrong-script", "error") in codes(found)
    lead = entry("fatigue", "fatigue", locale="fr", comments=confirmed)
    lead.unit = dataclasses.replace(lead.unit, kind=UnitKind.WARNING_LEAD, warning_id="w")
    assert codes(check_translation(lead)) == [("unchanged", "error")]
    assert checks.waived(entry("fatigue", "fatigue", locale="fr", comments=confirmed))
    assert not checks.waived(entry("fatigue", "fatiga", locale="fr", comments=confirmed))


def test_numbers_cost_is_bounded() -> None:
    flood = "1," * 200_000 + "1"
    found = fails("Vitamin B12", flood, "numbers", "error")
    assert len(found.message) <= checks.MAX_MESSAGE
    assert len(checks.numbers_in(flood, 50)) == 50
    found = fails("take 1 tablet", "tome 2 " + "3 " * 50, "numbers", "error")
    assert "... and 41 more" in found.message and len(found.message) <= checks.MAX_MESSAGE


def test_messages_are_bounded() -> None:
    found = fails("Treatment", "Tratamiento <b>" + "<i>" * 10_000, "markup", "error")
    assert len(found.message) <= checks.MAX_MESSAGE and "more" in found.message
    assert checks.bounded("x" * 1000) == "x" * (checks.MAX_MESSAGE - 1) + "…"


@pytest.mark.parametrize("warning", [False, True])
@pytest.mark.parametrize("locale", ["es", "ar", "en_GB"])
@pytest.mark.parametrize(
    ("source", "translation"),
    [
        ("Loss of vision", "Loss of vision"),  # unchanged
        ("Loss of vision", "112"),  # no letter of the locale's script
        ("Seek help now if you feel dizzy.", "Procure ajuda agora se sentir tonturas."),
    ],
)
def test_checks_left_out_of_a_file_could_find_nothing_there(
    source: str, translation: str, locale: str, warning: bool
) -> None:
    """``checks_for`` leaves a check out only where its own first test would stop it."""
    found = entry(source, translation, warning=warning, locale=locale)
    chosen = checks.checks_for(found.context, False, warning)
    for check in checks.TRANSLATION_CHECKS:
        if check not in chosen:
            assert list(check(found)) == [], check.__name__
    assert set(chosen) <= set(checks.TRANSLATION_CHECKS)
