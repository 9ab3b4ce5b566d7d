"""A tiny terminal progress bar for long runs, drawn on stderr only when it is a terminal.

Library code wraps its long loops in ``track(items, label)``, which yields the items
unchanged and draws nothing unless the command line has turned progress on with
``enabled(stream)`` (as logging is configured only by the application). Even then the
bar appears only if the stream is a terminal: piped or captured output stays quiet, so
CI logs and ``--format json`` output are never mixed with bar drawing.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable, Iterator, Sized
from contextlib import contextmanager
from typing import TextIO, TypeVar

__all__ = ["Bar", "enabled", "track"]

T = TypeVar("T")

BAR_WIDTH = 24
_CLEAR = "\r\x1b[K"  # carriage return + erase to end of line (ECMA-48 EL)

_stream: TextIO | None = None


@contextmanager
def enabled(stream: TextIO) -> Iterator[None]:
    """Draw progress bars on ``stream`` (if it is a terminal) while the block runs."""
    global _stream
    previous, _stream = _stream, stream if _is_terminal(stream) else None
    try:
        yield
    finally:
        _stream = previous


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # closed or not a real file
        return False


class Bar:
    """One progress bar: ``advance()`` after each step, ``close()`` to erase it."""

    def __init__(self, label: str, total: int, stream: TextIO | None) -> None:
        self.label = label
        self.total = max(total, 0)
        self.done = 0
        self.stream = stream

    def line(self, detail: str = "", width: int = 80) -> str:
        """The bar as text, fitted into ``width`` columns:
        ``label [#########...............] 3/8 detail`` (``label 3 detail`` when the
        total is unknown)."""
        if self.total:
            filled = BAR_WIDTH * self.done // self.total
            bar = "#" * filled + "." * (BAR_WIDTH - filled)
            text = f"{self.label} [{bar}] {self.done}/{self.total}"
        else:  # length unknown: count only
            text = f"{self.label} {self.done}"
        if detail:
            text += f" {detail}"
        return text[: max(width - 1, 0)]  # never wrap: \r only returns within a line

    def advance(self, detail: str = "") -> None:
        self.done = min(self.done + 1, self.total) if self.total else self.done + 1
        self.draw(detail)

    def close(self) -> None:
        if self.stream is not None:
            self.stream.write(_CLEAR)
            self.stream.flush()

    def draw(self, detail: str = "") -> None:
        if self.stream is None:
            return
        width = shutil.get_terminal_size((80, 24)).columns
        self.stream.write(_CLEAR + self.line(detail, width))
        self.stream.flush()


def track(
    items: Iterable[T],
    label: str,
    *,
    total: int | None = None,
    describe: Callable[[T], str] | None = None,
) -> Iterator[T]:
    """Yield ``items`` unchanged, advancing a bar after each one while progress is
    ``enabled`` on a terminal; ``describe(item)`` names the step being worked on.
    The bar is erased when the loop ends or is left early."""
    stream = _stream
    if stream is None:
        yield from items
        return
    if total is None:
        total = len(items) if isinstance(items, Sized) else 0
    bar = Bar(label, total, stream)
    try:
        for item in items:
            bar.draw(describe(item) if describe else "")
            yield item
            bar.done += 1  # drawn with the next item; the bar is erased at the end
    finally:
        bar.close()
