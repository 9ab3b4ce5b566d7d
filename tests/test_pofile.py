"""PO reading and writing: round trips keep what translators and other tools wrote."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from babel.messages import pofile as babel_pofile
from hypothesis import given
from hypothesis import strategies as st

from pipeline import pofile
from pipeline.errors import ContentError
from pipeline.pofile import content_key, read_po, render_po

from .conftest import DATA

PO = DATA / "po"


def read(name: str):
    return read_po((PO / name).read_bytes(), f"locales/es/LC_MESSAGES/{name}")


def test_previous_msgid_flags_and_unknown_headers_survive_a_round_trip() -> None:
    catalog = read("previous.po")
    message = catalog.get(
        "The new English sentence that is quite long and wraps over more than one line too.",
        context="s/p",
    )
    assert message.previous_id == [
        "The old English sentence that was quite long and wrapped over more than one line in "
        "the file."
    ]
    assert message.flags == {"fuzzy"}
    # Babel would invent python-format for "50%"; msgfmt would then demand format strings.
    assert catalog.get("50% of patients", context="s/rate").flags == set()
    text = render_po(catalog).decode()
    assert "X-Generator: Poedit 3.4" in text
    assert '#| msgid ""\n#| "The old English' in text
    assert "python-format" not in text
    assert '#~ msgctxt "s/gone"' in text
    again = read_po(text.encode(), "x.po")
    assert content_key(again) == content_key(catalog)
    assert render_po(again) == render_po(catalog)


@pytest.mark.skipif(not shutil.which("msgfmt"), reason="GNU msgfmt not installed")
def test_rendered_po_passes_msgfmt_check(tmp_path: Path) -> None:
    out = tmp_path / "x.po"
    out.write_bytes(render_po(read("previous.po")))
    result = subprocess.run(
        ["msgfmt", "--check", "-o", "/dev/null", str(out)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("name", "line", "words"),
    [
        ("unterminated.po", 8, "unterminated string"),
        ("bad-keyword.po", 7, "msgstring"),
        ("duplicate.po", 10, "duplicate"),
        ("bad-utf8.po", 7, "invalid UTF-8"),
    ],
)
def test_broken_po_is_reported_with_its_line(name: str, line: int, words: str) -> None:
    with pytest.raises(ContentError) as info:
        read(name)
    (finding,) = info.value.findings
    assert finding.location.line == line
    assert words in finding.message
    assert finding.format().startswith(f"locales/es/LC_MESSAGES/{name}:{line}")
    assert ": error: [" in finding.format()


def test_nul_byte_is_rejected() -> None:
    data = (PO / "previous.po").read_bytes().replace(b"La antigua", b"La \x00antigua")
    with pytest.raises(ContentError) as info:
        read_po(data, "x.po")
    assert info.value.findings[0].location.line == 18


@given(
    st.lists(
        st.one_of(
            st.text(max_size=4),
            st.sampled_from(
                ["\\", "\\\\", '\\"', "\\n", "\\t", "\\r", "\\a", "\\b", "\\f", "\\v", "\\x", '"']
            ),
        ),
        max_size=10,
    ).map("".join)
)
def test_unescape_reads_strings_as_babel_does(body: str) -> None:
    quoted = f'"{body}"'
    assert pofile.unescape(quoted) == babel_pofile.unescape(quoted)
