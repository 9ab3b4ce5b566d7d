"""A pull request is untrusted: its symlinks, its cache, its schemas and its control
characters stay harmless.

Each case runs the real CLI on a copy of the project as CI would on a hostile
contributor's branch. Where files are at stake, a canary folder beside the project
holds files of its own: nothing in it may change, and nothing may print a traceback.
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml

from pipeline import cache as cache_mod
from pipeline.cache import CACHE_DIR, Cache
from tests.test_hostile import refused

Run = Callable[..., tuple[int, str, str]]
REPO = Path(__file__).resolve().parent.parent
ARTICLE = "numbness-of-the-legs"
PO = f"locales/es/LC_MESSAGES/{ARTICLE}.po"


@pytest.fixture(autouse=True)
def own_cache_key(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """This machine's cache key lives in a folder of the test's own (not beside the
    project, where the tests watch for anything written)."""
    home = tmp_path_factory.mktemp("xdg")
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    monkeypatch.delenv("CARELOC_NO_CACHE", raising=False)
    return home


def state(folder: Path) -> dict[str, str]:
    """Every name under ``folder`` (links not followed) with its content, link target
    or kind: what a canary must keep."""
    found: dict[str, str] = {}
    for top, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = Path(top) / name
            rel = path.relative_to(folder).as_posix()
            if path.is_symlink():
                found[rel] = "-> " + os.readlink(path)
            elif path.is_dir():
                found[rel] = "dir"
            else:
                found[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


@pytest.fixture
def canary(tmp_path: Path) -> Iterator[Path]:
    """A folder outside the project, with files in subfolders (as the cache lays out
    its entries) and a ``manifest.json`` of careloc's shape; unchanged at the end."""
    folder = tmp_path / "canary"
    (folder / "ab").mkdir(parents=True)
    (folder / "ab" / "precious.txt").write_text("do not delete\n")
    (folder / "cd" / "deeper").mkdir(parents=True)
    (folder / "cd" / "deeper" / "photo.jpg").write_bytes(b"\xff\xd8 not a cache entry")
    manifest = {"generator": "careloc", "source_locale": "en", "articles": [], "locales": {}}
    (folder / "manifest.json").write_text(json.dumps({**manifest, "files": {}}))
    (folder / "index.html").write_text("<p>someone else's site</p>\n")
    before = state(folder)
    beside = sorted(p.name for p in tmp_path.iterdir())
    yield folder
    assert state(folder) == before, "the canary outside the project changed"
    assert sorted(p.name for p in tmp_path.iterdir()) == beside, "something was made beside it"


def ok(run: Run, root: Path, *args: str) -> tuple[int, str]:
    code, out, err = run(root, *args)
    assert "Traceback" not in out + err
    return code, out + err


# -- 1. the cache tree: no link followed, at any level ---------------------------------------
CACHE_KINDS = (
    "verdicts",
    "translations",
    "articles",
    "pages",
    "index",
    "dashboard",
    "extract",
    "update",
)


def _kinds(root: Path) -> set[str]:
    return {p.name for p in (root / CACHE_DIR).iterdir() if p.is_dir()}


def test_every_cache_kind_is_covered_here(project_copy: Path, run: Run) -> None:
    """The kinds the cache tests below plant links in are all the kinds there are."""
    for command in ("extract", "update", "check", "build"):
        ok(run, project_copy, command)
    assert _kinds(project_copy) == set(CACHE_KINDS)


@pytest.mark.slow  # a build per kind and level
@pytest.mark.parametrize("level", ["kind", "bucket"])
@pytest.mark.parametrize("kind", CACHE_KINDS)
def test_a_link_in_the_cache_is_never_followed(
    project_copy: Path, run: Run, canary: Path, kind: str, level: str
) -> None:
    """``mkdir .careloc-cache && ln -s /some/dir .careloc-cache/verdicts && careloc check``
    once unlinked files in the outside folder's subfolders (pruning followed the link)
    and wrote entries there. A link at any level is now left alone: nothing outside
    is read, written or removed, and the commands still work."""
    cache = project_copy / CACHE_DIR
    if level == "kind":
        cache.mkdir()
        (cache / kind).symlink_to(canary, target_is_directory=True)
    else:
        for command in ("extract", "update", "check", "build"):
            ok(run, project_copy, command)  # a real cache, with buckets of every kind
        bucket = next(p for p in sorted((cache / kind).iterdir()) if p.is_dir())
        for entry in bucket.iterdir():
            entry.unlink()
        bucket.rmdir()
        bucket.symlink_to(canary, target_is_directory=True)
    for command in ("extract", "update", "check", "build", "build"):
        code, printed = ok(run, project_copy, command)
        assert code in (0, 1), printed


# -- 2. the output directory: no link followed, only careloc's own replaced --------------------
def test_committed_dist_link_is_refused(project_copy: Path, run: Run, canary: Path) -> None:
    """A committed ``dist`` symlink to an outside folder: ``build`` once created folders
    there and replaced it (it holds a ``manifest.json``)."""
    (project_copy / "dist").symlink_to(canary, target_is_directory=True)
    refused(run, project_copy, ("build",), r"^dist: error: \[symlink\] dist is a symbolic link")
    assert (project_copy / "dist").is_symlink()


def test_output_under_a_linked_folder_of_the_project_is_refused(
    project_copy: Path, run: Run, canary: Path
) -> None:
    (project_copy / "site").symlink_to(canary, target_is_directory=True)
    out = str(project_copy / "site" / "www")
    refused(run, project_copy, ("build", "--out", out), r"error: \[symlink\] site is a symbolic")


def test_lock_file_that_is_a_link_is_refused(project_copy: Path, run: Run, canary: Path) -> None:
    (project_copy / "dist.lock").symlink_to(canary / "ab" / "precious.txt")
    refused(run, project_copy, ("build",), r"^dist\.lock: error: \[symlink\]")


def test_staging_leftover_that_is_a_link_is_not_followed(
    project_copy: Path, run: Run, canary: Path
) -> None:
    """What a killed build leaves beside the output is removed by the next one, and a
    leftover ``.old`` is put back: a link with such a name is neither."""
    (project_copy / ".dist-dist-abcdefgh.old").symlink_to(canary, target_is_directory=True)
    (project_copy / ".dist-dist-ijklmnop").symlink_to(canary, target_is_directory=True)
    code, printed = ok(run, project_copy, "build")
    assert code == 0, printed
    assert not (project_copy / "dist").is_symlink()
    assert json.loads((project_copy / "dist" / "manifest.json").read_bytes())["articles"]


def test_folder_with_a_manifest_careloc_did_not_write_is_not_replaced(
    project_copy: Path, run: Run, tmp_path: Path
) -> None:
    """``--out`` pointed at a web app's folder with its own ``manifest.json`` was wiped."""
    webapp = tmp_path / "webapp"
    webapp.mkdir()
    (webapp / "manifest.json").write_text('{"name": "My app", "start_url": "/", "icons": []}')
    (webapp / "app.js").write_text("console.log('mine')\n")
    before = state(webapp)
    refused(
        run,
        project_copy,
        ("build", "--out", str(webapp)),
        r"error: \[bad-output\] exists and is not a careloc build \(its manifest\.json is not",
    )
    assert state(webapp) == before
    # careloc's own output is still replaced, build after build.
    for _ in range(2):
        code, printed = ok(run, project_copy, "build", "--out", str(tmp_path / "site"))
        assert code == 0, printed
    manifest = json.loads((tmp_path / "site" / "manifest.json").read_bytes())
    assert manifest["generator"] == "careloc"


# -- 3. a committed cache entry never reaches the site ----------------------------------------
PAYLOAD = b"<script>alert(document.cookie)</script>"


def test_forged_index_entry_does_not_reach_the_site(
    project_copy: Path, run: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A PR's ``.careloc-cache`` index entry, made by the attacker's own careloc, once
    put ``<script>`` into ``dist/index.html`` with a matching manifest hash."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-attacker"))
    assert ok(run, project_copy, "build")[0] == 0
    (entry,) = [p for p in (project_copy / CACHE_DIR / "index").rglob("*") if p.is_file()]
    page = Cache(project_copy).get("index", entry.name)
    assert page is not None and b"</body>" in page  # the attacker's careloc reads it
    Cache(project_copy).put("index", entry.name, page.replace(b"</body>", PAYLOAD + b"</body>"))
    assert Cache(project_copy).get("index", entry.name) != page
    (project_copy / "dist" / "index.html").unlink()  # so that it has to be made again

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-ci"))  # the CI runner
    assert ok(run, project_copy, "build")[0] == 0
    index = (project_copy / "dist" / "index.html").read_bytes()
    assert PAYLOAD not in index and b"<script" not in index
    manifest = json.loads((project_copy / "dist" / "manifest.json").read_bytes())
    assert manifest["files"]["index.html"]["sha256"] == hashlib.sha256(index).hexdigest()


def test_no_entry_written_elsewhere_is_read(
    project_copy: Path, run: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Every kind of entry (verdicts, pages, index, dashboard fragments, articles,
    extract and update) is authenticated with this machine's key: none written by
    another careloc, nor one moved to another name, nor a bare file, is used."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-attacker"))
    for command in ("extract", "update", "check", "build"):
        ok(run, project_copy, command)
    entries = [p for p in (project_copy / CACHE_DIR).rglob("*") if p.is_file()]
    assert {p.parent.parent.name for p in entries} == set(CACHE_KINDS)
    theirs = Cache(project_copy)
    assert all(theirs.get(p.parent.parent.name, p.name) is not None for p in entries)

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-ci"))
    ours = Cache(project_copy)
    assert [p for p in entries if ours.get(p.parent.parent.name, p.name) is not None] == []
    # Nor an entry of ours moved to another name, or one without its code.
    ours.put("index", "a" * 64, b"<p>ours</p>")
    assert ours.get("index", "a" * 64) == b"<p>ours</p>"
    stored = project_copy / CACHE_DIR / "index" / "aa" / ("a" * 64)
    moved = stored.with_name("b" * 64)
    moved.parent.mkdir(parents=True, exist_ok=True)
    moved.write_bytes(stored.read_bytes())
    assert ours.get("index", "b" * 64) is None
    stored.write_bytes(b"<p>ours</p>")
    assert ours.get("index", "a" * 64) is None


def test_cache_key_is_private_and_outside_the_project(
    project_copy: Path, run: Run, own_cache_key: Path
) -> None:
    ok(run, project_copy, "check")
    key = own_cache_key / "careloc" / "key"
    assert key.is_file() and key.stat().st_mode & 0o777 == 0o600
    assert not any(p.name == "key" for p in project_copy.rglob("*"))
    key.chmod(0o644)  # readable by others: not trusted, nothing is cached
    cache_mod.secret.cache_clear()
    assert not Cache(project_copy).enabled


def test_pull_requests_build_without_the_cache() -> None:
    workflow = yaml.safe_load((REPO / ".github" / "workflows" / "publish.yml").read_text())
    setting = workflow["jobs"]["build"]["env"]["CARELOC_NO_CACHE"]
    assert setting == "${{ github.event_name == 'pull_request' && '1' || '0' }}"
    assert CACHE_DIR in (REPO / ".gitignore").read_text()


# -- 4. schemas are read through the bounded reader --------------------------------------------
def _careloc(root: Path, *args: str, timeout: int = 60) -> subprocess.CompletedProcess[str]:
    """``careloc`` in a process of its own, with 1 GiB of address space at most and a
    time limit: an endless read fails the test instead of the machine."""

    def limits() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "pipeline", "--root", str(root), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        preexec_fn=limits,
    )


@pytest.mark.slow  # about 2 s each
@pytest.mark.parametrize("special", ["dev-zero", "fifo"])
@pytest.mark.parametrize("schema", ["article", "locales", "bundle"])
def test_schema_that_is_a_device_or_a_fifo_is_refused(
    project_copy: Path, special: str, schema: str
) -> None:
    path = project_copy / "schemas" / f"{schema}.schema.json"
    path.unlink()
    if special == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to("/dev/zero")
    commands = ("build",) if schema == "bundle" else ("validate", "check", "update", "build")
    for command in commands:
        done = _careloc(project_copy, command)
        printed = done.stdout + done.stderr
        assert "Traceback" not in printed and done.returncode == 1, printed
        assert f"schemas/{schema}.schema.json: error: [not-a-file]" in printed, printed
    assert not (project_copy / "dist").exists()


# -- 5. control characters never reach the terminal or the CI log ---------------------------
ESC = "\x1b"


@pytest.mark.parametrize("fmt", ["text", "github"])
def test_escape_sequences_from_a_po_header_are_shown_escaped(
    project_copy: Path, run: Run, fmt: str
) -> None:
    path = project_copy / PO
    text = path.read_text(encoding="utf-8")
    header = "plural=(n != 1);"
    assert header in text
    path.write_text(text.replace(header, f"{header}{ESC}[2J{ESC}]0;owned\x07\u202e", 1), "utf-8")
    code, out, err = run(project_copy, "check", "--format", fmt)
    assert code == 1 and "Traceback" not in out + err
    assert ESC not in out + err and "\x07" not in out + err and "\u202e" not in out + err
    assert r"\x1b[2J\x1b]0;owned\x07\u202e" in out


def test_escape_sequences_in_a_file_name_are_shown_escaped(project_copy: Path, run: Run) -> None:
    (project_copy / "source" / f"{ESC}[31mevil{ESC}[0m.yaml").write_text("id: x\n")
    printed = refused(run, project_copy, ("validate",), r"^source/\\x1b\[31mevil\\x1b\[0m\.yaml:")
    assert ESC not in printed


# -- 6. names are whole-string matches -----------------------------------------------------
def test_locale_with_a_trailing_newline_is_refused(project_copy: Path, run: Run) -> None:
    """``careloc init $'sr_Latn\\n'`` created a directory with a newline in its name."""
    refused(run, project_copy, ("init", "sr_Latn\n"), r"\[unknown-locale\]", code=2)
    assert not any("\n" in p.name for p in (project_copy / "locales").iterdir())


def test_reviewer_with_a_trailing_newline_is_refused(project_copy: Path, run: Run) -> None:
    refused(
        run,
        project_copy,
        ("review", "es", "--reviewer", "Dr Ana Ruiz\n"),
        r"\[bad-reviewer\]",
        code=2,
    )


# -- 7. an operating-system error names its file -----------------------------------------------
@pytest.mark.slow
def test_os_error_names_the_file(project_copy: Path) -> None:
    """A write refused by the system (here a file-size limit, as a full disk or a quota
    would) used to print ``careloc: error: [os-error] File too large``."""

    def small_files() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    env = {**os.environ, "PYTHONPATH": str(REPO), "CARELOC_NO_CACHE": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "pipeline", "--root", str(project_copy), "build"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        preexec_fn=small_files,
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    (line,) = [x for x in done.stderr.splitlines() if "[os-error]" in x]
    assert line.startswith(str(project_copy)) and ".html: error: [os-error]" in line, line
    assert not (project_copy / "dist").exists()
    assert not [p for p in project_copy.iterdir() if p.name.startswith(".dist-")]
