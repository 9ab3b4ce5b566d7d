"""wrong-language: the offline detector on real-language text, its thresholds, its
precision on the shipped translations, and through the CLI."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog

from benchmarks import langid_precision
from pipeline import langid
from pipeline.project import Project
from tests.test_gate import LEAD, PARAGRAPH, URGENT, edit_po, entry, msgid_line

Run = Callable[..., tuple[int, str, str]]
REPO = Path(__file__).resolve().parent.parent
LANGUAGES = ("ar", "de", "en", "es", "fr", "pt", "zh")
"""The shipped project's languages."""

ES = (
    "Debe buscar atención médica inmediata si el entumecimiento de las piernas se "
    "acompaña de mareo."
)
PT = (
    "Você deve procurar ajuda médica imediatamente se a dormência nas pernas vier "
    "acompanhada de falta de ar, tontura, perda de coordenação, perda da fala, fadiga e "
    "perda da visão."
)
FR = "Vous devez consulter un médecin si votre engourdissement dure plus de quelques minutes."
DE = "Sprechen Sie mit einer Ärztin oder einem Arzt, wenn Ihr Taubheitsgefühl länger anhält."
AR = "ينبغي عليك استشارة الطبيب إذا استمر الخدر أكثر من بضع دقائق."
ZH = "如果腿部麻木同时伴有呼吸困难、头晕、协调能力丧失、言语能力丧失、乏力和视力丧失，应立即就医。"
EN = "You should talk to a doctor if your numbness lasts more than a few minutes."


@pytest.mark.parametrize(
    ("text", "own"), [(ES, "es"), (PT, "pt"), (FR, "fr"), (DE, "de"), (AR, "ar"), (ZH, "zh")]
)
def test_a_translation_in_its_own_language_passes(text: str, own: str) -> None:
    assert langid.other_language(text, own, LANGUAGES) is None


@pytest.mark.parametrize(
    ("text", "own", "other"),
    [
        (PT, "es", "pt"),  # Portuguese pasted into the Spanish file
        (ES, "pt", "es"),
        (FR, "es", "fr"),
        (DE, "fr", "de"),
        (EN, "de", "en"),  # the English left in place, a word changed
        (EN, "ar", "en"),
        (ES, "zh", "es"),
        (ZH, "ar", "zh"),
    ],
)
def test_a_translation_in_another_language_fails(text: str, own: str, other: str) -> None:
    assert langid.other_language(text, own, LANGUAGES) == other


@pytest.mark.parametrize(
    "text",
    [
        "mareo",  # a detector that knows every language calls it Swahili
        "fatiga",
        "dificultad para respirar",
        "pérdida de la visión",
        "头晕",
        "乏力和视力丧失",
        "[!! Şëvërë ñümbñëšš öƒ ţĥë ļëĝš čäñ ƀë ä šîĝñ öƒ šţŕöķë !!]",  # pseudo text
    ],
)
def test_short_terms_and_pseudo_text_are_not_judged(text: str) -> None:
    assert not langid.judgeable(text)
    assert langid.other_language(text, "de", LANGUAGES) is None


def test_only_the_project_languages_are_candidates() -> None:
    assert langid.candidates(("en", "es", "pt_BR", "zh_Hans", "qps_ploc", "es_MX")) == (
        "en",
        "es",
        "pt",
        "zh",
    )
    assert langid.language_of("qps_ploc") is None
    # Italian is no candidate of this project: Spanish or Portuguese may not be flagged
    # as Italian, and an Italian text is judged among the project's languages only.
    assert langid.other_language(ES, "es", ("en", "es", "pt")) is None


def test_precision_on_the_shipped_translations() -> None:
    """Each shipped translation judged as its own locale's and as every other's."""
    score = langid_precision.measure(Project(REPO).load())
    assert score.false_positive == 0
    assert score.precision == 1.0
    assert score.recall >= 0.95
    assert score.true_positive > 400 and score.true_negative > 80


# -- through the CLI ------------------------------------------------------------------------
def test_portuguese_pasted_into_the_spanish_lead_withholds_spanish(
    project_copy: Path, run: Run
) -> None:
    def paste(catalog: Catalog) -> None:
        entry(catalog, LEAD).string = PT.replace("falta de ar", "dificultad para respirar")

    edit_po(project_copy, "es", paste)
    code, out, _ = run(project_copy, "check", "--format", "json", "--locale", "es")
    assert code == 1
    wrong = [f for f in json.loads(out)["findings"] if f["code"] == "wrong-language"]
    assert [(f["line"], f["severity"]) for f in wrong] == [
        (msgid_line(project_copy, "es", LEAD), "error")
    ]
    assert "Portuguese" in wrong[0]["message"]


def test_wrong_language_in_a_red_flag_is_an_error(project_copy: Path, run: Run) -> None:
    def paste(catalog: Catalog) -> None:
        entry(catalog, URGENT).string = "Você deve falar com um médico se a dormência durar mais."

    edit_po(project_copy, "fr", paste)
    code, out, _ = run(project_copy, "check", "--format", "json", "--locale", "fr")
    assert code == 1
    wrong = [f for f in json.loads(out)["findings"] if f["code"] == "wrong-language"]
    assert [(f["line"], f["severity"]) for f in wrong] == [
        (msgid_line(project_copy, "fr", URGENT), "error")
    ]


def test_a_paragraph_in_another_language_is_not_used(project_copy: Path, run: Run) -> None:
    """Outside the warnings, a wrong-language unit is a warning and its text is not used:
    the page would show the English, and the unit does not count toward completion."""

    def paste(catalog: Catalog) -> None:
        entry(
            catalog, PARAGRAPH
        ).string = "O tratamento da dormência nas pernas depende das causas."

    edit_po(project_copy, "fr", paste)
    code, out, _ = run(project_copy, "check", "--format", "json", "--locale", "fr")
    findings = json.loads(out)["findings"]
    wrong = [f for f in findings if f["code"] == "wrong-language"]
    assert [(f["line"], f["severity"]) for f in wrong] == [
        (msgid_line(project_copy, "fr", PARAGRAPH), "warning")
    ]
    # fr asks for 100% of the other text: the unusable paragraph withholds it.
    assert code == 1 and [f["code"] for f in findings if f["severity"] == "error"] == ["completion"]
