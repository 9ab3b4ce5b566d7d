"""The source loader: the shipped article's structure, and every rejection it promises."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline.errors import ContentError
from pipeline.model import Severity, UnitKind
from pipeline.project import Project
from pipeline.source import load_article

from .conftest import DATA, REPO

SCHEMA = REPO / "schemas" / "article.schema.json"
SEED = REPO.parent / "shared" / "seed" / "numbness-of-the-legs.txt"


def load(name: str):
    path = DATA / "source" / name
    return load_article(path, f"source/{name}", SCHEMA)


def problems(name: str) -> list[str]:
    with pytest.raises(ContentError) as info:
        load(name)
    return [f.format() for f in info.value.findings]


@pytest.fixture(scope="module")
def article():
    return Project(REPO).load().articles[0]


def test_shipped_article_structure(article) -> None:
    assert article.id == "numbness-of-the-legs"
    assert article.published.isoformat() == "2012-11-12"
    assert article.title.text == "Numbness of the Legs"
    keys = [u.key for u in article.units()]
    assert len(keys) == len(set(keys)) == 36
    assert keys[:3] == ["title", "category", "overview/heading"]
    assert "causes-blood-flow/dvt" in keys


def test_shipped_warnings(article) -> None:
    warnings = {w.id: w for w in article.warnings()}
    assert [w.severity for w in warnings.values()] == [
        Severity.EMERGENCY,
        Severity.URGENT,
        Severity.NON_URGENT,
    ]
    emergency = warnings["seek-immediate-help"]
    assert [u.text for u in emergency.red_flags] == [
        "shortness of breath",
        "dizziness",
        "loss of coordination",
        "loss of speech",
        "fatigue",
        "loss of vision",
    ]
    assert all(u.kind is UnitKind.RED_FLAG and u.is_warning for u in emergency.red_flags)
    assert emergency.lead.key == "symptoms/seek-immediate-help"
    assert emergency.red_flags[0].key == "symptoms/seek-immediate-help/shortness-of-breath"
    assert warnings["see-a-doctor"].red_flags == ()


def test_units_remember_their_source_line(article) -> None:
    lines = (REPO / "source" / "numbness-of-the-legs.yaml").read_text().splitlines()
    for unit in article.units():
        line = lines[unit.location.line - 1]
        first_words = " ".join(unit.text.split()[:2])
        assert first_words in line or line.rstrip().endswith(">-"), (unit.key, line)


def _seed_pieces() -> list[str]:
    text = SEED.read_text(encoding="utf-8")
    pieces = []
    for raw in text.splitlines():
        line = " ".join(raw.replace("•", " ").split())
        if not line or line.startswith("Category:") or re.fullmatch(r"\w+ \d+, \d{4}", line):
            continue
        # Split paragraphs into sentences; keep list items whole.
        pieces.extend(s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z])", line) if s)
    return pieces


@pytest.mark.skipif(not SEED.exists(), reason="seed text not beside the repository")
def test_every_seed_sentence_is_in_the_source(article) -> None:
    corpus = " ".join(" ".join(u.text.split()) for u in article.units())
    pieces = _seed_pieces()
    assert len(pieces) > 30
    missing = [p for p in pieces if p not in corpus]
    assert missing == []


def test_duplicate_key_is_rejected_with_its_line() -> None:
    (msg,) = problems("duplicate-key.yaml")
    assert msg.startswith("source/duplicate-key.yaml:5:1: error: [yaml-duplicate-key]")
    assert "first at line 4" in msg


def test_aliases_are_rejected() -> None:
    (msg,) = problems("alias.yaml")
    assert msg.startswith("source/alias.yaml:4:")
    assert "[yaml-alias]" in msg


def test_yaml_boolean_where_text_expected() -> None:
    (msg,) = problems("boolean-text.yaml")
    assert msg.startswith("source/boolean-text.yaml:12:21: error: [not-text]")
    assert "quote" in msg


def test_all_schema_violations_are_reported_in_file_order() -> None:
    msgs = problems("many-errors.yaml")
    codes = [re.search(r"\[(.*?)\]", m).group(1) for m in msgs]
    lines = [int(m.split(":")[1]) for m in msgs]
    assert lines == sorted(lines)
    assert "unknown-key" in codes
    assert any(m.startswith("source/many-errors.yaml:5:1:") and "colour" in m for m in msgs)
    assert any(":4:" in m and "title" in m for m in msgs)  # empty title
    assert any(":7:" in m and "Overview" in m for m in msgs)  # id pattern
    assert any(":11:" in m and "critical" in m for m in msgs)  # severity enum
    assert any(":13:" in m and "'text' is a required property" in m for m in msgs)
    assert len(msgs) >= 5


def test_duplicate_ids_within_a_section() -> None:
    msgs = problems("duplicate-id.yaml")
    assert any("[duplicate-id]" in m and "overview/intro" in m for m in msgs)


def test_id_pattern_rejects_path_like_ids() -> None:
    (msg,) = problems("bad-id.yaml")
    assert msg.startswith("source/bad-id.yaml:6:")
    assert "does not match" in msg


@pytest.mark.parametrize(
    ("name", "code", "line"),
    [
        ("syntax.yaml", "yaml-syntax", 3),
        ("tabs.yaml", "yaml-syntax", 2),
        ("bad-utf8.yaml", "encoding", 2),
        ("bom.yaml", "encoding", 1),
        ("deep.yaml", "yaml-too-deep", 2),
        ("alias-bomb.yaml", "yaml-alias", 1),
        ("python-tag.yaml", "yaml-tag", 2),
    ],
)
def test_hostile_or_broken_yaml(name: str, code: str, line: int) -> None:
    (msg,) = problems(name)
    assert f"[{code}]" in msg
    assert msg.startswith(f"source/{name}:{line}")


def test_article_id_must_match_file_name(tmp_path: Path) -> None:
    shutil.copy(REPO / "source" / "numbness-of-the-legs.yaml", tmp_path / "other-name.yaml")
    with pytest.raises(ContentError) as info:
        load_article(tmp_path / "other-name.yaml", "source/other-name.yaml", SCHEMA)
    assert "[id-mismatch]" in info.value.findings[0].format()


def test_libyaml_and_pyyaml_read_the_same_document() -> None:
    """The fast loader (libyaml) and the pure-Python one compose the same document,
    with the same positions for every value and key."""
    from pipeline import yamlfile

    if not yaml_with_libyaml():
        pytest.skip("PyYAML was built without libyaml")
    path = REPO / "source" / "numbness-of-the-legs.yaml"
    text = path.read_text(encoding="utf-8")
    fast = yamlfile._compose(text, yamlfile.YamlDocument("x", None), yamlfile._CStrictLoader)
    slow = yamlfile._compose(text, yamlfile.YamlDocument("x", None), yamlfile._PyStrictLoader)
    native = yamlfile._compose_native(text, "x")
    assert native is not None  # the shipped article takes the fastest path
    for doc in (fast, native):
        assert doc.data == slow.data and doc.data["id"] == "numbness-of-the-legs"
        assert doc.values == slow.values and len(doc.values) > 100
        assert doc.keys == slow.keys


@pytest.mark.slow
@pytest.mark.parametrize(
    ("text", "code", "where"),
    [
        # libyaml stops at 1,000 levels with its own words; the report is careloc's.
        ("id: x\nsections: " + "[" * 2000 + "]" * 2000 + "\n", "yaml-too-deep", ":2:"),
        # deeper than careloc allows, not than libyaml does
        ("id: x\nsections: " + "[" * 40 + "]" * 40 + "\n", "yaml-too-deep", ":2:42:"),
        # libyaml does not name the character; PyYAML does.
        ("id: x\ntitle:\n\t- Numbness\n", "yaml-syntax", ":3:1:"),
        ('id: x\ntitle: "Numb \\ud800"\n', "yaml-char", ":2:8:"),
        ("id: &a x\ntitle: *a\n", "yaml-alias", ":1:5:"),
    ],
)
def test_problems_read_alike_whichever_parser_found_them(text: str, code: str, where: str) -> None:
    from pipeline.yamlfile import parse_yaml

    with pytest.raises(ContentError) as caught:
        parse_yaml(text.encode(), "source/x.yaml")
    (finding,) = caught.value.findings
    assert finding.code == code
    assert where in str(finding.location) + ":"
    if "\t" in text:
        assert "'\\t'" in finding.message


def yaml_with_libyaml() -> bool:
    import yaml

    return bool(yaml.__with_libyaml__)


# -- messages that say how to fix the file ------------------------------------------------------
Run = Callable[..., tuple[int, str, str]]
SOURCE = "source/numbness-of-the-legs.yaml"


def _edit(root: Path, rel: str, old: str, new: str) -> int:
    """Replace ``old`` (once) in a file of the project; the line it was on."""
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


def _refused(run: Run, root: Path, *args: str) -> list[str]:
    """The error lines of a command that must refuse the project, writing nothing."""
    code, out, err = run(root, *args)
    assert code == 1, (out, err)
    assert "Traceback" not in err and not (root / "dist").exists()
    return [line for line in (out + err).splitlines() if ": error: [" in line]


def test_an_unquoted_colon_in_a_text_is_explained_with_the_fix(
    project_copy: Path, run: Run
) -> None:
    old = "text: Multiple sclerosis may manifest in form of numbness and extreme itchiness."
    line = _edit(project_copy, SOURCE, old, "text: Cold: extremely low")
    for command in ("validate", "build"):
        (msg,) = _refused(run, project_copy, command)
        text = (project_copy / SOURCE).read_text(encoding="utf-8").splitlines()[line - 1]
        column = text.index("Cold:") + len("Cold:")  # the second colon, counted from 1
        assert msg.startswith(f"{SOURCE}:{line}:{column}: error: [yaml-syntax] "), msg
        assert 'quote the text: text: "Cold: extremely low"' in msg


def test_a_misspelt_key_gets_a_did_you_mean_and_paths_name_ids(
    project_copy: Path, run: Run
) -> None:
    """Every violation is reported (not just the first), each at its line, naming the
    section and block by their ids rather than by list positions."""
    item = _edit(
        project_copy,
        SOURCE,
        "text: Leg numbness along with back pain may indicate",
        'text: ""\n              note: Leg numbness along with back pain may indicate',
    )
    flags = _edit(project_copy, SOURCE, "          red_flags:\n", "          red_flag:\n")
    msgs = _refused(run, project_copy, "validate")
    assert len(msgs) == 3, msgs
    assert msgs[0] == (
        f"{SOURCE}:{item}:21: error: [schema] section `symptoms`, block `associated`, "
        "item `back-pain`, text: the text is empty; write it, or remove the entry"
    ), msgs
    assert msgs[1].startswith(f"{SOURCE}:{item + 1}:15: error: [unknown-key] unknown key `note` ")
    assert "allowed here: `id`, `text`" in msgs[1]
    assert msgs[2] == (
        f"{SOURCE}:{flags}:11: error: [unknown-key] unknown key `red_flag` in section "
        "`symptoms`, block `seek-immediate-help`; did you mean `red_flags`?"
    )
    assert not any("sections/" in m for m in msgs)


def test_locales_yaml_mistakes_get_the_same_help(project_copy: Path, run: Run) -> None:
    config = "locales/locales.yaml"
    line = _edit(
        project_copy,
        config,
        "    min_completion: 80\n",
        "    min_completion: 80\n    requre_review: true\n",
    )
    (msg,) = _refused(run, project_copy, "check")
    assert msg == (
        f"{config}:{line + 1}:5: error: [unknown-key] unknown key `requre_review` in locale "
        "`pt_BR`; did you mean `require_review`?"
    )
    _edit(project_copy, config, "    requre_review: true\n", "")
    line = _edit(
        project_copy,
        config,
        "  - code: fr\n    status: published",
        "  - code: fr\n    status: publshed",
    )
    (msg,) = _refused(run, project_copy, "check")
    assert msg.startswith(
        f"{config}:{line + 1}:13: error: [schema] locale `fr`, status: 'publshed'"
    )
    assert msg.endswith("; did you mean `published`?")


def test_reviews_yaml_mistakes_get_the_same_help(project_copy: Path, run: Run) -> None:
    assert (
        run(project_copy, "review", "es", "--reviewer", "Dr. A", "--unit", "see-a-doctor", "--yes")[
            0
        ]
        == 0
    )
    reviews = "locales/es/reviews.yaml"
    line = _edit(project_copy, reviews, "reviewer:", "reviewr:")
    _, out, err = run(project_copy, "check")
    assert "Traceback" not in err
    (msg,) = [m for m in out.splitlines() if "[unknown-key]" in m]
    assert msg == (
        f"{reviews}:{line}:7: warning: [unknown-key] unknown key `reviewr` in article "
        "`numbness-of-the-legs`, unit `treatment/see-a-doctor`; did you mean `reviewer`?"
    )
