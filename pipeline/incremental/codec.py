"""One codec for every cached record: typed values to bytes and back.

A record is compact JSON of nested lists behind a one-line header naming its kind
and the codec's version (``verdicts 1``). The shape of the JSON follows the type:
a dataclass is the list of its fields in order, an enum its value, a date its ISO
form, a tuple or list a list, a mapping an object with string keys, a union of
dataclasses a list tagged with the class's name. Decoding checks every value
against its type (a ``str`` field takes only a string, ``bool`` only a boolean),
and anything else (another kind, another version, damaged or truncated bytes, a
value of the wrong type) is ``None``: a miss, never an exception.
"""

from __future__ import annotations

import builtins
import dataclasses
import datetime
import enum
import functools
import json
import operator
import sys
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Generic, TypeVar

__all__ = ["VERSION", "Converter", "Malformed", "Shape", "converters", "pack", "unpack"]

VERSION = 1
"""Bumped whenever the shape of any record changes (entries of another version miss)."""

T = TypeVar("T")
Convert = Callable[[Any], Any]


class Malformed(ValueError):
    """A value does not have the shape of its type."""


def pack(kind: str, plain: object) -> bytes:
    """``plain`` (JSON-ready data, as ``Shape.to_plain`` gives) as a record of ``kind``."""
    body = json.dumps(plain, ensure_ascii=False, separators=(",", ":"))
    return f"{kind} {VERSION}\n{body}".encode()


def unpack(kind: str, data: bytes | None) -> Any | None:
    """The JSON data of a record made by ``pack`` for ``kind``; None if ``data`` is
    missing, of another kind or version, or not JSON."""
    if data is None:
        return None
    head, newline, body = data.partition(b"\n")
    if not newline or head != f"{kind} {VERSION}".encode():
        return None
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return None


class Shape(Generic[T]):
    """How values of one type become JSON data and back (see the module's docstring).

    ``given``: fields of a dataclass that are not kept (its inputs, known to whoever
    reads the record back); they are passed to ``from_plain``."""

    def __init__(self, cls: type[T], *, given: Sequence[str] = ()) -> None:
        self.cls = cls
        self.given = tuple(given)
        self._made: tuple[Convert, Callable[..., Any]] | None = None

    def _converters(self) -> tuple[Convert, Callable[..., Any]]:
        """Made on first use: a command that reads no record of a kind pays nothing."""
        if self._made is None:
            target: Any = self.cls  # a class is hashable, whatever ``type[T]`` says
            self._made = _dataclass(target, self.given)
        return self._made

    def to_plain(self, value: T) -> Any:
        return self._converters()[0](value)

    def field(self, name: str) -> tuple[int, Converter]:
        """Where the field ``name`` is in a record, and how to read it on its own."""
        kept = [f.name for f in _fields(self.cls) if f.name not in self.given]
        return kept.index(name), converters(_hints(self.cls)[name])

    def from_plain(self, plain: Any, given: Mapping[str, object] | None = None) -> T | None:
        """The value ``to_plain`` gave ``plain`` for; None if ``plain`` is not one."""
        try:
            value: T = self._converters()[1](plain, given or {})
        except (Malformed, ValueError, TypeError, KeyError, IndexError, RecursionError):
            return None
        return value


# -- the converters, made once per type ---------------------------------------------------------
# Records are read back by the twenty thousand: a value kept as it is in JSON (a string,
# a number, a boolean, null) is only checked for its type, in bulk, never converted.
_NONE = type(None)
_LEAVES = {str: frozenset({str}), int: frozenset({int}), bool: frozenset({bool})}
_LEAVES |= {float: frozenset({float}), _NONE: frozenset({_NONE})}
_STR = frozenset({str})
_LIST = frozenset({list})
_contains = frozenset.__contains__


class Converter:
    """How values of one type are written and read back (``converters``)."""

    __slots__ = ("decode", "encode", "leaf", "leaves", "optional", "plain")

    def __init__(
        self,
        encode: Convert,
        decode: Convert,
        plain: frozenset[type],
        *,
        leaf: bool = False,
        leaves: tuple[frozenset[type], ...] | None = None,
        optional: Convert | None = None,
    ) -> None:
        self.encode = encode
        self.decode = decode
        self.plain = plain
        """The JSON types a value of this type is written as."""
        self.leaf = leaf
        """Written as it is (decoding only checks the type)."""
        self.leaves = leaves
        """For a fixed tuple of such values, the JSON types of each."""
        self.optional = optional
        """For ``X | None``, the decoder of ``X``."""


def _hints(cls: type) -> dict[str, Any]:
    """The types of ``cls``'s fields, as ``typing.get_type_hints`` gives them, but a
    plain name (most of them) looked up instead of compiled."""
    scope = {**vars(builtins), **vars(sys.modules[cls.__module__])}
    found = {}
    for f in dataclasses.fields(cls):
        hint = f.type
        if isinstance(hint, str):
            hint = scope[hint] if hint in scope else eval(hint, scope)
        found[f.name] = hint
    return found


def _fields(cls: type) -> list[dataclasses.Field[Any]]:
    return [f for f in dataclasses.fields(cls) if f.init and not f.name.startswith("_")]


@functools.cache
def _dataclass(cls: Any, given: tuple[str, ...] = ()) -> tuple[Convert, Callable[..., Any]]:
    hints = _hints(cls)
    fields = _fields(cls)
    unknown = set(given) - {f.name for f in fields}
    if unknown:
        raise TypeError(f"{cls.__name__} has no fields {sorted(unknown)}")
    kept = [f.name for f in fields if f.name not in given]
    parts = [converters(hints[name]) for name in kept]
    inner = [(i, c.encode, c.decode) for i, c in enumerate(parts) if not c.leaf]

    def encode(value: Any) -> Any:
        plain = [getattr(value, name) for name in kept]
        for i, enc, _ in inner:
            plain[i] = enc(plain[i])
        return plain

    return encode, _decoder(cls, kept, parts, given)


def _decoder(
    cls: type, kept: list[str], parts: list[Converter], given: tuple[str, ...]
) -> Callable[..., Any]:
    """The decoder of a dataclass, written out as Python for its fields (as
    ``dataclasses`` writes ``__init__``): records are read back by the twenty thousand,
    and a loop over the fields with a call per value costs twice as much."""
    names = [f"f{i}" for i in range(len(kept))]
    scope: dict[str, Any] = {"Malformed": Malformed, "make": cls, "name": cls.__name__}
    body = [
        "def decode(plain, known=None):",
        f"    if type(plain) is not list or len(plain) != {len(kept)}:",
        "        raise Malformed(name)",
        f"    {''.join(n + ', ' for n in names)}= plain",
    ]
    for i, (var, part) in enumerate(zip(names, parts, strict=True)):
        scope[f"A{i}"], scope[f"D{i}"], scope[f"O{i}"] = part.plain, part.decode, part.optional
        if len(part.plain) == 1:
            (scope[f"T{i}"],) = part.plain
            body.append(f"    if type({var}) is not T{i}:")
        else:
            body.append(f"    if type({var}) not in A{i}:")
        body.append("        raise Malformed(name)")
        if part.leaf:
            continue
        if part.optional is not None:
            body.append(f"    if {var} is not None:")
            body.append(f"        {var} = O{i}({var})")
        else:
            body.append(f"    {var} = D{i}({var})")
    arguments = [f"{field}={var}" for field, var in zip(kept, names, strict=True)]
    arguments += [f"{field}=known[{field!r}]" for field in given]
    body.append(f"    return make({', '.join(arguments)})")
    exec("\n".join(body), scope)
    decode: Callable[..., Any] = scope["decode"]
    return decode


def _same(value: Any) -> Any:
    return value


def _value_of(member: enum.Enum) -> Any:
    return member.value


def _check(allowed: frozenset[type]) -> Convert:
    def check(value: Any) -> Any:
        if type(value) not in allowed:
            raise Malformed("value")
        return value

    return check


@functools.cache
def converters(hint: Any) -> Converter:
    """How values of the type ``hint`` are written and read back."""
    if hint in _LEAVES:
        return Converter(_same, _check(_LEAVES[hint]), _LEAVES[hint], leaf=True)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        kinds = frozenset(type(m.value) for m in hint)
        return Converter(_value_of, hint._value2member_map_.__getitem__, kinds)
    if hint is datetime.date:
        iso = datetime.date.fromisoformat
        return Converter(lambda value: value.isoformat(), lambda value: iso(value), _STR)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        encode, decode = _dataclass(hint)
        return Converter(encode, decode, _LIST)
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        return _union(args)
    if origin in (tuple, list) and (origin is list or (len(args) == 2 and args[1] is Ellipsis)):
        return _sequence(converters(args[0]), origin)
    if origin is tuple:
        return _fixed(tuple(converters(a) for a in args))
    if origin in (dict, Mapping) and args[0] is str:
        return _mapping(converters(args[1]))
    raise TypeError(f"no codec for {hint!r}")


def _sequence(item: Converter, kind: type) -> Converter:
    """``tuple[X, ...]`` or ``list[X]``: a list."""
    if item.leaf:

        def decode(plain: Any) -> Any:
            if type(plain) is not list or not set(map(type, plain)) <= item.plain:
                raise Malformed("sequence")
            return kind(plain)

        return Converter(list, decode, _LIST)
    enc, dec = item.encode, item.decode

    def decode_items(plain: Any) -> Any:
        if type(plain) is not list:
            raise Malformed("sequence")
        return kind(map(dec, plain))

    return Converter(lambda value: [enc(v) for v in value], decode_items, _LIST)


def _fixed(items: tuple[Converter, ...]) -> Converter:
    """``tuple[X, Y]``: a list of that length."""
    size = len(items)
    allowed = [c.plain for c in items]
    inner = [(i, c.encode, c.decode) for i, c in enumerate(items) if not c.leaf]

    def encode(value: Any) -> Any:
        plain = list(value)
        for i, enc, _ in inner:
            plain[i] = enc(plain[i])
        return plain

    def decode(plain: Any) -> Any:
        if type(plain) is not list or len(plain) != size:
            raise Malformed("tuple")
        if not all(map(_contains, allowed, map(type, plain))):
            raise Malformed("tuple")
        if inner:
            plain = plain.copy()
            for i, _, dec in inner:
                plain[i] = dec(plain[i])
        return tuple(plain)

    return Converter(encode, decode, _LIST, leaves=tuple(allowed) if not inner else None)


def _mapping(value: Converter) -> Converter:
    """``dict[str, X]``: an object."""
    enc, dec, allowed, leaves = value.encode, value.decode, value.plain, value.leaves
    getters = [operator.itemgetter(i) for i in range(len(leaves or ()))]
    size = {len(getters)}

    # The keys of a JSON object are strings, and so are those of the mappings careloc
    # writes; a value that is not plain is checked by its own decoder.
    def decode(plain: Any) -> Any:
        if type(plain) is not dict:
            raise Malformed("mapping")
        values = plain.values()
        if value.leaf:
            if not set(map(type, values)) <= allowed:
                raise Malformed("mapping")
            return plain
        if leaves is not None:  # tuples of plain values: checked a position at a time
            if values and (set(map(type, values)) != _LIST or set(map(len, values)) != size):
                raise Malformed("mapping")
            for get, kinds in zip(getters, leaves, strict=True):
                if not set(map(type, map(get, values))) <= kinds:
                    raise Malformed("mapping")
            return dict(zip(plain, map(tuple, values), strict=True))
        return dict(zip(plain, map(dec, values), strict=True))

    if value.leaf:
        return Converter(dict, decode, frozenset({dict}))
    return Converter(lambda v: {k: enc(x) for k, x in v.items()}, decode, frozenset({dict}))


def _union(args: tuple[Any, ...]) -> Converter:
    """``X | None``, or a union of dataclasses (tagged by class name)."""
    if _NONE in args and len(args) == 2:
        inner = converters(next(a for a in args if a is not _NONE))
        allowed = inner.plain | {_NONE}
        if inner.leaf:
            return Converter(_same, _check(allowed), allowed, leaf=True)
        enc, dec = inner.encode, inner.decode
        return Converter(
            lambda value: None if value is None else enc(value),
            lambda plain: None if plain is None else dec(plain),
            allowed,
            optional=dec,
        )
    if all(isinstance(a, type) and dataclasses.is_dataclass(a) for a in args):
        by_name = {a.__name__: _dataclass(a) for a in args}

        def encode(value: Any) -> Any:
            name = type(value).__name__
            return [name, by_name[name][0](value)]

        def decode(plain: Any) -> Any:
            if type(plain) is not list or len(plain) != 2 or type(plain[0]) is not str:
                raise Malformed("union")
            return by_name[plain[0]][1](plain[1], {})

        return Converter(encode, decode, _LIST)
    raise TypeError(f"no codec for the union {args!r}")
