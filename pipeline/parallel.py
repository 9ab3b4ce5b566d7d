"""Running independent pieces of work (one PO file, one page) on every core.

``map_ordered`` runs a function over items in worker processes forked from the
current one, so they share what it has already loaded (the project and its
articles) without copying it through pickles; only the small items and the
results travel. Results come back in the order of the items, so what a pool
computes is exactly what a loop would: output never depends on the number of
workers. Small jobs, one core, ``CARELOC_JOBS=1`` or a platform without ``fork``
run in a plain loop in this process.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

from pipeline.progress import track

__all__ = ["ENV_JOBS", "MIN_ITEMS", "jobs", "map_ordered"]

ENV_JOBS = "CARELOC_JOBS"
MIN_ITEMS = 64
"""Below this many items a pool costs more (forking, pickling) than it saves."""

T = TypeVar("T")
R = TypeVar("R")
S = TypeVar("S")

_shared: Any = None


def jobs() -> int:
    """How many processes to use: ``CARELOC_JOBS`` if set, else the usable CPUs."""
    value = os.environ.get(ENV_JOBS, "").strip()
    if value.isdigit() and int(value) > 0:
        return int(value)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


COLLECT_AFTER = 100_000
"""A worker collects garbage between items, once this many objects were made since."""


def _start_worker() -> None:
    """In a worker, the collector does not run on its own: in the middle of an item it
    would walk every object the item is still working with (tens of thousands), only
    to find them alive. ``_call`` collects between items instead."""
    gc.disable()


def _call(task: tuple[Callable[[Any, Any], Any], Any]) -> Any:
    func, item = task
    if gc.get_count()[0] > COLLECT_AFTER:  # what the last items left: mostly freed already
        gc.collect(0)
    return func(_shared, item)


def map_ordered(
    func: Callable[[S, T], R],
    shared: S,
    items: Sequence[T],
    *,
    label: str = "",
    min_items: int | None = None,
    meanwhile: Callable[[], object] | None = None,
    arrived: Callable[[int, R], object] | None = None,
) -> list[R]:
    """``[func(shared, item) for item in items]``, on ``jobs()`` processes when there
    are enough items. ``func`` must be a module-level function; ``shared`` reaches the
    workers by ``fork``, never pickled; items and results must pickle. A progress bar
    named ``label`` advances as results come in (see ``pipeline.progress``).
    ``meanwhile`` is called once in this process while the workers run (independent
    work that would otherwise wait for them); ``arrived(i, result)`` in this process
    for each result in order, as it comes in (its work is done while the workers
    make the next ones, not after the last)."""
    workers = min(jobs(), len(items))
    threshold = MIN_ITEMS if min_items is None else min_items
    if (
        workers <= 1
        or len(items) < threshold
        or "fork" not in multiprocessing.get_all_start_methods()
    ):
        if meanwhile is not None:
            meanwhile()
        return _each([func(shared, item) for item in track(items, label)], arrived)
    global _shared
    _shared = shared
    # Objects the workers inherit stay in pages shared with this process only as long as
    # nothing writes to them; frozen, the workers' garbage collector leaves them alone.
    # This process keeps what arrives (verdicts, pages): walking it again and again as it
    # comes in would find it alive. Once the workers are done, it joins the oldest
    # generation unwalked (a frozen object unfrozen goes there).
    gc.freeze()
    collecting = gc.isenabled()
    gc.disable()
    try:
        chunk = max(1, len(items) // (workers * 8))
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(workers, context, _start_worker) as pool:
            results = pool.map(_call, [(func, item) for item in items], chunksize=chunk)
            if meanwhile is not None:
                meanwhile()
            return _each(track(results, label, total=len(items)), arrived)
    finally:
        gc.freeze()
        gc.unfreeze()
        if collecting:
            gc.enable()
        _shared = None


def _each(results: Iterable[R], arrived: Callable[[int, R], object] | None) -> list[R]:
    """``list(results)``, calling ``arrived(i, result)`` on each as it comes."""
    if arrived is None:
        return list(results)
    found = []
    for index, result in enumerate(results):
        arrived(index, result)
        found.append(result)
    return found
