"""Files handled safely: read with a size limit (never blocking on a FIFO or device),
written atomically (temp file + rename), directories swapped atomically, and an
exclusive lock for work that must not run twice at once."""

from __future__ import annotations

import ctypes
import errno
import fcntl
import functools
import hashlib
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.errors import ContentError
from pipeline.model import Finding, Location, error

__all__ = [
    "FileInfo",
    "atomic_write",
    "exchange",
    "exclusive_lock",
    "is_real_dir",
    "read_bounded",
    "read_bounded_status",
    "remove_leftover_temps",
    "remove_tree",
    "too_large",
    "write_new",
]


def too_large(head: bytes, limit: int, size: int | None, display_path: str) -> Finding:
    """The finding for a file over ``limit`` bytes, pointing at the line where the limit
    is crossed (where the oversized string or the flood of entries is)."""
    line = head.count(b"\n", 0, limit) + 1
    what = f"{size} bytes" if size is not None else f"more than {limit} bytes"
    return error(
        "too-large",
        f"file is {what}; the limit is {limit} (crossed on this line)",
        Location(display_path, line),
    )


_CHUNK = 1 << 16


def read_bounded(path: Path | str, limit: int, display_path: str) -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` of them.

    ContentError (``unreadable``, ``not-a-file``, ``too-large``) instead of reading a
    FIFO (which would block), a device such as ``/dev/zero`` (which never ends) or a
    file too large to be what careloc expects; memory stays bounded by ``limit``."""
    return read_bounded_status(path, limit, display_path)[0]


def read_bounded_status(
    path: Path | str, limit: int, display_path: str
) -> tuple[bytes, os.stat_result]:
    """``read_bounded``, with the file's status as it was before it was read."""
    try:
        # O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise ContentError(
            [error("unreadable", exc.strerror or str(exc), Location(display_path))]
        ) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ContentError(
                [
                    error(
                        "not-a-file",
                        "not a regular file; refusing to read it",
                        Location(display_path),
                    )
                ]
            )
        # As much as the file says it holds (one more byte shows it grew), then to the
        # end, never past ``limit + 1``: no buffer of ``limit`` bytes for a small file.
        chunks: list[bytes] = []
        total, want = 0, min(info.st_size, limit) + 1
        while total <= limit:
            chunk = os.read(fd, min(want, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            want = _CHUNK
        data = b"".join(chunks)
    except OSError as exc:
        raise ContentError(
            [error("unreadable", exc.strerror or str(exc), Location(display_path))]
        ) from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise ContentError([too_large(data, limit, max(info.st_size, len(data)), display_path)])
    return data, info


def write_new(path: str, data: bytes) -> os.stat_result:
    """Write ``data`` to ``path``, which must not exist yet (a file of a fresh output
    directory); return the new file's status (its inode and modification time)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        return os.fstat(fd)
    except OSError as exc:
        raise located(exc, path) from None
    finally:
        os.close(fd)


def located(exc: OSError, path: str | os.PathLike[str]) -> OSError:
    """``exc`` with the file it concerns: a failed ``write`` (disk full, quota) names
    none, and an ``[os-error]`` must say where."""
    if exc.filename is None:
        return type(exc)(exc.errno, exc.strerror or str(exc), os.fspath(path))
    return exc


def remove_tree(path: Path, workers: int = 2) -> None:
    """``shutil.rmtree(path, ignore_errors=True)``, its top-level folders removed side
    by side: the kernel's work of unlinking tens of thousands of files runs on every
    core (a thread waiting in ``unlink`` lets the others run)."""
    try:
        folders = [p for p in path.iterdir() if p.is_dir() and not p.is_symlink()]
    except OSError:
        folders = []
    if workers > 1 and len(folders) > 1:
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(lambda p: shutil.rmtree(p, ignore_errors=True), folders))
    shutil.rmtree(path, ignore_errors=True)


_TEMP = re.compile(r"\.(?P<name>.+)\.[a-z0-9_]{8}\.tmp")
"""The name of ``atomic_write``'s temporary file for ``name`` (``tempfile.mkstemp``'s
eight random characters)."""


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half.

    The file keeps the permissions it had (a new one gets ``0o666`` less the umask, as
    ``open`` would give it). The temporary file is locked while it is written, so that
    ``remove_leftover_temps`` can tell one a killed process left behind from one in use."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        info = os.lstat(path)
        mode = stat.S_IMODE(info.st_mode) if stat.S_ISREG(info.st_mode) else _default_mode()
    except FileNotFoundError:
        mode = _default_mode()
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
            os.replace(tmp, path)  # before the file (and its lock) is closed
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _default_mode() -> int:
    """``0o666`` less the process's umask (read without changing it where Linux says it)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    umask = os.umask(0o22)
    os.umask(umask)
    return 0o666 & ~umask


def remove_leftover_temps(directory: Path, suffixes: tuple[str, ...]) -> list[Path]:
    """Remove the temporary files ``atomic_write`` left in ``directory`` when its process
    was killed: only regular files named as it names them, for a file ending in one of
    ``suffixes``, that no running process holds locked; symbolic links and anything
    else are left alone. Returns what was removed."""
    removed: list[Path] = []
    try:
        names = sorted(entry.name for entry in os.scandir(directory))
    except OSError:
        return removed
    for name in names:
        match = _TEMP.fullmatch(name)
        if match is None or not match.group("name").endswith(suffixes):
            continue
        candidate = directory / name
        try:
            fd = os.open(candidate, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        except OSError:  # a symbolic link (ELOOP), gone, or not ours to open
            continue
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # another careloc is writing it right now
            if os.path.samestat(os.fstat(fd), os.lstat(candidate)):
                candidate.unlink()
                removed.append(candidate)
        except OSError:
            continue
        finally:
            os.close(fd)
    return removed


@contextmanager
def exclusive_lock(path: Path, display_path: str) -> Iterator[None]:
    """Hold an exclusive ``flock`` on the file ``path`` (created if missing, removed on
    release) or raise ContentError ``busy`` at once if another process holds it.

    The kernel drops the lock when its holder dies, so a killed process never leaves
    the next one locked out; a leftover lock file is simply taken over."""
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            if exc.errno == errno.ELOOP:  # O_NOFOLLOW met a link where the lock goes
                finding = error(
                    "symlink",
                    "is a symbolic link; careloc never follows a link it did not make (remove it)",
                    Location(display_path),
                )
            else:
                finding = error("unreadable", exc.strerror or str(exc), Location(display_path))
            raise ContentError([finding]) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise ContentError(
                [
                    error(
                        "busy",
                        "another careloc process holds this lock (a build writing the same "
                        "output directory); try again when it has finished",
                        Location(display_path),
                    )
                ]
            ) from None
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(path, follow_symlinks=False))
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)  # the holder removed the file just before we locked it: try again
    try:
        yield
    finally:
        Path(path).unlink(missing_ok=True)  # while still holding it: see the loop above
        os.close(fd)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def exchange(a: Path, b: Path) -> bool:
    """Swap the two existing paths ``a`` and ``b`` in one atomic step (Linux
    ``renameat2(RENAME_EXCHANGE)``), so that no moment exists when ``b`` is missing.
    False if the system cannot do it (the caller falls back to two renames)."""
    renameat2 = getattr(_libc(), "renameat2", None)
    if renameat2 is None:
        return False
    result = renameat2(
        _AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), ctypes.c_uint(_RENAME_EXCHANGE)
    )
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False  # an old kernel, or a file system without exchange
    raise OSError(code, os.strerror(code), str(b))


@functools.cache
def _libc() -> Any:
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:  # pragma: no cover - no C library to load
        return None


@dataclass(frozen=True)
class FileInfo:
    """What a manifest says of a file: its sha256 (hex) and size in bytes."""

    sha256: str
    size: int

    @classmethod
    def of(cls, data: bytes) -> FileInfo:
        return cls(hashlib.sha256(data).hexdigest(), len(data))


def is_real_dir(path: Path | str) -> bool:
    """Whether ``path`` is a directory itself, not a link to one."""
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False
