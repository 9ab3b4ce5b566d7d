"""Interrupted and concurrent builds: the previous output survives a SIGKILL intact and
consistent with its manifest, and two builds of one output directory never mix.

These tests run ``careloc build`` as a real process on a generated corpus large enough
that a build takes a while, kill it (the whole process group: the pool's workers too)
once it has started writing its new output, and look at what is left.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline import build as site
from pipeline import files
from pipeline.build import LOCK_SUFFIX, MANIFEST, TEMP_PREFIX

from .conftest import copy_of, generated

pytestmark = pytest.mark.slow  # builds killed and raced in other processes

Run = Callable[..., tuple[int, str, str]]
ARTICLES, LOCALES = 60, 2
GIVE_UP = 120.0  # seconds: a guard against hanging, not a measure of speed


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generated(tmp_path_factory, articles=ARTICLES, locales=LOCALES, seed=0)


@pytest.fixture
def project(corpus: Path, tmp_path: Path) -> Path:
    return copy_of(corpus, tmp_path)


def tree(path: Path) -> dict[str, str]:
    return {
        p.relative_to(path).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(path.rglob("*"))
        if p.is_file()
    }


def assert_consistent(dist: Path) -> dict[str, str]:
    """``dist`` is a whole build: exactly the files its manifest lists, each with the
    sha256 and size it records."""
    manifest = json.loads((dist / MANIFEST).read_text(encoding="utf-8"))
    files = tree(dist)
    assert set(files) == {*manifest["files"], MANIFEST}
    for rel, info in manifest["files"].items():
        assert files[rel] == info["sha256"], rel
        assert (dist / rel).stat().st_size == info["bytes"], rel
    return files


def start_build(root: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "CARELOC_NO_CACHE": "1"}  # render everything: a slow build
    return subprocess.Popen(
        [sys.executable, "-m", "pipeline", "--root", str(root), "build", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,  # its own process group, workers included
    )


def staging_dirs(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir() if p.name.startswith(TEMP_PREFIX))


def wait_until(condition: Callable[[], bool], process: subprocess.Popen[str]) -> bool:
    """Poll until ``condition`` holds (True) or the process has ended (False)."""
    deadline = time.monotonic() + GIVE_UP
    while time.monotonic() < deadline:
        if condition():
            return True
        if process.poll() is not None:
            return False
        time.sleep(0.01)
    process.kill()
    pytest.fail("the build neither started writing nor ended")


def writing_pages(root: Path) -> Callable[[], bool]:
    def condition() -> bool:
        return any(any(d.rglob("*.html")) for d in staging_dirs(root) if d.is_dir())

    return condition


def kill_group(process: subprocess.Popen[str]) -> None:
    os.killpg(process.pid, signal.SIGKILL)
    process.communicate(timeout=GIVE_UP)


def change_the_output(root: Path) -> None:
    """Make the next build's output differ from the current one (a locale's status)."""
    config = root / "locales" / "locales.yaml"
    text = config.read_text(encoding="utf-8")
    assert "status: published" in text
    config.write_text(text.replace("status: published", "status: draft", 1), encoding="utf-8")


# -- SIGKILL ---------------------------------------------------------------------------------
def test_sigkill_mid_build_leaves_the_previous_output_intact(project: Path, run: Run) -> None:
    status, _, err = run(project, "build")
    assert status in (0, 1) and "Traceback" not in err
    dist = project / "dist"
    before = assert_consistent(dist)
    change_the_output(project)

    build = start_build(project)
    if not wait_until(writing_pages(project), build):
        pytest.fail(f"the build ended before it could be killed: {build.communicate()}")
    kill_group(build)

    assert build.returncode == -signal.SIGKILL
    assert tree(dist) == before  # not one byte of the previous build changed
    assert_consistent(dist)
    # What the killed build left is beside the output, never taken for it: hidden,
    # without a manifest, and removed by the next build.
    leftovers = staging_dirs(project)
    assert leftovers and all(not (d / MANIFEST).exists() for d in leftovers)
    status, _, err = run(project, "build")
    assert status in (0, 1) and "Traceback" not in err, err
    assert staging_dirs(project) == []
    assert not (project / f"dist{LOCK_SUFFIX}").exists()
    after = assert_consistent(dist)
    assert after != before  # the new build did replace it


def test_sigkill_of_the_first_build_leaves_no_output(project: Path, run: Run) -> None:
    build = start_build(project)
    if not wait_until(writing_pages(project), build):
        pytest.fail(f"the build ended before it could be killed: {build.communicate()}")
    kill_group(build)
    assert not (project / "dist").exists()  # no half-written output where one is expected
    status, _, err = run(project, "build")
    assert status in (0, 1), err
    assert_consistent(project / "dist")
    assert staging_dirs(project) == []


# -- two builds at once -----------------------------------------------------------------------
def test_a_second_build_is_refused_while_the_first_holds_the_lock(project: Path, run: Run) -> None:
    run(project, "build")
    before = tree(project / "dist")
    lock = project / f"dist{LOCK_SUFFIX}"
    with lock.open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)  # as a running build does
        status, _, err = run(project, "build")
    assert status == 1 and "Traceback" not in err
    assert f"dist{LOCK_SUFFIX}: error: [busy]" in err
    assert tree(project / "dist") == before
    assert staging_dirs(project) == []
    # Once it is released, a leftover lock file (a killed build's) does not block.
    status, _, err = run(project, "build")
    assert status in (0, 1) and "[busy]" not in err
    assert not lock.exists()


def test_two_builds_started_together_never_corrupt_the_output(project: Path) -> None:
    run_first = start_build(project)
    if not wait_until(lambda: bool(staging_dirs(project)), run_first):
        pytest.fail(f"the first build ended before the second started: {run_first.communicate()}")
    run_second = start_build(project)
    results = [p.communicate(timeout=GIVE_UP) for p in (run_first, run_second)]
    codes = [p.returncode for p in (run_first, run_second)]
    for (_, err), code in zip(results, codes, strict=True):
        assert "Traceback" not in err
        assert code in (0, 1), err
    refused = [err for _, err in results if "[busy]" in err]
    assert len(refused) <= 1
    assert any("[busy]" not in err for _, err in results)  # one of them built
    assert_consistent(project / "dist")
    assert staging_dirs(project) == []
    assert not (project / f"dist{LOCK_SUFFIX}").exists()


# -- the swap -------------------------------------------------------------------------------
def test_the_new_output_is_swapped_in_with_no_moment_without_one(
    project: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where the system can exchange two directories atomically, the build does, and
    never falls back to two renames (between which ``dist/`` would not exist)."""
    a, b = project / "a", project / "b"
    a.mkdir()
    b.mkdir()
    (a / "x").write_text("a")
    if not files.exchange(a, b):
        pytest.skip("renameat2(RENAME_EXCHANGE) is not available here")
    assert (a / "x").exists() is False and (b / "x").read_text() == "a"
    run(project, "build")
    change_the_output(project)

    real = site.os.replace
    dist = project / "dist"

    def replace(src: str | Path, dst: str | Path) -> None:
        if dist in (Path(src), Path(dst)):
            raise AssertionError(f"renamed {src} -> {dst}: dist/ would be missing for a moment")
        real(src, dst)

    monkeypatch.setattr(site.os, "replace", replace)
    status, _, err = run(project, "build")
    assert status in (0, 1) and "Traceback" not in err, err
    assert_consistent(project / "dist")
    assert staging_dirs(project) == []
