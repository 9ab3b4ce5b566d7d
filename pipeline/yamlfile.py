"""Strict YAML reading: every value keeps its line and column; aliases, duplicate keys,
custom tags, deep nesting and oversized files are refused instead of silently accepted."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.events import AliasEvent, NodeEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from pipeline.errors import ContentError
from pipeline.files import read_bounded, too_large
from pipeline.model import Location, error

__all__ = [
    "MAX_BYTES",
    "MAX_DEPTH",
    "JsonPath",
    "YamlDocument",
    "decode_text",
    "parse_yaml",
    "read_yaml",
]

MAX_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 32

JsonPath = tuple[str | int, ...]

_SCALAR_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
}
_COLLECTION_TAGS = {"tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"}
# What YAML forbids in a file (PyYAML's Reader.NON_PRINTABLE); escapes such as "\0",
# "\x1b" or "\ud800" in a double-quoted string must not smuggle it into the text
# (a lone surrogate cannot even be written to a catalog).
_NOT_TEXT = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# Line breaks to YAML but not to editors: line numbers would drift and plain text fold.
_ODD_BREAKS = re.compile("[\x85\u2028\u2029]")


@dataclass
class YamlDocument:
    """Plain data (dicts, lists, scalars) plus where each value and key was written."""

    path: str
    data: Any
    values: dict[JsonPath, tuple[int, int]] = field(default_factory=dict)
    keys: dict[JsonPath, tuple[int, int]] = field(default_factory=dict)

    def location(self, json_path: JsonPath, *, key: bool = False) -> Location:
        """Location of the value (or, with ``key``, of the mapping key) at ``json_path``.

        Falls back to the nearest enclosing value that has a position."""
        table = self.keys if key else self.values
        p = tuple(json_path)
        if key and p in table:
            line, col = table[p]
            return Location(self.path, line, col)
        while p not in self.values and p:
            p = p[:-1]
        line, col = self.values.get(p, (1, 1))
        return Location(self.path, line, col)


class _Problem(Exception):
    def __init__(self, code: str, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.code, self.message, self.line, self.column = code, message, line, column


class _Strict(yaml.composer.Composer):
    """Composes nodes only; refuses anchors, aliases and pathological nesting as it goes."""

    _depth = 0
    peek_event: Any  # from the parser it is mixed with (PyYAML's or libyaml's)

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        event = self.peek_event()
        if isinstance(event, AliasEvent) or (
            isinstance(event, NodeEvent) and event.anchor is not None
        ):
            mark = event.start_mark
            assert mark is not None
            raise _Problem(
                "yaml-alias",
                "YAML anchors and aliases are not allowed: write the text out in full",
                mark.line + 1,
                mark.column + 1,
            )
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = event.start_mark
                assert mark is not None
                raise _Problem(
                    "yaml-too-deep",
                    f"nesting deeper than {MAX_DEPTH} levels",
                    mark.line + 1,
                    mark.column + 1,
                )
            node = super().compose_node(parent, index)
            assert node is not None
            return node
        finally:
            self._depth -= 1


class _PyStrictLoader(_Strict, yaml.SafeLoader):
    """``_Strict`` over PyYAML's own scanner and parser (pure Python)."""


if yaml.__with_libyaml__:

    class _CStrictLoader(_Strict, yaml.CSafeLoader):
        """``_Strict`` over libyaml's scanner and parser (C: about ten times faster).
        The events still go through ``_Strict.compose_node``, so anchors and aliases
        are refused before anything refers to them."""

        def __init__(self, stream: str) -> None:
            yaml.CSafeLoader.__init__(self, stream)
            self.anchors: dict[Any, Node] = {}

    _StrictLoader: type[_Strict] = _CStrictLoader
else:  # pragma: no cover - PyYAML built without libyaml
    _StrictLoader = _PyStrictLoader


def _pos(node: Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _check_text(node: ScalarNode) -> None:
    bad = _NOT_TEXT.search(node.value)
    if bad:
        raise _Problem(
            "yaml-char",
            f"character U+{ord(bad.group()):04X} is not allowed in text",
            *_pos(node),
        )


def _convert(node: Node, path: JsonPath, doc: YamlDocument, loader: Any, depth: int = 1) -> Any:
    doc.values[path] = _pos(node)
    if depth > MAX_DEPTH:  # composed by libyaml alone (``_compose_native``)
        raise _Problem("yaml-too-deep", f"nesting deeper than {MAX_DEPTH} levels", *_pos(node))
    if node.tag not in _SCALAR_TAGS | _COLLECTION_TAGS or (
        isinstance(node, ScalarNode) != (node.tag in _SCALAR_TAGS)
    ):
        raise _Problem("yaml-tag", f"unsupported YAML tag {node.tag!r}", *_pos(node))
    if isinstance(node, ScalarNode):
        _check_text(node)
        if node.tag == "tag:yaml.org,2002:str" or node.tag == "tag:yaml.org,2002:timestamp":
            # Dates stay text; the schema checks their format.
            return node.value
        return loader.construct_object(node)
    if isinstance(node, SequenceNode):
        return [
            _convert(item, (*path, i), doc, loader, depth + 1) for i, item in enumerate(node.value)
        ]
    if isinstance(node, MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                raise _Problem("yaml-key", "mapping keys must be plain text", *_pos(key_node))
            _check_text(key_node)
            key = key_node.value
            if key in result:
                first = doc.keys[(*path, key)]
                raise _Problem(
                    "yaml-duplicate-key",
                    f"duplicate key {key!r} (first at line {first[0]}); "
                    "YAML would silently keep only the last one",
                    *_pos(key_node),
                )
            doc.keys[(*path, key)] = _pos(key_node)
            result[key] = _convert(value_node, (*path, key), doc, loader, depth + 1)
        return result
    raise _Problem("yaml-node", "unsupported YAML node", *_pos(node))  # pragma: no cover


def decode_text(raw: bytes, path: str) -> str:
    """Decode UTF-8 strictly; report the line of the first invalid byte."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raise ContentError(
            [
                error(
                    "encoding",
                    "file starts with a byte-order mark; save it as UTF-8 without BOM",
                    Location(path, 1, 1),
                )
            ]
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ContentError(
            [error("encoding", f"invalid UTF-8 ({exc.reason})", Location(path, line, column))]
        ) from None


def read_yaml(file: Path, display_path: str) -> YamlDocument:
    """Read one YAML file strictly; raise ContentError with a located finding on any problem."""
    return parse_yaml(read_bounded(file, MAX_BYTES, display_path), display_path)


def _located(text: str, index: int, display_path: str) -> Location:
    """The line and column (as editors count them) of character ``index`` of ``text``."""
    line = text.count("\n", 0, index) + 1
    return Location(display_path, line, index - (text.rfind("\n", 0, index) + 1) + 1)


def parse_yaml(raw: bytes, display_path: str) -> YamlDocument:
    """Parse YAML bytes strictly (see ``read_yaml``)."""
    if len(raw) > MAX_BYTES:
        raise ContentError([too_large(raw, MAX_BYTES, len(raw), display_path)])
    text = decode_text(raw, display_path)
    if "\x00" in text:
        where = _located(text, text.index("\x00"), display_path)
        raise ContentError([error("yaml-syntax", "NUL byte in file", where)])
    odd = _ODD_BREAKS.search(text)
    if odd:
        where = _located(text, odd.start(), display_path)
        message = (
            f"character U+{ord(odd.group()):04X} is a line break to YAML but not to editors; "
            "remove it"
        )
        raise ContentError([error("yaml-char", message, where)])
    bad = _NOT_TEXT.search(text)
    if bad:  # a control character: report where it is (libyaml would not say)
        where = _located(text, bad.start(), display_path)
        message = f"character U+{ord(bad.group()):04X} is not allowed in YAML"
        raise ContentError([error("yaml-char", message, where)])
    if _StrictLoader is not _PyStrictLoader:
        native = _compose_native(text, display_path)
        if native is not None:
            return native
        try:
            return _compose(text, display_path, _StrictLoader)
        except yaml.YAMLError:
            # libyaml's reports are terser ("found character that cannot start any
            # token", no character named) and it stops at its own nesting limit:
            # report what PyYAML and the strict checks say of the same text.
            pass
    try:
        return _compose(text, display_path, _PyStrictLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        row: int | None = mark.line + 1 if mark else None
        col: int | None = mark.column + 1 if mark else None
        message = " ".join(str(m) for m in (exc.context, exc.problem) if m)
        fix = syntax_hint(text, exc)
        if fix:
            message = f"{message}; {fix}"
        raise ContentError(
            [error("yaml-syntax", message or "invalid YAML", Location(display_path, row, col))]
        ) from None
    except yaml.YAMLError as exc:
        raise ContentError([error("yaml-syntax", str(exc), Location(display_path, 1))]) from None


# ``key: value`` on one line (in a block mapping, or the first key of a list entry).
_KEY_VALUE = re.compile(
    r"""^(?P<indent>\s*(?:-\s+)?)(?P<key>[^\s#'"{}\[\],:][^:#]*?):[ \t]+(?P<value>\S.*?)\s*$"""
)


def quoted(text: str) -> str:
    """``text`` as a YAML scalar a person would write: double quotes, or single quotes
    (``'`` doubled) when the text has a double quote or a backslash."""
    if '"' in text or "\\" in text:
        return "'" + text.replace("'", "''") + "'"
    return f'"{text}"'


def syntax_hint(text: str, exc: yaml.MarkedYAMLError) -> str | None:
    """The likely fix for a YAML syntax error, in the editor's terms, with the line as
    it should be written; None when there is no good guess. Most such errors in an
    article are text that YAML reads as structure: a colon and a space in the middle
    of a sentence, a sentence that starts with a quote, ``@`` or a backtick."""
    mark = exc.problem_mark
    if mark is None:
        return None
    lines = text.splitlines()
    line = lines[mark.line] if mark.line < len(lines) else ""
    problem = str(exc.problem or "")
    pair = _KEY_VALUE.match(line)
    if "'\\t'" in problem:
        return "indent with spaces, not tabs"
    if "flow mapping" in str(exc.context or "") and "got ':'" in problem:
        return "a colon followed by a space starts a key; quote the text"
    if pair is None:
        return None
    value = pair["value"]
    if value[:1] in ("'", '"') and len(value) > 1 and value[-1] == value[0]:
        value = value[1:-1]  # meant as a quoted text, broken by a quote inside
    fixed = f"{pair['key']}: {quoted(value)}"
    value_at = pair.start("value")
    if "mapping values are not allowed" in problem:
        if mark.column > value_at:
            return f"a colon followed by a space starts a key; quote the text: {fixed}"
        return (
            "check the indentation of this line; if it continues the text above, "
            "quote the whole text"
        )
    if "cannot start any token" in problem and mark.column == value_at:
        return f"a text cannot start with {line[value_at]!r}; quote the text: {fixed}"
    if "expected <block end>" in problem and line[value_at] in "'\"" and mark.column > value_at:
        return f"the text ends at its closing quote; quote the whole text: {fixed}"
    return None


def _compose_native(text: str, display_path: str) -> YamlDocument | None:
    """The document of ``text`` composed by libyaml alone (several times faster than
    composing its events in Python), for text that cannot hold an anchor or an alias
    (no ``&`` or ``*`` anywhere); None for any other text, and for any text with a
    problem, so that the strict composer reads it and reports exactly as always."""
    if "&" in text or "*" in text:
        return None
    doc = YamlDocument(display_path, None)
    loader = yaml.CSafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        doc.data = _convert(node, (), doc, loader)
    except (_Problem, yaml.YAMLError, RecursionError):
        return None
    finally:
        loader.dispose()
    return doc


def _compose(text: str, display_path: str, loader_class: type[_Strict]) -> YamlDocument:
    """The document of ``text`` read with one of the strict loaders; ContentError for
    what the strict checks refuse, yaml.YAMLError for what YAML itself does."""
    doc = YamlDocument(display_path, None)
    loader: Any = loader_class(text)  # type: ignore[call-arg]
    try:
        node = loader.get_single_node()
        if node is None:
            raise _Problem("yaml-empty", "file is empty", 1, 1)
        doc.data = _convert(node, (), doc, loader)
    except _Problem as p:
        raise ContentError(
            [error(p.code, p.message, Location(doc.path, p.line, p.column))]
        ) from None
    finally:
        loader.dispose()
    return doc
