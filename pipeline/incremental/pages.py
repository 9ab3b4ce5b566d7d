"""Pages already built: the page for this key, or render it.

A page is found by the sha256 of everything it depends on (the article as loaded,
the locale and its emergency number, its approved translations, the locales it
links to, the bundle schema, careloc's code, templates and interface strings, and
the library versions); the records of one article's pages share one cache entry.
A record keeps the sha256 and size of the page's two files and the problems
verification found, not the files: they are taken from the previous build, and
only if their bytes still have the recorded sha256.

A file the previous build wrote or linked, still with the inode and modification
time it recorded and older than that build's manifest (its last file: a change in
the same clock tick as the page's own write would not show in its time), has not
been written since and is not read again, as git trusts its index; any other is
read and hashed.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from pipeline.cache import Cache, digest
from pipeline.files import FileInfo, is_real_dir
from pipeline.incremental.codec import Shape, pack, unpack

__all__ = ["KIND", "PageRecord", "PageStore"]

KIND = "pages"


@dataclass(frozen=True)
class PageRecord:
    """What a build keeps of one page: its two files and what verification found."""

    html: FileInfo
    json: FileInfo
    problems: tuple[str, ...]
    stamps: dict[str, tuple[int, int]] = field(default_factory=dict, compare=False)
    """Relative path -> (inode, modification time in ns) of each file as last placed."""


_RECORDS = Shape(PageRecord)


class PageStore:
    """The page records of one build, article by article (one worker's articles in
    turn: ``open`` one, ``get``/``put``/``place`` its pages, ``flush``)."""

    def __init__(self, cache: Cache, schema: bytes, previous: Path, manifest: str) -> None:
        self.cache = cache
        self.previous = previous
        self.inputs = digest(schema)
        self._real: dict[str, bool] = {}
        """Folder of the previous output -> whether it and those above are real."""
        self._seen: dict[str, tuple[int, int]] = {}
        """(inode, mtime) of previous files looked at, for the links made to them."""
        self._entry: str | None = None
        self._records: dict[str, PageRecord] = {}
        self._read: set[str] = set()
        self._used: set[str] = set()
        self._dirty = False
        try:
            self._finished_ns = os.lstat(previous / manifest).st_mtime_ns
        except OSError:
            self._finished_ns = 0

    def entry(self, article_digest: str) -> str:
        """The cache entry that holds the records of the pages of an article."""
        return self.cache.key(KIND, self.inputs, article_digest)

    def open(self, article_digest: str) -> None:
        """Read the records of the article of ``article_digest`` (storing those of the
        article before)."""
        entry = self.entry(article_digest)
        if entry == self._entry:
            return
        self.flush()
        self._entry = entry
        self._records = {}
        plain = unpack(KIND, self.cache.get(KIND, entry)) if self.cache.enabled else None
        if isinstance(plain, dict):
            for key, value in plain.items():
                record = _RECORDS.from_plain(value)
                if record is not None:
                    self._records[key] = record
        self._read = set(self._records)
        self._used = set()
        self._dirty = False

    @staticmethod
    def key(
        code: str, translations_digest: str, alternates: Sequence[str], emergency_number: str
    ) -> str:
        """The key of one page of the open article."""
        return digest(code, emergency_number, translations_digest, *alternates)

    def get(self, key: str, html_path: str, json_path: str) -> PageRecord | None:
        """The page recorded under ``key``, if the previous build still holds its files."""
        if not self.cache.enabled:
            return None
        record = self._records.get(key)
        if record is None:
            return None
        self._used.add(key)
        if record.problems or all(
            self._previous_has(rel, info, record.stamps.get(rel))
            for rel, info in ((html_path, record.html), (json_path, record.json))
        ):
            return record
        return None

    def put(self, key: str, record: PageRecord) -> None:
        self._records[key] = record
        self._used.add(key)
        self._dirty = True

    def flush(self) -> None:
        """Store the records of the open article's pages that this build asked for."""
        if self._entry is None or not (self._dirty or self._used != self._read):
            return
        kept = {k: _RECORDS.to_plain(self._records[k]) for k in sorted(self._used)}
        self.cache.put(KIND, self._entry, pack(KIND, kept))
        self._records = {k: self._records[k] for k in self._used}
        self._read = set(self._used)
        self._dirty = False

    def _previous_has(self, rel: str, info: FileInfo, stamp: tuple[int, int] | None) -> bool:
        """Whether the previous build's ``rel`` still has exactly ``info``'s bytes."""
        path = f"{self.previous}/{rel}"
        folder = os.path.dirname(rel)
        if folder not in self._real:  # a link in the old output is never followed
            self._real[folder] = all(
                is_real_dir(self.previous.joinpath(*rel.split("/")[:n]))
                for n in range(rel.count("/") + 1)
            )
        if not self._real[folder]:
            return False
        try:
            st = os.lstat(path)
            if not stat.S_ISREG(st.st_mode) or st.st_size != info.size:
                return False
            self._seen[rel] = (st.st_ino, st.st_mtime_ns)  # a link to it keeps both
            if stamp == self._seen[rel] and st.st_mtime_ns < self._finished_ns:
                return True
            with open(path, "rb") as fh:
                return FileInfo.of(fh.read()) == info
        except OSError:
            return False

    def written(self, key: str, rel: str, st: os.stat_result) -> None:
        """The file ``rel`` of the page of ``key`` was written now (``st``: its status)."""
        self._stamp(key, rel, (st.st_ino, st.st_mtime_ns))

    def linked(self, key: str, rel: str, path: str) -> None:
        """The file ``rel`` of the page of ``key`` comes unchanged from the previous build
        (at ``path``), linked into the new output or kept with the old: either way its
        inode and modification time stay."""
        seen = self._seen.pop(rel, None)
        if seen is None:
            st = os.lstat(path)
            seen = (st.st_ino, st.st_mtime_ns)
        self._stamp(key, rel, seen)

    def _stamp(self, key: str, rel: str, stamp: tuple[int, int]) -> None:
        """Remember the inode and modification time of a file just placed, for
        ``_previous_has`` in the next build (linking keeps both)."""
        record = self._records.get(key)
        if record is None or not self.cache.enabled or record.stamps.get(rel) == stamp:
            return
        self._records[key] = replace(record, stamps={**record.stamps, rel: stamp})
        self._dirty = True
