"""Tests for the terminal progress bar: drawn on a terminal, silent anywhere else."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline import progress
from pipeline.progress import Bar, enabled, track

Run = Callable[..., tuple[int, str, str]]
CLEAR = "\r\x1b[K"


class Terminal(io.StringIO):
    """A text stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def test_bar_is_drawn_on_a_terminal_and_erased_at_the_end() -> None:
    stream = Terminal()
    with enabled(stream):
        items = list(track(["es", "fr", "de"], "check", describe=str.upper))
    assert items == ["es", "fr", "de"]
    text = stream.getvalue()
    assert "check [" in text and "0/3 ES" in text and "2/3 DE" in text
    assert text.endswith(CLEAR)  # nothing left on the line for the next output
    assert "\n" not in text


def test_nothing_is_written_when_the_stream_is_not_a_terminal() -> None:
    stream = io.StringIO()
    with enabled(stream):
        assert list(track(range(5), "update")) == [0, 1, 2, 3, 4]
    assert stream.getvalue() == ""


def test_nothing_is_written_unless_the_application_enables_progress() -> None:
    # Library code calls track() all the time; only the command line turns it on.
    assert progress._stream is None
    assert list(track(range(3), "build")) == [0, 1, 2]


def test_leaving_a_loop_early_erases_the_bar_and_restores_the_setting() -> None:
    stream = Terminal()
    with pytest.raises(RuntimeError), enabled(stream):
        for item in track(range(10), "build"):
            if item == 2:
                raise RuntimeError("stop")
    assert stream.getvalue().endswith(CLEAR)
    assert progress._stream is None


def test_bar_text_fits_the_terminal_and_counts() -> None:
    bar = Bar("update", 4, None)
    assert bar.line() == "update [........................] 0/4"
    bar.advance()
    bar.advance()
    assert bar.line().startswith("update [############............] 2/4")
    assert len(bar.line("x" * 200, width=40)) == 39  # never wraps onto a second line
    unknown = Bar("check", 0, None)
    unknown.advance()
    assert unknown.line("es") == "check 1 es"


def test_generator_without_length_counts_only() -> None:
    stream = Terminal()
    with enabled(stream):
        list(track((n for n in range(2)), "check"))
    assert "check 1" in stream.getvalue() and "/" not in stream.getvalue()


def test_cli_output_is_not_mixed_with_bars_when_captured(project_copy: Path, run: Run) -> None:
    code, out, err = run(project_copy, "status", "--format", "json")
    assert code == 0 and out.startswith("{")
    assert "\r" not in err and "\x1b" not in err
    code, _, err = run(project_copy, "update")
    assert code == 0 and "\r" not in err
