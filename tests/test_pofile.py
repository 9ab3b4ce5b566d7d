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


@pytest.mark.slow
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


# -- what gettext writes, read and written back -------------------------------------------
CORPUS = sorted(PO.glob("corpus-*.po"))
needs_msgfmt = pytest.mark.skipif(
    not (shutil.which("msgfmt") and shutil.which("msgcat")), reason="GNU gettext not installed"
)


def _entries(catalog) -> list:
    """Everything each entry says, obsolete ones included."""
    return [
        (
            m.context,
            m.id,
            m.string,
            sorted(m.flags),
            m.previous_id,
            pofile.previous_context(m),
            " ".join(" ".join(m.user_comments).split()),
        )
        for m in [*pofile.entries(catalog), *catalog.obsolete.values()]
    ]


def _msgfmt_check(path: Path) -> None:
    result = subprocess.run(
        ["msgfmt", "--check", "-o", "/dev/null", str(path)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


@needs_msgfmt
@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name)
def test_what_gettext_and_its_editors_write_survives_read_write_read(
    path: Path, tmp_path: Path
) -> None:
    """read -> write -> msgfmt --check -> read gives the same entries; GNU msgcat reads
    the written file the same way too (it is the referee for #~| and obsolete flags)."""
    _msgfmt_check(path)
    first = read_po(path.read_bytes(), path.name)
    assert pofile.PoEntries.of(first) == pofile.read_entries(path.read_bytes(), path.name)
    written = tmp_path / path.name
    written.write_bytes(render_po(first))
    _msgfmt_check(written)
    again = read_po(written.read_bytes(), path.name)
    assert _entries(again) == _entries(first)
    assert content_key(again) == content_key(first)
    assert render_po(again) == written.read_bytes()
    by_gettext = tmp_path / f"msgcat-{path.name}"
    subprocess.run(["msgcat", "-o", str(by_gettext), str(written)], check=True)
    assert _entries(read_po(by_gettext.read_bytes(), path.name)) == _entries(first)


def test_obsolete_entries_keep_flags_previous_msgids_and_long_text() -> None:
    catalog = read_po((PO / "corpus-msgmerge-es.po").read_bytes(), "es.po")
    gone = {m.context: m for m in catalog.obsolete.values()}
    untreated = gone["complications/untreated-complications"]
    assert untreated.fuzzy
    assert untreated.previous_id == ["Prolonged numbness can lead to complications."]
    assert pofile.previous_context(untreated) == "complications/untreated"
    assert untreated.user_comments == ["entrada retirada"]
    assert gone["symptoms/legs"].previous_id == ["one leg", "%d legs"]
    long = "ab " * 23 + "z."
    assert gone["symptoms/long"].string == long
    again = read_po(render_po(catalog), "es.po")
    assert {m.context: m.string for m in again.obsolete.values()}["symptoms/long"] == long
    text = render_po(catalog).decode()
    assert '#, fuzzy\n#~| msgctxt "complications/untreated"\n#~| msgid ' in text
    active = catalog.get(
        "You should talk to a doctor if your numbness lasts more than a few hours.",
        context="treatment/see-a-doctor",
    )
    assert pofile.previous_context(active) == "treatment/see-doctor"
    assert '#| msgctxt "treatment/see-doctor"\n#| msgid ""' in text


def test_date_only_header_dates_are_read_and_kept() -> None:
    data = (PO / "corpus-msgmerge-es.po").read_bytes()
    assert b"PO-Revision-Date: 2026-11-25\\n" in render_po(read_po(data, "es.po"))
    data = (PO / "corpus-transifex-pl.po").read_bytes()
    assert b"POT-Creation-Date: 2026-11-20\\n" in render_po(read_po(data, "pl.po"))
    assert pofile.read_entries(data, "pl.po") == pofile.PoEntries.of(read_po(data, "pl.po"))


def test_empty_plural_forms_beyond_nplurals_are_accepted_as_msgfmt_does() -> None:
    catalog = read_po((PO / "corpus-poedit-de.po").read_bytes(), "de.po")
    assert catalog.get(("%d day", "%d days"), context="symptoms/days").string == ("", "")
    padded = (PO / "corpus-poedit-de.po").read_bytes().replace(b'msgstr[2] ""', b'msgstr[2] "Tage"')
    with pytest.raises(ContentError) as info:  # a translation msgfmt --check refuses too
        read_po(padded, "de.po")
    assert info.value.findings[0].code == "po-syntax"


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ('msgid "a"\nmsgstr "x"\nmsgstr "y"\n', 3, "a second msgstr"),
        ('msgid "a"\nmsgstr[0] "x"\n', 2, "msgstr[0] without msgid_plural"),
        ('msgid "a"\nmsgid_plural "as"\nmsgstr "x"\n', 3, "msgid_plural needs msgstr[0]"),
        ('msgid "a"\nmsgid_plural "as"\nmsgstr[0] "x"\nmsgstr[0] "y"\n', 4, "second msgstr[0]"),
        ('#~ msgid "a"\n#~ msgstr "x"\n#~ msgstr "y"\n', 3, "a second msgstr"),
    ],
)
def test_what_msgfmt_refuses_is_refused_at_its_line(text: str, line: int, words: str) -> None:
    data = HEADER + text.encode()
    for reader in (read_po, pofile.read_entries):
        with pytest.raises(ContentError) as info:
            reader(data, "x.po")
        (finding,) = info.value.findings
        assert finding.code == "po-syntax" and words in finding.message
        assert finding.location.line == line + HEADER.count(b"\n")


HEADER = (
    b'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
    b'"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n\n'
)


@given(
    st.lists(
        st.one_of(
            st.text(max_size=5),
            st.sampled_from(
                ["\r\n", "\n", "\r", "\x0b", "\x0c", "\x1c", "\x85", "\u2028", "\u2029", "\n\n"]
            ),
        )
    ).map("".join)
)
def test_lines_of_is_splitlines(text: str) -> None:
    assert list(pofile.lines_of(text)) == text.splitlines()


def test_one_header_reader_finds_each_field_where_a_writer_put_it() -> None:
    """Fields on the msgstr line itself, wrapped over lines, repeated: the first wins."""
    text = (
        '# comment\nmsgid ""\nmsgstr "Language: de\\n"\n"Plural-Forms: nplurals=2; "\n'
        '"plural=(n != 1);\\n"\n"Language: fr\\n"\n\nmsgid "a"\nmsgstr "b"\n'
    )
    fields, lines, start = pofile.read_header(text)
    assert start == 3
    assert fields == {"language": "de", "plural-forms": "nplurals=2; plural=(n != 1);"}
    assert lines == {"language": 3, "plural-forms": 4}


@pytest.mark.parametrize("command", ["update", "check"])
def test_header_errors_point_at_the_field(project_copy: Path, run, command: str) -> None:
    path = project_copy / "locales" / "fr" / "LC_MESSAGES" / "numbness-of-the-legs.po"
    text = path.read_text(encoding="utf-8").replace('"Language: fr\\n"', '"Language: es\\n"')
    path.write_text(text, encoding="utf-8")
    line = text[: text.index('"Language: es')].count("\n") + 1
    code, out, err = run(project_copy, command)
    assert code == 1
    assert f"locales/fr/LC_MESSAGES/numbness-of-the-legs.po:{line}: error: [header-language]" in (
        out + err
    )


def test_a_huge_nplurals_on_the_msgstr_line_is_refused_at_that_line() -> None:
    data = b'msgid ""\nmsgstr "Plural-Forms: nplurals=9; plural=n;\\n"\n'
    with pytest.raises(ContentError) as raised:
        read_po(data, "x.po")
    assert [f.format() for f in raised.value.findings] == [
        "x.po:2: error: [header-plural-forms] nplurals=9: no language has more than 6 plural forms"
    ]
