"""Skipping work already done: a cache of results keyed by the sha256 of their inputs.

Entries live in ``.careloc-cache/`` in the project root, one file per entry, named
by the sha256 of everything the result depends on *and* of careloc's own code and
templates, so a changed input or a changed careloc simply misses; nothing is
ever keyed by a timestamp. A missing, unreadable or damaged entry is a miss, and
a cache that cannot be written is ignored: the cache can only make careloc
faster, never change what it outputs. ``CARELOC_NO_CACHE=1`` turns it off.

The cache is a speed-up, never an input of trust. A pull request can commit a
``.careloc-cache/`` of its own, so every entry carries an HMAC-SHA256 of its kind,
its name and its bytes, made with a key that lives outside the project
(``$XDG_CACHE_HOME/careloc/key``, created 0600 on first use): an entry this machine
did not write, or one moved to another name, is a miss. Entries are JSON data (or
plain bytes), never pickles. Careloc never follows a link in the cache: a folder
at any level that is a symlink (or not a folder) is left alone, never read, written
or pruned.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import stat
import sys
from collections.abc import Iterable
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

import pipeline
from pipeline import __version__

__all__ = ["CACHE_DIR", "ENV_NO_CACHE", "Cache", "code_fingerprint", "digest", "secret"]

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


KEY_BYTES = 32
_MAC_BYTES = 32  # HMAC-SHA256
MAX_ENTRY = 256 << 20
"""No entry careloc writes comes near this; a bigger file is not read."""
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
_READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)


def key_file() -> Path:
    """Where the key that authenticates cache entries lives: outside every project,
    in ``$XDG_CACHE_HOME/careloc/key`` (``~/.cache/careloc/key``)."""
    base = os.environ.get("XDG_CACHE_HOME", "").strip()
    folder = Path(base) if base and os.path.isabs(base) else Path.home() / ".cache"
    return folder / "careloc" / "key"


@cache
def secret(path: Path) -> bytes | None:
    """The cache key in ``path``, made (32 random bytes, mode 0600) if there is none;
    None if it cannot be made or is not private to this user (a regular file, not a
    link, owned by us, readable by nobody else): then nothing is cached."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            return _read_key(path)
        except FileNotFoundError:
            pass
        # Written in full under a private name, then linked in: a second process
        # making a key at the same moment either wins or reads the winner's.
        tmp = path.with_name(f".key.{os.getpid()}.tmp")
        tmp.unlink(missing_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(os.urandom(KEY_BYTES))
                fh.flush()
                os.fsync(fh.fileno())
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        return _read_key(path)
    except OSError:
        return None


def _read_key(path: Path) -> bytes | None:
    fd = os.open(path, _READ_FLAGS)
    try:
        info = os.fstat(fd)
        private = stat.S_ISREG(info.st_mode) and not info.st_mode & 0o077
        if not private or info.st_uid != os.geteuid() or info.st_size != KEY_BYTES:
            return None
        data = os.read(fd, KEY_BYTES + 1)
    finally:
        os.close(fd)
    return data if len(data) == KEY_BYTES else None


def _is_dir(path: str) -> bool | None:
    """True for a real directory, None if nothing is there, False for anything else
    (a symlink above all: careloc never follows one it did not make)."""
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except FileNotFoundError:
        return None
    except OSError:
        return False


class Cache:
    """The result cache of one project, in ``<root>/.careloc-cache/<kind>/``."""

    def __init__(self, root: Path, *, enabled: bool | None = None) -> None:
        self.dir = root / CACHE_DIR
        wanted = enabled_by_environment() if enabled is None else enabled
        self._base = str(self.dir)  # entries are looked up by the ten thousand: plain strings
        self._secret = secret(key_file()) if wanted else None
        # Never follow a symlink out of the project, never write over a file.
        self.enabled = self._secret is not None and _is_dir(self._base) is not False
        self._folders: dict[str, bool] = {}
        """Folder -> whether it is a real directory (every level checked)."""

    def key(self, kind: str, *parts: bytes | str) -> str:
        """The entry name for a result of ``kind`` computed from ``parts``."""
        return digest(code_fingerprint(), kind, *parts)

    def _path(self, kind: str, key: str) -> str:
        return f"{self._base}/{kind}/{key[:2]}/{key}"

    def _mac(self, kind: str, key: str, data: bytes) -> bytes:
        assert self._secret is not None
        return hmac.digest(self._secret, f"{kind}/{key}\0".encode() + data, "sha256")

    def _folder(self, folder: str, create: bool) -> bool:
        """Whether ``folder`` (``<base>/<kind>/<bucket>``) and each folder above it up to
        the cache's own are real directories, making the missing ones if ``create``."""
        known = self._folders.get(folder)
        if known or (known is False and not create):
            return known
        ok = True
        path = self._base
        for part in ["", *folder[len(self._base) + 1 :].split("/")]:
            path = f"{path}/{part}" if part else path
            state = _is_dir(path)
            if state is None and create:
                try:
                    os.mkdir(path, 0o755)
                except FileExistsError:
                    pass
                except OSError:
                    return False
                state = _is_dir(path)
            if not state:
                ok = False
                break
        if ok or create:
            self._folders[folder] = ok
        return ok

    def get(self, kind: str, key: str) -> bytes | None:
        """The bytes stored under ``key``, if this machine's careloc stored them."""
        if not self.enabled:
            return None
        path = self._path(kind, key)
        if not self._folder(os.path.dirname(path), create=False):
            return None
        try:
            fd = os.open(path, _READ_FLAGS)
        except OSError:
            return None
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode) or not _MAC_BYTES <= info.st_size <= MAX_ENTRY:
                return None
            # Entries are replaced by rename, never written in place: the size holds.
            stored = os.read(fd, info.st_size)
            while len(stored) < info.st_size and (more := os.read(fd, info.st_size - len(stored))):
                stored += more
        except OSError:
            return None
        finally:
            os.close(fd)
        mac, data = stored[:_MAC_BYTES], stored[_MAC_BYTES:]
        if not hmac.compare_digest(mac, self._mac(kind, key, data)):
            return None  # written elsewhere, altered, or moved from another name
        return data

    def put(self, kind: str, key: str, data: bytes) -> None:
        """Store an entry atomically (a reader sees all of it or none); errors are ignored."""
        if not self.enabled:
            return
        path = self._path(kind, key)
        folder = os.path.dirname(path)
        if not self._folder(folder, create=True):
            return
        # Unique among writers: one process writes one entry at a time. O_EXCL: never
        # through a planted symlink; a name left by a killed writer is taken over.
        tmp = f"{folder}/.{key}.{os.getpid()}.tmp"
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
        try:
            try:
                fd = os.open(tmp, flags, 0o644)
            except FileExistsError:
                os.unlink(tmp)
                fd = os.open(tmp, flags, 0o644)
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(self._mac(kind, key, data))
                    fh.write(data)
                os.replace(tmp, path)  # replaces a link at ``path`` itself, never its target
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
        again once every input was looked at); return how many went.

        Every folder is opened relative to the one above it and never through a link
        (as ``shutil.rmtree`` does), so a planted symlink at any level is skipped,
        never followed: only names inside the cache are ever unlinked."""
        if not self.enabled:
            return 0
        wanted = set(keep)
        removed = 0
        try:
            top = os.open(self._base, _DIR_FLAGS)
        except OSError:
            return 0
        try:
            kind_fd = os.open(kind, _DIR_FLAGS, dir_fd=top)
        except OSError:
            os.close(top)
            return 0
        try:
            with os.scandir(kind_fd) as buckets:
                names = [b.name for b in buckets if b.is_dir(follow_symlinks=False)]
            for name in names:
                try:
                    bucket = os.open(name, _DIR_FLAGS, dir_fd=kind_fd)
                except OSError:
                    continue
                try:
                    with os.scandir(bucket) as entries:
                        doomed = [
                            e.name
                            for e in entries
                            if e.name not in wanted and not e.is_dir(follow_symlinks=False)
                        ]
                    for entry in doomed:
                        try:
                            os.unlink(entry, dir_fd=bucket)  # a link itself, never its target
                            removed += 1
                        except FileNotFoundError:
                            pass
                finally:
                    os.close(bucket)
        except OSError:
            pass
        finally:
            os.close(kind_fd)
            os.close(top)
        return removed
