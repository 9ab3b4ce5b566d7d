"""The project on disk: loading the configuration and the articles is one explicit step."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline.errors import ContentError
from pipeline.project import CONFIG_PATH, Project

ARTICLE = "source/numbness-of-the-legs.yaml"

Run = Callable[..., tuple[int, str, str]]


def _break_article(root: Path) -> None:
    path = root / ARTICLE
    path.write_text(path.read_text(encoding="utf-8") + "unexpected_key: 1\n", encoding="utf-8")


def _break_config(root: Path) -> None:
    path = root / CONFIG_PATH
    text = path.read_text(encoding="utf-8")
    assert "source_locale: en" in text
    path.write_text(text.replace("source_locale: en", "source_locale: 12"), encoding="utf-8")


def test_articles_need_an_explicit_load(project_copy: Path) -> None:
    project = Project(project_copy)
    with pytest.raises(RuntimeError, match=r"before Project\.load\(\)"):
        project.articles  # noqa: B018 - the read itself is what is tested
    assert not (project_copy / ".careloc-cache").exists()  # nothing started, nothing written
    loaded = project.load()
    assert loaded is project
    assert [a.id for a in project.articles] == ["numbness-of-the-legs"]


def test_load_reads_once(project_copy: Path) -> None:
    project = Project(project_copy).load()
    articles = project.articles
    _break_article(project_copy)  # a second load() would read this and fail
    assert project.load().articles is articles


def test_config_is_read_without_load(project_copy: Path) -> None:
    """The locale policy is one small file: reading it starts nothing."""
    project = Project(project_copy)
    assert project.config.source_locale == "en"
    assert not (project_copy / ".careloc-cache").exists()


def test_load_reports_configuration_and_articles_together(project_copy: Path) -> None:
    _break_config(project_copy)
    _break_article(project_copy)
    with pytest.raises(ContentError) as caught:
        Project(project_copy).load()
    paths = {f.location.path for f in caught.value.findings if f.location}
    assert paths == {CONFIG_PATH, ARTICLE}


def test_validate_reports_configuration_and_articles_together(project_copy: Path, run: Run) -> None:
    _break_config(project_copy)
    _break_article(project_copy)
    code, out, err = run(project_copy, "validate")
    assert code == 1 and out == ""
    assert f"{CONFIG_PATH}:" in err and f"{ARTICLE}:" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("command", ["update", "build", "status"])
def test_unknown_locale_is_a_usage_error_before_the_source_is_read(
    project_copy: Path, run: Run, command: str
) -> None:
    _break_article(project_copy)
    code, _, err = run(project_copy, command, "--locale", "xx")
    assert code == 2, err
    assert "[unknown-locale]" in err and ARTICLE not in err
