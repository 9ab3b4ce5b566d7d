"""Verdicts already made: the verdicts of these inputs, or evaluate them.

The verdicts of one article share one cache entry, named by the digest of the
article (``inputs[article id]``); in it each verdict is found by the sha256 of its
locale's inputs and of its PO file's bytes, and one whose inputs changed is
evaluated again. So a build after one PO file changed evaluates one verdict, and a
cold build writes one entry per article, not one per PO file.

A PO file is named in a key by the sha256 of its bytes. The entry also keeps, for
each locale, the file's status when it was last read (device, inode, size, and the
modification and status-change times to the nanosecond) beside that sha256, as
git's index does: a file whose status is the same is not read and hashed again.
Writing a file always moves its status-change time, which no program can set back,
and a status taken less than ``SETTLED_NS`` after the file was last changed is
not kept (a change within the same clock tick could otherwise leave it the same).

A verdict record is the complete ``Verdict`` but for what its reader knows already
(its policy and article) and its translations, which it names by their sha256
(``Verdict.translations_digest``): the twenty thousand verdicts of a warm run are
read without their texts. The texts are kept apart, one entry per article beside its
verdicts, and fetched by that sha256 (``VerdictStore.translations``) only for a
page that has to be made again.
"""

from __future__ import annotations

import functools
import hashlib
import os
import stat
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pipeline.cache import Cache, digest
from pipeline.errors import ContentError
from pipeline.files import read_bounded_status
from pipeline.incremental.codec import Converter, Shape, converters, pack, unpack
from pipeline.model import Article, Finding
from pipeline.pofile import MAX_PO_BYTES
from pipeline.project import LocalePolicy
from pipeline.verdict import Verdict

__all__ = [
    "KIND",
    "TRANSLATIONS",
    "ArticleVerdicts",
    "Detached",
    "Pending",
    "VerdictStore",
    "complete",
    "file_part",
]

KIND = "verdicts"
TRANSLATIONS = "translations"
SETTLED_NS = 2_000_000_000
"""A file's status is kept only once it has not changed for this long (2 s)."""
_now = time.time_ns
_RECORD = Shape(Verdict, given=("policy", "article", "translations"))
_TEXTS = converters(dict[str, str])

Evaluate = Callable[[LocalePolicy, Article, bytes | None], Verdict]
"""The gate: the verdict of a locale and article (given the PO file's bytes, if read)."""


def file_part(path: str) -> bytes:
    """What a file contributes to a key: its bytes, or why it cannot be read."""
    return read_po_part(path)[0]


def read_po_part(path: str) -> tuple[bytes, bytes | None]:
    """What a PO file contributes to a verdict's key, and its bytes if it could be read."""
    part, data, _ = _read_po(path)
    return part, data


def _read_po(path: str) -> tuple[bytes, bytes | None, os.stat_result | None]:
    """``read_po_part``, with the file's status from before it was read."""
    try:  # bounded: a FIFO or /dev/zero planted here must not hang or exhaust memory
        data, status = read_bounded_status(path, MAX_PO_BYTES, path)
    except ContentError as exc:  # what was wrong is part of the key (a too-large line)
        return b"unusable\0" + "\n".join(f.format() for f in exc.findings).encode(), None, None
    return b"present\0" + data, data, status


Stamp = list[int | str]
"""A PO file's device, inode, size, modification and status-change times (ns), then
the sha256 of what it contributes to a key (``read_po_part``)."""


def _stamp(status: os.stat_result | None, sha256: str) -> Stamp | None:
    """The stamp of a file just read (``status``: from before reading it), if it has
    settled (not changed for ``SETTLED_NS``)."""
    if status is None or _now() - max(status.st_mtime_ns, status.st_ctime_ns) < SETTLED_NS:
        return None
    return [
        status.st_dev,
        status.st_ino,
        status.st_size,
        status.st_mtime_ns,
        status.st_ctime_ns,
        sha256,
    ]


def _unchanged(path: str, stamp: object) -> str | None:
    """The sha256 kept in ``stamp`` if the file at ``path`` still has its status."""
    if type(stamp) is not list or len(stamp) != 6 or type(stamp[5]) is not str:
        return None
    try:
        status = os.stat(path)
    except (OSError, ValueError):
        return None
    if not stat.S_ISREG(status.st_mode):
        return None
    now = [status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns, status.st_ctime_ns]
    return stamp[5] if stamp[:5] == now else None


def _entry(stored: object) -> tuple[dict[str, Any], dict[str, Any]]:
    """The verdicts (by key) and stamps (by locale) of an entry as read; none if it
    does not have that shape."""
    if type(stored) is list and len(stored) == 2 and all(type(p) is dict for p in stored):
        return stored[0], stored[1]
    return {}, {}


@dataclass(frozen=True, eq=False, repr=False)
class ArticleVerdicts:
    """The verdicts of one article, in the order they were asked for.

    Sent to another process, they travel as ``Detached`` records (pickling the article
    with each verdict would cost more than the verdict), with their translations or,
    ``crossing(translations=False)``, only their sha256; ``attach`` gives the verdicts
    in either form."""

    entry: str | None
    """The cache entry that holds them (None without the cache)."""
    verdicts: list[Verdict]
    keys: list[str]
    """For each verdict, the sha256 of everything it was made from ("" without the
    cache): the same key, the same verdict."""
    records: list[object] | None = None
    """Each verdict as its record, if it was read or written as one."""
    send_translations: bool = True

    def crossing(self, *, translations: bool) -> ArticleVerdicts:
        """These verdicts, to be sent to another process with their translations or not."""
        return replace(self, send_translations=translations)

    def attach(self, policies: Sequence[LocalePolicy], article: Article) -> list[Verdict]:
        """The verdicts (still with their policies and article: they did not travel)."""
        return self.verdicts

    def pending(self, policies: Sequence[LocalePolicy], article: Article) -> list[Verdict]:
        """The verdicts, as ``Detached.pending`` gives them (here: whole already)."""
        return self.verdicts

    def detached(self) -> Detached:
        """These verdicts without their policy and article, as records."""
        return Detached(
            self.entry,
            self.keys,
            self.records
            if self.records is not None
            else [_RECORD.to_plain(v) for v in self.verdicts],
            [v.translations if self.send_translations else None for v in self.verdicts],
        )

    def __reduce__(self) -> tuple[type[Detached], tuple[Any, ...]]:
        detached = self.detached()
        return Detached, (detached.entry, detached.keys, detached.records, detached.translations)


@dataclass(frozen=True, eq=False, repr=False)
class Detached:
    """``ArticleVerdicts`` as records, as they cross to another process."""

    entry: str | None
    keys: list[str]
    records: list[object]
    translations: list[Mapping[str, str] | None]

    def attach(self, policies: Sequence[LocalePolicy], article: Article) -> list[Verdict]:
        """The verdicts again, with their policies and article."""
        found = []
        for policy, record, texts in zip(policies, self.records, self.translations, strict=True):
            given = {"policy": policy, "article": article, "translations": texts}
            verdict = _RECORD.from_plain(record, given)
            if verdict is None:  # made by this run: cannot happen
                raise ValueError(f"a verdict record did not read back: {record!r}")
            found.append(verdict)
        return found

    def pending(self, policies: Sequence[LocalePolicy], article: Article) -> list[Pending]:
        """The verdicts, each with only its findings read yet (``Pending``)."""
        at, findings = _findings_field()
        found = []
        for policy, record, texts in zip(policies, self.records, self.translations, strict=True):
            if type(record) is not list or len(record) <= at:  # made by this run: cannot happen
                raise ValueError(f"a verdict record did not read back: {record!r}")
            found.append(Pending(policy, article, findings.decode(record[at]), record, texts))
        return found


@functools.cache
def _findings_field() -> tuple[int, Converter]:
    return _RECORD.field("findings")


@dataclass(frozen=True, eq=False, repr=False)
class Pending:
    """A verdict as it came back from another process: its policy, article and findings
    now, the rest read from its record when asked for (``verdict``). A build reads the
    findings of twenty thousand verdicts, and the rest only of the locales whose
    dashboard parts have to be made again."""

    policy: LocalePolicy
    article: Article
    findings: tuple[Finding, ...]
    record: object = field(repr=False)
    translations: Mapping[str, str] | None = field(repr=False)

    def verdict(self) -> Verdict:
        given = {"policy": self.policy, "article": self.article, "translations": self.translations}
        verdict = _RECORD.from_plain(self.record, given)
        if verdict is None:  # made by this run: cannot happen
            raise ValueError(f"a verdict record did not read back: {self.record!r}")
        return verdict


def complete(verdict: Verdict | Pending) -> Verdict:
    """The whole verdict, read from its record if it is pending."""
    return verdict.verdict() if isinstance(verdict, Pending) else verdict


@dataclass(frozen=True, eq=False, repr=False)
class VerdictStore:
    """The cached verdicts of one run (shared by its workers, inherited by fork)."""

    cache: Cache
    inputs: Mapping[str, str]
    """Digest of the inputs of each article (by id) and locale (by code) but the PO."""
    locales: str
    """The project's ``locales/`` directory (PO files are found by the ten thousand)."""
    prune: bool = False
    """Every locale of the project was asked for: a record nobody asked for is dropped."""

    @classmethod
    def of_project(
        cls, root: Path, locales: str, inputs: Callable[[], Mapping[str, str]], *, prune: bool
    ) -> VerdictStore:
        """The store of the project at ``root``; ``inputs()`` is called only if the
        cache is in use."""
        cache = Cache(root)
        return cls(cache, inputs() if cache.enabled else {}, locales, prune)

    def entry(self, article: Article) -> str | None:
        if not self.cache.enabled:
            return None
        return self.cache.key(KIND, self.inputs[article.id])

    def of_article(
        self, article: Article, policies: Sequence[LocalePolicy], evaluate: Evaluate
    ) -> ArticleVerdicts:
        """The verdicts of ``article`` for ``policies``: those of unchanged inputs from
        the cache, the others from ``evaluate`` (then kept for the next run)."""
        entry = self.entry(article)
        if entry is None:
            computed = [evaluate(policy, article, None) for policy in policies]
            return ArticleVerdicts(None, computed, [""] * len(computed))
        stored = unpack(KIND, self.cache.get(KIND, entry))
        records, stamps = _entry(stored)
        used: dict[str, object] = {}
        stamped: dict[str, Stamp] = {}
        made: dict[str, Mapping[str, str]] = {}
        verdicts: list[Verdict] = []
        keys: list[str] = []
        plains: list[object] = []
        for policy in policies:
            path = f"{self.locales}/{policy.code}/LC_MESSAGES/{article.id}.po"
            given = {"policy": policy, "article": article, "translations": None}
            verdict = None
            known = _unchanged(path, stamps.get(policy.code))
            if known is not None:  # not read again: it has the status it had
                key = digest(self.inputs[policy.code], known)
                record = records.get(key)
                verdict = _RECORD.from_plain(record, given) if record is not None else None
                stamped[policy.code] = stamps[policy.code]
            if verdict is None:
                po, data, status = _read_po(path)
                sha256 = hashlib.sha256(po).hexdigest()
                key = digest(self.inputs[policy.code], sha256)
                record = records.get(key)
                verdict = _RECORD.from_plain(record, given) if record is not None else None
                if verdict is None:
                    verdict = evaluate(policy, article, data)
                    record = _RECORD.to_plain(verdict)
                    assert verdict.translations is not None
                    made[verdict.translations_digest] = verdict.translations
                stamp = _stamp(status, sha256)
                if stamp is not None:
                    stamped[policy.code] = stamp
                else:
                    stamped.pop(policy.code, None)
            keys.append(f"{entry}/{key}")
            used[key] = record
            plains.append(record)
            verdicts.append(verdict)
        kept = [used, stamped] if self.prune else [{**records, **used}, {**stamps, **stamped}]
        if kept != [records, stamps]:
            self.cache.put(KIND, entry, pack(KIND, kept))
        if made:
            self._keep_translations(entry, made, {v.translations_digest for v in verdicts})
        return ArticleVerdicts(entry, verdicts, keys, plains)

    def translations(self, entry: str | None, verdict: Verdict) -> Mapping[str, str] | None:
        """The translations of ``verdict`` (of the article whose verdicts are in ``entry``):
        its own, or those kept under its digest; None if neither (a damaged or missing
        entry: evaluate it again)."""
        if verdict.translations is not None:
            return verdict.translations
        if entry is None:
            return None
        return self.kept_translations(entry).get(verdict.translations_digest)

    def kept_translations(self, entry: str) -> dict[str, dict[str, str]]:
        """The translations kept beside the verdicts of ``entry``, by digest."""
        found = unpack(TRANSLATIONS, self.cache.get(TRANSLATIONS, entry))
        if not isinstance(found, dict):
            return {}
        texts: dict[str, dict[str, str]] = {}
        for name, plain in found.items():
            try:
                texts[name] = _TEXTS.decode(plain)
            except (ValueError, TypeError, AttributeError):
                continue
        return texts

    def _keep_translations(
        self, entry: str, made: Mapping[str, Mapping[str, str]], wanted: set[str]
    ) -> None:
        """Keep ``made`` beside the verdicts of ``entry``, with those kept before that
        the verdicts still name."""
        before = self.kept_translations(entry) if made.keys() != wanted or not self.prune else {}
        texts: dict[str, Mapping[str, str]] = {
            k: v for k, v in before.items() if k in wanted or not self.prune
        }
        texts.update(made)
        plain = {name: _TEXTS.encode(texts[name]) for name in sorted(texts)}
        self.cache.put(TRANSLATIONS, entry, pack(TRANSLATIONS, plain))
