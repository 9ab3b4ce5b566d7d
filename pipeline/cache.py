"""Skipping work already done: a cache of results keyed by the sha256 of their inputs.

Entries live in ``.careloc-cache/`` in the project root, one file per entry, named
by the sha256 of everything the result depends on *and* of careloc's own code and
templates, so a changed input or a changed careloc simply misses; nothing is
ever keyed by a timestamp. A missing, unreadable or damaged entry is a miss, and
a cache that cannot be written is ignored: the cache can only make careloc
faster, never change what it outputs. ``CARELOC_NO_CACHE=1`` turns it off.

The cache is local working state like ``__pycache__``: do not restore it from a
source you would not let edit the project (a forged entry could claim a PO
passed the gate); for a release build, delete it or set ``CARELOC_NO_CACHE=1``.
Entries are JSON data (or plain bytes), never pickles: a damaged or forged entry can
at worst be wrong data of the expected shape, never run code.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Iterable
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

import pipeline
from pipeline import __version__

CACHE_DIR = ".careloc-cache"
ENV_NO_CACHE = "CARELOC_NO_CACHE"
_PACKAGE = Path(pipeline.__file__).resolve().parent
_CODE_PATTERNS = ("*.py", "templates/*", "ui/*")
_LIBRARIES = (
    "Babel",
    "jsonschema",
    "jsonschema-rs",
    "referencing",
    "PyYAML",
    "Jinja2",
    "MarkupSafe",
    "selectolax",
)


def digest(*parts: bytes | str) -> str:
    """sha256 (hex) of ``parts``, each framed by its length so that no two different
    sequences of parts can give the same bytes."""
    h = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


@cache
def code_fingerprint() -> str:
    """sha256 of careloc's version, every file of its code, templates and interface
    strings, and the versions of Python and of the libraries whose behaviour shapes
    results (Babel's parser and locale data, jsonschema, PyYAML, Jinja2): a new
    careloc, an edited one or a new library never reuses an old result."""
    files = sorted({p for pattern in _CODE_PATTERNS for p in _PACKAGE.glob(pattern)})
    parts: list[bytes | str] = [__version__, sys.version]
    for dist in _LIBRARIES:
        try:
            parts += [dist, metadata.version(dist)]
        except metadata.PackageNotFoundError:
            parts += [dist, "?"]
    for path in files:
        if path.is_file():
            parts += [path.relative_to(_PACKAGE).as_posix(), path.read_bytes()]
    return digest(*parts)


def enabled_by_environment() -> bool:
    return os.environ.get(ENV_NO_CACHE, "").strip().lower() in ("", "0", "false", "no")


class Cache:
    """The result cache of one project, in ``<root>/.careloc-cache/<kind>/``."""

    def __init__(self, root: Path, *, enabled: bool | None = None) -> None:
        self.dir = root / CACHE_DIR
        wanted = enabled_by_environment() if enabled is None else enabled
        # Never follow a symlink out of the project, never write over a file.
        self.enabled = wanted and not self.dir.is_symlink() and not self.dir.is_file()
        self._base = str(self.dir)  # entries are looked up by the ten thousand: plain strings
        self._folders: set[str] = set()

    def key(self, kind: str, *parts: bytes | str) -> str:
        """The entry name for a result of ``kind`` computed from ``parts``."""
        return digest(code_fingerprint(), kind, *parts)

    def _path(self, kind: str, key: str) -> str:
        return f"{self._base}/{kind}/{key[:2]}/{key}"

    def get(self, kind: str, key: str) -> bytes | None:
        if not self.enabled:
            return None
        try:
            with open(self._path(kind, key), "rb") as fh:
                return fh.read()
        except OSError:
            return None

    def put(self, kind: str, key: str, data: bytes) -> None:
        """Store an entry atomically (a reader sees all of it or none); errors are ignored."""
        if not self.enabled:
            return
        path = self._path(kind, key)
        folder = os.path.dirname(path)
        # Unique among writers: one process writes one entry at a time. O_EXCL: never
        # through a planted symlink; a name left by a killed writer is taken over.
        tmp = f"{folder}/.{key}.{os.getpid()}.tmp"
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
        try:
            if folder not in self._folders:
                os.makedirs(folder, exist_ok=True)
                self._folders.add(folder)
            try:
                fd = os.open(tmp, flags, 0o644)
            except FileExistsError:
                os.unlink(tmp)
                fd = os.open(tmp, flags, 0o644)
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                os.replace(tmp, path)
            except BaseException:
                os.unlink(tmp)
                raise
        except OSError:
            return

    def get_json(self, kind: str, key: str) -> Any | None:
        data = self.get(kind, key)
        if data is None:
            return None
        try:
            return json.loads(data)
        except ValueError:
            return None

    def put_json(self, kind: str, key: str, value: Any) -> None:
        self.put(kind, key, json.dumps(value, ensure_ascii=False, sort_keys=True).encode())

    def prune(self, kind: str, keep: Iterable[str]) -> int:
        """Delete the entries of ``kind`` not in ``keep`` (results nobody will ask for
        again once every input was looked at); return how many went."""
        if not self.enabled:
            return 0
        wanted = set(keep)
        removed = 0
        base = self.dir / kind
        try:
            buckets = list(base.iterdir())
        except OSError:
            return 0
        for bucket in buckets:
            try:
                entries = list(bucket.iterdir())
            except OSError:
                continue
            for entry in entries:
                if entry.name not in wanted:
                    entry.unlink(missing_ok=True)
                    removed += 1
        return removed
