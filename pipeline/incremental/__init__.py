"""Skipping unchanged work: the one layer between the stages and the cache.

The stages ask it for a result *or* compute it ("the verdicts of these inputs, or
evaluate them"; "the page for this key, or render it"); it alone knows how a
result is keyed, how it is turned into bytes and back, and what is kept after a
run:

- ``codec``: one versioned codec from typed records (dataclasses, enums, tuples,
  mappings) to bytes and back; anything malformed reads as a miss, never a crash.
- ``records``: the records kept (an article, the verdicts of an article, the
  pages of an article, a dashboard fragment) and the keys they are found by.
- ``pages``: pages of the previous build that can be kept as they are.
- ``prune``: what a run keeps once it is over.

The store itself (authenticated entries, atomic writes, no links followed) is
``pipeline.cache``. The submodules are imported by name (``pipeline.incremental.
records``): this file imports nothing, so that loading one of them never loads
the stages another one serves.
"""

__all__: list[str] = []
