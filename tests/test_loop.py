"""The daily loop through the real command line: every command gives the next step.

An editor changes the English, runs `careloc sync`; a new locale is set up with
`careloc init`; commands find the project from a subdirectory; messages read as a
person would say them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline.cli import main

Run = Callable[..., tuple[int, str, str]]
ARTICLE = "numbness-of-the-legs"
POT = f"locales/templates/{ARTICLE}.pot"
STALE = f"{POT}: error: [stale-template]"


def edit_english(root: Path, old: str = "Thyroid diseases", new: str = "Thyroid disease") -> None:
    path = root / "source" / f"{ARTICLE}.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def catalogs(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every template and PO file: its bytes and modification time."""
    return {
        str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted((root / "locales").rglob("*.po*"))
    }


# -- stale templates and `careloc sync` ---------------------------------------------------
def test_after_an_english_edit_every_command_says_run_extract(project_copy: Path, run: Run) -> None:
    edit_english(project_copy)
    before = catalogs(project_copy)

    code, out, _ = run(project_copy, "validate")
    assert code == 0 and "valid" in out

    # check fails: CI catches an English change whose templates were not made again.
    code, out, err = run(project_copy, "check")
    assert code == 1
    assert out.splitlines()[0].startswith(STALE) and "run `careloc extract`" in out
    assert "run `careloc sync`" in err and "FAILED" in err

    # update does not claim the catalogs are up to date; it stops, writing nothing.
    for args in (("update",), ("update", "--check"), ("pseudo",)):
        code, out, err = run(project_copy, *args)
        assert code == 1, args
        assert STALE in err and "run `careloc extract`" in err
        assert "up to date" not in out
    assert catalogs(project_copy) == before

    # status and review report it and go on.
    code, out, err = run(project_copy, "status")
    assert code == 0 and f"{POT}: warning: [stale-template]" in err
    assert out.startswith("locale")

    # build, as before, refuses to publish what translators have not seen.
    code, _, err = run(project_copy, "build")
    assert code == 1 and STALE in err
    assert catalogs(project_copy) == before


def test_check_json_lists_the_stale_template(project_copy: Path, run: Run) -> None:
    edit_english(project_copy)
    code, out, _ = run(project_copy, "check", "--format", "json")
    assert code == 1
    stale = [f for f in json.loads(out)["findings"] if f["code"] == "stale-template"]
    assert stale == [
        {
            "code": "stale-template",
            "severity": "error",
            "locale": None,
            "article": None,
            "file": POT,
            "line": None,
            "message": stale[0]["message"],
        }
    ]
    assert "careloc extract" in stale[0]["message"]


def test_sync_is_extract_then_update_without_churn(project_copy: Path, run: Run) -> None:
    edit_english(project_copy)
    code, out, err = run(project_copy, "sync")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == f"updated {POT}"
    assert f"updated locales/es/LC_MESSAGES/{ARTICLE}.po" in lines
    es = (project_copy / "locales" / "es" / "LC_MESSAGES" / f"{ARTICLE}.po").read_text()
    assert 'msgid "Thyroid disease"' in es and '#| msgid "Thyroid diseases"' in es

    after = catalogs(project_copy)
    code, out, _ = run(project_copy, "sync")
    assert code == 0 and out == "templates and catalogs are up to date\n"
    assert catalogs(project_copy) == after  # not rewritten, not even touched

    code, out, err = run(project_copy, "check")
    assert "[stale-template]" not in out + err
    assert run(project_copy, "update", "--check")[0] == 0


def test_a_missing_template_is_reported_by_check(project_copy: Path, run: Run) -> None:
    (project_copy / POT).unlink()
    code, out, _ = run(project_copy, "check")
    assert code == 1 and f"{POT}: error: [no-template]" in out and "careloc extract" in out


# -- `careloc init` registers the locale ---------------------------------------------------
def test_init_registers_a_draft_locale_and_says_what_next(project_copy: Path, run: Run) -> None:
    config = project_copy / "locales" / "locales.yaml"
    before = config.read_text(encoding="utf-8")
    code, out, err = run(project_copy, "init", "it")
    assert code == 0, err
    assert f"created locales/it/LC_MESSAGES/{ARTICLE}.po" in out
    assert "updated locales/locales.yaml" in out
    for step in ("careloc check --locale it", "careloc review it", "careloc status --locale it"):
        assert step in out
    # Comments, order and layout kept; the new locale appended as a draft.
    assert config.read_text(encoding="utf-8") == before + "  - code: it\n    status: draft\n"

    code, out, _ = run(project_copy, "status", "--locale", "it")
    assert code == 0 and out.splitlines()[1].split()[:2] == ["it", "draft"]
    code, _, err = run(project_copy, "check", "--locale", "it")
    assert code == 0, err  # a draft: reported, never failing

    again = config.read_bytes()
    code, _, err = run(project_copy, "init", "it")
    assert code == 1 and "[exists]" in err and "Traceback" not in err
    assert config.read_bytes() == again


def test_init_keeps_a_flow_style_config(project_copy: Path, run: Run) -> None:
    config = project_copy / "locales" / "locales.yaml"
    config.write_text(
        "# policy\nsource_locale: en\nlocales:\n"
        "  - {code: es, status: published}  # Spain and Latin America\n",
        encoding="utf-8",
    )
    assert run(project_copy, "init", "pt-PT")[0] == 0
    assert config.read_text(encoding="utf-8") == (
        "# policy\nsource_locale: en\nlocales:\n"
        "  - {code: es, status: published}  # Spain and Latin America\n"
        "  - {code: pt_PT, status: draft}\n"
    )


def test_init_of_a_po_made_before_registration_says_how_to_register(
    project_copy: Path, run: Run
) -> None:
    folder = project_copy / "locales" / "it" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / f"{ARTICLE}.po").write_bytes(b"")
    code, _, err = run(project_copy, "init", "it")
    assert code == 1 and "not in locales/locales.yaml" in err and "status: draft" in err


def test_init_of_an_unknown_locale_does_not_repeat_itself(project_copy: Path, run: Run) -> None:
    code, _, err = run(project_copy, "init", "xx_YY")
    assert code == 2
    assert err.count("xx_YY") == 1, err


# -- the project root -----------------------------------------------------------------------
def test_commands_find_the_project_from_a_subdirectory(
    project_copy: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(project_copy / "locales" / "es" / "LC_MESSAGES")
    assert main(["validate"]) == 0
    assert "valid" in capsys.readouterr().out


def test_outside_a_project_says_use_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    assert main(["status"]) == 2
    err = capsys.readouterr().err
    assert "not a careloc project" in err and "--root" in err and "Traceback" not in err


# -- smaller things ---------------------------------------------------------------------------
def test_update_check_says_so_on_success(project_copy: Path, run: Run) -> None:
    code, out, _ = run(project_copy, "update", "--check")
    assert code == 0 and out == "catalogs are up to date\n"


def test_an_unknown_option_prints_the_commands_own_usage(project_copy: Path, run: Run) -> None:
    code, _, err = run(project_copy, "build", "--frobnicate")
    assert code == 2
    assert err.startswith("usage: careloc build ") and "--frobnicate" in err


def test_summaries_read_as_a_person_would_say_them(project_copy: Path, run: Run) -> None:
    # The shipped Brazilian Portuguese draft has errors; they do not fail the run.
    code, _, err = run(project_copy, "check")
    assert code == 0
    summary = err.splitlines()[-1]
    assert summary.startswith("careloc check: passed; ")
    assert "all in draft locales (they do not fail the run)" in summary
    assert "withheld: pt-BR (draft)" in summary and "ok:" not in summary

    code, out, _ = run(project_copy, "build", "--out", str(project_copy.parent / "site"))
    assert code == 0
    assert "es: published\n" in out and "(published)" not in out
    assert "pt-BR (draft): withheld: " in out


def test_every_command_is_in_the_readme() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    for command in ("careloc sync", "--yes", "--format text|json|github"):
        assert command in readme.replace("\\|", "|"), command


def test_the_publish_workflow_checks_merges_and_never_builds_after_a_failed_install() -> None:
    import yaml

    workflow = Path(__file__).resolve().parent.parent / ".github" / "workflows" / "publish.yml"
    steps = yaml.safe_load(workflow.read_text(encoding="utf-8"))["jobs"]["build"]["steps"]
    python = next(s for s in steps if str(s.get("uses", "")).startswith("actions/setup-python"))
    assert python["with"]["cache"] == "pip"
    install = next(s for s in steps if "pip install" in s.get("run", ""))
    runs = [s.get("run", "") for s in steps]
    assert "careloc update --check" in runs and "careloc check --format github" in runs
    for step in steps[steps.index(install) + 1 :]:
        if str(step.get("run", "")).startswith("careloc "):
            assert f"steps.{install['id']}.outcome == 'success'" in step["if"], step
    build = next(s for s in steps if s.get("run") == "careloc build")
    assert build["env"]["CARELOC_NO_CACHE"] == "1"
