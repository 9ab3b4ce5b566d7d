"""Hostile and broken input through the real CLI: a located error, exit 1, nothing written.

Translations arrive from many hands and CI runs unattended (see SECURITY.md). Every
case here runs ``careloc`` on a copy of the real project and checks three things:
the problem is reported as ``path:line: error: [code]`` (or ``path: error:`` for a
problem with a whole file), the exit code is 1 (2 for a bad command-line argument),
and no file of the project, and none outside it, was created, changed or removed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from pipeline.build import TEMP_PREFIX
from pipeline.cache import CACHE_DIR
from pipeline.pofile import MAX_ENTRIES, MAX_PO_BYTES, read_po
from pipeline.yamlfile import MAX_BYTES, MAX_DEPTH

Run = Callable[..., tuple[int, str, str]]
ARTICLE = "numbness-of-the-legs"
PO = f"locales/es/LC_MESSAGES/{ARTICLE}.po"
SOURCE = f"source/{ARTICLE}.yaml"
CONFIG = "locales/locales.yaml"
TITLE_MSGSTR = b'msgstr "Entumecimiento de las piernas"'
TITLE_LINE = 23  # of TITLE_MSGSTR in the shipped Spanish PO
MiB = 1024 * 1024


# -- helpers ------------------------------------------------------------------------------
def snapshot(root: Path) -> dict[str, tuple[str, int]]:
    """Every file and symlink under ``root``: content (or link target) and mtime. The
    result cache is local working state, not content, and is left out."""
    state = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if CACHE_DIR in rel.parts:
            continue
        info = path.lstat()
        if path.is_symlink():
            state[rel.as_posix()] = ("-> " + os.readlink(path), info.st_mtime_ns)
        elif path.is_file():
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            state[rel.as_posix()] = (digest, info.st_mtime_ns)
        elif path.is_dir():
            state[rel.as_posix() + "/"] = ("dir", 0)
        else:
            state[rel.as_posix()] = ("special", info.st_mtime_ns)
    return state


def refused(run: Run, root: Path, args: tuple[str, ...], expected: str, *, code: int = 1) -> str:
    """Run ``careloc args``; assert it exits ``code`` with ``expected`` (a regex) in its
    output, no traceback, and nothing written under ``root``'s parent (the project and
    its surroundings). Returns everything it printed."""
    before = snapshot(root.parent)
    status, out, err = run(root, *args)
    printed = out + err
    assert "Traceback" not in printed
    assert status == code, printed
    assert re.search(expected, printed, re.MULTILINE), printed
    assert snapshot(root.parent) == before, "something was written"
    return printed


def edit(root: Path, rel: str, old: bytes, new: bytes) -> None:
    path = root / rel
    data = path.read_bytes()
    assert old in data, old
    path.write_bytes(data.replace(old, new, 1))


def append(root: Path, rel: str, data: bytes) -> None:
    with (root / rel).open("ab") as fh:
        fh.write(data)


@contextmanager
def never_blocks(seconds: int = 60) -> Iterator[None]:
    """Fail (instead of hanging the test run) if the body blocks, as reading a FIFO
    would. A guard against hanging, not a measure of speed."""

    def blocked(signum: int, frame: object) -> None:
        raise AssertionError(f"still blocked after {seconds} s")

    previous = signal.signal(signal.SIGALRM, blocked)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def peak_memory(action: Callable[[], object]) -> int:
    """Peak bytes allocated by Python while ``action`` runs."""
    tracemalloc.start()
    try:
        action()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# -- PO files from translators --------------------------------------------------------------
def _po_lines(root: Path) -> int:
    return (root / PO).read_bytes().count(b"\n")


def _huge_msgstr(root: Path) -> int:
    line = _po_lines(root) + 4
    append(root, PO, b'\nmsgctxt "huge"\nmsgid "x"\nmsgstr "' + b"A" * (50 * MiB) + b'"\n')
    return line


def _flood(root: Path) -> int:
    existing = len(list(read_po((root / PO).read_bytes(), PO)))  # entries, with the header
    first = _po_lines(root) + 2
    append(
        root,
        PO,
        b"".join(b'\nmsgctxt "flood-%d"\nmsgid "x"\nmsgstr "y"\n' % i for i in range(100_000)),
    )
    crossing = MAX_ENTRIES - existing  # the entry that would be one too many
    return first + 4 * crossing + 1  # its msgid line


def _title(new: bytes) -> Callable[[Path], int]:
    """Replace the title's msgstr line by ``new``; the problem is on that line."""

    def breaker(root: Path) -> int:
        edit(root, PO, TITLE_MSGSTR, new)
        return TITLE_LINE

    return breaker


PO_CASES: dict[str, tuple[Callable[[Path], int], str, str]] = {
    # name: (break the file and return the line of the problem, code, words of the message)
    "invalid-utf8": (
        _title(b'msgstr "Entumecimiento \xff\xfe de las piernas"'),
        "encoding",
        "invalid UTF-8",
    ),
    "nul-byte": (_title(b'msgstr "Entumecimiento\x00 de las piernas"'), "po-syntax", "NUL"),
    "unterminated": (_title(TITLE_MSGSTR[:-1]), "po-syntax", "unterminated string"),
    "hex-escape": (  # msgfmt would read <script>, Babel the backslashes: refused
        _title(b'msgstr "\\x3cscript\\x3ealert(1)"'),
        "po-syntax",
        "unsupported escape",
    ),
    "50-MB-msgstr": (_huge_msgstr, "too-large", f"the limit is {MAX_PO_BYTES}"),
    "100000-entries": (_flood, "po-syntax", f"more than {MAX_ENTRIES} entries"),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", list(PO_CASES))
def test_hostile_po_is_refused_by_update_with_its_line(
    project_copy: Path, run: Run, case: str
) -> None:
    breaker, code, words = PO_CASES[case]
    line = breaker(project_copy)
    printed = refused(
        run,
        project_copy,
        ("update",),
        rf"^{re.escape(PO)}:{line}(:\d+)?: error: \[{code}\] .*{words}",
    )
    assert printed.count(" error: ") == 1


@pytest.mark.slow
@pytest.mark.parametrize("case", ["invalid-utf8", "nul-byte", "unterminated", "50-MB-msgstr"])
def test_hostile_po_fails_check_and_is_never_published(
    project_copy: Path, run: Run, case: str
) -> None:
    breaker, code, _ = PO_CASES[case]
    line = breaker(project_copy)
    before = snapshot(project_copy)
    status, out, err = run(project_copy, "check", "--format", "json")
    assert status == 1 and "Traceback" not in err
    findings = json.loads(out)["findings"]
    assert {"code": code, "file": PO, "line": line, "locale": "es"}.items() <= next(
        f for f in findings if f["file"] == PO and f["severity"] == "error"
    ).items()
    assert snapshot(project_copy) == before
    # The build withholds Spanish (a published locale: exit 1) and publishes the rest.
    status, out, err = run(project_copy, "build")
    assert status == 1 and "Traceback" not in out + err
    manifest = json.loads((project_copy / "dist" / "manifest.json").read_text())
    assert manifest["locales"]["es"]["published"] is False
    assert not (project_copy / "dist" / "es").exists()
    assert not any(path.startswith("es/") for path in manifest["files"])


@pytest.mark.slow
def test_huge_po_is_refused_in_bounded_memory(project_copy: Path, run: Run) -> None:
    _huge_msgstr(project_copy)
    peak = peak_memory(lambda: run(project_copy, "update"))
    # Reading the 50 MB file whole (let alone parsing it) would take far more than this.
    assert peak < MAX_PO_BYTES + 16 * MiB, f"peak {peak} bytes"


def test_po_that_is_a_fifo_or_a_device_is_refused_without_blocking(
    project_copy: Path, run: Run, tmp_path: Path
) -> None:
    po = project_copy / PO
    po.unlink()
    os.mkfifo(po)  # reading it would wait forever for a writer
    with never_blocks():
        refused(run, project_copy, ("update",), rf"^{re.escape(PO)}: error: \[not-a-file\]")
        status, out, _ = run(project_copy, "check", "--format", "json")
    assert status == 1
    assert any(f["code"] == "not-a-file" for f in json.loads(out)["findings"])


# -- YAML: the source and the configuration ------------------------------------------------
BILLION_LAUGHS = b'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + b"".join(
    b"%c: &%c [%s]\n" % (c, c, b",".join([b"*%c" % (c - 1)] * 9)) for c in range(ord("b"), ord("k"))
)  # 10 levels of 9 references: 9**10 (3.5 billion) strings once expanded


def _source_line(root: Path, needle: bytes) -> int:
    data = (root / SOURCE).read_bytes()
    return data[: data.index(needle)].count(b"\n") + 1


TITLE = b"title: Numbness of the Legs"

YAML_CASES: dict[str, tuple[bytes | None, bytes, str, int, str]] = {
    # name: (text replaced (None: the whole file), replacement, code, line, words); the
    # line is counted from the replaced text's line when there is one
    "alias-bomb": (None, BILLION_LAUGHS, "yaml-alias", 1, "aliases are not allowed"),
    "deep-flow-nesting": (
        None,
        b"id: x\nsections: " + b"[" * 100_000 + b"]" * 100_000 + b"\n",
        "yaml-too-deep",
        2,
        f"deeper than {MAX_DEPTH}",
    ),
    "deep-block-nesting": (
        None,
        b"".join(b"  " * i + b"k:\n" for i in range(200)),
        "yaml-too-deep",
        MAX_DEPTH,
        f"deeper than {MAX_DEPTH}",
    ),
    "bom": (None, b"\xef\xbb\xbfid: numbness-of-the-legs\n", "encoding", 1, "byte-order mark"),
    "tab-indent": (TITLE, b"title:\n\t- Numbness", "yaml-syntax", 1, "'\\t'"),
    "control-character": (TITLE, TITLE + b"\x1b[2J", "yaml-char", 0, "U+001B"),
    "escaped-nul": (TITLE, b'title: "Numbness\\0"', "yaml-char", 0, "U+0000"),
    "escaped-surrogate": (TITLE, b'title: "Numbness \\ud800"', "yaml-char", 0, "U+D800"),
    "line-separator": (TITLE, TITLE + "\u2028".encode(), "yaml-char", 0, "U+2028"),
    "nul-byte": (TITLE, TITLE + b"\x00", "yaml-syntax", 0, "NUL"),
    "invalid-utf8": (TITLE, b"title: Numbness \xc3\x28", "encoding", 0, "invalid UTF-8"),
    "python-tag": (TITLE, b"title: !!python/object/apply:os.system [id]", "yaml-tag", 0, "tag"),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", list(YAML_CASES))
def test_hostile_source_yaml_is_refused_with_its_line(
    project_copy: Path, run: Run, case: str
) -> None:
    old, new, code, line, words = YAML_CASES[case]
    if old is None:
        (project_copy / SOURCE).write_bytes(new)
    else:
        line += _source_line(project_copy, old)
        edit(project_copy, SOURCE, old, new)
    pattern = rf"^{re.escape(SOURCE)}:{line}(:\d+)?: error: \[{code}\] .*{re.escape(words)}"
    for command in ("validate", "extract", "update", "check", "build"):
        refused(run, project_copy, (command,), pattern)


def test_oversized_source_is_refused_at_the_line_where_the_limit_is_crossed(
    project_copy: Path, run: Run
) -> None:
    path = project_copy / SOURCE
    lines = path.read_bytes().count(b"\n")
    append(project_copy, SOURCE, b"# " + b"x" * MAX_BYTES + b"\n")
    refused(
        run,
        project_copy,
        ("validate",),
        rf"^{re.escape(SOURCE)}:{lines + 1}: error: \[too-large\] .*limit is {MAX_BYTES}",
    )


@pytest.mark.slow
@pytest.mark.parametrize("where", [SOURCE, CONFIG])
def test_alias_bomb_is_refused_in_bounded_memory(project_copy: Path, run: Run, where: str) -> None:
    (project_copy / where).write_bytes(BILLION_LAUGHS)
    results: list[tuple[int, str, str]] = []
    peak = peak_memory(lambda: results.append(run(project_copy, "validate")))
    status, _, err = results[0]
    assert status == 1 and f"{where}:1:4: error: [yaml-alias]" in err
    # Expanding it would need gigabytes; refusing it needs about as much as the file.
    assert peak < 4 * MiB, f"peak {peak} bytes"


# -- names and paths that would escape the project ----------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("bad", ["../../etc", "/etc", "es/../../x", "es/LC_MESSAGES", "..", "~"])
def test_locale_codes_that_are_paths_are_refused(project_copy: Path, run: Run, bad: str) -> None:
    lines = (project_copy / CONFIG).read_text(encoding="utf-8").splitlines()
    line = lines.index("  - code: es") + 1
    edit(project_copy, CONFIG, b"code: es\n", f"code: {json.dumps(bad)}\n".encode())
    for command in ("validate", "update", "check", "build"):
        refused(run, project_copy, (command,), rf"^{CONFIG}:{line}:11: error: \[schema\]")


@pytest.mark.parametrize(
    "args",
    [
        ("init", "../../etc"),
        ("init", "/tmp/x"),
        ("update", "--locale", "../es"),
        ("check", "--locale", "es/../../etc"),
        ("build", "--locale", "/etc"),
    ],
)
def test_locale_arguments_that_are_paths_are_usage_errors(
    project_copy: Path, run: Run, args: tuple[str, ...]
) -> None:
    refused(run, project_copy, args, r"^careloc: error: \[unknown-locale\]", code=2)


@pytest.mark.slow
@pytest.mark.parametrize("bad", ["../x", "a/b", "..", "/etc/passwd", "x/../../y"])
def test_article_and_unit_ids_that_are_paths_are_refused(
    project_copy: Path, run: Run, bad: str
) -> None:
    value = json.dumps(bad).encode()
    edit(project_copy, SOURCE, b"id: numbness-of-the-legs", b"id: " + value)
    refused(run, project_copy, ("extract",), rf"^{SOURCE}:4:5: error: \[schema\] id: ")
    edit(project_copy, SOURCE, b"id: " + value, b"id: numbness-of-the-legs")
    edit(project_copy, SOURCE, b"  - id: overview", b"  - id: " + value)
    refused(run, project_copy, ("extract",), rf"^{SOURCE}:10:9: error: \[schema\] section `.*`, id")


@pytest.mark.parametrize("name", ["..yaml", ".hidden.yaml", "Upper.yaml", "x.yml", "a b.yaml"])
def test_source_files_with_names_that_are_no_article_id_are_refused(
    project_copy: Path, run: Run, name: str
) -> None:
    shutil.copy(project_copy / SOURCE, project_copy / "source" / name)
    refused(run, project_copy, ("extract",), rf"^source/{re.escape(name)}: error: \[bad-filename\]")


# -- symlinks out of the project ----------------------------------------------------------
def _outside(root: Path) -> Path:
    """A directory beside the project, with a copy of what the links point to."""
    outside = root.parent / "outside"
    shutil.copytree(root / "locales", outside / "locales")
    shutil.copytree(root / "source", outside / "source")
    (outside / "empty").mkdir()
    return outside


def _relink(path: Path, target: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()
    path.symlink_to(target)


LINKS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    # name: (link in the project, target under outside/, commands that must refuse)
    "source-file": ("source/evil.yaml", "source/" + ARTICLE + ".yaml", ("validate", "extract")),
    "source-dir": ("source", "source", ("validate", "extract", "check", "build")),
    "config": (CONFIG, CONFIG, ("validate", "update", "check", "build")),
    "po-file": (PO, PO, ("update",)),
    "locale-dir": ("locales/es", "locales/es", ("update",)),
    "lc-messages-dir": ("locales/es/LC_MESSAGES", "empty", ("update",)),
    "templates-dir": ("locales/templates", "empty", ("extract", "update")),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", list(LINKS))
def test_symlinks_pointing_outside_the_project_are_refused(
    project_copy: Path, run: Run, case: str
) -> None:
    link, target, commands = LINKS[case]
    outside = _outside(project_copy)
    _relink(project_copy / link, outside / target)
    for command in commands:
        # refused() also proves nothing was written outside (it watches the parent).
        refused(run, project_copy, (command,), r": error: \[(outside-project|no-template)\]")


def test_po_linked_to_a_device_is_refused_without_reading_it(project_copy: Path, run: Run) -> None:
    _relink(project_copy / PO, Path("/dev/zero"))  # endless: reading it would fill memory
    refused(run, project_copy, ("update",), rf"^{re.escape(PO)}: error: \[outside-project\]")
    status, out, _ = run(project_copy, "check", "--format", "json")
    assert status == 1
    assert {"code": "outside-project", "file": PO}.items() <= next(
        f for f in json.loads(out)["findings"] if f["file"] == PO
    ).items()


def test_source_that_is_a_fifo_is_refused_without_blocking(project_copy: Path, run: Run) -> None:
    os.mkfifo(project_copy / "source" / "pipe.yaml")
    with never_blocks():
        refused(run, project_copy, ("validate",), r"^source/pipe.yaml: error: \[not-a-file\]")


def test_config_that_is_a_fifo_is_refused_without_blocking(project_copy: Path, run: Run) -> None:
    (project_copy / CONFIG).unlink()
    os.mkfifo(project_copy / CONFIG)
    with never_blocks():
        refused(run, project_copy, ("validate",), rf"^{CONFIG}: error: \[not-a-file\]")


# -- the output directory -------------------------------------------------------------------
def _no_leftovers(root: Path) -> None:
    assert [p.name for p in root.iterdir() if p.name.startswith(TEMP_PREFIX)] == []
    assert not (root / "dist.lock").exists()


def test_output_directory_that_is_a_file_is_refused_and_kept(project_copy: Path, run: Run) -> None:
    (project_copy / "dist").write_bytes(b"a file the user wanted to keep\n")
    refused(run, project_copy, ("build",), r"^dist: error: \[bad-output\] .*not a directory")
    assert (project_copy / "dist").read_bytes() == b"a file the user wanted to keep\n"
    _no_leftovers(project_copy)


@pytest.mark.slow
@pytest.mark.parametrize("out", [".", "..", "source", "locales/es", "schemas/x", "notes"])
def test_output_directories_that_would_destroy_something_are_refused(
    project_copy: Path, run: Run, out: str
) -> None:
    notes = project_copy / "notes"
    notes.mkdir()
    (notes / "todo.txt").write_text("not a build\n")
    refused(
        run, project_copy, ("build", "--out", str(project_copy / out)), r": error: \[bad-output\]"
    )
    _no_leftovers(project_copy)


# -- only `update` writes PO files ------------------------------------------------------------
@pytest.mark.slow
def test_no_command_but_update_touches_a_po_file(project_copy: Path, run: Run) -> None:
    """Translators' files are theirs: checking, reporting, building and extracting read
    them and never write them, even when they are broken."""
    edit(project_copy, f"locales/fr/LC_MESSAGES/{ARTICLE}.po", b'msgstr "', b'msgstr "\\q')
    locales = project_copy / "locales"

    def po_state() -> dict[str, tuple[str, int]]:
        return {k: v for k, v in snapshot(locales).items() if k.endswith(".po")}

    before = po_state()
    for args in (
        ("validate",),
        ("extract",),
        ("update", "--check"),
        ("check",),
        ("check", "--format", "json"),
        ("status",),
        ("status", "--format", "json"),
        ("build",),
        ("build", "--out", str(project_copy.parent / "site")),
    ):
        _, out, err = run(project_copy, *args)
        assert "Traceback" not in out + err, args
        assert po_state() == before, args


def test_update_keeps_every_obsolete_translation_of_a_unit(project_copy: Path, run: Run) -> None:
    """A unit removed, added back with other English and removed again has two obsolete
    entries with one msgctxt: both translations survive every update."""
    append(
        project_copy,
        PO,
        b'\n#~ msgctxt "overview/gone"\n#~ msgid "Old English"\n#~ msgstr "Viejo"\n'
        b'\n#~ msgctxt "overview/gone"\n#~ msgid "Older English"\n#~ msgstr "M\xc3\xa1s viejo"\n',
    )
    for _ in range(2):
        status, _, err = run(project_copy, "update")
        assert status == 0, err
        catalog = read_po((project_copy / PO).read_bytes(), PO)
        kept = {m.string for m in catalog.obsolete.values() if m.context == "overview/gone"}
        assert kept == {"Viejo", "Más viejo"}
    assert run(project_copy, "update", "--check")[0] == 0  # and no churn


def test_duplicate_obsolete_entry_is_refused_not_silently_dropped(
    project_copy: Path, run: Run
) -> None:
    line = _po_lines(project_copy) + 7  # the msgid of the second entry
    append(
        project_copy,
        PO,
        b'\n#~ msgctxt "overview/gone"\n#~ msgid "Old English"\n#~ msgstr "Viejo"\n'
        b'\n#~ msgctxt "overview/gone"\n#~ msgid "Old English"\n#~ msgstr "Otro"\n',
    )
    refused(run, project_copy, ("update",), rf"^{re.escape(PO)}:{line}: error: \[po-syntax\] dup")
