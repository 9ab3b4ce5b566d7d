"""Tests for benchmarks/: the synthetic corpus is a valid careloc project with exactly the
planted gate failures, and the benchmark runs end to end at 20 articles x 3 locales
(a smoke test: no timing is asserted)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from benchmarks import generate as gen
from benchmarks import run as bench
from pipeline import gate
from pipeline.project import Project

pytestmark = pytest.mark.slow  # the benchmark smoke test and its corpus

Run = Callable[..., tuple[int, str, str]]
REPO = Path(__file__).resolve().parent.parent
SMALL = {"articles": 20, "locales": 3}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("bench") / "corpus"
    gen.generate(root, SMALL["articles"], SMALL["locales"], seed=0)
    return root


def tree(path: Path) -> dict[str, bytes]:
    """Every file under ``path`` but careloc's cache (other tests run careloc here)."""
    return {
        p.relative_to(path).as_posix(): p.read_bytes()
        for p in path.rglob("*")
        if p.is_file() and ".careloc-cache" not in p.parts
    }


# -- the generator -------------------------------------------------------------------------------
def test_corpus_is_a_current_valid_project(corpus: Path, run: Run) -> None:
    code, out, err = run(corpus, "validate")
    assert code == 0, err
    assert out.startswith("20 article(s), 720 units, 60 urgent-care warnings: valid")
    assert run(corpus, "extract", "--check")[0] == 0
    assert run(corpus, "update", "--check")[0] == 0
    ids = sorted(p.stem for p in (corpus / "source").glob("*.yaml"))
    assert len(ids) == 20 and len(set(ids)) == 20
    pos = sorted((corpus / "locales").glob("*/LC_MESSAGES/*.po"))
    assert len(pos) == 60
    locales = json.loads((corpus / "corpus.json").read_text())["locales"]
    assert [t["code"] for t in locales] == ["es", "ar", "pt_BR"]


def test_articles_keep_the_seed_shape_with_varied_wording(corpus: Path) -> None:
    seed = Project(REPO).load().article("numbness-of-the-legs")
    articles = Project(corpus).load().articles
    shape = [(w.severity, len(w.red_flags)) for w in seed.warnings()]
    for article in articles:
        assert [(w.severity, len(w.red_flags)) for w in article.warnings()] == shape
        assert sum(1 for _ in article.units()) == sum(1 for _ in seed.units())
    titles = {a.title.text for a in articles}
    assert len(titles) == 10  # one per body part
    assert len({a.sections[1].id for a in articles}) > 1  # ids vary too


def test_only_the_planted_failures_fail_the_gate(corpus: Path) -> None:
    info = json.loads((corpus / "corpus.json").read_text())
    planted = {(f["locale"], f["article"]): f for f in info["failures"]}
    assert {f["kind"] for f in planted.values()} == {"fuzzy", "untranslated"}
    assert {f["published"] for f in planted.values()} == {True, False}
    failing = {}
    for verdict in gate.evaluate_all(Project(corpus).load()):
        if verdict.errors:
            failing[verdict.policy.code, verdict.article.id] = verdict
        else:
            assert verdict.publishable and verdict.warnings_ok
    assert set(failing) == set(planted)
    for where, verdict in failing.items():
        codes = {f.code for f in verdict.errors}
        assert planted[where]["kind"] in codes
        assert all(
            planted[where]["unit"] in f.message for f in verdict.errors if f.code != "item-count"
        )


def test_pseudo_translations_keep_numbers_and_change_every_text() -> None:
    for target in gen.LOCALES:
        text = gen.pseudo_translate("Vitamin B12 deficiency, 3 times: see {name}.", target.script)
        assert text != "Vitamin B12 deficiency, 3 times: see {name}."
        assert "12" in text and "3" in text and "{name}" in text
        if target.script != "latin":
            assert not any(ch.isascii() and ch.isalpha() for ch in text.replace("{name}", ""))


def test_generation_is_deterministic(corpus: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    gen.generate(again, SMALL["articles"], SMALL["locales"], seed=0)
    assert tree(again) == tree(corpus)
    other = tmp_path / "other"
    gen.generate(other, 2, 1, seed=1)
    assert tree(other) != tree(again)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--articles", "0"], "--articles must be at least 1"),
        (["--locales", "21"], "--locales must be between 1 and 20"),
        (["--locales", "0"], "--locales must be between 1 and 20"),
    ],
)
def test_generator_refuses_bad_arguments(
    tmp_path: Path, args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert gen.main([str(tmp_path / "out"), *args]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_generator_refuses_a_directory_that_is_not_empty(
    corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = tree(corpus)
    assert gen.main([str(corpus), "--articles", "1", "--locales", "1"]) == 2
    assert "is not empty" in capsys.readouterr().err
    assert tree(corpus) == before


# -- the runner ----------------------------------------------------------------------------------
def test_benchmark_runs_end_to_end(corpus: Path, tmp_path: Path) -> None:
    """The whole benchmark at 20 x 3, as a user runs it; every step ends as expected."""
    out = tmp_path / "out"
    target = out / "corpus-20x3-s0"
    target.parent.mkdir()
    shutil.copytree(corpus, target)  # reused, not generated again
    result = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "run.py"), "--articles", "20",
         "--locales", "3", "--out", str(out)],
        capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    data = json.loads((out / "results.json").read_text())
    assert set(data) >= {"corpus", "machine", "reproduce", "results", "ratios", "targets"}
    assert data["corpus"]["articles"] == 20 and data["corpus"]["pages"] == 80
    assert data["corpus"]["generate_s"] is None
    assert data["reproduce"] == "python benchmarks/run.py --articles 20 --locales 3 --seed 0"
    steps = {m["name"]: m for m in data["results"]}
    expected = {
        "validate": 0,
        "extract": 0,
        "update": 0,
        "check": 1,
        "check (cached)": 1,
        "build (cold)": 1,
        "build (no change)": 1,
        "build (one PO changed)": 1,
    }
    if shutil.which("msgfmt"):
        expected |= {"msgfmt loop": 0, "msgfmt xargs -P2": 0}
    if (Path(sys.executable).parent / "pybabel").exists():
        expected["pybabel update"] = 0
    assert {name: m["expected_exit"] for name, m in steps.items()} == expected
    fields = {
        "name", "tool", "command", "expected_exit", "exit_code", "wall_s", "cpu_s", "user_s",
        "sys_s", "peak_rss_mib", "max_process_rss_mib", "peak_tree_rss_mib", "available", "note",
        "ok", "wall_s_runs",
    }  # fmt: skip
    for m in data["results"]:
        assert set(m) >= fields
        assert m["ok"] and m["exit_code"] == m["expected_exit"], m
        assert m["wall_s"] > 0 and m["cpu_s"] >= 0 and m["peak_rss_mib"] > 1
        assert m["wall_s_runs"] == [m["wall_s"]]
    assert steps["build (one PO changed)"]["note"].startswith("changed locales/")
    targets = {t["target"]: t for t in data["targets"]}
    assert set(targets) == {
        "cold build",
        "build after one PO changed",
        "check vs msgfmt loop",
        "update vs pybabel update",
        "peak RSS of any careloc step",
    }
    assert all(t["measured"] is not None and t["met"] in (True, False) for t in targets.values())
    assert "results:" in result.stdout and "build (cold)" in result.stdout
    assert not (out / "work").exists()


def test_best_of_keeps_the_fastest_run_that_ended_as_expected() -> None:
    def m(wall: float, code: int) -> bench.Measurement:
        return bench.Measurement("s", "careloc", ["x"], 0, exit_code=code, wall_s=wall)

    best = bench.best_of([[m(3.0, 0)], [m(1.0, 1)], [m(2.0, 0)]])
    assert best[0].wall_s == 2.0 and best[0].wall_s_runs == [3.0, 1.0, 2.0]


def test_measure_reports_a_missing_command(tmp_path: Path) -> None:
    m = bench.measure(
        "nope",
        "careloc",
        [sys.executable, "-m", "pipeline", "no-such-command"],
        tmp_path,
        0,
    )
    assert not m.available and not m.ok and m.exit_code == 2
    m = bench.measure("true", "sh", ["sh", "-c", "exit 3"], tmp_path, 3)
    assert m.ok and m.wall_s is not None and m.max_process_rss_mib is not None
