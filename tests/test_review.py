"""Tests for clinician sign-off: fingerprints, reviews.yaml, review states, the gate's
review condition, ``careloc review``, and the whole sign / change / re-sign lifecycle."""

from __future__ import annotations

import hashlib
import io
import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from babel.messages.catalog import Catalog

from pipeline.errors import ContentError, UsageError
from pipeline.gate import evaluate
from pipeline.model import Finding
from pipeline.pofile import read_po, render_po
from pipeline.project import Project
from pipeline.review import (
    REVIEWS_FILE,
    ReviewCounts,
    ReviewState,
    SignOff,
    fingerprint,
    load_reviews,
    parse_reviews,
    render_reviews,
    review_state,
)
from pipeline.signing import sign

DATA = Path(__file__).parent / "data" / "reviews"
SCHEMA = Path(__file__).parent.parent / "schemas" / "reviews.schema.json"
ARTICLE = "numbness-of-the-legs"
LEAD = "treatment/see-a-doctor"
EMERGENCY = "seek-immediate-help"
WARNING_UNITS = 9  # 3 leads + 6 red flags in the shipped article

Run = Callable[..., tuple[int, str, str]]


# -- helpers ---------------------------------------------------------------------------------
def po_path(root: Path, code: str) -> Path:
    return root / "locales" / code / "LC_MESSAGES" / f"{ARTICLE}.po"


def reviews_file(root: Path, code: str = "es") -> Path:
    return root / "locales" / code / REVIEWS_FILE


def edit_po(root: Path, code: str, change: Callable[[Catalog], None]) -> None:
    path = po_path(root, code)
    catalog = read_po(path.read_bytes(), str(path))
    change(catalog)
    path.write_bytes(render_po(catalog))


def set_entry(key: str, *, string: str | None = None, fuzzy: bool | None = None) -> Callable:
    def change(catalog: Catalog) -> None:
        message = next(m for m in catalog if m.context == key)
        if string is not None:
            message.string = string
        if fuzzy is True:
            message.flags.add("fuzzy")
        elif fuzzy is False:
            message.flags.discard("fuzzy")
            message.previous_id = []

    return change


def require_review(root: Path, code: str = "es") -> None:
    """Turn on ``require_review`` for one locale in locales/locales.yaml."""
    config = root / "locales" / "locales.yaml"
    text = config.read_text(encoding="utf-8")
    old = f"  - code: {code}\n    status: published\n"
    assert old in text
    config.write_text(text.replace(old, old + "    require_review: true\n"), encoding="utf-8")


def where(finding: Finding) -> tuple[str, int | None]:
    """(path, line) of a finding that must have a location."""
    assert finding.location is not None, finding
    return finding.location.path, finding.location.line


def po_line(root: Path, code: str, key: str) -> int:
    """The line of the ``msgid`` of the entry with msgctxt ``key`` (where findings point)."""
    lines = po_path(root, code).read_text(encoding="utf-8").splitlines()
    ctxt = next(i for i, line in enumerate(lines, 1) if line == f'msgctxt "{key}"')
    assert lines[ctxt].startswith("msgid ")
    return ctxt + 1


# -- fingerprints and states -----------------------------------------------------------------
def test_fingerprint_is_the_sha256_of_exactly_the_utf8_text() -> None:
    assert fingerprint("mareo") == hashlib.sha256(b"mareo").hexdigest()
    assert fingerprint("Zoë") == hashlib.sha256("Zoë".encode()).hexdigest()
    # Any change at all, even one space, is a different text that nobody reviewed.
    assert fingerprint("mareo") != fingerprint("mareo ")
    assert fingerprint("mareo") != fingerprint("Mareo")


def test_review_state_lapses_when_either_text_changes() -> None:
    signoff = SignOff("Dr. A", "2026-11-25", fingerprint("dizziness"), fingerprint("mareo"))
    assert review_state(None, "dizziness", "mareo") is ReviewState.UNREVIEWED
    assert review_state(signoff, "dizziness", "mareo") is ReviewState.REVIEWED
    assert review_state(signoff, "dizziness!", "mareo") is ReviewState.STALE
    assert review_state(signoff, "dizziness", "vértigo") is ReviewState.STALE
    # No usable translation (fuzzy, untranslated): nothing valid was reviewed.
    assert review_state(signoff, "dizziness", None) is ReviewState.STALE


def test_review_counts_summarise_the_states() -> None:
    counts = ReviewCounts.of(
        [ReviewState.REVIEWED, ReviewState.STALE, ReviewState.UNREVIEWED, ReviewState.REVIEWED]
    )
    assert (counts.reviewed, counts.stale, counts.unreviewed, counts.total) == (2, 1, 1, 4)
    assert counts.summary == "stale"
    assert ReviewCounts(3, 0, 0).summary == "reviewed"
    assert ReviewCounts(0, 0, 3).summary == "unreviewed"
    assert ReviewCounts(1, 0, 2).summary == "partial"


# -- the file --------------------------------------------------------------------------------
def test_valid_file_is_read_with_the_line_of_each_entry() -> None:
    reviews = parse_reviews((DATA / "valid.yaml").read_bytes(), "valid.yaml", "es", SCHEMA)
    signoff = reviews.get(ARTICLE, "symptoms/seek-immediate-help")
    assert signoff is not None
    assert signoff.reviewer == "Dr. Zoë Müller: neurology"
    assert signoff.date == "2026-11-25"
    assert signoff.location is not None and signoff.location.line == 4
    assert reviews.get(ARTICLE, "symptoms/seek-immediate-help/dizziness") is None


@pytest.mark.parametrize(
    ("name", "code", "line"),
    [
        ("short-sha.yaml", "schema", 7),
        ("unknown-key.yaml", "unknown-key", 6),
        ("bad-date.yaml", "schema", 4),
        ("duplicate-key.yaml", "yaml-duplicate-key", 8),
        ("missing-field.yaml", "schema", 4),
        ("bad-unit-key.yaml", "schema", 3),
        ("syntax.yaml", "yaml-syntax", 4),
        ("boolean-reviewer.yaml", "not-text", 5),
        ("empty.yaml", "yaml-empty", 1),
    ],
)
def test_broken_files_are_refused_with_their_line(name: str, code: str, line: int) -> None:
    with pytest.raises(ContentError) as caught:
        parse_reviews((DATA / name).read_bytes(), name, "es", SCHEMA)
    finding = caught.value.findings[0]
    assert (finding.code, *where(finding)) == (code, name, line)
    assert finding.format().startswith(f"{name}:{line}:")


def test_written_file_is_sorted_stable_and_reads_back() -> None:
    entries = {
        (ARTICLE, "b/warning"): SignOff("no", "2026-11-25", "a" * 64, "b" * 64),
        (ARTICLE, "a/warning/flag"): SignOff("Dr. Zoë: ER", "2026-11-24", "c" * 64, "d" * 64),
        ("another-article", "x/y"): SignOff("Dr. B", "2026-11-23", "e" * 64, "f" * 64),
    }
    text = render_reviews(entries, "es")
    assert text == render_reviews(dict(reversed(entries.items())), "es")
    assert text.decode().index("a/warning/flag") < text.decode().index("b/warning")
    assert text.decode().index("another-article") < text.decode().index(ARTICLE)
    assert "Zoë" in text.decode()  # readable in a diff, not \u-escaped
    data = yaml.safe_load(text)
    assert data["reviews"][ARTICLE]["b/warning"]["reviewer"] == "no"  # stays text
    back = parse_reviews(text, "reviews.yaml", "es", SCHEMA)
    assert back.entries == entries


# -- signing ---------------------------------------------------------------------------------
def test_sign_records_every_warning_unit(project_copy: Path) -> None:
    project = Project(project_copy).load()
    result = sign(project, "es", "Dr. Ana García", date="2026-11-25")
    assert result.changed and len(result.signed) == WARNING_UNITS
    reviews = load_reviews(project, "es")
    article = project.article(ARTICLE)
    verdict = evaluate(project, project.config.policy("es"), article)  # type: ignore[arg-type]
    for unit in article.warning_units():
        signoff = reviews.get(ARTICLE, unit.key)
        assert signoff is not None and signoff.reviewer == "Dr. Ana García"
        assert signoff.source_sha256 == fingerprint(unit.text)
        assert signoff.translation_sha256 == fingerprint(verdict.translations[unit.key])
    assert set(verdict.reviews.values()) == {ReviewState.REVIEWED}


def test_signing_again_changes_nothing(project_copy: Path) -> None:
    project = Project(project_copy).load()
    sign(project, "es", "Dr. A", date="2026-11-25")
    path = reviews_file(project_copy)
    before = path.stat()
    again = sign(Project(project_copy).load(), "es", "Dr. A", date="2026-11-25")
    assert not again.changed
    assert path.stat().st_mtime_ns == before.st_mtime_ns
    # Re-signing by someone else (or on another day) replaces the entry.
    other = sign(Project(project_copy).load(), "es", "Dr. B", date="2026-11-26", selectors=[LEAD])
    assert other.changed and other.signed == (f"{ARTICLE}/{LEAD}",)
    reviews = load_reviews(Project(project_copy).load(), "es")
    assert reviews.get(ARTICLE, LEAD) is not None
    assert reviews.get(ARTICLE, LEAD).reviewer == "Dr. B"  # type: ignore[union-attr]
    assert len(reviews.entries) == WARNING_UNITS


def test_date_honours_source_date_epoch(
    project_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 2023-11-14T22:13:20Z
    sign(Project(project_copy).load(), "es", "Dr. A", selectors=[LEAD])
    assert "date: '2023-11-14'" in reviews_file(project_copy).read_text(encoding="utf-8")


def test_selectors_pick_a_unit_or_a_whole_warning(project_copy: Path) -> None:
    project = Project(project_copy).load()
    whole = sign(project, "es", "Dr. A", selectors=[EMERGENCY])
    assert len(whole.signed) == 7  # the lead and its six red flags
    assert all("/seek-immediate-help" in s for s in whole.signed)
    one = sign(project, "fr", "Dr. A", selectors=[f"symptoms/{EMERGENCY}/dizziness"])
    assert one.signed == (f"{ARTICLE}/symptoms/{EMERGENCY}/dizziness",)


@pytest.mark.parametrize(
    ("selector", "message"),
    [
        ("dizziness", "no urgent-care warning or warning unit 'dizziness'"),
        ("symptoms/intro", "not part of an urgent-care warning"),
        ("title", "not part of an urgent-care warning"),
    ],
)
def test_selectors_that_name_no_warning_unit_are_usage_errors(
    project_copy: Path, selector: str, message: str
) -> None:
    with pytest.raises(UsageError) as caught:
        sign(Project(project_copy).load(), "es", "Dr. A", selectors=[selector])
    assert message in caught.value.findings[0].message
    assert not reviews_file(project_copy).exists()


def test_fuzzy_unit_is_refused_and_nothing_is_written(project_copy: Path) -> None:
    edit_po(project_copy, "es", set_entry(LEAD, fuzzy=True))
    with pytest.raises(ContentError) as caught:
        sign(Project(project_copy).load(), "es", "Dr. A")
    [refusal] = caught.value.findings
    assert refusal.code == "review-refused" and "[fuzzy]" in refusal.message
    assert where(refusal) == (
        f"locales/es/LC_MESSAGES/{ARTICLE}.po",
        po_line(project_copy, "es", LEAD),
    )
    assert not reviews_file(project_copy).exists()


def test_unit_failing_a_check_is_refused(project_copy: Path) -> None:
    # A dropped number in a warning: the gate would not publish it, nobody may sign it.
    edit_po(
        project_copy,
        "es",
        set_entry(LEAD, string="Consulte a un médico si el entumecimiento dura 5 minutos."),
    )
    with pytest.raises(ContentError) as caught:
        sign(Project(project_copy).load(), "es", "Dr. A", selectors=[LEAD])
    assert [f.code for f in caught.value.findings] == ["review-refused"]
    assert "[numbers]" in caught.value.findings[0].message


def test_incomplete_red_flag_list_is_refused_once_for_the_warning(project_copy: Path) -> None:
    # Without the termbase, which would also refuse "mareos" for "fatigue".
    (project_copy / "locales" / "es" / "glossary.tbx").unlink()
    edit_po(project_copy, "es", set_entry(f"symptoms/{EMERGENCY}/fatigue", string="mareos"))
    edit_po(project_copy, "es", set_entry(f"symptoms/{EMERGENCY}/dizziness", string="mareos"))
    with pytest.raises(ContentError) as caught:
        sign(Project(project_copy).load(), "es", "Dr. A", selectors=[EMERGENCY])
    messages = [f.message for f in caught.value.findings]
    assert len(messages) == 1 and "[item-count]" in messages[0]
    assert f"warning '{EMERGENCY}'" in messages[0]


# -- the gate's review condition -------------------------------------------------------------
def test_required_review_withholds_until_signed(project_copy: Path) -> None:
    require_review(project_copy)
    project = Project(project_copy).load()
    policy = project.config.policy("es")
    assert policy is not None
    verdict = evaluate(project, policy, project.article(ARTICLE))
    missing = [f for f in verdict.findings if f.code == "review-missing"]
    assert len(missing) == WARNING_UNITS and all(f.is_error for f in missing)
    assert not verdict.publishable and verdict.warnings_ok
    line = po_line(project_copy, "es", LEAD)
    assert any(where(f)[1] == line for f in missing if f"'{LEAD}'" in f.message)
    sign(project, "es", "Dr. A")
    assert evaluate(project, policy, project.article(ARTICLE)).publishable


def test_stale_sign_off_is_a_warning_where_review_is_not_required(project_copy: Path) -> None:
    sign(Project(project_copy).load(), "es", "Dr. A", selectors=[LEAD])
    reworded = (
        "Busque atención médica inmediata si el entumecimiento de las piernas se acompaña "
        "de dificultad para respirar, mareo, pérdida de coordinación, pérdida del habla, "
        "fatiga y pérdida de la visión."
    )
    edit_po(project_copy, "es", set_entry(LEAD, string=reworded))
    project = Project(project_copy).load()
    policy = project.config.policy("es")
    assert policy is not None and not policy.require_review
    verdict = evaluate(project, policy, project.article(ARTICLE))
    [stale] = [f for f in verdict.findings if f.code == "review-stale"]
    assert not stale.is_error and verdict.publishable
    assert "the translation changed" in stale.message
    path, line = where(stale)
    assert path == "locales/es/reviews.yaml" and line is not None
    assert not any(f.code == "review-missing" for f in verdict.findings)


def test_broken_reviews_file_is_reported_with_its_line(project_copy: Path, run: Run) -> None:
    require_review(project_copy)
    reviews_file(project_copy).write_bytes((DATA / "short-sha.yaml").read_bytes())
    code, out, err = run(project_copy, "check", "--locale", "es")
    assert code == 1 and "Traceback" not in err
    assert "locales/es/reviews.yaml:7:27: error: [schema]" in out
    # Where review is not required, a broken file is only a warning.
    reviews_file(project_copy, "fr").write_bytes((DATA / "syntax.yaml").read_bytes())
    code, out, _ = run(project_copy, "check", "--locale", "fr")
    assert code == 0 and "locales/fr/reviews.yaml:4:1: warning: [yaml-syntax]" in out


# -- the command line ------------------------------------------------------------------------
def test_cli_signs_and_reports(project_copy: Path, run: Run) -> None:
    code, out, err = run(project_copy, "review", "es", "--reviewer", "Dr. Ana García", "--yes")
    assert code == 0, err
    assert f"signed off {WARNING_UNITS} warning unit(s) in locales/es/reviews.yaml" in out
    code, out, _ = run(project_copy, "review", "es", "--reviewer", "Dr. Ana García", "--yes")
    assert code == 0 and "unchanged" in out


def test_cli_refuses_untranslated_units_with_file_and_line(project_copy: Path, run: Run) -> None:
    # The shipped Brazilian Portuguese draft has untranslated and fuzzy warning units.
    code, out, err = run(project_copy, "review", "pt_BR", "--reviewer", "Dr. A")
    assert code == 1 and out == ""
    path = f"locales/pt_BR/LC_MESSAGES/{ARTICLE}.po"
    assert f"{path}:{po_line(project_copy, 'pt_BR', LEAD)}: error: [review-refused]" in err
    assert "[untranslated]" in err and "[fuzzy]" in err
    assert "Traceback" not in err
    assert not reviews_file(project_copy, "pt_BR").exists()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["review", "xx", "--reviewer", "Dr. A"], "[unknown-locale]"),
        (["review", "es", "--reviewer", ""], "[bad-reviewer]"),
        (["review", "es", "--reviewer", "Dr. A\nEvil"], "[bad-reviewer]"),
        (["review", "es", "--reviewer", "Dr. A", "--article", "nope"], "[unknown-article]"),
        (["review", "es", "--reviewer", "Dr. A", "--unit", "symptoms/intro"], "[unknown-unit]"),
        (["review", "es"], "--reviewer"),
    ],
)
def test_cli_usage_errors_exit_2(
    project_copy: Path, run: Run, args: list[str], message: str
) -> None:
    code, _, err = run(project_copy, *args)
    assert code == 2 and message in err
    assert not reviews_file(project_copy).exists()


@pytest.mark.slow
def test_whole_lifecycle(project_copy: Path, run: Run) -> None:
    """Sign, publish, change the English warning, update (fuzzy, review stale),
    retranslate, re-sign, publish: all through the command line."""
    root = project_copy
    require_review(root)
    manifest = root / "dist" / "manifest.json"

    def published() -> bool:
        return bool(json.loads(manifest.read_bytes())["locales"]["es"]["published"])

    def status() -> dict[str, object]:
        code, out, _ = run(root, "status", "--locale", "es", "--format", "json")
        assert code == 0
        article: dict[str, object] = json.loads(out)["locales"][0]["articles"][0]
        return article

    # 1. Review is required: without sign-offs Spanish is withheld.
    code, out, _ = run(root, "check", "--locale", "es")
    assert code == 1 and out.count("[review-missing]") == WARNING_UNITS
    assert run(root, "build", "--locale", "es")[0] == 1 and not published()

    # 2. A clinician signs off; Spanish publishes.
    assert run(root, "review", "es", "--reviewer", "Dr. Ana García", "--yes")[0] == 0
    assert status()["review"] == {
        "reviewed": WARNING_UNITS,
        "stale": 0,
        "unreviewed": 0,
        "required": True,
    }
    assert run(root, "check", "--locale", "es")[0] == 0
    assert run(root, "build", "--locale", "es")[0] == 0 and published()
    signed = reviews_file(root).read_bytes()

    # 3. The editors change the English of a warning; templates and PO files follow.
    source = root / "source" / f"{ARTICLE}.yaml"
    old = "lead: You should talk to a doctor if your numbness lasts more than a few minutes."
    new = "lead: You should talk to a doctor if your numbness lasts more than 10 minutes."
    text = source.read_text(encoding="utf-8")
    assert old in text
    source.write_text(text.replace(old, new), encoding="utf-8")
    assert run(root, "extract")[0] == 0
    assert run(root, "update", "--locale", "es")[0] == 0

    # 4. The Spanish entry is fuzzy (the old English kept for the translator), the
    #    sign-off is stale, the gate withholds Spanish, and nobody can sign it now.
    catalog = read_po(po_path(root, "es").read_bytes(), "es.po")
    entry = next(m for m in catalog if m.context == LEAD)
    assert entry.fuzzy and entry.previous_id and "a few minutes" in entry.previous_id[0]
    state = status()
    assert state["fuzzy"] == 1 and state["publishable"] is False
    assert state["review"]["stale"] == 1  # type: ignore[index]
    code, out, _ = run(root, "check", "--locale", "es")
    assert code == 1 and "[fuzzy]" in out and "[review-stale]" in out
    assert "the English changed" in out
    assert run(root, "build", "--locale", "es")[0] == 1 and not published()
    code, _, err = run(root, "review", "es", "--reviewer", "Dr. Ana García")
    assert code == 1 and "[review-refused]" in err and "[fuzzy]" in err
    assert reviews_file(root).read_bytes() == signed

    # 5. The translator retranslates and clears the fuzzy flag: still stale until reviewed.
    edit_po(
        root,
        "es",
        set_entry(
            LEAD,
            string="Debe consultar a un médico si el entumecimiento dura más de 10 minutos.",
            fuzzy=False,
        ),
    )
    code, out, _ = run(root, "check", "--locale", "es")
    assert code == 1 and "[review-stale]" in out and "[fuzzy]" not in out
    assert run(root, "build", "--locale", "es")[0] == 1 and not published()

    # 6. The clinician signs off the new text; Spanish publishes again.
    code, out, _ = run(
        root, "review", "es", "--reviewer", "Dr. Luis Pérez", "--unit", LEAD, "--yes"
    )
    assert code == 0 and "signed off 1 warning unit(s)" in out
    assert status()["review"]["reviewed"] == WARNING_UNITS  # type: ignore[index]
    assert run(root, "check", "--locale", "es")[0] == 0
    assert run(root, "build", "--locale", "es")[0] == 0 and published()
    page = (root / "dist" / "es" / f"{ARTICLE}.html").read_text(encoding="utf-8")
    assert "más de 10 minutos" in page
    reviews = yaml.safe_load(reviews_file(root).read_text(encoding="utf-8"))["reviews"][ARTICLE]
    assert reviews[LEAD]["reviewer"] == "Dr. Luis Pérez"
    assert reviews[f"symptoms/{EMERGENCY}"]["reviewer"] == "Dr. Ana García"


def test_hostile_reviews_files_are_refused(project_copy: Path, run: Run) -> None:
    path = reviews_file(project_copy)
    path.write_bytes(b"reviews:\n  x: '" + b"a" * (3 * 1024 * 1024) + b"'\n")
    code, _, err = run(project_copy, "review", "es", "--reviewer", "Dr. A")
    assert code == 1 and "locales/es/reviews.yaml:2: error: [too-large]" in err
    outside = project_copy.parent / "elsewhere.yaml"
    outside.write_bytes((DATA / "valid.yaml").read_bytes())
    path.unlink()
    path.symlink_to(outside)
    code, _, err = run(project_copy, "review", "es", "--reviewer", "Dr. A")
    assert code == 1 and "[outside-project]" in err and "Traceback" not in err
    assert outside.read_bytes() == (DATA / "valid.yaml").read_bytes()


# -- what the clinician sees before signing -------------------------------------------------
class Terminal(io.StringIO):
    """Standard input as a terminal on which the reviewer types ``answer``."""

    def isatty(self) -> bool:
        return True


def on_terminal(monkeypatch: pytest.MonkeyPatch, answer: str) -> None:
    monkeypatch.setattr(sys, "stdin", Terminal(answer))


SPANISH_LEAD = "Debe consultar a un médico si el entumecimiento dura más de unos minutos."


def test_review_shows_english_and_translation_and_asks_on_a_terminal(
    project_copy: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    on_terminal(monkeypatch, "y\n")
    code, out, err = run(project_copy, "review", "es", "--reviewer", "Dr. A", "--unit", LEAD)
    assert code == 0, err
    english = "You should talk to a doctor if your numbness lasts more than a few minutes."
    spanish = next(
        m.string
        for m in read_po(po_path(project_copy, "es").read_bytes(), "es.po")
        if m.context == LEAD
    )
    assert f"[1/1] {ARTICLE}: {LEAD} (urgent warning, lead)" in out
    assert f"  English | {english}" in out.replace("\n          | ", " ")
    assert f"  es      | {spanish}" in out.replace("\n          | ", " ")
    assert "not signed off before" in out
    assert "Sign off these 1 unit(s) as Dr. A? [y/N]" in out
    assert "signed off 1 warning unit(s)" in out and reviews_file(project_copy).exists()


def test_review_shows_what_changed_since_the_last_sign_off(project_copy: Path, run: Run) -> None:
    assert run(project_copy, "review", "es", "--reviewer", "Dr. A", "--yes")[0] == 0
    edit_po(project_copy, "es", set_entry(LEAD, string=SPANISH_LEAD))
    code, out, err = run(project_copy, "review", "es", "--reviewer", "Dr. B", "--yes")
    assert code == 0, err
    today = yaml.safe_load(reviews_file(project_copy).read_text())["reviews"][ARTICLE]
    date = today[f"symptoms/{EMERGENCY}"]["date"]
    assert out.count(f"signed off by Dr. A on {date}; unchanged since") == WARNING_UNITS - 1
    assert f"signed off by Dr. A on {date}; since then the translation changed" in out


def test_review_declined_on_the_terminal_writes_nothing(
    project_copy: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    on_terminal(monkeypatch, "n\n")
    code, out, err = run(project_copy, "review", "es", "--reviewer", "Dr. A")
    assert code == 1
    assert out.count("  English | ") == WARNING_UNITS
    assert "nothing signed" in err and not reviews_file(project_copy).exists()


def test_review_without_a_terminal_needs_yes(project_copy: Path, run: Run) -> None:
    # pytest's standard input is not a terminal, as in CI or a script.
    code, out, err = run(project_copy, "review", "es", "--reviewer", "Dr. A")
    assert code == 2
    assert "error: [review-unconfirmed]" in err and "--yes" in err
    assert out.count("  English | ") == WARNING_UNITS  # what it would have signed
    assert not reviews_file(project_copy).exists()


def test_review_text_writes_control_characters_out() -> None:
    from pipeline.model import Location, Unit, UnitKind
    from pipeline.report import review_text
    from pipeline.signing import Proposal

    unit = Unit("s/w", UnitKind.WARNING_LEAD, "Call 999.", Location("x"), "w")
    text = review_text([Proposal(ARTICLE, unit, "Llame\x1b[2K al 112.", None)], "es")
    assert "\x1b" not in text and "Llame\\x1b[2K al 112." in text
