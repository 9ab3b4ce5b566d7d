"""What a run keeps in the cache once it is over.

Each record module names the entries a run used; ``prune`` is the one place that
decides what stays: of every kind the run looked at in full, exactly the entries it
used, and nothing of a kind it did not (a ``check --locale fr`` keeps the verdicts
of the other locales; the articles, and the templates and catalogs ``extract`` and
``update`` found current, are kept whatever was asked).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from pipeline.cache import Cache

__all__ = ["prune"]


def prune(cache: Cache, used: Mapping[str, Iterable[str | None]]) -> int:
    """Delete every entry of the kinds in ``used`` but those listed for it (None, for a
    result made without the cache, is ignored); return how many went."""
    removed = 0
    for kind, keys in used.items():
        removed += cache.prune(kind, (k for k in keys if k is not None))
    return removed
