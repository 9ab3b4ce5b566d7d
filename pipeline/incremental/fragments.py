"""Parts of pages already rendered: a locale's part of the dashboard, the index.

A dashboard fragment (a locale's overview row, its section, whether it is ready)
is found by the locale's policy and the keys of the verdicts it shows; the index
by the articles exported and the languages of each. A build after one PO file
changed makes one locale's fragment of twenty and takes the index as it was."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from pipeline.cache import Cache
from pipeline.incremental.codec import Shape, pack, unpack

__all__ = ["DASHBOARD", "INDEX", "Fragment", "Fragments"]

DASHBOARD = "dashboard"
INDEX = "index"


@dataclass(frozen=True)
class Fragment:
    """One locale's part of the dashboard."""

    row: str
    section: str
    ready: bool


_FRAGMENT = Shape(Fragment)


@dataclass(eq=False, repr=False)
class Fragments:
    """The fragments of one build, and the keys it used (what ``prune`` keeps)."""

    cache: Cache
    used: dict[str, list[str]] = field(default_factory=lambda: {DASHBOARD: [], INDEX: []})

    def locale(
        self,
        policy: str,
        verdict_keys: Iterable[tuple[str, str]],
        render: Callable[[], Fragment],
    ) -> Fragment:
        """The fragment of the locale of ``policy`` (its ``repr``) showing the verdicts
        of ``verdict_keys`` (article id, key of the verdict), or ``render()`` (kept for
        the next build)."""
        shown = (f"{article}\0{key}" for article, key in verdict_keys)
        key = self.cache.key(DASHBOARD, "verdicts", policy, *shown)
        self.used[DASHBOARD].append(key)
        known = _FRAGMENT.from_plain(unpack(DASHBOARD, self.cache.get(DASHBOARD, key)))
        if known is None:
            known = render()
            self.cache.put(DASHBOARD, key, pack(DASHBOARD, _FRAGMENT.to_plain(known)))
        return known

    def index(
        self, exported: Iterable[tuple[str, Sequence[str]]], render: Callable[[], bytes]
    ) -> bytes:
        """``index.html`` for ``exported`` (per article: its digest and the codes of its
        languages), or ``render()`` (kept for the next build)."""
        key = self.cache.key(INDEX, *(f"{digest}\0{','.join(codes)}" for digest, codes in exported))
        self.used[INDEX].append(key)
        page = self.cache.get(INDEX, key)
        if page is None:
            page = render()
            self.cache.put(INDEX, key, page)
        return page
