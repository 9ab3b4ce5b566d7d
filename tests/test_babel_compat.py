"""The private parts of Babel careloc relies on (pipeline/babel_compat.py) are still
there and still behave as careloc expects. A failure here means a Babel release changed
them: adapt pipeline/babel_compat.py, then move the upper bound in pyproject.toml."""

from __future__ import annotations

import datetime
import inspect
import re
import tomllib

import babel
import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import PoFileError, PoFileParser
from packaging.requirements import Requirement
from packaging.version import Version

from pipeline import babel_compat
from pipeline.babel_compat import (
    ParserBase,
    key_for,
    messages_of,
    mime_headers_of,
    parse_datetime_header,
    put_message,
    set_mime_headers,
)

from .conftest import REPO

UPGRADE = (
    f"Babel {babel.__version__} changed a private name careloc uses; adapt "
    "pipeline/babel_compat.py before raising the bound in pyproject.toml"
)


def _babel_requirement() -> Requirement:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    found = [Requirement(d) for d in project["dependencies"] if Requirement(d).name == "Babel"]
    assert len(found) == 1, "pyproject.toml must name Babel once"
    return found[0]


def test_pyproject_bounds_babel_to_the_versions_tested() -> None:
    requirement = _babel_requirement()
    assert any(s.operator == "<" for s in requirement.specifier), (
        "Babel needs an upper bound: careloc uses private names of it"
    )
    assert Version(babel.__version__) in requirement.specifier, (
        f"Babel {babel.__version__} is installed but pyproject.toml asks for {requirement}"
    )


@pytest.mark.parametrize(
    ("owner", "name", "parameters"),
    [
        (PoFileParser, "_process_comment", ["self", "line"]),
        (PoFileParser, "_process_message_line", ["self", "lineno", "line", "obsolete"]),
        (PoFileParser, "_process_keyword_line", ["self", "lineno", "line", "obsolete"]),
        (PoFileParser, "_add_message", ["self"]),
        (PoFileParser, "_finish_current_message", ["self"]),
        (PoFileParser, "_invalid_pofile", ["self", "line", "lineno", "msg"]),
        (Catalog, "_key_for", ["self", "id", "context"]),
        (Catalog, "_get_mime_headers", ["self"]),
        (Catalog, "_set_mime_headers", ["self", "headers"]),
    ],
)
def test_babel_private_methods_are_there(owner: type, name: str, parameters: list[str]) -> None:
    method = getattr(owner, name, None)
    assert callable(method), f"{owner.__name__}.{name} is gone. {UPGRADE}"
    assert list(inspect.signature(method).parameters) == parameters, (
        f"{owner.__name__}.{name}{inspect.signature(method)} changed. {UPGRADE}"
    )


def test_the_catalog_keeps_its_messages_in_a_dict_by_key() -> None:
    catalog = Catalog(locale="es")
    catalog.add("a", "b", context="c")
    catalog.add("d", "e")
    assert isinstance(getattr(catalog, "_messages", None), dict), f"Catalog._messages. {UPGRADE}"
    assert key_for(catalog, "a", "c") == ("a", "c"), f"Catalog._key_for. {UPGRADE}"
    assert key_for(catalog, "d", None) == "d", f"Catalog._key_for. {UPGRADE}"
    assert [m.id for m in messages_of(catalog)] == ["a", "d"], f"Catalog._messages. {UPGRADE}"
    message = Message("f", "g", flags=["fuzzy"])
    put_message(catalog, "f", message)
    assert catalog.get("f") is message, f"Catalog._messages. {UPGRADE}"


def test_the_header_is_read_and_written_by_the_private_pair() -> None:
    catalog = Catalog(locale="es")
    set_mime_headers(
        catalog,
        [
            ("Language", "pt_BR"),
            ("POT-Creation-Date", "2026-11-25 10:00+0000"),
            ("Plural-Forms", "nplurals=2; plural=(n > 1);"),
        ],
    )
    headers = dict(mime_headers_of(catalog))
    assert headers["Language"] == "pt_BR", f"Catalog._set/_get_mime_headers. {UPGRADE}"
    assert headers["POT-Creation-Date"] == "2026-11-25 10:00+0000", UPGRADE
    assert catalog.num_plurals == 2, UPGRADE


def test_header_dates_are_read_as_careloc_expects() -> None:
    date = parse_datetime_header("2026-11-25 10:30+0200")
    assert date == datetime.datetime(
        2026, 11, 25, 10, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=2))
    ), f"_parse_datetime_header. {UPGRADE}"
    with pytest.raises(ValueError):  # a date alone: careloc keeps it as written
        parse_datetime_header("2026-11-25")


class _Recorder(ParserBase):
    """Records what reaches each hook, and what the parser state holds when an entry is
    complete."""

    def __init__(self, catalog: Catalog) -> None:
        self.seen: list[tuple[str, object]] = []
        super().__init__(catalog)

    def take_comment(self, line: str) -> bool:
        self.seen.append(("comment", line))
        if line.startswith("#|"):
            self.finish_entry()
            return True
        return False

    def take_message_line(self, line: str, obsolete: bool) -> bool:
        self.seen.append(("line", (line, obsolete)))
        return obsolete and line.startswith("|")

    def check_keyword_line(self, lineno: int, line: str) -> None:
        if line.startswith("msgstr[9]"):
            self.refuse(line, lineno, "no ninth form")

    def add_message(self) -> None:
        self.seen.append(
            (
                "entry",
                (
                    [m.denormalize() for m in self.messages],
                    [(i, t.denormalize()) for i, t in self.translations],
                    self.context.denormalize() if self.context else None,
                    list(self.flags),
                    self.obsolete,
                    self.offset,
                    self.counter,
                ),
            )
        )
        self.babel_add_message()


def test_the_parser_hooks_see_every_entry_as_babel_reads_it() -> None:
    text = (
        '#, fuzzy\n#| msgid "old"\nmsgctxt "k"\nmsgid "a"\nmsgstr "b"\n\n'
        '#~| msgid "gone"\n#~ msgid "c"\n#~ msgstr "d"\n'
    )
    catalog = Catalog(locale="es")
    parser = _Recorder(catalog)
    parser.parse(text.split("\n"))
    entries = [value for kind, value in parser.seen if kind == "entry"]
    assert entries == [
        (["a"], [(0, "b")], "k", ["fuzzy"], False, 3, 0),
        (["c"], [(0, "d")], None, [], True, 7, 1),
    ], f"PoFileParser's entry state or _add_message. {UPGRADE}"
    assert ("comment", '#| msgid "old"') in parser.seen, f"_process_comment. {UPGRADE}"
    assert ("line", ('| msgid "gone"', True)) in parser.seen, f"_process_message_line. {UPGRADE}"
    assert catalog.get("a", context="k") is not None
    assert key_for(catalog, "c", None) in catalog.obsolete


def test_the_parser_refuses_through_babel() -> None:
    text = 'msgid "a"\nmsgid_plural "as"\nmsgstr[9] "b"\n'
    with pytest.raises(PoFileError) as raised:
        _Recorder(Catalog(locale="es")).parse(text.split("\n"))
    assert "no ninth form" in str(raised.value), f"_invalid_pofile. {UPGRADE}"
    assert raised.value.lineno == 2, f"_invalid_pofile's line number. {UPGRADE}"


def test_only_the_adapter_touches_babel_privates() -> None:
    """Every other module of careloc uses the adapter (a private Babel name elsewhere
    would escape this test)."""
    names = [
        "_messages",
        "_key_for",
        "_add_message",
        "_parse_datetime_header",
        "_get_mime_headers",
        "_set_mime_headers",
        "_process_",
        "_finish_current_message",
        "_invalid_pofile",
    ]
    adapter = inspect.getfile(babel_compat)
    for path in sorted((REPO / "pipeline").rglob("*.py")):
        if str(path) == adapter:
            continue
        text = path.read_text(encoding="utf-8")
        used = [name for name in names if re.search(rf"\b{name}", text)]
        assert not used, f"{path.relative_to(REPO)} uses Babel's {used}: go through babel_compat"
