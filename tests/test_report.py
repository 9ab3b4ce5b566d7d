"""Status counts (msgfmt as referee), report formats, and `careloc check` / `status` end to end."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline.gate import CheckResult, Stats, evaluate_all
from pipeline.model import Finding, FindingSeverity, Location
from pipeline.pofile import read_po, render_po
from pipeline.project import Project
from pipeline.report import (
    findings_github,
    findings_json,
    github_annotation,
    github_summary,
    status_data,
    status_text,
)

DATA = Path(__file__).parent / "data" / "po"
ARTICLE = "numbness-of-the-legs"
Run = Callable[..., tuple[int, str, str]]


def po_path(root: Path, code: str) -> Path:
    return root / "locales" / code / "LC_MESSAGES" / f"{ARTICLE}.po"


# -- msgfmt as referee ----------------------------------------------------------------------
def msgfmt_statistics(path: Path) -> dict[str, int]:
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.skip("GNU msgfmt is not installed")
    result = subprocess.run(
        [msgfmt, "--statistics", "-o", os.devnull, str(path)],
        capture_output=True,
        text=True,
        env={**os.environ, "LC_ALL": "C", "LANGUAGE": ""},
        check=True,
    )
    counts = {}
    for key, pattern in (
        ("translated", r"(\d+) translated message"),
        ("fuzzy", r"(\d+) fuzzy translation"),
        ("untranslated", r"(\d+) untranslated message"),
    ):
        match = re.search(pattern, result.stderr)
        counts[key] = int(match.group(1)) if match else 0
    assert "translated message" in result.stderr, result.stderr
    return counts


def obsolete_entries(path: Path) -> int:
    return sum(
        1 for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("#~ msgid ")
    )


def agrees(stats: Stats, path: Path) -> None:
    expected = msgfmt_statistics(path)
    assert (stats.translated, stats.fuzzy, stats.untranslated) == (
        expected["translated"],
        expected["fuzzy"],
        expected["untranslated"],
    ), path
    assert stats.total == sum(expected.values())
    assert stats.obsolete == obsolete_entries(path)


@pytest.mark.parametrize("name", ["stats-mixed.po", "stats-untranslated.po"])
def test_counts_agree_with_msgfmt_on_fixtures(name: str) -> None:
    path = DATA / name
    stats = Stats.of(read_po(path.read_bytes(), name))
    agrees(stats, path)
    assert stats.fuzzy + stats.untranslated + stats.obsolete > 0  # not a trivial file


def test_mixed_fixture_counts() -> None:
    """Fuzzy with an empty msgstr is untranslated; a plural counts by its first form."""
    stats = Stats.of(read_po((DATA / "stats-mixed.po").read_bytes(), "stats-mixed.po"))
    assert stats == Stats(total=7, translated=3, fuzzy=1, untranslated=3, obsolete=2)


def test_status_counts_agree_with_msgfmt_on_every_shipped_po(project_copy: Path) -> None:
    verdicts = evaluate_all(Project(project_copy).load())
    assert len(verdicts) >= 6
    for v in verdicts:
        agrees(v.stats, po_path(project_copy, v.policy.code))


def test_status_counts_agree_with_msgfmt_after_edits(project_copy: Path, run: Run) -> None:
    """Fuzzy, emptied and obsoleted entries in a shipped file, counted by both."""
    path = po_path(project_copy, "es")
    text = path.read_text(encoding="utf-8")
    text = text.replace('msgctxt "title"', '#, fuzzy\nmsgctxt "title"', 1)
    text = re.sub(r'(msgctxt "category"\nmsgid "Articles"\nmsgstr )"[^"]*"', r'\1""', text)
    text += '\n#~ msgctxt "gone"\n#~ msgid "Gone"\n#~ msgstr "Ido"\n'
    path.write_text(text, encoding="utf-8")
    code, out, _ = run(project_copy, "status", "--format", "json", "--locale", "es")
    assert code == 0
    counts = json.loads(out)["locales"][0]["articles"][0]
    expected = msgfmt_statistics(path)
    assert {k: counts[k] for k in expected} == expected
    assert expected["fuzzy"] == 1 and expected["untranslated"] == 1
    assert counts["obsolete"] == 1 and counts["total"] == sum(expected.values())


# -- status output ----------------------------------------------------------------------------
def test_status_json_has_exactly_the_spec_fields(project_copy: Path, run: Run) -> None:
    code, out, err = run(project_copy, "status", "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert list(data) == ["locales"]
    project = Project(project_copy).load()
    assert [loc["locale"] for loc in data["locales"]] == sorted(
        p.bcp47 for p in project.config.locales
    )
    for loc in data["locales"]:
        assert set(loc) == {"locale", "status", "articles"}
        assert loc["status"] in ("published", "draft")
        assert "_" not in loc["locale"]
        for art in loc["articles"]:
            assert set(art) == {
                "article", "total", "translated", "fuzzy", "untranslated", "obsolete",
                "warnings_ok", "publishable",
                "reasons",  # SPEC §6: the manifest's strings, empty when publishable
                "review",  # beyond SPEC §6: clinician sign-off counts (pipeline.review)
                "same_as_source",  # and the same-as-source confirmations in force
            }  # fmt: skip
            assert all(isinstance(key, str) for key in art["same_as_source"])
            assert set(art["review"]) == {"reviewed", "stale", "unreviewed", "required"}
            assert art["article"] == ARTICLE
            assert isinstance(art["warnings_ok"], bool) and isinstance(art["publishable"], bool)
            assert art["total"] == art["translated"] + art["fuzzy"] + art["untranslated"]
    pt = next(loc for loc in data["locales"] if loc["locale"] == "pt-BR")
    assert pt["status"] == "draft"


def test_status_text_is_an_aligned_table(project_copy: Path, run: Run) -> None:
    code, out, _ = run(project_copy, "status")
    assert code == 0
    lines = out.split("\n\n")[0].splitlines()  # the table; notes follow a blank line
    assert lines[0].split()[:3] == ["locale", "status", "article"]
    rows = [line for line in lines[1:] if not line.startswith("    why: ")]
    assert len(rows) == len(Project(project_copy).load().config.locales)
    # Right-aligned numbers end in the same column as their header.
    end = lines[0].index("total") + len("total")
    assert all(line[end - 1].isdigit() and line[end] == " " for line in rows)
    assert any(line.startswith("pt-BR ") and " draft " in line for line in lines)


def test_status_text_marks_failing_warnings(project_copy: Path) -> None:
    path = po_path(project_copy, "es")
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r'msgstr "mareo"', 'msgstr ""', text), encoding="utf-8")
    verdicts = evaluate_all(Project(project_copy).load(), ["es"])
    row = status_text(verdicts).splitlines()[1].split()
    assert row[-2:] == ["FAIL", "no"]
    assert status_data(verdicts)["locales"] == [
        {
            "locale": "es",
            "status": "published",
            "articles": [
                {
                    "article": ARTICLE,
                    "total": 36,
                    "translated": 35,
                    "fuzzy": 0,
                    "untranslated": 1,
                    "obsolete": 0,
                    "warnings_ok": False,
                    "publishable": False,
                    "reasons": [
                        f"{ARTICLE}: warning symptoms/seek-immediate-help/dizziness: untranslated",
                        f"{ARTICLE}: warning symptoms/seek-immediate-help: item-count",
                    ],
                    "review": {"reviewed": 0, "stale": 0, "unreviewed": 9, "required": False},
                    "same_as_source": [],
                }
            ],
        }
    ]


# -- findings output --------------------------------------------------------------------------
def finding(message: str = "m", path: str = "locales/es/LC_MESSAGES/a.po", **kw: object) -> Finding:
    return Finding(
        str(kw.get("code", "fuzzy")),
        FindingSeverity(str(kw.get("severity", "error"))),
        message,
        Location(path, kw.get("line", 7)),  # type: ignore[arg-type]
        kw.get("locale", "es"),  # type: ignore[arg-type]
        ARTICLE,
    )


def test_github_annotation_escapes_workflow_command_characters() -> None:
    line = github_annotation(finding("50% done\nnext: a, b", path="dir,x/a:b.po"))
    assert line == ("::error file=dir%2Cx/a%3Ab.po,line=7,title=[fuzzy]::50%25 done%0Anext: a, b")
    assert "\n" not in github_annotation(finding("a\r\nb"))
    warning = github_annotation(finding(severity="warning", line=None))
    assert warning == "::warning file=locales/es/LC_MESSAGES/a.po,title=[fuzzy]::m"
    source = Finding("yaml-syntax", FindingSeverity.ERROR, "bad")
    assert github_annotation(source) == "::error title=[yaml-syntax]::bad"


def test_github_annotation_of_a_draft_error_is_a_warning() -> None:
    line = github_annotation(finding(locale="pt-BR"), blocking=False)
    assert line.startswith("::warning ") and "draft locale pt-BR" in line


def test_findings_json_and_github_from_a_check_result() -> None:
    result = CheckResult((finding("source", path="source/a.yaml", locale=None),), ())
    data = json.loads(findings_json(result))
    assert data["findings"] == [
        {
            "code": "fuzzy",
            "severity": "error",
            "locale": None,
            "article": ARTICLE,
            "file": "source/a.yaml",
            "line": 7,
            "message": "source",
        }
    ]
    assert data["summary"]["ok"] is False and data["summary"]["blocking"] == 1
    assert findings_github(result).startswith("::error file=source/a.yaml,line=7,")


# -- careloc check end to end -----------------------------------------------------------------
def break_warning(root: Path, code: str = "es") -> int:
    """Empty a red-flag translation; return the line of its msgid."""
    path = po_path(root, code)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if line.startswith('msgstr "mareo"'))
    lines[index] = 'msgstr ""\n'
    path.write_text("".join(lines), encoding="utf-8")
    return index  # msgid is the line before msgstr (1-based: index)


def test_check_passes_on_clean_published_locales(project_copy: Path, run: Run) -> None:
    code, out, err = run(project_copy, "check", "--locale", "es", "--locale", "de")
    assert code == 0, out + err
    assert " error:" not in out
    assert "careloc check: passed; no errors, no warnings; every locale is publishable" in err


def test_check_fails_for_a_published_locale_with_path_and_line(
    project_copy: Path, run: Run
) -> None:
    line = break_warning(project_copy)
    code, out, err = run(project_copy, "check", "--locale", "es")
    assert code == 1
    po = f"locales/es/LC_MESSAGES/{ARTICLE}.po"
    assert (
        f"{po}:{line}: error: [untranslated] urgent-care warning unit "
        "'symptoms/seek-immediate-help/dizziness' is not translated"
    ) in out.splitlines()
    assert "Traceback" not in out + err
    assert err == "careloc check: FAILED; 2 errors, no warnings; withheld: es\n"


def test_check_json(project_copy: Path, run: Run) -> None:
    break_warning(project_copy)
    code, out, _ = run(project_copy, "check", "--format", "json", "--locale", "es")
    assert code == 1
    data = json.loads(out)
    assert set(data) == {"findings", "summary"}
    keys = {"code", "severity", "locale", "article", "file", "line", "message"}
    assert all(set(f) == keys for f in data["findings"])
    assert {f["code"] for f in data["findings"] if f["severity"] == "error"} == {
        "untranslated",
        "item-count",
    }
    assert all(f["locale"] == "es" for f in data["findings"])
    assert data["summary"]["verdicts"][0]["publishable"] is False


def test_check_github(project_copy: Path, run: Run) -> None:
    line = break_warning(project_copy)
    code, out, _ = run(project_copy, "check", "--format", "github", "--locale", "es")
    assert code == 1
    assert (
        f"::error file=locales/es/LC_MESSAGES/{ARTICLE}.po,line={line},title=[untranslated]::"
        in out
    )


def test_draft_locale_errors_are_reported_but_do_not_fail(project_copy: Path, run: Run) -> None:
    config = project_copy / "locales" / "locales.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace("  - code: es\n    status: published", "  - code: es\n    status: draft"),
        encoding="utf-8",
    )
    break_warning(project_copy)
    code, out, err = run(project_copy, "check", "--locale", "es")
    assert code == 0, err
    assert "error: [untranslated]" in out
    assert "es (draft)" in err
    code, out, _ = run(project_copy, "check", "--locale", "es", "--format", "github")
    assert code == 0 and "::error" not in out and "::warning" in out


def test_check_reports_invalid_source_with_exit_1(project_copy: Path, run: Run) -> None:
    source = project_copy / "source" / f"{ARTICLE}.yaml"
    source.write_text(
        source.read_text(encoding="utf-8").replace("severity: urgent", "severity: soon"),
        encoding="utf-8",
    )
    code, out, err = run(project_copy, "check")
    assert code == 1
    assert re.search(rf"^source/{ARTICLE}\.yaml:\d+(:\d+)?: error: \[", out, re.MULTILINE)
    assert "Traceback" not in out + err
    code, out, _ = run(project_copy, "check", "--format", "json")
    data = json.loads(out)
    assert code == 1 and data["findings"] and all(f["locale"] is None for f in data["findings"])
    code, out, err = run(project_copy, "status")
    assert code == 1 and f"source/{ARTICLE}.yaml" in err


def test_check_reports_a_broken_po_with_exit_1(project_copy: Path, run: Run) -> None:
    po_path(project_copy, "de").write_bytes(b'msgid "unterminated\nmsgstr ""\n')
    code, out, err = run(project_copy, "check", "--locale", "de")
    assert code == 1
    assert f"locales/de/LC_MESSAGES/{ARTICLE}.po:1: error: [po-syntax]" in out
    assert "Traceback" not in out + err
    code, out, _ = run(project_copy, "status", "--locale", "de")
    assert code == 0 and out.splitlines()[1].split()[-2:] == ["FAIL", "no"]


@pytest.mark.parametrize("command", ["check", "status"])
def test_unknown_locale_is_a_usage_error(project_copy: Path, run: Run, command: str) -> None:
    code, out, err = run(project_copy, command, "--locale", "xx")
    assert code == 2
    assert "unknown-locale" in err and out == ""


@pytest.mark.parametrize("command", ["check", "status"])
def test_unknown_format_is_a_usage_error(project_copy: Path, run: Run, command: str) -> None:
    code, _, err = run(project_copy, command, "--format", "xml")
    assert code == 2 and "invalid choice" in err


# -- GitHub: ordered by harm, and a job summary ------------------------------------------------
def empty_translations(root: Path, code: str, context: str | None = None) -> None:
    """Empty every translation of ``code`` (or only the entry of ``context``)."""
    path = po_path(root, code)
    catalog = read_po(path.read_bytes(), str(path))
    for message in catalog:
        if message.id and (context is None or message.context == context):
            message.string = ""
    path.write_bytes(render_po(catalog))


def test_github_annotations_show_every_withheld_locale_first(project_copy: Path, run: Run) -> None:
    empty_translations(project_copy, "es")  # more errors than GitHub shows
    empty_translations(project_copy, "fr", "treatment/see-a-doctor")  # one error
    code, out, _ = run(project_copy, "check", "--format", "github")
    assert code == 1
    errors = [line for line in out.splitlines() if line.startswith("::error ")]
    assert len(errors) > 10
    first = [re.search(r"file=locales/([^/]+)/", line) for line in errors[:2]]
    assert [m.group(1) for m in first if m] == ["es", "fr"]
    # Published locales' errors come before the draft's (annotated as warnings).
    lines = out.splitlines()
    last_error = max(i for i, line in enumerate(lines) if line.startswith("::error "))
    draft = [i for i, line in enumerate(lines) if "(draft locale pt-BR" in line]
    assert draft and min(draft) > last_error


def test_github_step_summary(project_copy: Path, run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    empty_translations(project_copy, "fr", "treatment/see-a-doctor")
    summary = project_copy.parent / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    code, _, _ = run(project_copy, "check", "--format", "github")
    assert code == 1
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n## careloc check\n")  # appended, not replaced
    assert "- **es** (published): published\n" in text
    assert (
        f"- **fr** (published): withheld (fails the run): {ARTICLE}: warning "
        "treatment/see-a-doctor: untranslated"
    ) in text
    assert "- **pt-BR** (draft): withheld (draft: does not fail): " in text
    code, out, _ = run(project_copy, "check", "--format", "json")
    errors = [f for f in json.loads(out)["findings"] if f["severity"] == "error"]
    listed = text.split("### Errors")[1]
    assert listed.startswith(f" ({len(errors)})")
    assert listed.count("\n- `") == len(errors)
    assert f"- `locales/fr/LC_MESSAGES/{ARTICLE}.po:" in listed


def test_github_summary_shows_untrusted_text_literally() -> None:
    bad = finding("<img src=x onerror=alert(1)> | **bold** [link](javascript:x)")
    text = github_summary(CheckResult((bad,), ()))
    assert "<img" not in text and "&lt;img" in text
    assert "\\| \\*\\*bold\\*\\* \\[link\\]\\(javascript:x\\)" in text


def test_github_summary_is_not_written_for_other_formats(
    project_copy: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = project_copy.parent / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    run(project_copy, "check")
    assert not summary.exists()


# -- status: why not publishable ----------------------------------------------------------------
def test_status_says_why_a_locale_is_not_publishable(project_copy: Path, run: Run) -> None:
    empty_translations(project_copy, "fr", "treatment/see-a-doctor")
    code, out, _ = run(project_copy, "status", "--format", "json")
    assert code == 0
    articles = {loc["locale"]: loc["articles"][0] for loc in json.loads(out)["locales"]}
    assert articles["fr"]["reasons"] == [f"{ARTICLE}: warning treatment/see-a-doctor: untranslated"]
    assert articles["es"]["reasons"] == [] and articles["es"]["publishable"] is True
    assert all(a["reasons"] for a in articles.values() if not a["publishable"])
    # The same strings as the manifest.
    assert run(project_copy, "build")[0] == 1
    manifest = json.loads((project_copy / "dist" / "manifest.json").read_bytes())
    assert manifest["locales"]["fr"]["reasons"] == articles["fr"]["reasons"]
    assert manifest["locales"]["pt-BR"]["reasons"] == articles["pt-BR"]["reasons"]

    code, out, _ = run(project_copy, "status")
    lines = out.splitlines()
    row = next(i for i, line in enumerate(lines) if line.startswith("fr "))
    assert lines[row].split()[-1] == "no"
    assert lines[row + 1] == "    why: warning treatment/see-a-doctor: untranslated"
    es = next(i for i, line in enumerate(lines) if line.startswith("es "))
    assert not lines[es + 1].startswith("    why:")
