"""Property-based tests (Hypothesis): arbitrary input never makes the PO reader, the YAML
loader or the HTML renderer fail with anything but a located error, what is written is
read back the same, and ``update`` never loses a translation."""

from __future__ import annotations

import functools
import json
from html.parser import HTMLParser
from typing import Any

import pytest
import yaml
from babel.messages.pofile import PoFileError
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import yamlfile
from pipeline.babel_compat import key_for
from pipeline.catalogs import merge
from pipeline.errors import ContentError
from pipeline.export import Renderer
from pipeline.model import Article
from pipeline.pofile import (
    PoCatalog,
    PoEntries,
    _babel_po,
    _check_syntax,
    _fill,
    _Parser,
    _scan_entries,
    _text,
    content_key,
    entries,
    plain_message,
    previous_context,
    read_entries,
    read_po,
    render_po,
    takes_header,
)
from pipeline.source import load_article
from pipeline.yamlfile import parse_yaml

from .conftest import REPO

pytestmark = pytest.mark.slow  # hypothesis property tests

ARTICLE = "numbness-of-the-legs"
SOURCE = REPO / "source" / f"{ARTICLE}.yaml"
SCHEMA = REPO / "schemas" / "article.schema.json"
EXAMPLES = settings(max_examples=200, deadline=None)

# Text a PO or YAML file can carry: anything but lone surrogates (not UTF-8) and NUL.
TEXT = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=80)
# A few characters that matter to the formats, mixed in often.
SPICE = st.sampled_from(
    ['"', "\\", "\n", "\r", "\t", "\x0c", "\x85", "\u2028", "#", ":", "&", "<", ">", "'", " "]
)
RICH = st.lists(st.one_of(TEXT, SPICE), max_size=8).map("".join)


def _located(exc: ContentError, path: str) -> None:
    assert exc.findings, "a ContentError must say what is wrong"
    for finding in exc.findings:
        assert finding.location is not None and finding.location.path == path
        assert finding.format().startswith(f"{path}:") or finding.format().startswith(f"{path}: ")


# -- the PO reader ----------------------------------------------------------------------------
PO_LINES = st.lists(
    st.one_of(
        st.sampled_from(
            [
                'msgid ""',
                'msgstr ""',
                '"Content-Type: text/plain; charset=UTF-8\\n"',
                '"Language: es\\n"',
                '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"',
                "#, fuzzy",
                "#| msgid ",
                "#| msgctxt ",
                "#| msgid_plural ",
                "#~| msgid ",
                "#~| msgctxt ",
                "#~ ",
                "#. comment",
                "#: source/x.yaml:3",
                "",
                "msgid_plural ",
                "msgstr[0] ",
                "msgstr[1] ",
                "msgctxt ",
                "msgid ",
                "msgstr ",
            ]
        ),
        RICH.map(lambda t: json.dumps(t, ensure_ascii=False)),  # a quoted string
        RICH,
    ),
    max_size=30,
)


@EXAMPLES
@given(st.binary(max_size=400))
def test_po_reader_never_crashes_on_bytes(data: bytes) -> None:
    try:
        read_po(data, "locales/es/LC_MESSAGES/x.po")
    except ContentError as exc:
        _located(exc, "locales/es/LC_MESSAGES/x.po")


@EXAMPLES
@given(PO_LINES)
def test_po_reader_never_crashes_on_po_like_text(lines: list[str]) -> None:
    data = "\n".join(lines).encode("utf-8", "surrogatepass")
    try:
        read_po(data, "x.po")
    except ContentError as exc:
        _located(exc, "x.po")


@EXAMPLES
@given(PO_LINES)
def test_the_fast_reader_takes_only_what_the_syntax_check_accepts(lines: list[str]) -> None:
    """``read_po`` skips the line-by-line syntax check when ``_scan_entries`` reads the
    text: the fast reader must never take a line that check rejects."""
    text = "\n".join(lines)
    if _scan_entries(text) is not None:
        _check_syntax(text.split("\n"), "x.po")  # raises ContentError if not


def _babel_read(text: str) -> PoCatalog:
    """What ``read_po`` would return through Babel's parser alone (the slow path)."""
    catalog = PoCatalog(charset="utf-8")
    _Parser(catalog, "x.po").parse(text.split("\n"))
    return catalog


def _everything(catalog: PoCatalog) -> Any:
    """All that a catalog read from a file holds, line numbers included."""
    return (
        content_key(catalog),
        [(m.context, m.id, m.string, m.lineno, sorted(m.flags)) for m in entries(catalog)],
        [(m.context, m.id, m.string, m.lineno, sorted(m.flags)) for m in catalog.obsolete.values()],
        [
            (m.context, m.id, m.previous_id, previous_context(m), m.locations)
            for m in [*entries(catalog), *catalog.obsolete.values()]
        ],
        catalog.header_comment,
        catalog.fuzzy,
        catalog.mime_headers,
        catalog.locale_identifier,
    )


def _same_as_babel(text: str) -> bool:
    """If the fast reader takes ``text``, it reads what Babel's parser reads: entries,
    contexts, ids, strings, flags, comments, previous msgids, obsolete entries, line
    numbers, header. Returns whether it took it."""
    fast = PoCatalog(charset="utf-8")
    scanned = _scan_entries(text)
    if scanned is None or not _fill(fast, scanned):
        return False
    try:
        slow = _babel_read(text)
    except (PoFileError, ValueError) as exc:
        raise AssertionError(f"Babel refuses what the fast reader took: {exc}") from None
    assert _everything(fast) == _everything(slow)
    return True


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


PLAIN_TEXT = st.text(st.characters(exclude_categories=["Cs", "Cc"]), max_size=20)
PIECES = st.lists(PLAIN_TEXT, min_size=1, max_size=3)


def _entry(
    comments: list[str],
    previous: tuple[str | None, str] | None,
    context: list[str] | None,
    msgid: list[str],
    msgstr: list[str],
    obsolete: bool,
) -> tuple[list[str], tuple[str | None, str]]:
    """The lines of one well-formed entry (strings wrapped as the pieces say), and its
    key: msgctxt and msgid."""

    def keyword(name: str, pieces: list[str]) -> list[str]:
        lines = [f"{name} {_quoted(pieces[0])}", *map(_quoted, pieces[1:])]
        return [("#~ " if obsolete else "") + line for line in lines]

    mark = "#~|" if obsolete else "#|"  # as msgmerge --previous writes them
    old: list[str] = []
    if previous is not None:
        if previous[0] is not None:
            old.append(f"{mark} msgctxt {_quoted(previous[0])}")
        old.append(f"{mark} msgid {_quoted(previous[1])}")
    lines = [
        *comments,
        *old,
        *(keyword("msgctxt", context) if context is not None else []),
        *keyword("msgid", msgid),
        *keyword("msgstr", msgstr),
        "",
    ]
    return lines, ("".join(context) if context is not None else None, "".join(msgid))


ENTRY_LINES = st.builds(
    _entry,
    st.lists(
        st.one_of(
            st.sampled_from(["#, fuzzy", "#, fuzzy, c-format", "#,", "#", "# careloc: x"]),
            PLAIN_TEXT.map(lambda t: "# " + t),
            PLAIN_TEXT.map(lambda t: "#. " + t),
            st.sampled_from(["#: source/a.yaml:3", "#: a.yaml b.yaml:12", "#: x:1 x:1"]),
        ),
        max_size=4,
    ),
    st.one_of(st.none(), st.tuples(st.one_of(st.none(), PLAIN_TEXT), PLAIN_TEXT)),
    st.one_of(st.none(), PIECES),
    PIECES,
    PIECES,
    st.booleans(),
)
HEADER_LINES = [
    "# A header comment",
    'msgid ""',
    'msgstr ""',
    '"Language: es\\n"',
    '"Content-Type: text/plain; charset=UTF-8\\n"',
    '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"',
    "",
]


@EXAMPLES
@given(PO_LINES)
def test_the_fast_reader_reads_po_like_text_as_babel_does(lines: list[str]) -> None:
    _same_as_babel("\n".join(lines))


@EXAMPLES
@given(st.booleans(), st.lists(ENTRY_LINES, max_size=8))
def test_the_fast_reader_reads_well_formed_catalogs_as_babel_does(
    header: bool, entries_: list[tuple[list[str], tuple[str | None, str]]]
) -> None:
    lines = [ln for e, _ in entries_ for ln in e]
    text = "\n".join([*(HEADER_LINES if header else []), *lines])
    taken = _same_as_babel(text)
    # Every entry is well formed: only a repeated key (or a second header) is left to Babel.
    keys = [key for _, key in entries_ if key[1] or header]
    assert taken or len(set(keys)) < len(keys)


def test_the_fast_reader_reads_every_shipped_catalog_as_babel_does() -> None:
    files = [
        *sorted((REPO / "locales").glob("*/LC_MESSAGES/*.po")),
        *sorted((REPO / "locales" / "templates").glob("*.pot")),
        *sorted((REPO / "pipeline" / "ui").glob("*.po*")),
        *sorted((REPO / "tests" / "data" / "po").glob("*.po")),
    ]
    taken = [path for path in files if _same_as_babel(path.read_bytes().decode("utf-8", "replace"))]
    # Every catalog careloc ships takes the fast path; the broken fixtures do not.
    assert len(taken) >= 14
    assert all(p in taken for p in files if "tests" not in p.parts)
    assert REPO / "tests" / "data" / "po" / "duplicate.po" not in taken


def _babel(data: bytes) -> PoCatalog:
    """``read_po`` by Babel's parser alone, the same checks and errors around it."""
    return _babel_po(_text(data, "x.po"), "x.po")


def _same_entries(text: str) -> None:
    """``read_entries`` and ``read_po`` read what Babel's parser reads, or refuse it
    with the same findings."""
    data = text.encode("utf-8", "surrogatepass")
    try:
        catalog = _babel(data)
    except ContentError as exc:
        with pytest.raises(ContentError) as raised:
            read_entries(data, "x.po")
        assert raised.value.findings == exc.findings
        with pytest.raises(ContentError) as raised:
            read_po(data, "x.po")
        assert raised.value.findings == exc.findings
        return
    assert read_entries(data, "x.po") == PoEntries.of(catalog)
    assert _everything(read_po(data, "x.po")) == _everything(catalog)


@EXAMPLES
@given(PO_LINES)
def test_the_gate_reader_reads_po_like_text_as_babel_does(lines: list[str]) -> None:
    _same_entries("\n".join(lines))


@EXAMPLES
@given(st.booleans(), st.lists(ENTRY_LINES, max_size=8))
def test_the_gate_reader_reads_well_formed_catalogs_as_babel_does(
    header: bool, entries_: list[tuple[list[str], tuple[str | None, str]]]
) -> None:
    lines = [ln for e, _ in entries_ for ln in e]
    _same_entries("\n".join([*(HEADER_LINES if header else []), *lines]))


ODD_COMMENTS = st.sampled_from(
    ["#: a.yaml:x", "#: \u2068a b.yaml\u2069:3", "#: \u2068a.yaml", "#-", "#|", "#", "#.", "#:"]
)
"""Comments Babel reads its own way or refuses: the gate reader, which files no
reference, extracted comment or previous msgid, must read around them as Babel does."""


@EXAMPLES
@given(st.booleans(), st.lists(st.tuples(ENTRY_LINES, ODD_COMMENTS), max_size=6))
def test_the_gate_reader_reads_odd_comments_as_babel_does(
    header: bool, entries_: list[tuple[tuple[list[str], Any], str]]
) -> None:
    lines = [ln for (e, _), odd in entries_ for ln in [odd, *e]]
    _same_entries("\n".join([*(HEADER_LINES if header else []), *lines]))


@EXAMPLES
@given(st.booleans(), st.lists(ENTRY_LINES, max_size=8), st.sampled_from(["", "\n", "\n\n"]))
def test_the_fast_reader_reads_catalogs_with_any_gaps_as_babel_does(
    header: bool, entries_: list[tuple[list[str], tuple[str | None, str]]], gap: str
) -> None:
    blocks = ["\n".join(e) for e, _ in entries_]
    text = gap.join([*(["\n".join(HEADER_LINES)] if header else []), *blocks])
    taken = _same_as_babel(text)
    keys = [key for _, key in entries_ if key[1] or header]
    assert taken or len(set(keys)) < len(keys) or not entries_


HEADER_FIELDS = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "Language: es",
                "Language: pt-BR",
                "Language: ",
                "Language: x!",
                "Language: 12",
                "Language: zz_ZZ",
                "POT-Creation-Date: 2012-11-12 00:00+0000",
                "POT-Creation-Date: 2012-11-12 00:00",
                "POT-Creation-Date: 2012-13-12 00:00+0000",
                "POT-Creation-Date: yesterday",
                "PO-Revision-Date: YEAR-MO-DA HO:MI+ZONE",
                "PO-Revision-Date: 2012-11-12 00:00+0000",
                "PO-Revision-Date: 2012-11-12",
                "Plural-Forms: nplurals=2; plural=(n != 1);",
                "Plural-Forms: nplurals=x; plural=(n != 1);",
                "Plural-Forms: plural=n;",
                "Content-Type: text/plain; charset=UTF-8",
                "Content-Type: text/plain; charset=CHARSET",
                "X-Generator: Poedit 3.4",
                "Project-Id-Version: careloc 0.1.0",
                "Project-Id-Version:",
                " continued",
                "no colon",
                "",
            ]
        ),
        RICH,
    ),
    max_size=8,
)


@EXAMPLES
@given(HEADER_FIELDS, st.booleans())
def test_the_header_shortcut_never_takes_a_header_babel_refuses(
    fields: list[str], final_newline: bool
) -> None:
    """``takes_header`` may leave a header to Babel, but never says yes to one
    Babel cannot read."""
    string = "\n".join(fields) + ("\n" if final_newline else "")
    if takes_header(string):
        catalog = PoCatalog(charset="utf-8")
        catalog[""] = plain_message("", string)  # raises ValueError if Babel refuses


@pytest.mark.parametrize(
    ("string", "taken"),
    [
        ("Language: es\nContent-Type: text/plain; charset=UTF-8\n", True),
        ("POT-Creation-Date: 2012-11-12 00:00+0000\nPlural-Forms: nplurals=2; plural=n;\n", True),
        ("POT-Creation-Date: yesterday\n", True),  # kept as written, as msgfmt does
        ("Plural-Forms: nplurals=x; plural=n;\n", False),
        ("Plural-Forms: nplurals=7; plural=n;\n", False),  # read_po refuses it
        ("PO-Revision-Date: 2026-11-25\n", True),  # kept as written
        ("Language: x!\n", False),
        ("Language: es\n continued\n", False),  # folded: left to the email parser
    ],
)
def test_the_header_shortcut(string: str, taken: bool) -> None:
    assert takes_header(string) is taken


def test_the_gate_reader_reads_every_shipped_catalog_as_babel_does() -> None:
    files = [
        *sorted((REPO / "locales").glob("*/LC_MESSAGES/*.po")),
        *sorted((REPO / "pipeline" / "ui").glob("*.po*")),
        *sorted((REPO / "tests" / "data" / "po").glob("*.po")),
    ]
    assert files
    for path in files:
        _same_entries(path.read_bytes().decode("utf-8", "replace"))
    # The real-world-shaped files (msgmerge, Poedit, Transifex; plural entries) are read.
    corpus = sorted((REPO / "tests" / "data" / "po").glob("corpus-*.po"))
    assert len(corpus) >= 4
    for path in corpus:
        babel = PoEntries.of(_babel(path.read_bytes()))
        assert babel.messages and read_entries(path.read_bytes(), "x.po") == babel


@pytest.mark.parametrize(
    "text",
    [
        # a previous msgid, an obsolete entry with its own previous msgid and comments
        '# translator\n#. auto\n#: a.yaml:3 b.yaml\n#, fuzzy, c-format\n#| msgid "old"\n'
        'msgctxt "s/a"\nmsgid "new"\nmsgstr "nuevo"\n\n# gone\n#~ msgctxt "s/b"\n'
        '#~ msgid "x"\n#~ msgstr ""\n#~ "y\\n"\n',
        # a header with comments and a fuzzy flag, a wrapped msgid
        '# Header\n#, fuzzy\nmsgid ""\nmsgstr ""\n"Language: de\\n"\n\nmsgid ""\n"a "\n"b"\n'
        'msgstr "c"\n',
        # an obsolete fuzzy entry with its previous msgctxt and msgid, as msgmerge writes it
        '# note\n#, fuzzy\n#~| msgctxt "s/old"\n#~| msgid ""\n#~| "a b"\n#~ msgctxt "s/a"\n'
        '#~ msgid "b"\n#~ msgstr "c"\n',
    ],
)
def test_the_fast_reader_takes_these_and_agrees(text: str) -> None:
    assert _same_as_babel(text)


@pytest.mark.parametrize(
    "text",
    [
        'msgid "a"\nmsgid_plural "as"\nmsgstr[0] "b"\nmsgstr[1] "bs"\n',  # plural
        'msgid "a"\n\nmsgid "b"\nmsgstr ""\n',  # no msgstr
        'msgid "a"\nmsgstr "b"\nmsgid "a"\nmsgstr "c"\n',  # duplicate
        "# only a comment\n",  # Babel makes a header of it
        '#: a.yaml:x\nmsgid "a"\nmsgstr ""\n',  # a line number Babel skips
        'msgctxt "k"\n# note\nmsgid "a"\nmsgstr "b"\n',  # a comment inside an entry
        '  msgid "a"\nmsgstr "b"\n',  # indented
    ],
)
def test_the_fast_reader_leaves_the_unusual_to_babel(text: str) -> None:
    assert _scan_entries(text) is None


ENTRY = st.tuples(
    st.text("abcdefghij-/", min_size=1, max_size=12),  # msgctxt
    RICH.filter(bool),  # msgid
    RICH,  # msgstr
    st.booleans(),  # fuzzy
    st.lists(RICH, max_size=2),  # translator comments
)


@EXAMPLES
@given(st.lists(ENTRY, max_size=8, unique_by=lambda e: e[0]), st.lists(ENTRY, max_size=3))
def test_po_written_is_read_back_the_same(entries: list[Any], obsolete: list[Any]) -> None:
    catalog = PoCatalog(locale="es", charset="utf-8")
    for context, msgid, string, fuzzy, comments in entries:
        catalog[msgid] = plain_message(
            msgid,
            string,
            context=context,
            flags=["fuzzy"] if fuzzy else [],
            user_comments=[" ".join(c.split()) for c in comments if c.strip()],
        )
    for context, msgid, string, fuzzy, comments in obsolete:  # "old/" is not an active context
        catalog.obsolete[key_for(catalog, msgid, "old/" + context)] = plain_message(
            msgid,
            string * 3,  # long: "#~" lines wrap
            context="old/" + context,
            flags=["fuzzy"] if fuzzy else [],
            user_comments=[" ".join(c.split()) for c in comments if c.strip()],
            previous_id=("was " + msgid) * 3 if fuzzy else None,
            previous_context="was/" + context if fuzzy else None,
        )
    data = render_po(catalog)
    again = read_po(data, "x.po")
    for context, msgid, string, fuzzy, _ in entries:
        message = again.get(msgid, context=context)
        assert message is not None and message.string == string
        assert message.fuzzy == fuzzy
    assert content_key(again) == content_key(catalog)
    assert render_po(again) == data  # and written again, byte for byte


# -- update: merge never loses a translation ---------------------------------------------------
@EXAMPLES
@given(
    st.dictionaries(
        st.text("abcdef/", min_size=1, max_size=6),
        st.tuples(RICH.filter(bool), RICH, st.booleans()),
        max_size=10,
    ),
    st.dictionaries(
        st.text("abcdef/", min_size=1, max_size=6),
        st.tuples(RICH.filter(bool), RICH),
        max_size=4,
    ),
    st.data(),
)
def test_update_never_drops_a_translation(
    active: dict[str, tuple[str, str, bool]], old_obsolete: dict[str, tuple[str, str]], data: Any
) -> None:
    """Whatever the template now holds (units kept, changed, removed or new), every
    translation of the PO is still in the merged file: in its unit's entry, or in an
    obsolete (``#~``) entry with its msgctxt."""
    po = PoCatalog(locale="es", charset="utf-8")
    for context, (msgid, string, fuzzy) in active.items():
        po[msgid] = plain_message(msgid, string, context=context, flags=["fuzzy"] if fuzzy else [])
    for context, (msgid, string) in old_obsolete.items():
        if context in active and active[context][0] == msgid:
            continue  # the same msgctxt and msgid twice: the reader refuses such a file
        po.obsolete[po._key_for(msgid, context)] = plain_message(msgid, string, context=context)
    po = read_po(render_po(po), "x.po")
    contexts = sorted({*active, *old_obsolete})
    kept = data.draw(st.lists(st.sampled_from(contexts), unique=True) if contexts else st.just([]))
    template = PoCatalog(charset="utf-8")
    for context in kept:
        msgid = active[context][0] if context in active else old_obsolete[context][0]
        if data.draw(st.booleans()):
            msgid = data.draw(RICH.filter(bool))  # the English changed
        template[msgid] = plain_message(msgid, context=context)
    for context in data.draw(st.lists(st.text("uvwxyz", min_size=1, max_size=4), max_size=3)):
        if context not in contexts:
            template["new " + context] = plain_message("new " + context, context=context)

    merged = read_po(render_po(merge(po, template)), "x.po")  # as it lands on disk

    present = {(m.context, m.string) for m in merged if m.id}
    present |= {(m.context, m.string) for m in merged.obsolete.values()}
    for context, (_, string, _) in active.items():
        if string:
            assert (context, string) in present, (context, string)
    for context, (msgid, string) in old_obsolete.items():
        if string and po.obsolete.get(po._key_for(msgid, context)):
            assert (context, string) in present, (context, string)
    # A second update changes nothing.
    assert content_key(merge(merged, template)) == content_key(merged)


# -- the YAML loader ---------------------------------------------------------------------------
@EXAMPLES
@given(st.binary(max_size=400))
def test_yaml_loader_never_crashes_on_bytes(data: bytes) -> None:
    try:
        parse_yaml(data, "source/x.yaml")
    except ContentError as exc:
        _located(exc, "source/x.yaml")


YAML_TOKENS = st.sampled_from(
    ["a:", " ", "  ", "\n", "- ", "[", "]", "{", "}", ",", "&x ", "*x", "!!str ", "!x ", "|",
     ">", "'", '"', "? ", "---", "...", "%YAML 1.1", "#", "\t", "<<: ", "\\", "\\u", "\ufeff"]
)  # fmt: skip


@EXAMPLES
@given(st.lists(st.one_of(YAML_TOKENS, TEXT), max_size=40).map("".join))
def test_yaml_loader_never_crashes_on_yaml_like_text(text: str) -> None:
    try:
        parse_yaml(text.encode("utf-8"), "source/x.yaml")
    except ContentError as exc:
        _located(exc, "source/x.yaml")


@EXAMPLES
@given(st.lists(st.one_of(YAML_TOKENS, TEXT), max_size=40).map("".join))
def test_libyaml_alone_composes_what_the_strict_composer_does(text: str) -> None:
    """Where libyaml alone composes a document (``_compose_native``), it is the one the
    strict composer makes, positions included; anything else is left to that one."""
    if not yaml.__with_libyaml__:
        pytest.skip("PyYAML was built without libyaml")
    native = yamlfile._compose_native(text, "x")
    if native is None:
        return
    strict = yamlfile._compose(text, "x", yamlfile._StrictLoader)
    assert (native.data, native.values, native.keys) == (strict.data, strict.values, strict.keys)


@EXAMPLES
@given(RICH)
def test_yaml_text_is_read_back_exactly(text: str) -> None:
    """Any text written by a YAML library comes back unchanged, or is refused with a
    located error (characters that cannot be text in an article)."""
    for style in (None, '"', "'", "|"):
        try:
            raw = yaml.safe_dump({"title": text}, allow_unicode=True, default_style=style)
        except yaml.YAMLError:
            continue  # this style cannot express this text
        try:
            doc = parse_yaml(raw.encode("utf-8"), "source/x.yaml")
        except ContentError as exc:
            _located(exc, "source/x.yaml")
            assert {f.code for f in exc.findings} <= {"yaml-char"}, exc.findings
            continue
        assert doc.data == {"title": text}


def _with_title(title: str) -> bytes:
    data = SOURCE.read_bytes()
    old = b"title: Numbness of the Legs\n"
    assert old in data
    return data.replace(old, yaml.safe_dump({"title": title}, allow_unicode=True).encode(), 1)


@EXAMPLES
@given(RICH)
def test_article_loader_keeps_any_title_or_says_where_it_is_wrong(
    tmp_path_factory: pytest.TempPathFactory, title: str
) -> None:
    path = tmp_path_factory.mktemp("src") / f"{ARTICLE}.yaml"
    path.write_bytes(_with_title(title))
    try:
        article = load_article(path, f"source/{ARTICLE}.yaml", SCHEMA)
    except ContentError as exc:
        _located(exc, f"source/{ARTICLE}.yaml")
        return
    assert article.title.text == title


# -- the HTML renderer -------------------------------------------------------------------------
class _Leaves(HTMLParser):
    """Text of every element that holds only text, with its tag and the care card it
    is in: what a reader sees of each unit."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, dict[str, str | None], list[str], bool]] = []
        self.leaves: list[tuple[str, str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.stack:
            parent = self.stack[-1]
            self.stack[-1] = (parent[0], parent[1], parent[2], True)
        if tag in ("meta", "link", "br"):
            return
        self.stack.append((tag, dict(attrs), [], False))

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1][0] != tag:
            return
        name, _, text, has_children = self.stack.pop()
        if not has_children:
            card = next(
                (a["data-warning"] for _, a, _, _ in self.stack if "data-warning" in a), None
            )
            self.leaves.append((name, "".join(text), card))

    def handle_data(self, data: str) -> None:
        if self.stack:
            self.stack[-1][2].append(data)


@functools.cache
def shipped_article() -> Article:
    """The shipped article (not a fixture: Hypothesis would print it with every failure)."""
    return load_article(SOURCE, f"source/{ARTICLE}.yaml", SCHEMA)


@functools.cache
def renderer() -> Renderer:
    return Renderer()


# What a PO can carry to the renderer: the reader refuses NUL and invalid UTF-8.
SHOWN = st.lists(st.one_of(TEXT, SPICE, st.sampled_from(["</p>", "<script>", "&amp;", "]]>"])))


@EXAMPLES
@given(SHOWN.map("".join).filter(str.strip), st.sampled_from(["es", "ar", "zh_Hans"]))
def test_rendered_page_shows_exactly_the_translation(text: str, code: str) -> None:
    article = shipped_article()
    lead = next(w for w in article.warnings() if w.red_flags)
    flag = lead.red_flags[0]
    paragraph = next(u for u in article.units() if u.kind.value == "paragraph")
    translations = {"title": text, paragraph.key: text + "!", flag.key: "- " + text}
    page = renderer().render(article, code, translations, ["en", code])

    parser = _Leaves()
    parser.feed(page.html.decode("utf-8"))
    parser.close()
    leaves = parser.leaves
    assert ("title", text, None) in leaves
    assert ("h1", text, None) in leaves
    assert ("p", text + "!", None) in leaves
    assert ("li", "- " + text, lead.id) in leaves
    # The JSON bundle and the JSON-LD carry it unchanged too.
    bundle = json.loads(page.json)
    assert bundle["title"] == text
    warning = next(w for w in bundle["warnings"] if w["id"] == lead.id)
    assert warning["items"][0] == "- " + text
    ld = page.html.decode().split('<script type="application/ld+json">', 1)[1]
    assert json.loads(ld.split("</script>", 1)[0])["name"] == text
